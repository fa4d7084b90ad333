"""Support cases: a thread escalated to the CRM (one case per thread), its status as the CRM
reports it, and the agent's resolution once it comes back as a draft answer."""
from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.database import db
from core.time import UTCDateTime, utcnow

# pending_sync: escalated here, not yet created in the CRM (no ref); then the CRM's status.
CASE_STATUSES = ("pending_sync", "open", "pending", "closed")
PRIORITIES = ("low", "normal", "high", "urgent")


class Case(db.Model):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"),
                                           unique=True)
    status: Mapped[str] = mapped_column(String(16), default="pending_sync")
    priority: Mapped[str] = mapped_column(String(8), default="normal")
    reason: Mapped[str] = mapped_column(Text, default="")
    # NULL: escalated by the system (`crm escalate-stale`), not by a person.
    escalated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True)
    crm_ref: Mapped[str | None] = mapped_column(String(128), nullable=True, unique=True)
    connector: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # The draft answer the CRM's resolution became (a plain integer, as threads keep theirs).
    resolution_post_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Set when this case's thread was merged into another escalated thread: that one's case.
    linked_case_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    synced_at = mapped_column(UTCDateTime, nullable=True)
    created_at = mapped_column(UTCDateTime, default=utcnow)
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
