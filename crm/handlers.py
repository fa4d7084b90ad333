"""What each outbox row kind does at delivery: the relay claims a row, the handler reads fresh
plain data from the database, calls the connector, and returns what to record. Handlers run
outside any transaction; their `record` step runs in the relay's recording transaction."""
from dataclasses import replace

from sqlalchemy import select

from community import knowledge_queries
from community.jsonld import qa_document
from community.models import ANONYMOUS, KnowledgeItem, KnowledgeVersion, User
from community.queries import thread_page
from core.database import db
from core.errors import NotFound
from core.time import utcnow
from crm.connector import ArticlePayload, ArticleRef, ContactInput, ContactRef, DeliveryError
from crm.models import ArticleLink, ContactLink
from crm.relay import Claimed, Outcome, handler


def link_for(user_id: int, connector_name: str) -> ContactLink | None:
    return db.session.scalar(select(ContactLink).where(ContactLink.user_id == user_id,
                                                       ContactLink.connector == connector_name))


def contact_input(user_id: int, connector_name: str) -> ContactInput | None:
    user = db.session.get(User, user_id)
    if user is None:
        return None
    link = link_for(user_id, connector_name)
    email = (user.email or "").strip() or None
    return ContactInput(user.id, email, user.username, link.external_id if link else None)


def _contact(connector, user_id: int, known: bool = True) -> tuple[ContactRef | None, str | None]:
    """The person's CRM contact (found or created), or None with a note saying why not;
    `known` takes a contact synced before without asking the CRM again."""
    link = link_for(user_id, connector.name)
    if known and link is not None and link.contact_ref:
        return ContactRef(link.contact_ref), None
    person = contact_input(user_id, connector.name)
    if person is None:
        return None, f"user {user_id} no longer exists; not linked to a contact"
    if not person.email and not person.external_id:
        return None, f"user {user_id} has no email and no CRM id; not linked to a contact"
    return connector.find_or_create_contact(person), None


def _record_contact(user_id: int, connector_name: str, contact: ContactRef | None):
    if contact is None:
        return
    link = link_for(user_id, connector_name)
    if link is None:
        if db.session.get(User, user_id) is None:
            return
        link = ContactLink(user_id=user_id, connector=connector_name, source="email")
        db.session.add(link)
    link.contact_ref, link.synced_at = contact.ref, utcnow()


@handler("contact.sync")
def sync_contact(connector, row: Claimed) -> Outcome:
    user_id = row.payload["user_id"]
    contact, note = _contact(connector, user_id, known=False)
    return Outcome({"contact_ref": contact and contact.ref}, note,
                   lambda: _record_contact(user_id, connector.name, contact))


def article_payload(item_id: int, version: int) -> ArticlePayload:
    item = db.session.get(KnowledgeItem, item_id)
    shown = db.session.scalar(select(KnowledgeVersion).where(
        KnowledgeVersion.item_id == item_id, KnowledgeVersion.version == version))
    if item is None or shown is None:
        raise DeliveryError(f"knowledge item {item_id} v{version} no longer exists",
                            retryable=False)
    doc = knowledge_queries.document(item, shown)
    return ArticlePayload(item.id, item.thread_id, shown.version, doc["title"],
                          doc["problem_html"], doc["solution_html"], tuple(doc["tags"]),
                          doc["category"], tuple(doc["contributors"]), doc["source_url"],
                          item.status, _qa_page(item.thread_id, doc["source_url"]))


def _qa_page(thread_id: int, url: str) -> dict:
    try:
        return qa_document(thread_page(ANONYMOUS, thread_id), url)
    except NotFound:
        return {}  # a deleted thread has no public page


@handler("knowledge.publish")
def publish_article(connector, row: Claimed) -> Outcome:
    item = article_payload(row.payload["item_id"], row.payload["version"])
    asker_id = db.session.get(KnowledgeItem, item.item_id).asker_id  # loaded just above
    contact, note = _contact(connector, asker_id)
    item = replace(item, contact=contact, change=row.payload.get("event", "knowledge.updated"))
    article = connector.publish_article(item, row.idempotency_key)
    if contact is not None:
        connector.link_article_to_contact(article, contact, f"{row.idempotency_key}:link")

    def record():
        _record_contact(asker_id, connector.name, contact)
        _record_article(item.item_id, connector.name, article, contact, "published")
    return Outcome({"article_ref": article.ref, "version": article.version,
                    "contact_ref": contact and contact.ref}, note, record)


@handler("knowledge.retire")
def retire_article(connector, row: Claimed) -> Outcome:
    item_id = row.payload["item_id"]
    link = db.session.scalar(select(ArticleLink).where(ArticleLink.item_id == item_id,
                                                       ArticleLink.connector == connector.name))
    if link is None:
        return Outcome(None, "never published to this CRM; nothing to retire")
    article = ArticleRef(link.article_ref, link.version)
    contact = ContactRef(link.contact_ref) if link.contact_ref else None
    if getattr(connector, "retire_with_item", False):
        item = replace(article_payload(item_id, row.payload["version"]), contact=contact,
                     change="knowledge.retired", status="retired")
        connector.retire_article(article, row.idempotency_key, item=item)
    else:
        connector.retire_article(article, row.idempotency_key)
    return Outcome({"article_ref": article.ref}, None,
                   lambda: _record_article(item_id, connector.name, article, contact, "retired"))


def _record_article(item_id, connector_name, article: ArticleRef, contact, status) -> None:
    link = db.session.scalar(select(ArticleLink).where(ArticleLink.item_id == item_id,
                                                       ArticleLink.connector == connector_name))
    if db.session.get(KnowledgeItem, item_id) is None:
        return
    if link is None:
        link = ArticleLink(item_id=item_id, connector=connector_name)
        db.session.add(link)
    link.article_ref, link.version, link.status = article.ref, article.version, status
    link.contact_ref = contact.ref if contact else link.contact_ref
    link.synced_at = utcnow()
