"""The outbox relay: claims due rows (the oldest open row of each aggregate, so one aggregate's
rows go out in order), hands them to the connector, and records delivered / failed (exponential
backoff with jitter) / dead. Claims are leases: a relay killed mid-batch loses nothing, its rows
come due again when the lease runs out. On PostgreSQL claims use FOR UPDATE SKIP LOCKED, so
several relays can run; on SQLite the write lock serialises them."""
import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import exists, or_, select, update
from sqlalchemy.orm import aliased

from community.policies import can_manage_crm, ensure
from core.consumers import runner_id
from core.events import emit
from core.database import db
from core.time import utcnow
from core.transactions import transactional
from crm.connector import DeliveryError
from crm.connectors import get_connector
from crm.models import OPEN_STATES, OutboxRow

log = logging.getLogger("commonplace.crm.relay")
LEASE_SECONDS = 120


@dataclass(frozen=True)
class Claimed:
    """What a handler sees of a row: plain data, no session object."""

    id: int
    kind: str
    aggregate: str
    payload: dict
    idempotency_key: str
    attempts: int


@dataclass(frozen=True)
class Outcome:
    """A handler's answer: a result to keep on the row, a note for staff, and a function run in
    the recording transaction (links, refs) if the delivery is recorded."""

    result: dict | None = None
    note: str | None = None
    record: Callable[[], None] | None = None


# kind → fn(connector, Claimed) -> Outcome | None. One line registers a kind (helper/cases adds
# "case.create" and "case.update").
HANDLERS: dict[str, Callable] = {}


def handler(kind: str):
    def register(fn):
        HANDLERS[kind] = fn
        return fn
    return register


# fn(connector) -> int: what `crm sync` asks the CRM after delivering (case outcomes, say);
# each returns how many changes it brought in. Registering one is one line.
POLLERS: list[Callable] = []


def poll() -> int:
    connector, total = get_connector(), 0
    for fn in POLLERS:
        try:
            total += fn(connector) or 0
        except Exception:  # noqa: BLE001 - one CRM hiccup must not stop the relay
            log.exception("CRM poller %s failed", getattr(fn, "__qualname__", fn))
            db.session.rollback()
    return total


def backoff_seconds(attempts: int, base: float, cap: float) -> float:
    """Full jitter: a random wait up to base * 2^(attempts-1), capped."""
    return random.uniform(0, 1) * min(cap, base * 2 ** max(0, attempts - 1)) + base / 2


def _due_heads(now, limit: int):
    earlier = aliased(OutboxRow)
    blocked = exists().where(earlier.aggregate == OutboxRow.aggregate, earlier.id < OutboxRow.id,
                             earlier.status.in_(OPEN_STATES))
    query = select(OutboxRow).where(OutboxRow.status.in_(OPEN_STATES), ~blocked,
                                    or_(OutboxRow.leased_until.is_(None),
                                        OutboxRow.leased_until < now),
                                    OutboxRow.next_attempt_at <= now)
    return (query.order_by(OutboxRow.id).limit(limit)
            .with_for_update(skip_locked=True, of=OutboxRow))


@transactional
def claim(me: str, limit: int = 50) -> list[Claimed]:
    """Lease up to `limit` due rows, at most one per aggregate (the oldest open one)."""
    now = utcnow()
    rows = db.session.scalars(_due_heads(now, limit)).all()
    for row in rows:
        row.leased_by, row.leased_until = me, now + timedelta(seconds=LEASE_SECONDS)
    return [Claimed(r.id, r.kind, r.aggregate, dict(r.payload or {}), r.idempotency_key,
                    r.attempts) for r in rows]


def deliver(row: Claimed, connector=None) -> str:
    """Hand one claimed row to its handler and record what happened; returns the new status."""
    connector = connector or get_connector()
    fn = HANDLERS.get(row.kind)
    try:
        if fn is None:
            raise DeliveryError(f"no handler for outbox rows of kind {row.kind!r}", retryable=False)
        outcome = fn(connector, row) or Outcome()
    except DeliveryError as exc:
        db.session.rollback()
        return _record_failure(row, str(exc), exc.retryable)
    except Exception as exc:  # noqa: BLE001 - a connector bug must not stop the relay
        db.session.rollback()
        log.exception("outbox row %s (%s) failed", row.id, row.kind)
        return _record_failure(row, f"{type(exc).__name__}: {exc}", True)
    db.session.rollback()  # end any read the handler did before the recording transaction
    try:
        return _record_success(row, outcome)
    except Exception as exc:  # noqa: BLE001 - e.g. two relays linking one person at once
        log.exception("recording outbox row %s (%s) failed", row.id, row.kind)
        return _record_failure(row, f"delivered, but recording it failed: {exc}"[:2000], True)


def _owned(row: Claimed) -> OutboxRow | None:
    found = db.session.get(OutboxRow, row.id, with_for_update=True, populate_existing=True)
    if found is None or found.status not in OPEN_STATES or found.leased_by is None:
        return None  # a staff change or another relay after our lease ran out
    return found


@transactional
def _record_success(row: Claimed, outcome: Outcome) -> str:
    found = _owned(row)
    if found is None:
        return "lost"
    if outcome.record:
        outcome.record()
    found.status, found.delivered_at, found.attempts = "delivered", utcnow(), row.attempts + 1
    found.result, found.note, found.last_error = outcome.result, outcome.note, None
    found.leased_by = found.leased_until = None
    return found.status


@transactional
def _record_failure(row: Claimed, error: str, retryable: bool) -> str:
    found = _owned(row)
    if found is None:
        return "lost"
    config = current_app.config
    found.attempts = row.attempts + 1
    found.last_error = error[:2000]
    if not retryable or found.attempts >= config["CRM_RELAY_MAX_ATTEMPTS"]:
        found.status = "dead"
    else:
        found.status = "failed"
        found.next_attempt_at = utcnow() + timedelta(seconds=backoff_seconds(
            found.attempts, config["CRM_RELAY_BACKOFF_BASE"], config["CRM_RELAY_BACKOFF_MAX"]))
    found.leased_by = found.leased_until = None
    return found.status


def run_once(limit: int | None = None, now_too: bool = False) -> dict[str, int]:
    """Deliver what is due until nothing is; `now_too` first makes rows that wait out a backoff
    due (after an outage). Returns counts by resulting status."""
    limit = limit or current_app.config["CRM_RELAY_BATCH"]
    if now_too:
        _due_now()
    me, counts, connector = runner_id(), {}, get_connector()
    while batch := claim(me, limit):
        for row in batch:
            status = deliver(row, connector)
            counts[status] = counts.get(status, 0) + 1
    return counts


@transactional
def _due_now() -> int:
    return db.session.execute(update(OutboxRow).where(OutboxRow.status == "failed")
                              .values(next_attempt_at=utcnow())).rowcount or 0


@transactional
def retry(row_id: int, actor=None) -> bool:
    """Make a failed or dead row due now, its attempts reset (staff, or the command line
    when `actor` is None). False when the row is not failed or dead."""
    if actor is not None:
        ensure(can_manage_crm, actor)
    result = db.session.execute(
        update(OutboxRow).where(OutboxRow.id == row_id, OutboxRow.status.in_(("failed", "dead")))
        .values(status="pending", attempts=0, next_attempt_at=utcnow(), leased_by=None,
                leased_until=None))
    if result.rowcount:
        emit("crm.outbox_retried", actor_id=actor.id if actor else None, row_id=row_id)
    return bool(result.rowcount)


def loop(interval: float = 1.0, stop: threading.Event | None = None) -> None:
    stop = stop or threading.Event()
    while not stop.is_set():
        try:
            run_once()
            poll()
        except Exception:  # noqa: BLE001 - keep relaying after a database hiccup
            log.exception("relay pass failed")
            db.session.rollback()
        db.session.remove()
        stop.wait(interval)


def start_thread(app, interval: float = 1.0) -> threading.Event:
    """The embedded default's relay: a daemon thread in the app process."""
    stop = threading.Event()

    def run():
        with app.app_context():
            loop(interval, stop)

    thread = threading.Thread(target=run, name="crm-relay", daemon=True)
    thread.start()
    stop.thread = thread  # so a caller can wait for the relay to finish its pass
    return stop


from crm import handlers as _handlers  # noqa: E402,F401  (registers the row kinds)
