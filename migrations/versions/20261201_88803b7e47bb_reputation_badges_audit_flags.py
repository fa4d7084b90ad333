"""badges, the audit log, flags, and the leaderboards' indexes

Revision ID: 88803b7e47bb
Revises: c41d2a7e9b10
Create Date: 2026-12-01 19:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '88803b7e47bb'
down_revision = 'c41d2a7e9b10'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'user_badges',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('badge', sa.String(length=32), nullable=False),
        sa.Column('scope', sa.Integer(), nullable=False),
        sa.Column('post_id', sa.Integer(), nullable=True),
        sa.Column('awarded_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_user_badges_user_id_users'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['post_id'], ['posts.id'],
                                name=op.f('fk_user_badges_post_id_posts'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_user_badges')),
        sa.UniqueConstraint('user_id', 'badge', 'scope', name='uq_user_badges_user_badge_scope'),
    )
    with op.batch_alter_table('user_badges', schema=None) as batch_op:
        batch_op.create_index('ix_user_badges_awarded', ['awarded_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_user_badges_post_id'), ['post_id'], unique=False)

    op.create_table(
        'audit_entries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('action', sa.String(length=48), nullable=False),
        sa.Column('target_type', sa.String(length=24), nullable=False),
        sa.Column('target_id', sa.Integer(), nullable=False),
        sa.Column('reason', sa.String(length=500), nullable=False),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['actor_id'], ['users.id'],
                                name=op.f('fk_audit_entries_actor_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entries')),
    )
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.create_index('ix_audit_entries_created', ['created_at', 'id'], unique=False)
        batch_op.create_index('ix_audit_entries_target', ['target_type', 'target_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entries_actor_id'), ['actor_id'], unique=False)

    op.create_table(
        'flags',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('post_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('reason', sa.String(length=16), nullable=False),
        sa.Column('detail', sa.String(length=500), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['post_id'], ['posts.id'],
                                name=op.f('fk_flags_post_id_posts'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_flags_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_flags')),
        sa.UniqueConstraint('post_id', 'user_id', name='uq_flags_post_user'),
    )
    with op.batch_alter_table('flags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_flags_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('reputation_events', schema=None) as batch_op:
        batch_op.create_index('ix_reputation_events_board',
                              ['created_at', 'user_id', 'delta', 'reason', 'thread_id'],
                              unique=False)
        batch_op.create_index('ix_reputation_events_thread_board',
                              ['thread_id', 'created_at', 'user_id', 'delta', 'reason'],
                              unique=False)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index('ix_users_reputation', ['reputation', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index('ix_users_reputation')
    with op.batch_alter_table('reputation_events', schema=None) as batch_op:
        batch_op.drop_index('ix_reputation_events_thread_board')
        batch_op.drop_index('ix_reputation_events_board')
    op.drop_table('flags')
    op.drop_table('audit_entries')
    op.drop_table('user_badges')
