"""notifications, watches, notification settings; users' unread count and confirmed address

The `notifications` consumer starts at the newest event: upgrading an existing community does
not notify (or mail) anyone about what happened before.

Revision ID: 6d2f9a41c8e3
Revises: 4b7e2d9c1a86
Create Date: 2026-12-07 17:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6d2f9a41c8e3'
down_revision = '6d2f8a1c4e93'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_confirmed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('unread_notifications', sa.Integer(), nullable=False,
                                      server_default='0'))
    op.create_table(
        'notifications',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('key', sa.String(length=96), nullable=False),
        sa.Column('thread_id', sa.Integer(), nullable=True),
        sa.Column('post_id', sa.Integer(), nullable=True),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('text', sa.String(length=300), nullable=False),
        sa.Column('url', sa.String(length=300), nullable=False),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.Column('is_read', sa.Boolean(), nullable=False),
        sa.Column('mail_state', sa.String(length=8), nullable=False),
        sa.Column('last_event_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        sa.Column('read_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_notifications_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
        sa.UniqueConstraint('user_id', 'key', name='uq_notifications_user_key'),
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_user_updated', ['user_id', 'updated_at', 'id'],
                              unique=False)
        batch_op.create_index('ix_notifications_user_unread', ['user_id', 'is_read'],
                              unique=False)
        batch_op.create_index('ix_notifications_mail_state', ['mail_state', 'user_id'],
                              unique=False)
    op.create_table(
        'watches',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('target_type', sa.String(length=8), nullable=False),
        sa.Column('target_id', sa.Integer(), nullable=False),
        sa.Column('level', sa.String(length=8), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_watches_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_watches')),
        sa.UniqueConstraint('user_id', 'target_type', 'target_id', name='uq_watches_user_target'),
    )
    with op.batch_alter_table('watches', schema=None) as batch_op:
        batch_op.create_index('ix_watches_target', ['target_type', 'target_id', 'level'],
                              unique=False)
    op.create_table(
        'notification_settings',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('email', sa.JSON(), nullable=False),
        sa.Column('digest', sa.String(length=8), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_notification_settings_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_notification_settings')),
    )
    # Start the consumer at the newest event (nothing from before the upgrade is notified).
    # (An empty log needs no row: the consumer starts at 0 then anyway.)
    op.execute("INSERT INTO event_cursors (name, position) SELECT 'notifications', MAX(id) "
               "FROM domain_events HAVING COUNT(*) > 0")


def downgrade():
    op.execute("DELETE FROM event_cursors WHERE name = 'notifications'")
    op.drop_table('notification_settings')
    with op.batch_alter_table('watches', schema=None) as batch_op:
        batch_op.drop_index('ix_watches_target')
    op.drop_table('watches')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_mail_state')
        batch_op.drop_index('ix_notifications_user_unread')
        batch_op.drop_index('ix_notifications_user_updated')
    op.drop_table('notifications')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('unread_notifications')
        batch_op.drop_column('email_confirmed_at')
