"""Consumers of the event log: named handlers that follow committed events with a durable cursor.

A consumer (the search indexer, the embedder, the CRM relay, notifications) processes each
event at least once: a runner takes a short lease on the consumer's cursor, reads a batch,
handles it (the handler may run its own transactions), then moves the cursor and drops the
lease in one short transaction. A crash before that re-delivers the batch once the lease runs
out, so handlers are idempotent. Two runners of one consumer never hold the lease at once.
"""
import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from flask import current_app
from sqlalchemy import Integer, String, delete, func, select, update
from sqlalchemy.orm import Mapped, mapped_column

from core.database import db
from core.events import DomainEvent, Event
from core.scheduler import Scheduler
from core.time import UTCDateTime, utcnow
from core.transactions import transactional

log = logging.getLogger("commonplace.consumers")


class ConsumerCursor(db.Model):
    __tablename__ = "event_cursors"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)  # the last event id handled
    leased_by: Mapped[str | None] = mapped_column(String(96), nullable=True)
    leased_until = mapped_column(UTCDateTime, nullable=True)
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


@dataclass
class Consumer:
    name: str
    handle: Callable[[list[Event]], None]
    types: tuple[str, ...] = ()  # empty: every type


_consumers: dict[str, Consumer] = {}


def consumer(name: str, *types: str):
    """Decorator: register `fn(events)` as the consumer `name` of the given event types."""
    def register(fn):
        _consumers[name] = Consumer(name, fn, tuple(types))
        return fn
    return register


def registered() -> dict[str, Consumer]:
    return dict(_consumers)


def unregister(name: str) -> None:
    _consumers.pop(name, None)


def position(name: str) -> int:
    return db.session.scalar(select(ConsumerCursor.position)
                             .where(ConsumerCursor.name == name)) or 0


@transactional
def seek(name: str, after: int) -> None:
    """Set a consumer's cursor: it next handles the events with id > after (replay, skip)."""
    cursor = db.session.get(ConsumerCursor, name)
    if cursor is None:
        db.session.add(ConsumerCursor(name=name, position=max(0, after)))
    else:
        cursor.position = max(0, after)


LEASE_SECONDS = 60


def runner_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def run_batch(name: str, limit: int = 200) -> int:
    """Handle the next batch of committed events for consumer `name`; returns how many were read."""
    spec, me = _consumers[name], runner_id()
    if not _pending(name):
        return 0  # nothing new: a plain read, no lease, nothing committed
    start = _lease(name, me)
    if start is None:
        return 0  # another runner holds this consumer's lease
    try:
        rows = db.session.scalars(select(DomainEvent).where(DomainEvent.id > start)
                                  .order_by(DomainEvent.id).limit(limit)).all()
        batch = [Event.from_row(r) for r in rows]
        db.session.rollback()  # end the read before handlers open their own transactions
        wanted = [e for e in batch if not spec.types or e.type in spec.types]
        if wanted:
            spec.handle(wanted)
    except BaseException:
        _release(name, me, start)
        raise
    _release(name, me, batch[-1].id if batch else start)
    return len(batch)


def _pending(name: str) -> bool:
    """Whether the log holds events past the consumer's cursor (a read, ended at once)."""
    newest = select(func.max(DomainEvent.id)).scalar_subquery()
    row = db.session.execute(select(newest, select(ConsumerCursor.position)
                                    .where(ConsumerCursor.name == name).scalar_subquery())).one()
    db.session.rollback()
    return row[0] is not None and row[0] > (row[1] or 0)


@transactional
def _lease(name: str, me: str) -> int | None:
    """Take the consumer's lease; its cursor position, or None when another runner holds it."""
    now = utcnow()
    cursor = db.session.get(ConsumerCursor, name, with_for_update=True,
                            populate_existing=True)
    if cursor is None:
        cursor = ConsumerCursor(name=name, position=0)
        db.session.add(cursor)
    elif cursor.leased_by not in (None, me) and cursor.leased_until and cursor.leased_until > now:
        return None
    cursor.leased_by, cursor.leased_until = me, now + timedelta(seconds=LEASE_SECONDS)
    return cursor.position


@transactional
def _release(name: str, me: str, end: int) -> None:
    db.session.execute(update(ConsumerCursor).where(ConsumerCursor.name == name,
                                                    ConsumerCursor.leased_by == me)
                       .values(position=end, leased_by=None, leased_until=None))


def run_until_caught_up(name: str, limit: int = 200, max_batches: int = 10_000) -> int:
    total = 0
    for _ in range(max_batches):
        count = run_batch(name, limit)
        total += count
        if count < limit:
            break
    return total


@transactional
def prune(retention_days: int | None = None) -> int:
    """Delete events older than the retention that every registered consumer has handled."""
    days = retention_days if retention_days is not None \
        else current_app.config.get("EVENT_RETENTION_DAYS", 30)
    cutoff = utcnow() - timedelta(days=days)
    handled = db.session.scalar(select(func.min(ConsumerCursor.position))
                                .where(ConsumerCursor.name.in_(list(_consumers))))
    query = delete(DomainEvent).where(DomainEvent.created_at < cutoff)
    if _consumers:
        query = query.where(DomainEvent.id <= (handled or 0))
    return db.session.execute(query).rowcount or 0


# Scheduled steps (the notification digests): `fn()` runs at most once per `seconds` across every
# process. The last run is kept as unix seconds in the position of an event_cursors row named
# "job:<name>" (not a consumer: prune ignores it); a runner claims a due run in one transaction.
@dataclass
class Job:
    name: str
    fn: Callable[[], object]
    seconds: int


_jobs: dict[str, Job] = {}


def every(name: str, seconds: int):
    """Decorator: run `fn()` every `seconds` from the consumer runners (first run one interval
    after the job is first seen, so a fresh start sends nothing at once)."""
    def register(fn):
        _jobs[name] = Job(name, fn, int(seconds))
        return fn
    return register


def _job_due(job: Job) -> bool:
    """A plain read first: a step that is not due commits nothing."""
    last = db.session.scalar(select(ConsumerCursor.position)
                             .where(ConsumerCursor.name == f"job:{job.name}"))
    db.session.rollback()
    return last is None or int(utcnow().timestamp()) - last >= job.seconds


@transactional
def _claim_job(job: Job) -> bool:
    now, key = int(utcnow().timestamp()), f"job:{job.name}"
    cursor = db.session.get(ConsumerCursor, key, with_for_update=True, populate_existing=True)
    if cursor is None:
        db.session.add(ConsumerCursor(name=key, position=now))
        return False
    if now - cursor.position < job.seconds:
        return False
    cursor.position = now
    return True


def run_due_jobs() -> list[str]:
    """Run every scheduled step that is due; a failing one is logged. Returns the names run."""
    ran = []
    for name in sorted(_jobs):
        try:
            if _job_due(_jobs[name]) and _claim_job(_jobs[name]):
                _jobs[name].fn()
                ran.append(name)
        except Exception:  # noqa: BLE001 - the next interval tries again
            log.exception("scheduled step %s failed", name)
            db.session.rollback()
    return ran


# The embedded default has no separate worker process: each web process runs the consumers under
# its scheduler (core.scheduler: a thread per consumer, started on the first request, after
# gunicorn forks). Leases keep two processes from handling one consumer's batch at once.
# Scaled out, `flask events run --loop` runs the same scheduler.
_schedulers: dict[int, Scheduler] = {}  # app id -> its scheduler in this process
_schedulers_lock = threading.Lock()


def wake() -> None:
    """Have this process's consumers look at the log now (an after-commit receiver calls it, so
    a change is handled without waiting out the interval)."""
    for scheduler in list(_schedulers.values()):
        scheduler.wake()


def scheduler_for(app, seconds: float, names=None) -> Scheduler:
    """A scheduler with one task per consumer (all, or `names`), each a batch at a time."""
    scheduler = Scheduler(app)
    for name in sorted(names or _consumers):
        scheduler.add(f"consumer:{name}", partial(_step, name), seconds)
    if not names and _jobs:  # scheduled steps (digests) ride with the full set
        scheduler.add("jobs", _jobs_step, max(seconds, 30.0))
    return scheduler


def _step(name: str) -> bool:
    return run_batch(name) > 0


def _jobs_step() -> bool:
    run_due_jobs()
    return False  # a job's next run is at least its interval away


_TASKS = "commonplace.process_tasks"  # app.extensions: name -> (step, seconds)


def in_process(app, name: str, step: Callable[[], bool], seconds: float) -> None:
    """Also run `step` as a task of `app`'s scheduler in each serving process (the CRM relay)."""
    app.extensions[_TASKS] = {**app.extensions.get(_TASKS, {}), name: (step, seconds)}


def ensure_runner(app) -> None:
    """Start this process's scheduler for `app` once: its consumers (when
    CONSUMERS_IN_PROCESS_SECONDS > 0) and the tasks asked for with `in_process`."""
    seconds = app.config.get("CONSUMERS_IN_PROCESS_SECONDS", 0)
    tasks = app.extensions.get(_TASKS, {})
    if not (seconds or tasks) or id(app) in _schedulers:
        return
    with _schedulers_lock:
        if id(app) in _schedulers:
            return
        scheduler = scheduler_for(app, seconds) if seconds else Scheduler(app)
        for name, (step, interval) in tasks.items():
            scheduler.add(name, step, interval)
        _schedulers[id(app)] = scheduler
    scheduler.start()


def adopt(app, scheduler: Scheduler) -> None:
    """Make `scheduler` this process's one for `app` (`flask events run --loop`)."""
    with _schedulers_lock:
        _schedulers[id(app)] = scheduler


def stop_runner(app) -> None:
    """Stop `app`'s consumers and wait for their current rounds to end (tests, shutdown)."""
    scheduler = _schedulers.pop(id(app), None)
    if scheduler is not None:
        scheduler.stop()


def serve(app, scheduler: Scheduler, on_interrupt: Callable[[], object] = lambda: None) -> None:
    """Run `scheduler` as this process's one for `app` until it is stopped or Ctrl-C (then
    `on_interrupt()`), and wait for its current rounds to end (`events run --loop`,
    `crm sync --loop`)."""
    adopt(app, scheduler)  # so wake() reaches it
    scheduler.start()
    try:
        while not scheduler.stopping.wait(3600):
            pass
    except KeyboardInterrupt:
        on_interrupt()
    finally:
        stop_runner(app)


def run_all_once() -> dict[str, int]:
    """Hand every registered consumer what it has not handled; a failing one does not stop the rest."""
    handled = {}
    for name in sorted(_consumers):
        try:
            handled[name] = run_until_caught_up(name)
        except Exception:  # noqa: BLE001 - the batch is handed out again next time
            log.exception("consumer %s failed; its batch will be retried", name)
            db.session.rollback()
            handled[name] = 0
    return handled
