"""The super-user programme: who is nominated (criteria in config, computed in SQL) and the
moderators' grant or revoke, written to the audit log."""
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, or_, select

from community.models import Category, Post, Thread, User
from community.policies import can_manage_super_users, ensure
from community.services.audit import clean_reason, record
from core.database import db
from core.errors import NotFound, ValidationFailed
from core.events import emit
from core.time import utcnow
from core.transactions import transactional
from reputation import badges
from reputation.models import ReputationEvent

SUPER_USER_CHANGED = "user.super_user_changed"  # user_id; data: granted


@dataclass
class Nominee:
    user: User
    accepted: int                      # answers accepted within the window, still accepted
    posts: int = 0                     # questions and answers written within the window
    last_active_at: datetime | None = None
    categories: list[str] = field(default_factory=list)


def _window_start() -> datetime:
    return utcnow() - timedelta(days=current_app.config["SUPER_USER_WINDOW_DAYS"])


def _accepted_recently(since: datetime):
    """Per user: answers on others' questions accepted since `since` and accepted still."""
    accepted_at = (select(ReputationEvent.post_id).where(
        ReputationEvent.reason == "answer_accepted", ReputationEvent.created_at >= since))
    return (select(Post.author_id.label("user_id"), func.count(Post.id).label("accepted"))
            .join(Thread, Thread.id == Post.thread_id)
            .where(Post.is_accepted.is_(True), Post.is_deleted.is_(False),
                   Thread.is_deleted.is_(False), Post.id.in_(accepted_at))
            .group_by(Post.author_id)
            .having(func.count(Post.id) >= current_app.config["SUPER_USER_MIN_ACCEPTED"])
            .subquery())


def nominations(limit: int = 20, offset: int = 0) -> list[Nominee]:
    """Members who meet the criteria and are not super-users yet, most accepted answers first."""
    since, now = _window_start(), utcnow()
    accepted = _accepted_recently(since)
    rows = db.session.execute(
        select(User, accepted.c.accepted).join(accepted, accepted.c.user_id == User.id)
        .where(User.reputation >= current_app.config["SUPER_USER_MIN_REPUTATION"],
               User.is_super_user.is_(False),
               or_(User.suspended_until.is_(None), User.suspended_until <= now))
        .order_by(accepted.c.accepted.desc(), User.id).limit(limit).offset(offset)).all()
    nominees = {u.id: Nominee(u, n) for u, n in rows}
    if nominees:
        _add_evidence(nominees, since)
    return list(nominees.values())


def _add_evidence(nominees: dict[int, Nominee], since: datetime) -> None:
    """Recent activity and the categories they solve in, two queries for the whole page."""
    ids = list(nominees)
    for uid, count, last in db.session.execute(
            select(Post.author_id, func.count(Post.id), func.max(Post.created_at))
            .where(Post.author_id.in_(ids), Post.created_at >= since, Post.is_deleted.is_(False))
            .group_by(Post.author_id)):
        nominees[uid].posts, nominees[uid].last_active_at = count, last
    for uid, name in db.session.execute(
            select(Post.author_id, Category.name).distinct()
            .join(Thread, Thread.id == Post.thread_id)
            .join(Category, Category.id == Thread.category_id)
            .where(Post.author_id.in_(ids), Post.is_accepted.is_(True),
                   Post.is_deleted.is_(False)).order_by(Post.author_id, Category.name)):
        nominees[uid].categories.append(name)


def set_super_user(actor, user_id: int, granted, reason) -> User:
    """Grant (True) or revoke (False) super-user status, with the moderator's reason."""
    if not isinstance(granted, bool):
        raise ValidationFailed({"granted": ["must be true or false"]})
    return _set_super_user(actor, user_id, granted, clean_reason(reason))


@transactional
def _set_super_user(actor, user_id: int, granted: bool, reason: str) -> User:
    ensure(can_manage_super_users, actor)
    user = db.session.get(User, user_id, with_for_update=True, populate_existing=True)
    if user is None:
        raise NotFound(f"User {user_id} does not exist.")
    if user.is_super_user == granted:
        return user  # nothing changes, so nothing is written to the audit log
    user.is_super_user = granted
    record(actor, "super_user.granted" if granted else "super_user.revoked", user, reason,
           reputation=user.reputation)
    db.session.flush()
    badges.award([user.id])  # the super-user badge follows the status
    emit(SUPER_USER_CHANGED, user_id=user.id, actor_id=actor.id, granted=granted)
    return user
