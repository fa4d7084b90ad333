"""The audit log: what a moderator (or any staff member) did, to what, and why."""
from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.database import db
from core.time import UTCDateTime, utcnow
from community.models.users import User


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"
    # Listed newest first, and per target ("everything done to user 7").
    __table_args__ = (Index("ix_audit_entries_created", "created_at", "id"),
                      Index("ix_audit_entries_target", "target_type", "target_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                 nullable=True, index=True)
    action: Mapped[str] = mapped_column(String(48))
    target_type: Mapped[str] = mapped_column(String(24))
    target_id: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(500), default="")
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at = mapped_column(UTCDateTime, default=utcnow)

    actor = db.relationship(User, lazy="raise")
