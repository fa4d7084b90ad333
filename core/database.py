"""The database handle and engine set-up: SQLite tuned for several processes (WAL, busy_timeout,
foreign keys, IMMEDIATE writes for service transactions), pooled PostgreSQL otherwise."""
import re
from contextvars import ContextVar

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Ids are INTEGER columns: 32-bit on PostgreSQL. A larger id in a URL, body or cursor is a 404
# or a 400, never an overflow inside the driver.
MAX_ID = 2**31 - 1
# NUL (PostgreSQL refuses it in text) and lone surrogates (no encoding can store them).
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def parse_id(text, maximum: int = MAX_ID) -> int | None:
    """A whole number from 0 to `maximum` written in ASCII digits, else None. The length check
    comes first: int() of thousands of digits is slow, and refused past 4,300 of them."""
    if not isinstance(text, str) or not text.isascii() or not text.isdigit() or len(text) > 10:
        return None
    number = int(text)
    return number if number <= maximum else None

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION))

# Set by the transaction wrapper: a service's transaction begins IMMEDIATE on SQLite, so two
# writers queue on busy_timeout instead of failing on a read-to-write upgrade.
write_intent: ContextVar[bool] = ContextVar("commonplace_write_intent", default=False)


@event.listens_for(Engine, "connect")
def _sqlite_connect(dbapi_connection, connection_record):
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    # Let SQLAlchemy's "begin" hook below issue BEGIN itself (the pysqlite recipe).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in ("journal_mode=WAL", "busy_timeout=10000", "foreign_keys=ON",
                   "synchronous=NORMAL"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection):
    if connection.dialect.name != "sqlite":
        return
    # Service writes take the write lock up front; plain reads stay deferred and never block.
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write_intent.get() else "BEGIN")


def engine_options(uri: str) -> dict:
    if uri.startswith("sqlite"):
        return {"connect_args": {"timeout": 10, "check_same_thread": False}}
    return {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 10}


_built: dict = {}


def built(key, make):
    """A statement built once per key (its varying values are bound parameters): on the hottest
    pages, building a statement and working out its cache key cost more than running it."""
    statement = _built.get(key)
    if statement is None:
        statement = _built[key] = make()
    return statement
