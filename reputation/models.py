"""The reputation ledger (one row for every change to a user's total, with what caused it) and
the badges users earned."""
from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.database import db
from core.time import UTCDateTime, utcnow


class ReputationEvent(db.Model):
    __tablename__ = "reputation_events"
    __table_args__ = (
        Index("ix_reputation_events_user_created", "user_id", "created_at"),
        Index("ix_reputation_events_source", "source"),
        # Leaderboards: a period's rows by time, covering everything the board reads, so the
        # sum never visits the table.
        Index("ix_reputation_events_board", "created_at", "user_id", "delta", "reason",
              "thread_id"),
        # Per-category boards: the category's threads, then their rows, again index-only.
        Index("ix_reputation_events_thread_board", "thread_id", "created_at", "user_id", "delta",
              "reason"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    delta: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(32))
    # What caused it ("vote:12", "accept:7"): undoing a source reverses exactly its net effect.
    source: Mapped[str] = mapped_column(String(64))
    # True for vote-earned gains and their reversals, which count against the daily cap.
    capped: Mapped[bool] = mapped_column(default=False)
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="SET NULL"),
                                                nullable=True, index=True)
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("threads.id", ondelete="SET NULL"),
                                                  nullable=True, index=True)
    created_at = mapped_column(UTCDateTime, default=utcnow, index=True)


class UserBadge(db.Model):
    """A badge a user earned, once per user (`scope` 0) or once per post (`scope` the post id)."""

    __tablename__ = "user_badges"
    __table_args__ = (
        UniqueConstraint("user_id", "badge", "scope", name="uq_user_badges_user_badge_scope"),
        Index("ix_user_badges_awarded", "awarded_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    badge: Mapped[str] = mapped_column(String(32))
    # 0 for once-per-user badges; the post's id for once-per-post ones (NULLs would not be
    # equal to each other in the unique constraint, so the scope is never NULL).
    scope: Mapped[int] = mapped_column(Integer, default=0)
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="SET NULL"),
                                                nullable=True, index=True)
    awarded_at = mapped_column(UTCDateTime, default=utcnow)
