"""moderation: review queue, watched words, site settings; closed/hidden threads and posts,
silenced users

Revision ID: 6d2f8a1c4e93
Revises: 4b7e2d9c1a86
Create Date: 2026-12-07 17:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6d2f8a1c4e93'
down_revision = '4b7e2d9c1a86'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('threads', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_closed', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
        batch_op.add_column(sa.Column('close_reason', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('is_hidden', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_hidden', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('silenced_until', sa.DateTime(), nullable=True))
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('linked_case_id', sa.Integer(), nullable=True))
    op.create_table(
        'review_items',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('post_id', sa.Integer(), nullable=False),
        sa.Column('thread_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('handled_reasons', sa.String(length=100), server_default='', nullable=False),
        sa.Column('outcome', sa.String(length=16), nullable=True),
        sa.Column('note', sa.String(length=500), server_default='', nullable=False),
        sa.Column('resolved_by_id', sa.Integer(), nullable=True),
        sa.Column('resolved_at', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['post_id'], ['posts.id'],
                                name=op.f('fk_review_items_post_id_posts'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['thread_id'], ['threads.id'],
                                name=op.f('fk_review_items_thread_id_threads'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'],
                                name=op.f('fk_review_items_resolved_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_review_items')),
        sa.UniqueConstraint('post_id', name=op.f('uq_review_items_post_id')),
    )
    with op.batch_alter_table('review_items', schema=None) as batch_op:
        batch_op.create_index('ix_review_items_status_id', ['status', 'id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_review_items_thread_id'), ['thread_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_items_resolved_by_id'), ['resolved_by_id'],
                              unique=False)
    op.create_table(
        'watched_words',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('word', sa.String(length=60), nullable=False),
        sa.Column('action', sa.String(length=16), nullable=False),
        sa.Column('replacement', sa.String(length=60), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_watched_words_created_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_watched_words')),
        sa.UniqueConstraint('word', name=op.f('uq_watched_words_word')),
    )
    with op.batch_alter_table('watched_words', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_watched_words_created_by_id'), ['created_by_id'],
                              unique=False)
    op.create_table(
        'site_settings',
        sa.Column('name', sa.String(length=48), nullable=False),
        sa.Column('value', sa.String(length=200), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_site_settings')),
    )


def downgrade():
    op.drop_table('site_settings')
    op.drop_table('watched_words')
    op.drop_table('review_items')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('linked_case_id')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('silenced_until')
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_column('is_hidden')
    with op.batch_alter_table('threads', schema=None) as batch_op:
        batch_op.drop_column('is_hidden')
        batch_op.drop_column('close_reason')
        batch_op.drop_column('is_closed')
