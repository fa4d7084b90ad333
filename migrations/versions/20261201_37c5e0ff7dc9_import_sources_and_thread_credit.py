"""import sources (site, kind, external id → local id) and the credit columns of imported threads

Revision ID: 37c5e0ff7dc9
Revises: 5e3a9c1d7b20
Create Date: 2026-12-01 18:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '37c5e0ff7dc9'
down_revision = '5e3a9c1d7b20'
branch_labels = None
depends_on = None

CREDIT = (('source_site', 120), ('source_url', 300), ('source_author', 120),
          ('source_author_url', 300), ('source_license', 40))


def upgrade():
    op.create_table(
        'import_sources',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('site', sa.String(length=64), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('external_id', sa.String(length=120), nullable=False),
        sa.Column('local_id', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_import_sources')),
        sa.UniqueConstraint('site', 'kind', 'external_id',
                            name='uq_import_sources_site_kind_external'),
    )
    with op.batch_alter_table('import_sources', schema=None) as batch_op:
        batch_op.create_index('ix_import_sources_kind_local', ['kind', 'local_id'], unique=False)
    with op.batch_alter_table('threads', schema=None) as batch_op:
        for name, length in CREDIT:
            batch_op.add_column(sa.Column(name, sa.String(length=length), nullable=True))


def downgrade():
    with op.batch_alter_table('threads', schema=None) as batch_op:
        for name, _ in reversed(CREDIT):
            batch_op.drop_column(name)
    op.drop_table('import_sources')
