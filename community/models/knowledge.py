"""Knowledge items: one per solved thread, the current version inline for lists, every version
kept in knowledge_versions. Written only by the receivers in community.knowledge."""
from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.database import db
from core.time import UTCDateTime, utcnow

STATUSES = ("published", "stale", "retired")


class KnowledgeContent:
    """What a version shows: the thread's question and accepted answer as they were."""

    accepted_post_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    title: Mapped[str] = mapped_column(String(200))
    problem_html: Mapped[str] = mapped_column(Text)
    solution_html: Mapped[str] = mapped_column(Text)
    tags: Mapped[list] = mapped_column(JSON, default=list)
    category: Mapped[str] = mapped_column(String(80))
    contributors: Mapped[list] = mapped_column(JSON, default=list)


class KnowledgeItem(KnowledgeContent, db.Model):
    __tablename__ = "knowledge_items"
    __table_args__ = (
        Index("ix_knowledge_items_updated", "updated_at", "id"),
        Index("ix_knowledge_items_category_updated", "category_id", "updated_at"),
        Index("ix_knowledge_items_status_updated", "status", "updated_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"),
                                           unique=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    asker_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(16), default="published")
    status_reason: Mapped[str | None] = mapped_column(String(300), nullable=True)
    slug: Mapped[str] = mapped_column(String(100))
    created_at = mapped_column(UTCDateTime, default=utcnow)
    updated_at = mapped_column(UTCDateTime, default=utcnow)


class KnowledgeVersion(KnowledgeContent, db.Model):
    """One version of an item as it was published; the item's columns copy the newest."""

    __tablename__ = "knowledge_versions"
    __table_args__ = (UniqueConstraint("item_id", "version",
                                       name="uq_knowledge_versions_item_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("knowledge_items.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(32))  # accepted | edited | restored
    created_at = mapped_column(UTCDateTime, default=utcnow)
