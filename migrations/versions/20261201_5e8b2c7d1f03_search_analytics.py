"""search analytics: searches, zero-result searches and clicks per normalised query and day

Revision ID: 5e8b2c7d1f03
Revises: a3f1c9e2b7d4
Create Date: 2026-12-01 19:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e8b2c7d1f03'
down_revision = 'a3f1c9e2b7d4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'search_query_stats',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('query', sa.String(length=100), nullable=False),
        sa.Column('searches', sa.Integer(), nullable=False),
        sa.Column('zero_results', sa.Integer(), nullable=False),
        sa.Column('clicks', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_search_query_stats')),
        sa.UniqueConstraint('day', 'query', name='uq_search_query_stats_day_query'),
    )


def downgrade():
    op.drop_table('search_query_stats')
