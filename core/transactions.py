"""Write transactions: one service call is one transaction; its events are written just before
the commit and their after-commit receivers run once it succeeded. PostgreSQL deadlocks and
serialization failures are retried once, then answered 503; only named unique constraints
become 409 conflicts."""
import logging
import re
from contextvars import ContextVar
from functools import wraps

from sqlalchemy import event as sa_event
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session
from werkzeug.local import LocalProxy

from core import events
from core.database import db, write_intent
from core.errors import Busy, Conflict

log = logging.getLogger("commonplace.transactions")
_depth: ContextVar[int] = ContextVar("commonplace_tx_depth", default=0)
UNOWNED = "commonplace.unowned_flush"
RETRYABLE = {"40P01", "40001"}  # deadlock_detected, serialization_failure
# Unique constraints a user can race into, by name: (field, message). Anything else is a bug.
_conflicts: dict[str, tuple[str, str]] = {}


def conflict_on(name: str, field: str, message: str) -> None:
    """Declare that a violation of unique constraint `name` is a 409 on `field`."""
    _conflicts[name] = (field, message)


def in_transaction() -> bool:
    return _depth.get() > 0


def _real(value):
    # Callers may pass Flask-Login's current_user; services keep, compare and refresh the
    # actor as a mapped object, so they get the object behind the proxy.
    return value._get_current_object() if isinstance(value, LocalProxy) else value


@sa_event.listens_for(Session, "after_flush")
def _note_unowned_flush(session, flush_context):
    if not _depth.get():
        session.info[UNOWNED] = True


@sa_event.listens_for(Session, "after_commit")
@sa_event.listens_for(Session, "after_rollback")
def _forget_unowned_flush(session):
    session.info.pop(UNOWNED, None)  # whoever flushed it has committed or dropped it


def _start(session) -> None:
    if session.new or session.dirty or session.deleted or session.info.pop(UNOWNED, False):
        session.rollback()
        raise RuntimeError("A service transaction found changes it did not make; refusing to "
                           "commit them. Writes belong inside one service function.")
    if session.in_transaction():
        session.rollback()  # end the request's read transaction; it wrote nothing


def transactional(fn):
    """Run a service function in its own write transaction; nested calls join the outer one."""

    @wraps(fn)
    def wrapper(*args, **kwargs):
        args = tuple(_real(a) for a in args)
        kwargs = {k: _real(v) for k, v in kwargs.items()}
        if _depth.get():
            return fn(*args, **kwargs)
        session = db.session()
        _start(session)
        for attempt in (1, 2):
            try:
                result, written = _run_once(session, fn, args, kwargs)
                break
            except DBAPIError as exc:
                if _lock_wait_ran_out(exc):
                    raise Busy("The site is busy; please try again in a moment.") from exc
                if not _retryable(exc):
                    raise
                if attempt == 2:
                    raise Busy("The site is busy; please try again in a moment.") from exc
                log.info("retrying %s after %s", fn.__qualname__, type(exc.orig).__name__)
        events.after_commit(written)
        return result

    return wrapper


def _run_once(session, fn, args, kwargs):
    intent, depth = write_intent.set(True), _depth.set(1)
    try:
        result = fn(*args, **kwargs)
        written = events.write_pending(session)
        session.commit()
        return result, written
    except IntegrityError as exc:
        _abort(session)
        conflict = _as_conflict(exc)
        if conflict is None:
            raise  # not a conflict a user can cause: a bug, reported as such
        raise conflict from exc
    except BaseException:
        _abort(session)
        raise
    finally:
        write_intent.reset(intent)
        _depth.reset(depth)


def _abort(session) -> None:
    session.rollback()
    events.discard_pending(session)
    session.info.pop(UNOWNED, None)


def _retryable(exc: DBAPIError) -> bool:
    return (getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)) in RETRYABLE


def _lock_wait_ran_out(exc: DBAPIError) -> bool:
    # SQLite: the write lock was not free within busy_timeout. Not retried (it already
    # waited); reported as busy rather than as an error of ours.
    return isinstance(exc, OperationalError) and "database is locked" in str(exc.orig)


_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: ([\w.]+(?:, [\w.]+)*)")


def _constraint_name(exc: IntegrityError) -> str | None:
    diag = getattr(exc.orig, "diag", None)
    if diag is not None and getattr(diag, "constraint_name", None):
        return diag.constraint_name
    match = _SQLITE_UNIQUE.search(str(exc.orig))
    if not match:
        return None
    columns = [c.strip().split(".") for c in match.group(1).split(",")]
    table, names = columns[0][0], tuple(sorted(c[1] for c in columns))
    return _unique_index().get((table, names))


def _unique_index() -> dict:
    """(table, sorted column names) → constraint name, from the models' metadata."""
    found = {}
    for table in db.metadata.tables.values():
        for constraint in table.constraints:
            if constraint.__class__.__name__ == "UniqueConstraint":
                found[(table.name, tuple(sorted(c.name for c in constraint.columns)))] = \
                    constraint.name
        for index in table.indexes:
            if index.unique:
                found[(table.name, tuple(sorted(c.name for c in index.columns)))] = index.name
        for column in table.columns:
            if column.unique:
                found.setdefault((table.name, (column.name,)),
                                 f"uq_{table.name}_{column.name}")
    return found


def _as_conflict(exc: IntegrityError) -> Conflict | None:
    name = _constraint_name(exc)
    if name not in _conflicts:
        return None
    field, message = _conflicts[name]
    return Conflict(f"That {field} {message}.", {field: [message]})

