"""helpful marks ("this solved my problem") and each thread's count of them

Revision ID: d5e1f0a7c3b2
Revises: 4b7e2d9c1a86
Create Date: 2026-12-07 17:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd5e1f0a7c3b2'
down_revision = '6d2f9a41c8e3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('threads', schema=None) as batch_op:
        batch_op.add_column(sa.Column('helpful_count', sa.Integer(), server_default='0',
                                      nullable=False))
        batch_op.create_index('ix_threads_helpful', ['helpful_count', 'id'], unique=False)
    op.create_table(
        'helpful_marks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('thread_id', sa.Integer(), nullable=False),
        sa.Column('visitor', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('query', sa.String(length=100), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['thread_id'], ['threads.id'],
                                name=op.f('fk_helpful_marks_thread_id_threads'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_helpful_marks_user_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_helpful_marks')),
        sa.UniqueConstraint('thread_id', 'visitor', name='uq_helpful_marks_thread_visitor'),
    )
    with op.batch_alter_table('helpful_marks', schema=None) as batch_op:
        batch_op.create_index('ix_helpful_marks_created', ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_helpful_marks_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('helpful_marks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_helpful_marks_user_id'))
        batch_op.drop_index('ix_helpful_marks_created')
    op.drop_table('helpful_marks')
    with op.batch_alter_table('threads', schema=None) as batch_op:
        batch_op.drop_index('ix_threads_helpful')
        batch_op.drop_column('helpful_count')
