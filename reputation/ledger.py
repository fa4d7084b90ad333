"""Award and undo reputation inside the caller's transaction: points, the daily cap, the floor of 1."""
from datetime import datetime, time, timezone

from flask import current_app
from sqlalchemy import func, select, update

from core.database import db
from core.time import utcnow
from reputation.models import ReputationEvent

FLOOR = 1
CAPPED_REASONS = {"question_upvoted", "answer_upvoted"}


def points(reason: str) -> int:
    return current_app.config["REPUTATION_POINTS"][reason]


def _earned_today(user_id: int) -> int:
    start = datetime.combine(utcnow().date(), time.min, tzinfo=timezone.utc)
    total = db.session.scalar(
        select(func.coalesce(func.sum(ReputationEvent.delta), 0)).where(
            ReputationEvent.user_id == user_id, ReputationEvent.capped.is_(True),
            ReputationEvent.created_at >= start))
    return int(total or 0)


def _locked_total(user) -> int:
    """The user's current total, with the row locked (PostgreSQL) until the transaction ends."""
    model = type(user)
    return db.session.scalar(select(model.reputation).where(model.id == user.id).with_for_update())


def _apply(user, delta: int, reason: str, source: str, capped: bool, post_id, thread_id) -> int:
    """Record what really changed (after cap and floor), so an undo reverses exactly that."""
    if capped and delta > 0:
        room = current_app.config["REPUTATION_DAILY_CAP"] - _earned_today(user.id)
        delta = max(0, min(delta, room))
    return _record(user, delta, reason, source, capped, post_id, thread_id)


def award(user, reason: str, source: str, post_id=None, thread_id=None) -> int:
    """Give `user` the configured points for `reason`; returns the change actually applied."""
    return _apply(user, points(reason), reason, source, reason in CAPPED_REASONS, post_id,
                  thread_id)


def undo(user, source: str, reason: str = "undone") -> int:
    """Reverse the net effect that `source` had on `user`'s total; returns the change applied."""
    rows = db.session.execute(
        select(ReputationEvent.delta, ReputationEvent.capped, ReputationEvent.post_id,
               ReputationEvent.thread_id)
        .where(ReputationEvent.user_id == user.id, ReputationEvent.source == source)).all()
    net = sum(r.delta for r in rows)
    if not rows or net == 0:
        return 0
    capped_net = sum(r.delta for r in rows if r.capped)
    first = rows[0]
    applied = 0
    if capped_net:
        applied += _record(user, -capped_net, reason, source, True, first.post_id, first.thread_id)
    if net - capped_net:
        applied += _record(user, -(net - capped_net), reason, source, False, first.post_id,
                           first.thread_id)
    return applied


def _record(user, delta, reason, source, capped, post_id, thread_id) -> int:
    """Write one ledger row and move the user's total by it; the total never falls below 1."""
    current = _locked_total(user)
    delta = max(FLOOR, current + delta) - current
    db.session.add(ReputationEvent(user_id=user.id, delta=delta, reason=reason, source=source,
                                   capped=capped, post_id=post_id, thread_id=thread_id))
    if delta:
        model = type(user)
        db.session.execute(update(model).where(model.id == user.id)
                           .values(reputation=model.reputation + delta)
                           .execution_options(synchronize_session=False))
        db.session.refresh(user, ["reputation"])
    return delta
