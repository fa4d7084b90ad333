"""search_fts on PostgreSQL: a `head` tsvector (title, tags) with its own GIN index; narrow rows

`head` holds the title (A) and tags (B); toast_tuple_target 128 keeps the heap rows narrow (the
long texts and the full tsvector live in TOAST). A broad query ranks the threads whose title or
tags match first, without reading every matching thread's full tsvector; bitmap scans over
narrow rows count matches cheaply. Nothing changes on SQLite (FTS5).

Revision ID: 4b7e2d9c1a86
Revises: 37c5e0ff7dc9
Create Date: 2026-12-01 21:40:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '4b7e2d9c1a86'
down_revision = '37c5e0ff7dc9'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute("ALTER TABLE search_fts SET (toast_tuple_target = 128)")
    op.execute("ALTER TABLE search_fts ADD COLUMN head tsvector NOT NULL DEFAULT ''")
    # Rewriting every row also stores it anew under the narrow-row target.
    op.execute("UPDATE search_fts SET head = setweight(to_tsvector('commonplace', title), 'A') "
               "|| setweight(to_tsvector('commonplace', tags), 'B')")
    op.execute("CREATE INDEX ix_search_fts_head ON search_fts USING gin (head)")


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute("DROP INDEX IF EXISTS ix_search_fts_head")
    op.execute("ALTER TABLE search_fts DROP COLUMN head")
    op.execute("ALTER TABLE search_fts RESET (toast_tuple_target)")
