"""the database search backend: fingerprints, vocabulary, and the engine's full-text table

SQLite: an FTS5 virtual table (porter stemming, diacritics removed). PostgreSQL: a table with
a weighted tsvector and a GIN index, under the text search configuration `commonplace`
(English stemming, with `unaccent` folding when the extension can be created).

Revision ID: a3f1c9e2b7d4
Revises: c41d2a7e9b10
Create Date: 2026-12-01 18:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a3f1c9e2b7d4'
down_revision = 'c41d2a7e9b10'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'search_documents',
        sa.Column('thread_id', sa.Integer(), nullable=False),
        sa.Column('fingerprint', sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(['thread_id'], ['threads.id'],
                                name=op.f('fk_search_documents_thread_id_threads'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('thread_id', name=op.f('pk_search_documents')),
    )
    op.create_table(
        'search_words',
        sa.Column('word', sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint('word', name=op.f('pk_search_words')),
    )
    if op.get_bind().dialect.name == 'postgresql':
        _postgresql_upgrade()
    else:
        op.execute("CREATE VIRTUAL TABLE search_fts USING fts5(title, question, answers, tags, "
                   "tokenize = 'porter unicode61 remove_diacritics 2')")


def _postgresql_upgrade():
    bind = op.get_bind()
    # unaccent needs the contrib package and the right to create extensions; without them the
    # configuration still stems (English), it just does not fold accents.
    with bind.begin_nested() as savepoint:
        try:
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS unaccent"))
            folding = True
        except sa.exc.DBAPIError:
            savepoint.rollback()
            folding = False
    op.execute("CREATE TEXT SEARCH CONFIGURATION commonplace (COPY = english)")
    if folding:
        op.execute("ALTER TEXT SEARCH CONFIGURATION commonplace ALTER MAPPING FOR "
                   "hword, hword_part, word WITH unaccent, english_stem")
    op.execute("""
        CREATE TABLE search_fts (
            thread_id integer PRIMARY KEY REFERENCES threads (id) ON DELETE CASCADE,
            title text NOT NULL, question text NOT NULL, answers text NOT NULL,
            tags text NOT NULL, tsv tsvector NOT NULL)""")
    op.execute("CREATE INDEX ix_search_fts_tsv ON search_fts USING gin (tsv)")


def downgrade():
    op.execute("DROP TABLE IF EXISTS search_fts")
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS commonplace")
    op.drop_table('search_words')
    op.drop_table('search_documents')
