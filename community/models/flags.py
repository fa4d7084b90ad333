"""Flags: a member's report that a post needs a moderator's look (the review queue comes later)."""
from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.database import db
from core.time import UTCDateTime, utcnow

FLAG_REASONS = ("spam", "offensive", "off_topic", "duplicate", "other")
# pending until a moderator reviews it; "helpful" or "declined" after.
FLAG_STATUSES = ("pending", "helpful", "declined")


class Flag(db.Model):
    __tablename__ = "flags"
    __table_args__ = (UniqueConstraint("post_id", "user_id", name="uq_flags_post_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_at = mapped_column(UTCDateTime, default=utcnow)
