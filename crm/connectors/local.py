"""The embedded CRM: contacts, articles, activities and cases kept in the community database.

It is the system of record when no external CRM exists. Each call is its own short
transaction and an upsert (by user, item or idempotency key), so a redelivered row changes
nothing twice.
"""
from sqlalchemy import or_, select

from core.database import db
from core.transactions import transactional
from crm.connector import (ArticlePayload, ArticleRef, CaseRef, CaseRequest, ContactInput,
                           ContactRef, DeliveryError)
from crm.models import LocalActivity, LocalArticle, LocalCase, LocalContact

CASE_STATUSES = ("open", "pending", "closed")


def parse_ref(ref: str, prefix: str) -> int:
    head, _, number = (ref or "").partition("-")
    if head != prefix or not number.isdigit() or len(number) > 10:
        raise DeliveryError(f"{ref!r} is not a local CRM reference ({prefix}-<id>)",
                            retryable=False)
    return int(number)


class LocalConnector:
    name = "local"

    def __init__(self, app=None):
        self.app = app

    @transactional
    def find_or_create_contact(self, user: ContactInput) -> ContactRef:
        if user.external_id:
            found = db.session.get(LocalContact, parse_ref(user.external_id, "lc"))
            if found is None:
                raise DeliveryError(f"no local CRM contact {user.external_id}", retryable=False)
            return ContactRef(found.ref, found.email)
        clauses = [LocalContact.user_id == user.user_id]
        if user.email:
            clauses.append(LocalContact.email == user.email.lower())
        found = db.session.scalars(select(LocalContact).where(or_(*clauses))
                                   .order_by(LocalContact.id).limit(1)).first()
        if found is None:
            found = LocalContact(user_id=user.user_id, name=user.name[:120],
                                 email=user.email.lower() if user.email else None)
            db.session.add(found)
            db.session.flush()
        elif found.user_id is None:
            found.user_id = user.user_id
        return ContactRef(found.ref, found.email)

    @transactional
    def publish_article(self, item: ArticlePayload, idempotency_key: str) -> ArticleRef:
        article = db.session.scalar(select(LocalArticle)
                                    .where(LocalArticle.item_id == item.item_id))
        if article is None:
            article = LocalArticle(item_id=item.item_id)
            db.session.add(article)
        if (article.version or 0) <= item.version:  # an older version never overwrites a newer
            article.version, article.title, article.status = item.version, item.title, "published"
            article.body_html = f"{item.problem_html}\n<hr>\n{item.solution_html}"
            article.source_url = item.source_url
        db.session.flush()
        return ArticleRef(article.ref, article.version)

    @transactional
    def link_article_to_contact(self, article: ArticleRef, contact: ContactRef,
                                idempotency_key: str) -> None:
        found = db.session.get(LocalArticle, parse_ref(article.ref, "la"))
        person = db.session.get(LocalContact, parse_ref(contact.ref, "lc"))
        if found is None or person is None:
            raise DeliveryError(f"unknown article {article.ref} or contact {contact.ref}",
                                retryable=False)
        self._activity(person.id, "article_linked", f"{found.title} (v{article.version})",
                       found.ref, found.source_url, idempotency_key)

    @transactional
    def retire_article(self, article: ArticleRef, idempotency_key: str) -> None:
        found = db.session.get(LocalArticle, parse_ref(article.ref, "la"))
        if found is not None:
            found.status = "retired"

    @transactional
    def create_case(self, case: CaseRequest) -> CaseRef:
        found = db.session.scalar(select(LocalCase)
                                  .where(LocalCase.idempotency_key == case.idempotency_key))
        if found is None:
            contact_id = parse_ref(case.contact.ref, "lc") if case.contact else None
            found = LocalCase(thread_id=case.thread_id, contact_id=contact_id,
                              subject=case.subject[:300], description=case.description,
                              priority=case.priority, status="open", url=case.url,
                              idempotency_key=case.idempotency_key)
            db.session.add(found)
            db.session.flush()
            if contact_id:
                self._activity(contact_id, "case_created", found.subject, found.ref, case.url,
                               case.idempotency_key)
        return CaseRef(found.ref, found.status)

    @transactional
    def update_case(self, ref: str, *, status: str | None = None, comment: str | None = None,
                    idempotency_key: str) -> CaseRef:
        found = db.session.get(LocalCase, parse_ref(ref, "lk"))
        if found is None:
            raise DeliveryError(f"no local CRM case {ref}", retryable=False)
        if status is not None:
            if status not in CASE_STATUSES:
                raise DeliveryError(f"case status {status!r} is not one of {CASE_STATUSES}",
                                    retryable=False)
            found.status = status
        if found.contact_id:
            self._activity(found.contact_id, "case_updated",
                           comment or f"status {found.status}", found.ref, found.url,
                           idempotency_key)
        return CaseRef(found.ref, found.status)

    @staticmethod
    def _activity(contact_id, kind, subject, ref, url, key) -> None:
        if db.session.scalar(select(LocalActivity.id).where(LocalActivity.idempotency_key == key)):
            return
        db.session.add(LocalActivity(contact_id=contact_id, kind=kind, subject=subject[:300],
                                     ref=ref, url=url, idempotency_key=key))
