"""The embedded default end to end: with the relay a task of the app process's scheduler,
solving a thread on the web gives a KB page and a local-CRM article linked to the asker's
contact, and the request that solved it never waited on the CRM."""
import time

import pytest
from sqlalchemy import select

from community.knowledge import item_for_thread
from core.database import db
from core import consumers
from crm import relay_in_process
from crm.models import LocalActivity, LocalArticle, LocalContact, OutboxRow
from tests import factories


def _wait_until_delivered(seconds: float = 20.0) -> None:
    """Poll (bounded) until the relay task has delivered every row; not a timing assertion."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        db.session.rollback()
        if not db.session.scalars(select(OutboxRow).where(OutboxRow.status != "delivered")).all():
            return
        time.sleep(0.05)
    pytest.fail("the relay task did not deliver the outbox within the bound")


@pytest.fixture
def relay_thread(app):
    """The relay as a serving process runs it: a task of the process's scheduler."""
    relay_in_process(app, seconds=0.05)
    consumers.ensure_runner(app)
    yield
    consumers.stop_runner(app)


def test_solving_on_the_web_reaches_the_local_crm(web, app, relay_thread):
    asker = factories.user()
    thread = factories.thread(asker, title="How do I export my invoices as CSV?")
    answer = factories.answer(thread, body="Use Billing, then Export, then CSV.")
    web.login(asker.username)
    assert web.post(f"/t/{thread.id}/accept", {"post_id": answer.id}).status_code == 302
    item = item_for_thread(thread.id)
    assert web.get(f"/kb/{item.id}-{item.slug}").status_code == 200
    _wait_until_delivered()
    contact = db.session.scalar(select(LocalContact).where(LocalContact.user_id == asker.id))
    article = db.session.scalar(select(LocalArticle).where(LocalArticle.item_id == item.id))
    assert article.title == thread.title and article.status == "published"
    linked = db.session.scalars(select(LocalActivity.ref).where(
        LocalActivity.contact_id == contact.id, LocalActivity.kind == "article_linked")).all()
    assert linked == [article.ref]
