"""`flask db upgrade` on an empty database yields exactly the models' schema."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from core.database import db
from search.models import compared_with_models


def test_upgraded_database_matches_models(app):
    # The `app` fixture's database was built by running the migrations, not create_all().
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True,
                                                         "include_name": compared_with_models})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_every_foreign_key_is_indexed(app):
    missing = []
    for table in db.metadata.sorted_tables:
        indexed = {tuple(c.name for c in ix.columns) for ix in table.indexes}
        indexed |= {tuple(c.name for c in u.columns) for u in table.constraints
                    if u.__class__.__name__ in ("UniqueConstraint", "PrimaryKeyConstraint")}
        for fk in table.foreign_keys:
            col = fk.parent.name
            if not any(cols[0] == col for cols in indexed):
                missing.append(f"{table.name}.{col}")
    assert missing == []
