"""The reputation ledger: one row for every change to a user's total, with what caused it."""
from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.database import db
from core.time import UTCDateTime, utcnow


class ReputationEvent(db.Model):
    __tablename__ = "reputation_events"
    __table_args__ = (
        Index("ix_reputation_events_user_created", "user_id", "created_at"),
        Index("ix_reputation_events_source", "source"),
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
