"""Leaderboards: reputation gained per user over a period, overall or in one category, summed
from the ledger in SQL (the covering index ix_reputation_events_board serves it)."""
from datetime import timedelta

from sqlalchemy import func, select

from community.models import Thread, User
from core.database import db
from core.time import utcnow
from reputation.models import ReputationEvent

# Rolling windows, in days; "all" is everything since the community began.
PERIODS = {"week": 7, "month": 30, "quarter": 91, "all": None}
# Opening balances (an import's, a seed's) were not earned in the period they were written.
NOT_EARNED = ("imported", "bonus")


def gained(period: str, category_id: int | None = None, limit: int = 20, offset: int = 0):
    """[(User, reputation_gained)], most gained first; only people who gained something."""
    total = func.sum(ReputationEvent.delta).label("gained")
    query = select(ReputationEvent.user_id, total).group_by(ReputationEvent.user_id)
    days = PERIODS[period]
    if days is not None:
        query = query.where(ReputationEvent.created_at >= utcnow() - timedelta(days=days),
                            ReputationEvent.reason.not_in(NOT_EARNED))
    if category_id is not None:
        query = query.join(Thread, Thread.id == ReputationEvent.thread_id) \
            .where(Thread.category_id == category_id)
    rows = db.session.execute(query.having(total > 0).order_by(total.desc(),
                                                               ReputationEvent.user_id)
                              .limit(limit).offset(offset)).all()
    users = {u.id: u for u in db.session.scalars(
        select(User).where(User.id.in_([r.user_id for r in rows])))} if rows else {}
    return [(users[r.user_id], int(r.gained)) for r in rows if r.user_id in users]
