"""search_signals: search analytics counted per distinct visitor, with deflections

Revision ID: 5d1e8a3c7f20
Revises: 4b7e2d9c1a86
Create Date: 2026-12-07 17:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5d1e8a3c7f20'
down_revision = '6d2f8a1c4e90'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'search_signals',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('kind', sa.String(length=1), nullable=False),
        sa.Column('visitor', sa.String(length=16), nullable=False),
        sa.Column('thread_id', sa.Integer(), nullable=False),
        sa.Column('query', sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint('day', 'kind', 'visitor', 'thread_id', 'query',
                                name=op.f('pk_search_signals')),
    )
    with op.batch_alter_table('search_signals', schema=None) as batch_op:
        batch_op.create_index('ix_search_signals_kind_day', ['kind', 'day'], unique=False)


def downgrade():
    with op.batch_alter_table('search_signals', schema=None) as batch_op:
        batch_op.drop_index('ix_search_signals_kind_day')
    op.drop_table('search_signals')
