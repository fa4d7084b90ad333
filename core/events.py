"""The durable event log: `emit()` queues a `domain_events` row written in the caller's transaction.

In-transaction receivers run at emit time and may write rows in that transaction (and fail it);
after-commit receivers run once the commit succeeded and are isolated (a failure is logged);
consumers (core.consumers) follow the committed log with a named cursor.
"""
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import JSON, Index, Integer, String, insert, select, text
from sqlalchemy.orm import Mapped, mapped_column

from core.database import built, db
from core.time import UTCDateTime, utcnow

log = logging.getLogger("commonplace.events")
PENDING = "commonplace.pending_events"
ANY = "*"
# One key for PostgreSQL's transaction-level advisory lock taken just before the event rows
# are inserted: event ids then increase in commit order, so a consumer that reads "id > cursor"
# never skips a row that commits late. It is the last lock a transaction takes, so it cannot
# be part of a deadlock cycle.
_LOG_LOCK_KEY = 0x436F6D6D6F6E


class DomainEvent(db.Model):
    __tablename__ = "domain_events"
    # AUTOINCREMENT: SQLite never reuses an id, even after the newest rows are pruned.
    __table_args__ = (Index("ix_domain_events_thread_id", "thread_id"),
                      {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    type: Mapped[str] = mapped_column(String(48))
    # Aggregate ids are plain integers, not foreign keys: the log outlives what it describes.
    thread_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    post_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    actor_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at = mapped_column(UTCDateTime, default=utcnow, index=True)


@dataclass
class Event:
    """One event as receivers and consumers see it; `id` is set once the row is written."""

    type: str
    thread_id: int | None = None
    post_id: int | None = None
    user_id: int | None = None
    actor_id: int | None = None
    data: dict = field(default_factory=dict)
    id: int | None = None
    created_at: datetime | None = None

    @classmethod
    def from_row(cls, row) -> "Event":
        return cls(row.type, row.thread_id, row.post_id, row.user_id, row.actor_id,
                   dict(row.data or {}), row.id, row.created_at)


_in_transaction: dict[str, list[Callable]] = defaultdict(list)
_after_commit: dict[str, list[Callable]] = defaultdict(list)


def _registrar(registry: dict, types: tuple[str, ...]):
    def register(fn):
        for type_ in types or (ANY,):
            if fn not in registry[type_]:  # registering twice (a second app) changes nothing
                registry[type_].append(fn)
        return fn
    return register


def on_emit(*types: str):
    """Decorator: run `fn(event)` inside the emitting transaction (it may write rows, or fail it)."""
    return _registrar(_in_transaction, types)


def on_commit(*types: str):
    """Decorator: run `fn(event)` after the emitting transaction commits; failures are logged."""
    return _registrar(_after_commit, types)


def disconnect(fn) -> None:
    for registry in (_in_transaction, _after_commit):
        for receivers in registry.values():
            while fn in receivers:
                receivers.remove(fn)


def fan_out() -> dict[str, dict[str, list[str]]]:
    """What each event type sets off: {type: {"in transaction": [...], "after commit": [...]}},
    receivers named module.function; ANY ("*") lists those that see every type."""
    def name(fn) -> str:
        return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', repr(fn))}"
    plan: dict[str, dict[str, list[str]]] = {}
    for stage, registry in (("in transaction", _in_transaction), ("after commit", _after_commit)):
        for type_, receivers in registry.items():
            if receivers:
                plan.setdefault(type_, {}).setdefault(stage, []).extend(map(name, receivers))
    return plan


def _receivers(registry, type_: str) -> list[Callable]:
    return [*registry.get(type_, ()), *registry.get(ANY, ())]


def emit(type_: str, *, thread_id=None, post_id=None, user_id=None, actor_id=None,
         **data) -> Event:
    """Record an event in the current write transaction and run its in-transaction receivers."""
    from core.transactions import in_transaction  # the wrapper imports this module
    if not in_transaction():
        raise RuntimeError(f"emit({type_!r}) outside a service transaction")
    event = Event(type_, thread_id, post_id, user_id, actor_id, data, created_at=utcnow())
    db.session.info.setdefault(PENDING, []).append(event)
    for receiver in _receivers(_in_transaction, type_):
        receiver(event)
    return event


def write_pending(session) -> list[Event]:
    """Insert the queued events just before commit (the transaction wrapper calls this)."""
    events = session.info.pop(PENDING, [])
    if not events:
        return []
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOG_LOCK_KEY})
    rows = [{"type": e.type, "thread_id": e.thread_id, "post_id": e.post_id,
             "user_id": e.user_id, "actor_id": e.actor_id, "data": e.data,
             "created_at": e.created_at} for e in events]
    ids = session.scalars(insert(DomainEvent).returning(DomainEvent.id,
                                                        sort_by_parameter_order=True), rows).all()
    for event, id_ in zip(events, ids):
        event.id = id_
    return events


def discard_pending(session) -> None:
    session.info.pop(PENDING, None)


def after_commit(events: list[Event]) -> None:
    """Run after-commit receivers; each failure is logged and never reaches the caller."""
    for event in events:
        for receiver in _receivers(_after_commit, event.type):
            try:
                receiver(event)
            except Exception:  # noqa: BLE001 - isolation is the point
                log.exception("after-commit receiver %s failed on event %s %s",
                              getattr(receiver, "__qualname__", receiver), event.id, event.type)


def last_id() -> int:
    return db.session.scalar(built("last_event", lambda: (
        select(DomainEvent.id).order_by(DomainEvent.id.desc()).limit(1)))) or 0


def since(after: int, limit: int = 500, types: list[str] | None = None) -> list[Event]:
    """Committed events with id > after, oldest first."""
    query = select(DomainEvent).where(DomainEvent.id > after)
    if types:
        query = query.where(DomainEvent.type.in_(types))
    rows = db.session.scalars(query.order_by(DomainEvent.id).limit(limit)).all()
    return [Event.from_row(r) for r in rows]
