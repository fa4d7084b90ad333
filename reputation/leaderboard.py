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
    days = PERIODS[period]
    if days is None and category_id is None:
        return _all_time(limit, offset)
    total = func.sum(ReputationEvent.delta).label("gained")
    # Grouping by an expression, not the bare column: SQLite's planner would otherwise walk
    # (user_id, created_at) for the GROUP BY and visit the table for every row, where the
    # covering index reads only the period's entries.
    user_id = (ReputationEvent.user_id + 0).label("user_id")
    query = select(user_id, total).group_by(user_id)
    if days is not None:
        query = query.where(ReputationEvent.created_at >= utcnow() - timedelta(days=days),
                            ReputationEvent.reason.not_in(NOT_EARNED))
    if category_id is not None:
        query = query.join(Thread, Thread.id == ReputationEvent.thread_id) \
            .where(Thread.category_id == category_id)
    rows = db.session.execute(query.having(total > 0).order_by(total.desc(), user_id)
                              .limit(limit).offset(offset)).all()
    users = {u.id: u for u in db.session.scalars(
        select(User).where(User.id.in_([r.user_id for r in rows])))} if rows else {}
    return [(users[r.user_id], int(r.gained)) for r in rows if r.user_id in users]


def _all_time(limit: int, offset: int):
    """Everyone's whole ledger is their total less the starting 1: `users.reputation` keeps that
    sum (written with each ledger row, checked by `reputation recompute`), and its index gives
    the board without summing every row ever written."""
    users = db.session.scalars(select(User).where(User.reputation > 1)
                               .order_by(User.reputation.desc(), User.id)
                               .limit(limit).offset(offset)).all()
    return [(u, u.reputation - 1) for u in users]
