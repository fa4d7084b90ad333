"""Award and undo reputation inside the caller's transaction: points, the daily cap, the floor of 1.

Every change is a ledger row recording what was really applied, so an undo reverses exactly
that; each applied change is also a `reputation.changed` event (pages showing the user drop).
"""
from datetime import datetime, time, UTC

from flask import current_app
from sqlalchemy import func, select, update

from community.models import User
from core.database import db
from core.events import emit
from core.time import utcnow
from reputation.models import ReputationEvent
from reputation.ranks import rank_for

FLOOR = 1
CAPPED_REASONS = {"question_upvoted", "answer_upvoted"}
REPUTATION_CHANGED = "reputation.changed"  # user_id; data: delta, reason
RANK_REACHED = "reputation.rank_reached"  # user_id; data: rank, reputation (a rank up the ladder)


def points(reason: str) -> int:
    return current_app.config["REPUTATION_POINTS"][reason]


def _earned_today(user_id: int) -> int:
    start = datetime.combine(utcnow().date(), time.min, tzinfo=UTC)
    total = db.session.scalar(
        select(func.coalesce(func.sum(ReputationEvent.delta), 0)).where(
            ReputationEvent.user_id == user_id, ReputationEvent.capped.is_(True),
            ReputationEvent.created_at >= start))
    return int(total or 0)


def _locked_total(user_id: int) -> int:
    """The user's current total, with the row locked (PostgreSQL) until the transaction ends."""
    return db.session.scalar(select(User.reputation).where(User.id == user_id).with_for_update())


def award(user_id: int, reason: str, source: str, post_id=None, thread_id=None) -> int:
    """Give the user the configured points for `reason`; returns the change actually applied."""
    delta, capped = points(reason), reason in CAPPED_REASONS
    current = _locked_total(user_id)  # lock first: the capped total is counted under the lock
    if capped and delta > 0:
        room = current_app.config["REPUTATION_DAILY_CAP"] - _earned_today(user_id)
        delta = max(0, min(delta, room))
    return _record(user_id, current, delta, reason, source, capped, post_id, thread_id)


def grant(user_id: int, delta: int, reason: str, source: str) -> int:
    """An uncapped change that no vote or accept caused (an import's opening balance, a seed);
    returns the change applied (the floor of 1 still holds)."""
    return _record(user_id, _locked_total(user_id), delta, reason, source, False, None, None)


def undo(user_id: int, source: str, reason: str = "undone") -> int:
    """Reverse the net effect that `source` had on the user's total; returns the change applied."""
    current = _locked_total(user_id)
    rows = db.session.execute(
        select(ReputationEvent.delta, ReputationEvent.capped, ReputationEvent.post_id,
               ReputationEvent.thread_id)
        .where(ReputationEvent.user_id == user_id, ReputationEvent.source == source)
        .order_by(ReputationEvent.id)).all()
    net = sum(r.delta for r in rows)
    if not rows or net == 0:
        return 0
    capped_net = sum(r.delta for r in rows if r.capped)
    first, applied = rows[0], 0
    for delta, capped in ((-capped_net, True), (-(net - capped_net), False)):
        if delta:
            change = _record(user_id, current, delta, reason, source, capped, first.post_id,
                             first.thread_id)
            current += change
            applied += change
    return applied


def voters_own(reason: str, source: str, user_id: int) -> bool:
    """Is this the voter's own row of a vote (a downvote's cost, or its undoing)? It would tell
    which post they voted on, so only they may see it with its post."""
    return reason == "voter_downvote" or (source.startswith("vote:")
                                          and source.endswith(f":{user_id}"))


def _record(user_id, current, delta, reason, source, capped, post_id, thread_id) -> int:
    """Write one ledger row and move the user's total by it; the total never falls below 1."""
    delta = max(FLOOR, current + delta) - current
    db.session.add(ReputationEvent(user_id=user_id, delta=delta, reason=reason, source=source,
                                   capped=capped, post_id=post_id, thread_id=thread_id))
    if delta:
        db.session.execute(update(User).where(User.id == user_id)
                           .values(reputation=User.reputation + delta)
                           .execution_options(synchronize_session=False))
        # The event names no post: who voted what stays private, even in the staff event feed,
        # which also leaves out the user of a voter's own row (`private`).
        extra = {"private": True} if voters_own(reason, source, user_id) else {}
        emit(REPUTATION_CHANGED, user_id=user_id, delta=delta, reason=reason, **extra)
        if delta > 0 and rank_for(current + delta) != rank_for(current):
            emit(RANK_REACHED, user_id=user_id, rank=rank_for(current + delta),
                 reputation=current + delta)
    return delta
