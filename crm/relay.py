"""The outbox relay: claims due rows (the oldest undelivered row of each aggregate, so one
aggregate's rows go out in order and a later row waits while an earlier one is failed or dead),
hands them to the connector, and records delivered / failed (a backoff schedule of seconds, then
minutes, then hours, with jitter, spanning CRM_RELAY_RETRY_HOURS) / dead. Claims are leases: a
relay killed mid-batch loses nothing. On PostgreSQL claims use FOR UPDATE SKIP LOCKED, so several
relays can run; on SQLite the write lock serialises them. The relay is a task of the process's
scheduler (core.scheduler), in a serving process or in `flask crm sync --loop`."""
import logging
import random
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


def nominal_wait(attempts: int, base: float, cap: float) -> float:
    """The schedule: base * 2^(attempts-1) seconds, capped (2 s, 4 s, ... 34 min, then hourly)."""
    return min(cap, base * 2 ** min(64, max(0, attempts - 1)))


def backoff_seconds(attempts: int, base: float, cap: float) -> float:
    """Equal jitter: a random wait between half the scheduled one and all of it, so relays
    spread out yet every row keeps at least half its schedule."""
    wait = nominal_wait(attempts, base, cap)
    return wait / 2 + random.uniform(0, wait / 2)


def attempts_allowed(config) -> int:
    """How many failed attempts make a row dead: CRM_RELAY_MAX_ATTEMPTS when set, else the
    fewest whose shortest (jittered) waits add up to CRM_RELAY_RETRY_HOURS."""
    if config.get("CRM_RELAY_MAX_ATTEMPTS"):
        return config["CRM_RELAY_MAX_ATTEMPTS"]
    base, cap = config["CRM_RELAY_BACKOFF_BASE"], config["CRM_RELAY_BACKOFF_MAX"]
    span, waited, attempts = config["CRM_RELAY_RETRY_HOURS"] * 3600, 0.0, 0
    while waited < span:
        attempts += 1
        waited += nominal_wait(attempts, base, cap) / 2
    return attempts + 1  # the attempt made once the last wait is over


def _due_heads(now, limit: int, lock: bool = True):
    earlier = aliased(OutboxRow)  # any undelivered earlier row (failed, dead too) holds it back
    blocked = exists().where(earlier.aggregate == OutboxRow.aggregate, earlier.id < OutboxRow.id,
                             earlier.status != "delivered")
    query = select(OutboxRow).where(OutboxRow.status.in_(OPEN_STATES), ~blocked,
                                    or_(OutboxRow.leased_until.is_(None),
                                        OutboxRow.leased_until < now),
                                    OutboxRow.next_attempt_at <= now)
    query = query.order_by(OutboxRow.id).limit(limit)
    return query.with_for_update(skip_locked=True, of=OutboxRow) if lock else query


def anything_due() -> bool:
    """Whether a row waits to be sent: a plain read, so an idle relay commits nothing."""
    due = db.session.execute(_due_heads(utcnow(), 1, lock=False)).first() is not None
    db.session.rollback()
    return due


@transactional
def claim(me: str, limit: int = 50) -> list[Claimed]:
    """Lease up to `limit` due rows, at most one per aggregate (the oldest undelivered one)."""
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
    if not retryable or found.attempts >= attempts_allowed(config):
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
    if now_too:
        _due_now()
    counts: dict[str, int] = {}
    while deliver_batch(limit, counts):
        pass
    return counts


def deliver_batch(limit: int | None = None, counts: dict[str, int] | None = None) -> int:
    """Claim one batch of due rows and deliver them, adding their new statuses to `counts`;
    returns how many were claimed. With nothing due it is one plain read and commits nothing."""
    if not anything_due():
        return 0
    counts = {} if counts is None else counts
    connector = get_connector()
    batch = claim(runner_id(), limit or current_app.config["CRM_RELAY_BATCH"])
    for row in batch:
        status = deliver(row, connector)
        counts[status] = counts.get(status, 0) + 1
    return len(batch)


TASK = "crm-relay"  # the relay's name among the tasks of the process's scheduler


@dataclass
class Step:
    """The relay as a task of core.scheduler: each round delivers a batch of due rows, then lets
    the pollers ask the CRM (each at most every CRM_POLL_SECONDS); it says there may be more
    at once when it delivered any. A failing round is the scheduler's to log and back off.
    `now_too` first makes the rows waiting out a backoff due, on the first round that works."""

    now_too: bool = False

    def __call__(self) -> bool:
        if self.now_too:
            _due_now()
            self.now_too = False
        delivered = deliver_batch()
        poll()
        return delivered > 0


@transactional
def _due_now() -> int:
    return db.session.execute(update(OutboxRow).where(OutboxRow.status == "failed")
                              .values(next_attempt_at=utcnow())).rowcount or 0


@transactional
def retry(row_id: int, actor=None) -> bool:
    """Make a failed or dead row due now, its attempts reset (staff, or the command line
    when `actor` is None). False when the row is not failed or dead."""
    revived = _revive(OutboxRow.id == row_id, OutboxRow.status.in_(("failed", "dead")), actor=actor)
    if revived:
        emit("crm.outbox_retried", actor_id=actor.id if actor else None, row_id=row_id)
    return bool(revived)


@transactional
def retry_dead(actor=None) -> int:
    """Make every dead row due now, attempts reset, in one statement (after an outage that
    outlasted the schedule, or a fixed connector setting); returns how many."""
    revived = _revive(OutboxRow.status == "dead", actor=actor)
    if revived:
        emit("crm.outbox_retried", actor_id=actor.id if actor else None, dead=revived)
    return revived


def _revive(*where, actor) -> int:
    if actor is not None:
        ensure(can_manage_crm, actor)
    return db.session.execute(
        update(OutboxRow).where(*where)
        .values(status="pending", attempts=0, next_attempt_at=utcnow(), leased_by=None,
                leased_until=None)).rowcount or 0


from crm import handlers as _handlers  # noqa: E402,F401  (registers the row kinds)
