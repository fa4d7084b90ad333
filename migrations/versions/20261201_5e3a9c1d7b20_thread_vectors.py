"""thread vectors: the semantic layer's embeddings, one row per thread and kind of text

Revision ID: 5e3a9c1d7b20
Revises: 5e8b2c7d1f03
Create Date: 2026-12-01 18:35:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e3a9c1d7b20'
down_revision = '5e8b2c7d1f03'  # after helper/search's last (first of ours: c41d2a7e9b10)
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'thread_vectors',
        sa.Column('thread_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('model', sa.String(length=64), nullable=False),
        sa.Column('dim', sa.Integer(), nullable=False),
        sa.Column('vector', sa.LargeBinary(), nullable=False),
        sa.Column('fingerprint', sa.String(length=32), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['thread_id'], ['threads.id'],
                                name=op.f('fk_thread_vectors_thread_id_threads'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('thread_id', 'kind', name=op.f('pk_thread_vectors')),
    )
    with op.batch_alter_table('thread_vectors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_thread_vectors_updated_at'), ['updated_at'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('thread_vectors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_thread_vectors_updated_at'))
    op.drop_table('thread_vectors')
