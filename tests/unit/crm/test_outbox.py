"""The transactional outbox: rows written in the change's transaction, delivered in order per
aggregate by the relay, with backoff and jitter, dead letters and staff retry; a commit that
wrote rows wakes the relay."""
import pytest
from sqlalchemy import select

from community import services
from community.knowledge import item_for_thread
from core import consumers
from core.database import db
from core.events import disconnect, on_emit
from core.scheduler import Scheduler
from crm import relay
from crm.models import (ArticleLink, ContactLink, LocalActivity, LocalArticle, LocalContact,
                        OutboxRow)
from tests import factories


def _rows(kind=None):
    query = select(OutboxRow).order_by(OutboxRow.id)
    if kind:
        query = query.where(OutboxRow.kind == kind)
    return db.session.scalars(query).all()


def test_sign_up_and_solving_write_outbox_rows_in_the_same_transaction(app):
    asker, answerer, thread, answer = factories.solved_thread()
    item = item_for_thread(thread.id)
    kinds = [(r.kind, r.aggregate) for r in _rows()]
    assert ("contact.sync", f"user:{asker.id}") in kinds
    assert kinds[-1] == ("knowledge.publish", f"knowledge:{item.id}")
    assert _rows("knowledge.publish")[0].payload == {
        "item_id": item.id, "version": 1, "thread_id": thread.id, "event": "knowledge.published"}


def test_a_rolled_back_change_leaves_no_outbox_row(app):
    asker = factories.user()
    thread = factories.thread(asker)
    answer = factories.answer(thread)
    before = len(_rows())

    @on_emit("answer.accepted")
    def explode(event):
        raise RuntimeError("a later receiver fails")
    try:
        with pytest.raises(RuntimeError):
            services.accept_answer(asker, thread.id, answer.id)
    finally:
        disconnect(explode)
    assert len(_rows()) == before


def test_a_commit_with_outbox_rows_wakes_the_relay_task(app):
    """The relay need not wait out its interval: a commit that wrote rows wakes it at once."""
    scheduler = Scheduler(app)
    task = scheduler.add(relay.TASK, relay.Step(), 60.0)
    consumers.adopt(app, scheduler)  # this process's scheduler (not started: nothing runs)
    try:
        factories.admin()  # a sign-up: a contact.sync row
        assert task.wake.is_set()
        if not app.config.get("REDIS_URL"):  # there, every commit's announcement wakes all
            task.wake.clear()
            factories.category()  # a commit without outbox rows
            assert not task.wake.is_set()
    finally:
        consumers.stop_runner(app)


def test_relay_publishes_to_the_local_crm_and_links_the_askers_contact(app):
    asker, answerer, thread, answer = factories.solved_thread()
    counts = relay.run_once()
    assert counts == {"delivered": len(_rows())}
    item = item_for_thread(thread.id)
    contact = db.session.scalar(select(LocalContact).where(LocalContact.user_id == asker.id))
    assert contact.email == asker.email
    article = db.session.scalar(select(LocalArticle).where(LocalArticle.item_id == item.id))
    assert (article.version, article.status) == (1, "published")
    activity = db.session.scalars(select(LocalActivity).where(
        LocalActivity.contact_id == contact.id)).all()
    assert [(a.kind, a.ref) for a in activity] == [("article_linked", article.ref)]
    link = db.session.scalar(select(ArticleLink).where(ArticleLink.item_id == item.id))
    assert (link.article_ref, link.contact_ref) == (article.ref, contact.ref)
    assert db.session.scalar(select(ContactLink.contact_ref)
                             .where(ContactLink.user_id == asker.id)) == contact.ref
    assert relay.run_once() == {}  # nothing twice
