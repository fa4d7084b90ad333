"""Staff CRM pages and the bad input around them: the outbox page with retry, a contact's
timeline (staff only), explicit contact links, an asker without email, a deleted post, a CRM
answering garbage: a clear status on the row and the page, never a 500."""
from sqlalchemy import select, update

from community import services
from community.knowledge import item_for_thread
from community.models import User
from core.database import db
from crm import relay
from crm.connectors import reset
from crm.models import ContactLink, LocalContact, OutboxRow
from tests import factories
from tests.functional.webhook_receiver import Receiver


def _staff(web, role="support"):
    user = factories.user(role)
    web.login(user.username)
    return user


def test_contact_timeline_shows_questions_items_and_activity(web, app):
    asker, answerer, thread, answer = factories.solved_thread()
    relay.run_once()
    _staff(web)
    page = web.get(f"/staff/crm/contacts/{asker.id}").get_data(as_text=True)
    contact = db.session.scalar(select(LocalContact).where(LocalContact.user_id == asker.id))
    assert contact.ref in page and "matched by email" in page
    assert thread.title in page  # question asked, and its knowledge item
    assert "article linked" in page
    profile = web.get(f"/u/{asker.id}").get_data(as_text=True)
    assert contact.ref in profile and "CRM timeline" in profile


def test_contact_pages_are_staff_only(web, client, app):
    asker = factories.user()
    assert client.get(f"/staff/crm/contacts/{asker.id}").status_code in (302, 401)
    web.login(factories.user().username)
    assert web.get(f"/staff/crm/contacts/{asker.id}").status_code == 403
    assert web.get("/staff/crm/outbox").status_code == 403
    assert web.post(f"/staff/crm/contacts/{asker.id}/link", {"external_id": "x"}).status_code == 403
    assert "CRM timeline" not in web.get(f"/u/{asker.id}").get_data(as_text=True)


def test_staff_link_a_member_to_a_contact_by_external_id(web, app):
    asker = factories.user()
    relay.run_once()
    other = db.session.scalar(select(LocalContact).where(LocalContact.user_id == asker.id))
    member = factories.user()
    _staff(web)
    response = web.post(f"/staff/crm/contacts/{member.id}/link", {"external_id": other.ref})
    assert response.status_code == 302
    relay.run_once()
    link = db.session.scalar(select(ContactLink).where(ContactLink.user_id == member.id))
    assert (link.source, link.contact_ref) == ("staff", other.ref)
    assert "set by staff" in web.get(f"/staff/crm/contacts/{member.id}").get_data(as_text=True)
    bad = web.post(f"/staff/crm/contacts/{member.id}/link", {"external_id": "x" * 200})
    assert bad.status_code == 422
    assert web.get("/staff/crm/contacts/999999").status_code == 404


def test_a_staff_link_to_an_unknown_contact_is_dead_with_its_reason(web, app):
    member = factories.user()
    _staff(web)
    web.post(f"/staff/crm/contacts/{member.id}/link", {"external_id": "lc-424242"})
    relay.run_once()
    page = web.get("/staff/crm/outbox?status=dead").get_data(as_text=True)
    assert "no local CRM contact lc-424242" in page


def test_an_asker_without_email_is_published_and_noted(web, app):
    asker = factories.user()
    db.session.execute(update(User).where(User.id == asker.id).values(email=""))
    db.session.commit()  # an account brought in by an import, without an address
    thread = factories.thread(asker)
    answer = factories.answer(thread)
    web.login(factories.user("moderator").username)
    assert web.post(f"/t/{thread.id}/accept", {"post_id": answer.id}).status_code == 302
    relay.run_once()
    row = db.session.scalar(select(OutboxRow).where(OutboxRow.kind == "knowledge.publish"))
    assert row.status == "delivered" and "has no email" in row.note
    assert "has no email" in web.get("/staff/crm/outbox").get_data(as_text=True)


def test_accepting_a_deleted_post_is_refused_and_writes_nothing(web, api, app):
    asker = factories.user()
    thread = factories.thread(asker)
    answer = factories.answer(thread)
    services.delete_post(factories.user("moderator"), answer.id)
    web.login(asker.username)
    assert web.post(f"/t/{thread.id}/accept", {"post_id": answer.id}).status_code == 422
    token = api.token_for(asker.email)
    response = api.post(f"/threads/{thread.id}/accept", token, json={"post_id": answer.id})
    assert response.status_code == 422
    assert item_for_thread(thread.id) is None
    assert db.session.scalar(select(OutboxRow).where(OutboxRow.kind == "knowledge.publish")) is None


def test_garbage_from_the_crm_shows_on_the_outbox_page_and_retry_works(web, app):
    secret = "plain-secret"
    with Receiver(secret) as hooks:
        app.config.update(CRM_CONNECTOR="webhook", CRM_WEBHOOK_URL=hooks.url,
                          CRM_WEBHOOK_SECRET=secret, CRM_HTTP_TIMEOUT=2)
        reset(app)
        try:
            staff = factories.user("support")
            hooks.faults = ["garbage"]
            relay.run_once()
            row = db.session.scalar(select(OutboxRow).where(OutboxRow.status == "dead"))
            web.login(staff.username)
            page = web.get("/staff/crm/outbox?status=dead").get_data(as_text=True)
            assert "not a JSON object" in page and "Retry" in page
            response = web.post(f"/staff/crm/outbox/{row.id}/retry", {"status": "dead"})
            assert response.status_code == 302
            relay.run_once()
            db.session.expire_all()
            assert db.session.get(OutboxRow, row.id).status == "delivered"
            assert len(hooks.effects) == 1
        finally:
            reset(app)
