"""Bulk writes for imports, inside the caller's transaction: ids allocated up front (so rows can
name each other without a second pass), then one executemany on SQLite or one COPY on
PostgreSQL (where executemany of 100k rows spent most of its time parsing SQL and waiting)."""
import json
from datetime import UTC

from sqlalchemy import JSON, func, insert, select, text

from core.database import db


def _postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def allocate_ids(table, count: int) -> list[int]:
    """`count` new primary keys for `table`. PostgreSQL takes them from the column's sequence;
    SQLite counts on from the highest id, which is safe because an import batch holds the
    write lock (BEGIN IMMEDIATE) from its first statement."""
    if count <= 0:
        return []
    if _postgres():
        return list(db.session.scalars(
            text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) "
                 "FROM generate_series(1, :n)"), {"table": table.name, "n": count}))
    start = (db.session.scalar(select(func.max(table.c.id))) or 0) + 1
    return list(range(start, start + count))


def _defaults(table, rows: list[dict]) -> list[str]:
    """Fill the columns a row leaves out from their Python-side defaults (COPY runs none)."""
    columns = [c.name for c in table.columns]
    for column in table.columns:
        if column.name in rows[0] or column.default is None:
            continue
        default = column.default
        for row in rows:
            row[column.name] = default.arg(None) if default.is_callable else default.arg
    return [c for c in columns if c in rows[0]]


def _plain(value):
    if hasattr(value, "tzinfo") and value.tzinfo is not None:  # UTCDateTime stores naive UTC
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def insert_rows(table, rows: list[dict]) -> None:
    """Insert `rows` (dicts with the same keys) into `table`."""
    if not rows:
        return
    if not _postgres():
        db.session.execute(insert(table), rows)
        return
    columns = _defaults(table, rows)
    as_json = {c for c in columns if isinstance(table.c[c].type, JSON)}  # COPY takes JSON text
    raw = db.session.connection().connection.driver_connection
    names = ", ".join(f'"{c}"' for c in columns)
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([json.dumps(row[c]) if c in as_json else _plain(row[c])
                            for c in columns])
