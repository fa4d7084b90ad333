"""The webhook connector against a real receiver on 127.0.0.1: signed deliveries, and the fault
test (500s, timeouts, dropped connections, then recovery: every item arrives, none twice in
effect; a relay that dies between send and record loses nothing)."""
import pytest
from sqlalchemy import select, update

from community import services
from community.knowledge import item_for_thread
from core.database import db
from crm import relay
from crm.connectors import reset
from crm.models import OutboxRow
from tests import factories
from tests.functional.webhook_receiver import Receiver

SECRET = "whsec_" + "c2VjcmV0LWtleS1mb3ItdGVzdHM="


@pytest.fixture
def receiver(app):
    with Receiver(SECRET, hang_seconds=0.6) as hooks:
        app.config.update(CRM_CONNECTOR="webhook", CRM_WEBHOOK_URL=hooks.url,
                          CRM_WEBHOOK_SECRET=SECRET, CRM_HTTP_TIMEOUT=0.3,
                          CRM_RELAY_MAX_ATTEMPTS=30)
        reset(app)
        yield hooks
        reset(app)


def _open_rows() -> list[OutboxRow]:
    return db.session.scalars(select(OutboxRow).where(OutboxRow.status != "delivered")).all()


def _drain(passes: int = 40) -> None:
    for _ in range(passes):
        relay.run_once(now_too=True)
        if not _open_rows():
            return
    raise AssertionError(f"still open after {passes} passes: {_open_rows()}")


def test_solving_a_thread_sends_a_signed_knowledge_published(app, receiver):
    asker, answerer, thread, answer = factories.solved_thread()
    relay.run_once()
    assert all(a["verified"] for a in receiver.attempts)
    assert all(a["idempotency_key"] == a["id"] for a in receiver.attempts)
    [event] = receiver.of_type("knowledge.")
    assert event["type"] == "knowledge.published"
    data = event["data"]
    item = item_for_thread(thread.id)
    assert data["item"]["id"] == item.id and data["item"]["version"] == 1
    assert data["item"]["solution_html"] == answer.body_html
    assert data["contact_ref"] == f"member-{asker.id}"
    assert data["qa_page"]["@type"] == "QAPage"
    assert data["qa_page"]["mainEntity"]["acceptedAnswer"]["text"] == answer.body_html
    assert {"type", "id", "created_at", "data"} == set(event)


def test_edit_and_unaccept_send_updated_and_retired(app, receiver):
    asker, answerer, thread, answer = factories.solved_thread()
    relay.run_once()
    services.edit_post(answerer, answer.id, "The same answer, with one more sentence.")
    relay.run_once()
    services.accept_answer(asker, thread.id, None)
    relay.run_once()
    types = [e["type"] for e in receiver.effects.values() if e["type"].startswith("knowledge.")]
    assert types == ["knowledge.published", "knowledge.updated", "knowledge.retired"]
    assert [e["data"]["item"]["version"] for e in receiver.of_type("knowledge.")] == [1, 2, 2]


def test_faults_then_recovery_every_item_arrives_once_in_effect(app, receiver):
    threads = [factories.solved_thread()[2] for _ in range(4)]
    receiver.faults = ["500", "drop", "hang", "500", "drop", "hang", "500", "drop", "hang"]
    _drain()
    assert receiver.faults == []
    assert all(a["verified"] for a in receiver.attempts)
    published = {e["data"]["item"]["id"] for e in receiver.of_type("knowledge.published")}
    assert published == {item_for_thread(t.id).id for t in threads}
    # Retries kept their webhook-id: more attempts than effects, one effect per row.
    ids = [a["id"] for a in receiver.attempts]
    assert len(ids) > len(set(ids))
    keys = set(db.session.scalars(select(OutboxRow.idempotency_key)
                                  .where(OutboxRow.kind == "knowledge.publish")))
    assert keys == {e["id"] for e in receiver.of_type("knowledge.")}
    retried = db.session.scalars(select(OutboxRow).where(OutboxRow.attempts > 1)).all()
    assert retried and all(r.status == "delivered" and r.last_error is None for r in retried)


def test_a_relay_that_dies_between_send_and_record_loses_nothing(app, receiver, monkeypatch):
    factories.solved_thread()

    def crash(row, outcome):
        raise SystemExit("relay killed after sending")
    monkeypatch.setattr(relay, "_record_success", crash)
    with pytest.raises(SystemExit):
        relay.run_once()
    monkeypatch.undo()
    sent = [a["id"] for a in receiver.attempts]
    assert len(sent) == 1
    assert relay.run_once() == {}  # leased by the dead relay: not due yet
    db.session.execute(update(OutboxRow).values(leased_until=None))  # the lease runs out
    db.session.commit()
    _drain()
    assert [a["id"] for a in receiver.attempts][:2] == [sent[0], sent[0]]
    assert len(receiver.effects) == len(db.session.scalars(select(OutboxRow)).all())


def test_a_receiver_answering_garbage_dead_letters_the_row(app, receiver):
    asker = factories.user()
    receiver.faults = ["garbage"]
    relay.run_once()
    row = db.session.scalar(select(OutboxRow).where(OutboxRow.aggregate == f"user:{asker.id}"))
    assert row.status == "dead"
    assert "not a JSON object" in row.last_error
