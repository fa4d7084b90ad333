"""support cases, per-category answer targets, CRM webhook receipts and poll marks

Revision ID: 9e4c2b7a1d53
Revises: 3f8a1c2d9e47
Create Date: 2026-12-01 18:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9e4c2b7a1d53'
down_revision = '3f8a1c2d9e47'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'cases',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('thread_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('priority', sa.String(length=8), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('escalated_by_id', sa.Integer(), nullable=True),
        sa.Column('crm_ref', sa.String(length=128), nullable=True),
        sa.Column('connector', sa.String(length=32), nullable=True),
        sa.Column('resolution_post_id', sa.Integer(), nullable=True),
        sa.Column('synced_at', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['thread_id'], ['threads.id'],
                                name=op.f('fk_cases_thread_id_threads'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['escalated_by_id'], ['users.id'],
                                name=op.f('fk_cases_escalated_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_cases')),
        sa.UniqueConstraint('thread_id', name=op.f('uq_cases_thread_id')),
        sa.UniqueConstraint('crm_ref', name=op.f('uq_cases_crm_ref')),
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cases_escalated_by_id'), ['escalated_by_id'],
                              unique=False)
    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answer_target_hours', sa.Integer(), nullable=True))
    op.create_table(
        'crm_webhook_receipts',
        sa.Column('webhook_id', sa.String(length=128), nullable=False),
        sa.Column('received_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('webhook_id', name=op.f('pk_crm_webhook_receipts')),
    )
    with op.batch_alter_table('crm_webhook_receipts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crm_webhook_receipts_received_at'), ['received_at'],
                              unique=False)
    op.create_table(
        'crm_sync_marks',
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('polled_until', sa.DateTime(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_crm_sync_marks')),
    )


def downgrade():
    op.drop_table('crm_sync_marks')
    op.drop_table('crm_webhook_receipts')
    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.drop_column('answer_target_hours')
    op.drop_table('cases')
