"""links between threads (a duplicate and its original)

Revision ID: c41d2a7e9b10
Revises: b7d3c51e9a42
Create Date: 2026-12-01 18:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c41d2a7e9b10'
down_revision = 'b7d3c51e9a42'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'thread_links',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('thread_id', sa.Integer(), nullable=False),
        sa.Column('target_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['thread_id'], ['threads.id'],
                                name=op.f('fk_thread_links_thread_id_threads'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['target_id'], ['threads.id'],
                                name=op.f('fk_thread_links_target_id_threads'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_thread_links_created_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_thread_links')),
        sa.UniqueConstraint('thread_id', 'target_id', 'kind',
                            name='uq_thread_links_thread_target_kind'),
    )
    with op.batch_alter_table('thread_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_thread_links_target_id'), ['target_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_thread_links_created_by_id'), ['created_by_id'],
                              unique=False)


def downgrade():
    op.drop_table('thread_links')
