"""Notification tables: what a reader was told (one row per user and coalescing key), what they
watch or mute, and their mail settings."""
from sqlalchemy import (JSON, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column

from core.database import db
from core.time import UTCDateTime, utcnow

LEVELS = ("watching", "tracking", "muted")
TARGETS = ("thread", "category", "tag")
# mail_state: "" not mailed, "digest" waiting for the reader's digest, "sent" mailed.
MAIL_STATES = ("", "digest", "sent")


class Notification(db.Model):
    """One line in a reader's bell. Events with the same `key` for the same reader coalesce into
    one row ("5 votes"); `last_event_id` makes a re-delivered event change nothing."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("user_id", "key", name="uq_notifications_user_key"),
        # The page and the API list a reader's newest first; the unread count walks the rest.
        Index("ix_notifications_user_updated", "user_id", "updated_at", "id"),
        Index("ix_notifications_user_unread", "user_id", "is_read"),
        Index("ix_notifications_mail_state", "mail_state", "user_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(96))
    # Plain integers, as the event log keeps them: a notification outlives what it names.
    thread_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    post_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    actor_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    count: Mapped[int] = mapped_column(Integer, default=1)
    text: Mapped[str] = mapped_column(String(300))
    url: Mapped[str] = mapped_column(String(300))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    is_read: Mapped[bool] = mapped_column(Boolean, default=False)
    mail_state: Mapped[str] = mapped_column(String(8), default="")
    last_event_id: Mapped[int] = mapped_column(Integer, default=0)
    created_at = mapped_column(UTCDateTime, default=utcnow)
    updated_at = mapped_column(UTCDateTime, default=utcnow)
    read_at = mapped_column(UTCDateTime, nullable=True)


class Watch(db.Model):
    """A reader's level on a thread, a category or a tag (target_id is the thread, category or
    tag id; a plain integer, as targets of three kinds cannot share one foreign key)."""

    __tablename__ = "watches"
    __table_args__ = (
        UniqueConstraint("user_id", "target_type", "target_id", name="uq_watches_user_target"),
        # Recipients of an event: everyone at a level on this thread, category or tag.
        Index("ix_watches_target", "target_type", "target_id", "level"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    target_type: Mapped[str] = mapped_column(String(8))
    target_id: Mapped[int] = mapped_column(Integer)
    level: Mapped[str] = mapped_column(String(8))
    created_at = mapped_column(UTCDateTime, default=utcnow)
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class NotificationSettings(db.Model):
    """A reader's mail choices: only what differs from the defaults (app/notifications/kinds.py)."""

    __tablename__ = "notification_settings"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    email: Mapped[dict] = mapped_column(JSON, default=dict)
    digest: Mapped[str] = mapped_column(String(8), default="daily")
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
