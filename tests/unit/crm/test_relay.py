"""The relay: in order per aggregate (a later row waits for a failed or dead earlier one), a
backoff schedule with jitter spanning the configured hours, dead letters, staff retry, `crm sync
--now` and `--loop` (a scheduler task), an idle round that commits nothing, and several relays
never delivering one row twice (FOR UPDATE SKIP LOCKED on PostgreSQL)."""
import random
import threading
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, select, text

from core.database import db
from core.time import utcnow
from core.transactions import transactional
from crm import relay
from crm.connector import DeliveryError
from crm.models import OutboxRow
from crm.outbox import enqueue
from tests.conftest import POSTGRES_URL, USING_POSTGRES, cli_loop, wait_for


class Echo:
    """A row kind for these tests: records what it was handed; fails while told to."""

    def __init__(self):
        self.seen: list[tuple[str, int]] = []
        self.failing: dict[str, bool] = {}  # aggregate → retryable failure
        self.lock = threading.Lock()

    def __call__(self, connector, row):
        if row.aggregate in self.failing:
            raise DeliveryError("the CRM is down", retryable=self.failing[row.aggregate])
        with self.lock:
            self.seen.append((row.aggregate, row.payload["n"]))


@pytest.fixture
def echo():
    relay.HANDLERS["test.echo"] = handler = Echo()  # registering a kind is one line
    yield handler
    relay.HANDLERS.pop("test.echo")


@transactional
def _enqueue(*pairs) -> list[int]:
    rows = [enqueue("test.echo", aggregate, {"n": n}) for aggregate, n in pairs]
    db.session.flush()
    return [r.id for r in rows]


def _row(row_id) -> OutboxRow:
    db.session.expire_all()
    return db.session.get(OutboxRow, row_id)


def test_rows_of_one_aggregate_go_out_in_order(app, echo):
    _enqueue(*[(f"a:{i % 3}", i) for i in range(9)])
    relay.run_once(limit=2)
    for aggregate in ("a:0", "a:1", "a:2"):
        numbers = [n for a, n in echo.seen if a == aggregate]
        assert numbers == sorted(numbers) and len(numbers) == 3


def test_a_failing_row_holds_back_the_later_rows_of_its_aggregate_only(app, echo):
    first, second, other = _enqueue(("a:1", 1), ("a:1", 2), ("b:1", 1))
    echo.failing["a:1"] = True
    relay.run_once()
    assert echo.seen == [("b:1", 1)]
    assert (_row(first).status, _row(second).status) == ("failed", "pending")
    del echo.failing["a:1"]
    relay.run_once(now_too=True)
    assert echo.seen[1:] == [("a:1", 1), ("a:1", 2)]


def test_backoff_grows_exponentially_with_jitter(app):
    random.seed(7)
    base, cap = 2.0, 3600.0
    waits = [[relay.backoff_seconds(n, base, cap) for _ in range(50)] for n in range(1, 8)]
    for n, samples in enumerate(waits, start=1):
        assert all(base * 2 ** (n - 1) / 2 <= w <= base * 2 ** (n - 1) for w in samples)
        assert len(set(samples)) > 40  # jittered, not one fixed delay
    assert [max(s) for s in waits] == sorted(max(s) for s in waits)
    assert max(waits[-1]) > 20 * max(waits[0])
    assert cap / 2 <= relay.backoff_seconds(40, base, cap) <= cap


def test_a_failed_row_waits_out_its_backoff(app, echo):
    [row_id] = _enqueue(("a:1", 1))
    echo.failing["a:1"] = True
    relay.run_once()
    row = _row(row_id)
    assert (row.status, row.attempts, row.last_error) == ("failed", 1, "the CRM is down")
    assert row.next_attempt_at > utcnow()
    del echo.failing["a:1"]
    assert relay.run_once() == {}  # not due yet


def test_dead_letter_after_the_configured_attempts_holds_its_aggregate_until_retried(app, echo):
    app.config["CRM_RELAY_MAX_ATTEMPTS"] = 3
    dead_id, later_id = _enqueue(("a:1", 1), ("a:1", 2))
    echo.failing["a:1"] = True
    for _ in range(3):
        relay.run_once(now_too=True)
    row = _row(dead_id)
    assert (row.status, row.attempts) == ("dead", 3)
    del echo.failing["a:1"]
    relay.run_once(now_too=True)
    assert _row(later_id).status == "pending"  # never before, nor without, its predecessor
    assert echo.seen == []
    assert relay.retry(dead_id) is True
    assert (_row(dead_id).status, _row(dead_id).attempts) == ("pending", 0)
    relay.run_once()
    assert (_row(dead_id).status, _row(later_id).status) == ("delivered", "delivered")
    assert echo.seen == [("a:1", 1), ("a:1", 2)]
    assert relay.retry(dead_id) is False  # delivered rows are not retried


def test_the_schedule_spans_the_configured_hours_whatever_the_jitter(app):
    config = dict(app.config, CRM_RELAY_MAX_ATTEMPTS=None)
    base, cap = config["CRM_RELAY_BACKOFF_BASE"], config["CRM_RELAY_BACKOFF_MAX"]
    for hours in (24, 72):
        config["CRM_RELAY_RETRY_HOURS"] = hours
        allowed = relay.attempts_allowed(config)
        shortest = sum(relay.nominal_wait(n, base, cap) / 2 for n in range(1, allowed))
        assert shortest >= hours * 3600
    waits = [relay.nominal_wait(n, base, cap) for n in range(1, 20)]
    assert waits[0] < 60 <= waits[6] < 3600 <= waits[-1]  # seconds, then minutes, then hours
    assert relay.attempts_allowed(dict(config, CRM_RELAY_MAX_ATTEMPTS=3)) == 3


def test_a_non_retryable_failure_dead_letters_at_once(app, echo):
    [row_id] = _enqueue(("a:1", 1))
    echo.failing["a:1"] = False
    relay.run_once()
    assert (_row(row_id).status, _row(row_id).attempts) == ("dead", 1)


def test_an_unknown_kind_is_dead_with_a_clear_reason(app):
    @transactional
    def add():
        enqueue("no.such.kind", "x:1", {})
    add()
    relay.run_once()
    row = db.session.scalar(select(OutboxRow).where(OutboxRow.kind == "no.such.kind"))
    assert row.status == "dead" and "no handler" in row.last_error


def test_crm_sync_now_retries_rows_waiting_out_a_backoff(app, echo, runner):
    [row_id] = _enqueue(("a:1", 1))
    echo.failing["a:1"] = True
    relay.run_once()
    del echo.failing["a:1"]
    result = runner.invoke(args=["crm", "sync"])
    assert result.exit_code == 0 and "nothing due" in result.output
    result = runner.invoke(args=["crm", "sync", "--now"])
    assert result.exit_code == 0 and "1 delivered" in result.output
    assert _row(row_id).status == "delivered"


def test_an_idle_relay_round_commits_nothing(app, echo, count_queries):
    """The relay's scheduler round with nothing due is one plain read: no claim, no write."""
    _enqueue(("a:1", 1))
    step = relay.Step()
    assert step() is True  # delivered a row: there may be more at once
    with count_queries() as counter:
        assert step() is False
    writes = [s for s in counter.statements if s.split(None, 1)[0].upper() in (
        "INSERT", "UPDATE", "DELETE") or s.upper().startswith("BEGIN IMMEDIATE")]
    reads = [s for s in counter.statements if s.lstrip().upper().startswith("SELECT")]
    assert writes == [] and len(reads) == 1


def test_crm_sync_loop_runs_the_relay_task_of_a_scheduler(app, echo, runner, monkeypatch):
    """`crm sync --loop --now` is the scheduler's relay task: rows waiting out a backoff go out
    at once, and stopped from outside it ends cleanly."""
    app.config["CRM_RELAY_BACKOFF_BASE"] = 3600.0  # without --now, not due within the test
    [row_id] = _enqueue(("a:1", 1))
    echo.failing["a:1"] = True
    relay.run_once()
    del echo.failing["a:1"]
    with cli_loop(runner, monkeypatch, ["crm", "sync", "--loop", "--now", "--interval", "0.05"]) \
            as loop:
        assert wait_for(lambda: _status(row_id) == "delivered")
    assert list(loop["scheduler"].tasks) == [relay.TASK]
    assert loop["result"].exit_code == 0, loop["result"].output


def _status(row_id) -> str:
    db.session.rollback()  # see what the relay's thread committed
    return _row(row_id).status


def test_a_stale_lease_comes_due_again(app, echo):
    [row_id] = _enqueue(("a:1", 1))
    assert len(relay.claim("dead-relay")) == 1
    assert relay.run_once() == {}
    row = _row(row_id)
    row.leased_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert relay.run_once() == {"delivered": 1}


def test_two_relays_never_deliver_one_row_twice(app, echo):
    _enqueue(*[(f"a:{i % 10}", i) for i in range(60)])
    errors = []

    def run():
        with app.app_context():
            try:
                relay.run_once(limit=5)
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                db.session.remove()
    workers = [threading.Thread(target=run) for _ in range(3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    relay.run_once()  # whatever a busy relay left
    assert errors == []
    assert sorted(n for _, n in echo.seen) == list(range(60))
    for i in range(10):
        numbers = [n for a, n in echo.seen if a == f"a:{i}"]
        assert numbers == sorted(numbers)


def test_crm_sync_polls_the_registered_pollers(app, runner):
    calls = []
    relay.POLLERS.append(lambda connector: calls.append(connector.name) or 2)
    try:
        result = runner.invoke(args=["crm", "sync"])
    finally:
        relay.POLLERS.pop()
    assert calls == ["local"] and "2 changes from the CRM" in result.output


@pytest.mark.skipif(not USING_POSTGRES, reason="SKIP LOCKED is PostgreSQL's; SQLite has one "
                                                 "writer, so one relay claims at a time")
def test_a_row_another_relay_holds_is_skipped_not_waited_for(app, echo):
    held, free = _enqueue(("a:1", 1), ("b:1", 1))
    other = create_engine(POSTGRES_URL)
    try:
        with other.connect() as conn:
            conn.execute(text("SELECT id FROM crm_outbox WHERE id = :id FOR UPDATE"), {"id": held})
            claimed = relay.claim("second-relay")
            conn.rollback()
    finally:
        other.dispose()
    assert [c.id for c in claimed] == [free]


def test_a_delivery_whose_recording_fails_is_retried_not_lost(app):
    def boom():
        raise RuntimeError("unique constraint raced")
    relay.HANDLERS["test.record"] = lambda connector, row: relay.Outcome(record=boom)
    try:
        @transactional
        def add():
            return enqueue("test.record", "r:1", {}).idempotency_key
        add()
        assert relay.run_once() == {"failed": 1}
    finally:
        relay.HANDLERS.pop("test.record")
    row = db.session.scalar(select(OutboxRow).where(OutboxRow.kind == "test.record"))
    assert row.status == "failed" and "recording it failed" in row.last_error
