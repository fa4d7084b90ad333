"""People and their CRM records: staff linking a member to a CRM contact by external id, the
read side of a contact's timeline (questions asked, items linked, cases) and of sync states."""
from sqlalchemy import select

from community.models import KnowledgeItem, Thread, User
from community.policies import can_manage_crm, ensure, visible_threads
from core.database import db
from core.errors import NotFound, ValidationFailed
from core.events import emit
from core.transactions import transactional
from crm.connectors import get_connector
from crm.models import ArticleLink, ContactLink, LocalActivity, LocalCase, LocalContact
from crm.outbox import enqueue

CRM_LINKED = "crm.contact_linked"  # user_id, actor_id; data: external_id


@transactional
def link_contact(actor, user_id: int, external_id: str | None) -> ContactLink:
    """Staff: tie a member to a CRM contact by its id there (None: back to matching by email)."""
    ensure(can_manage_crm, actor)
    user = db.session.get(User, user_id, with_for_update=True)
    if user is None:
        raise NotFound("No such user.")
    external_id = (external_id or "").strip() or None
    if external_id and (len(external_id) > 128 or not external_id.isprintable()):
        raise ValidationFailed({"external_id": ["must be up to 128 printable characters"]})
    name = get_connector().name
    link = db.session.scalar(select(ContactLink).where(ContactLink.user_id == user.id,
                                                       ContactLink.connector == name))
    if link is None:
        link = ContactLink(user_id=user.id, connector=name)
        db.session.add(link)
    link.external_id, link.source = external_id, "staff" if external_id else "email"
    link.contact_ref = link.synced_at = None  # the next sync asks the CRM again
    enqueue("contact.sync", f"user:{user.id}", {"user_id": user.id})
    emit(CRM_LINKED, user_id=user.id, actor_id=actor.id, external_id=external_id)
    return link


def contact_link(user_id: int) -> ContactLink | None:
    return db.session.scalar(select(ContactLink).where(
        ContactLink.user_id == user_id, ContactLink.connector == get_connector().name))


def sync_states(item_ids: list[int]) -> dict[int, dict]:
    """item id → {contact_ref, article_ref, synced_at} in the configured CRM, in one query."""
    if not item_ids:
        return {}
    links = db.session.scalars(select(ArticleLink).where(
        ArticleLink.item_id.in_(item_ids), ArticleLink.connector == get_connector().name))
    return {link.item_id: {"contact_ref": link.contact_ref, "article_ref": link.article_ref,
                           "synced_at": link.synced_at} for link in links}


def timeline(viewer, user_id: int) -> dict:
    """A member as the account team sees them (staff only): contact, questions, CRM entries."""
    ensure(can_manage_crm, viewer)
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    contact = db.session.scalar(select(LocalContact).where(LocalContact.user_id == user.id))
    questions = db.session.scalars(select(Thread).where(
        Thread.author_id == user.id, visible_threads(viewer)).order_by(Thread.created_at.desc())
        .limit(50)).all()
    items = db.session.scalars(select(KnowledgeItem).where(KnowledgeItem.asker_id == user.id)
                               .order_by(KnowledgeItem.updated_at.desc()).limit(50)).all()
    activities, cases = [], []
    if contact is not None:
        activities = db.session.scalars(select(LocalActivity).where(
            LocalActivity.contact_id == contact.id)
            .order_by(LocalActivity.created_at.desc()).limit(100)).all()
        cases = db.session.scalars(select(LocalCase).where(LocalCase.contact_id == contact.id)
                                   .order_by(LocalCase.created_at.desc()).limit(50)).all()
    return {"user": user, "link": contact_link(user.id), "contact": contact,
            "questions": questions, "items": items, "activities": activities, "cases": cases,
            "states": sync_states([i.id for i in items])}
