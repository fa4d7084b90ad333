"""The CRM's tables: the outbox, contact links, article links, and the local CRM's own records
(contacts, articles, activities, cases) for when no external CRM exists."""
from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.database import db
from core.time import UTCDateTime, utcnow

# Row states: pending (never tried), failed (waiting out a backoff), delivered, dead.
OPEN_STATES = ("pending", "failed")


class OutboxRow(db.Model):
    """One CRM-bound change, written in the transaction of the change that caused it."""

    __tablename__ = "crm_outbox"
    __table_args__ = (
        Index("ix_crm_outbox_aggregate_id", "aggregate", "id"),
        Index("ix_crm_outbox_status_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    # Rows of one aggregate ("knowledge:7", "user:3", "thread:9") are delivered in id order.
    aggregate: Mapped[str] = mapped_column(String(96))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    # Sent as Idempotency-Key (and as the webhook-id), kept across retries.
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at = mapped_column(UTCDateTime, default=utcnow)
    leased_by: Mapped[str | None] = mapped_column(String(96), nullable=True)
    leased_until = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    note: Mapped[str | None] = mapped_column(String(300), nullable=True)
    result: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    created_at = mapped_column(UTCDateTime, default=utcnow)
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    delivered_at = mapped_column(UTCDateTime, nullable=True)


class ContactLink(db.Model):
    """A member's contact in the configured CRM: matched by email, or set by staff (external id)."""

    __tablename__ = "crm_contact_links"
    __table_args__ = (UniqueConstraint("user_id", "connector",
                                       name="uq_crm_contact_links_user_connector"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    connector: Mapped[str] = mapped_column(String(32))
    contact_ref: Mapped[str | None] = mapped_column(String(128), nullable=True)
    external_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    source: Mapped[str] = mapped_column(String(16), default="email")  # email | staff
    synced_at = mapped_column(UTCDateTime, nullable=True)
    created_at = mapped_column(UTCDateTime, default=utcnow)


class ArticleLink(db.Model):
    """Where a knowledge item lives in the CRM, and which version got there last."""

    __tablename__ = "crm_article_links"
    __table_args__ = (UniqueConstraint("item_id", "connector",
                                       name="uq_crm_article_links_item_connector"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("knowledge_items.id", ondelete="CASCADE"))
    connector: Mapped[str] = mapped_column(String(32))
    article_ref: Mapped[str] = mapped_column(String(128))
    version: Mapped[int] = mapped_column(Integer, default=1)
    contact_ref: Mapped[str | None] = mapped_column(String(128), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="published")
    synced_at = mapped_column(UTCDateTime, default=utcnow)


class LocalContact(db.Model):
    """A person in the local CRM; `ref` is what other systems see ("lc-<id>")."""

    __tablename__ = "crm_local_contacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True, unique=True)
    email: Mapped[str | None] = mapped_column(String(254), nullable=True, unique=True)
    external_id: Mapped[str | None] = mapped_column(String(128), nullable=True, unique=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    created_at = mapped_column(UTCDateTime, default=utcnow)

    @property
    def ref(self) -> str:
        return f"lc-{self.id}"


class LocalArticle(db.Model):
    """A knowledge article in the local CRM, upserted by knowledge item id."""

    __tablename__ = "crm_local_articles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(Integer, unique=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    title: Mapped[str] = mapped_column(String(200))
    body_html: Mapped[str] = mapped_column(Text, default="")
    source_url: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(16), default="published")
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def ref(self) -> str:
        return f"la-{self.id}"


class LocalActivity(db.Model):
    """One entry of a local contact's timeline (article linked, case opened or updated)."""

    __tablename__ = "crm_local_activities"
    __table_args__ = (Index("ix_crm_local_activities_contact_created", "contact_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("crm_local_contacts.id",
                                                       ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(300), default="")
    ref: Mapped[str | None] = mapped_column(String(128), nullable=True)
    url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    # The outbox row's key: a redelivered row adds no second entry.
    idempotency_key: Mapped[str] = mapped_column(String(80), unique=True)
    created_at = mapped_column(UTCDateTime, default=utcnow)


class LocalCase(db.Model):
    """A support case in the local CRM ("lk-<id>")."""

    __tablename__ = "crm_local_cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    thread_id: Mapped[int] = mapped_column(Integer, index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("crm_local_contacts.id",
                                                              ondelete="SET NULL"),
                                                   nullable=True, index=True)
    subject: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    priority: Mapped[str] = mapped_column(String(16), default="normal")
    status: Mapped[str] = mapped_column(String(16), default="open")
    url: Mapped[str] = mapped_column(String(500), default="")
    idempotency_key: Mapped[str] = mapped_column(String(80), unique=True)
    created_at = mapped_column(UTCDateTime, default=utcnow)
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def ref(self) -> str:
        return f"lk-{self.id}"
