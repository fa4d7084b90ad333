"""A CRM down for a day, against a real webhook receiver on 127.0.0.1, with the relay's clock
moved forward: no row goes dead, and everything arrives in order once the CRM is back; a
`case.update` waits for its failed (even dead) `case.create`; `crm retry --dead`; the staff
page's next attempt; the relay task outlives a database error and a CRM error."""
import logging
import time
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from community import services
from community.models import Case
from core import consumers
from core.database import db
from core.time import utcnow
from crm import relay, relay_in_process
from crm.connectors import reset
from crm.models import OutboxRow
from tests import factories
from tests.functional.webhook_receiver import Receiver

SECRET = "whsec_" + "c2VjcmV0LWtleS1mb3ItdGVzdHM="


@pytest.fixture
def receiver(app):
    with Receiver(SECRET) as hooks:
        app.config.update(CRM_CONNECTOR="webhook", CRM_WEBHOOK_URL=hooks.url,
                          CRM_WEBHOOK_SECRET=SECRET, CRM_HTTP_TIMEOUT=2.0,
                          CRM_RELAY_MAX_ATTEMPTS=None, CRM_RELAY_RETRY_HOURS=24)
        reset(app)
        yield hooks
        reset(app)


class Clock:
    """The relay's notion of now (crm.relay.utcnow): real time plus an offset the test moves
    forward, so rows written now (real time) are never in the relay's future."""

    def __init__(self):
        self.offset = timedelta(0)

    def __call__(self):
        return utcnow() + self.offset

    def move_to(self, when) -> None:
        self.offset = max(self.offset, when - utcnow())


@pytest.fixture
def clock(monkeypatch):
    moved = Clock()
    monkeypatch.setattr(relay, "utcnow", moved)
    return moved


def _rows() -> list[OutboxRow]:
    db.session.expire_all()
    return db.session.scalars(select(OutboxRow).order_by(OutboxRow.id)).all()


def _next_due(clock, every: bool = False) -> None:
    """Move the clock to the earliest (or the latest) next attempt of a failed row."""
    due = [r.next_attempt_at for r in _rows() if r.status == "failed"]
    if due:
        clock.move_to((max if every else min)(due))


def _escalate(thread) -> Case:
    return services.escalate(factories.user("support"), thread.id, "Customer is waiting.")


def test_a_day_long_outage_leaves_no_row_dead_and_all_arrive_in_order(app, receiver, clock):
    asker, answerer, thread, answer = factories.solved_thread()
    services.edit_post(answerer, answer.id, "The same answer, with one more sentence.")
    factories.user()
    receiver.down = True
    outage_ends = clock() + timedelta(hours=24)
    while clock() < outage_ends:
        relay.run_once()
        assert [r for r in _rows() if r.status == "dead"] == []
        _next_due(clock)
    heads = [r for r in _rows() if r.status == "failed"]
    assert heads and max(r.attempts for r in heads) > 20  # tried all day, hourly at the end
    receiver.down = False
    _next_due(clock, every=True)  # at most an hour later every waiting row is due
    relay.run_once()
    rows = _rows()
    assert {r.status for r in rows} == {"delivered"}
    # Each knowledge row once, in the rows' order (contacts are keyed by person, not row).
    knowledge = [r.idempotency_key for r in rows if r.kind.startswith("knowledge.")]
    assert [k for k in receiver.effects if k in knowledge] == knowledge
    assert len(receiver.of_type("contact.")) == len([r for r in rows if r.kind == "contact.sync"])
    versions = [e["data"]["item"]["version"] for e in receiver.of_type("knowledge.")]
    assert versions == [1, 2]


def test_a_case_update_waits_for_its_dead_case_create_then_both_arrive_in_order(
        app, receiver, clock, runner):
    app.config["CRM_RELAY_MAX_ATTEMPTS"] = 2
    asker = factories.user()
    thread = factories.thread(asker)
    answer = factories.answer(thread)
    relay.run_once()  # the sign-ups
    receiver.down = True
    case = _escalate(thread)
    services.accept_answer(asker, thread.id, answer.id)
    for _ in range(3):
        relay.run_once()
        _next_due(clock, every=True)
    by_kind = {r.kind: r for r in _rows()}
    assert by_kind["case.create"].status == "dead"
    assert by_kind["case.update"].status == "pending"  # waiting, neither sent nor dropped
    assert not [a for a in receiver.attempts if a["type"] == "case.updated"]
    receiver.down = False
    relay.run_once()
    assert {r.kind: r.status for r in _rows()}["case.update"] == "pending"  # its create is dead

    result = runner.invoke(args=["crm", "retry", "--dead"])
    assert result.exit_code == 0, result.output
    assert "dead rows are due again" in result.output
    assert relay.run_once().get("delivered", 0) >= 2
    assert {r.status for r in _rows()} == {"delivered"}
    case_types = [e["type"] for e in receiver.effects.values() if e["type"].startswith("case.")]
    assert case_types == ["case.created", "case.updated"]
    db.session.expire_all()
    assert db.session.get(Case, case.id).crm_ref is not None


def test_crm_retry_dead_revives_every_dead_row_at_once(app, receiver, clock, runner):
    app.config["CRM_RELAY_MAX_ATTEMPTS"] = 1
    receiver.down = True
    people = [factories.user() for _ in range(3)]
    relay.run_once()
    assert [r.status for r in _rows()] == ["dead"] * len(people)
    assert runner.invoke(args=["crm", "retry"]).exit_code != 0  # a row id or --dead
    receiver.down = False
    result = runner.invoke(args=["crm", "retry", "--dead"])
    assert result.exit_code == 0 and f"{len(people)} dead rows are due again" in result.output
    assert {(r.status, r.attempts) for r in _rows()} == {("pending", 0)}
    assert relay.run_once() == {"delivered": len(people)}
    assert "0 dead rows" in runner.invoke(args=["crm", "retry", "--dead"]).output


def test_the_staff_outbox_shows_next_attempts_and_retries_all_dead(web, app, receiver, clock):
    asker = factories.user()
    thread = factories.thread(asker)
    relay.run_once()
    receiver.down = True
    _escalate(thread)
    services.accept_answer(asker, thread.id, factories.answer(thread).id)
    relay.run_once()
    create, update = [r for r in _rows() if r.kind.startswith("case.")]
    assert (create.status, update.status) == ("failed", "pending")
    web.login(factories.user("support").username)
    page = web.get("/staff/crm/outbox").get_data(as_text=True)
    assert create.next_attempt_at.strftime("%Y-%m-%d %H:%M:%S") in page
    assert f"after row #{create.id}" in page
    assert "Retry all" not in page  # nothing dead
    db.session.execute(db.update(OutboxRow).where(OutboxRow.id == create.id)
                       .values(status="dead"))
    db.session.commit()
    page = web.get("/staff/crm/outbox").get_data(as_text=True)
    assert "Retry all 1 dead rows" in page and "none until retried" in page
    response = web.post("/staff/crm/outbox/retry-dead", {})
    assert response.status_code == 302
    assert db.session.get(OutboxRow, create.id).status == "pending"
    web.login(factories.user().username)
    assert web.post("/staff/crm/outbox/retry-dead", {}).status_code == 403


def test_the_relay_task_outlives_a_database_error_and_a_crm_error(app, monkeypatch, caplog,
                                                                  quick_backoff):
    """The relay as a serving process runs it, a task of the scheduler: a failing round is
    logged and retried with backoff, never the end of the loop."""
    factories.user()
    real_claim, real_connector, failures = relay.claim, relay.get_connector, []

    def claim(*args, **kwargs):
        if not failures:
            failures.append("database")
            raise OperationalError("SELECT", {}, Exception("server closed the connection"))
        return real_claim(*args, **kwargs)

    def get_connector():
        if len(failures) == 1:
            failures.append("crm")
            raise ConnectionError("the CRM's login endpoint is down")
        return real_connector()
    monkeypatch.setattr(relay, "claim", claim)
    monkeypatch.setattr(relay, "get_connector", get_connector)
    relay_in_process(app, seconds=0.01)
    with caplog.at_level(logging.WARNING, logger="commonplace.scheduler"):
        consumers.ensure_runner(app)
        deadline = time.monotonic() + 20  # a bound, not a timing assertion
        try:
            while time.monotonic() < deadline:
                db.session.rollback()
                if {r.status for r in _rows()} == {"delivered"}:
                    break
                time.sleep(0.05)
        finally:
            consumers.stop_runner(app)
    assert failures == ["database", "crm"]
    assert {r.status for r in _rows()} == {"delivered"}
    logged = [r.getMessage() for r in caplog.records]
    assert f"{relay.TASK} failed (1 in a row); retrying with backoff" in logged
    assert f"{relay.TASK} works again after 2 failures" in logged
