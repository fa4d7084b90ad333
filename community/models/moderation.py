"""Moderation tables: the review queue (one item per post), watched words, and the site's
moderation settings kept in the database (the environment gives the defaults)."""
from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.database import db
from core.time import UTCDateTime, utcnow

REVIEW_KINDS = ("flagged", "held", "watched", "auto_hidden")
REVIEW_ACTIONS = ("approve", "hide", "delete", "restore", "dismiss")
WATCH_ACTIONS = ("block", "hold", "replace")


class ReviewItem(db.Model):
    """A post waiting for a moderator (status pending) or handled (resolved), one row per post:
    more flags on it add to the same item; `handled_reasons` are the flag reasons already judged,
    so only a new reason reopens a resolved item."""

    __tablename__ = "review_items"
    __table_args__ = (Index("ix_review_items_status_id", "status", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), unique=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"),
                                           index=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    handled_reasons: Mapped[str] = mapped_column(String(100), default="", server_default="")
    outcome: Mapped[str | None] = mapped_column(String(16), nullable=True)
    note: Mapped[str] = mapped_column(String(500), default="", server_default="")
    resolved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True)
    resolved_at = mapped_column(UTCDateTime, nullable=True)
    created_at = mapped_column(UTCDateTime, default=utcnow)


class WatchedWord(db.Model):
    """A word an administrator watches: block the post, hold it for review, or replace it."""

    __tablename__ = "watched_words"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    word: Mapped[str] = mapped_column(String(60), unique=True)  # case-folded
    action: Mapped[str] = mapped_column(String(16))
    replacement: Mapped[str | None] = mapped_column(String(60), nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True)
    created_at = mapped_column(UTCDateTime, default=utcnow)


class SiteSetting(db.Model):
    """A moderation setting an administrator changed on the settings page (name → integer or
    short text); a missing row means the configured default."""

    __tablename__ = "site_settings"

    name: Mapped[str] = mapped_column(String(48), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
