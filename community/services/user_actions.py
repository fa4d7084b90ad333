"""Moderators' actions on people: suspend (sign-in refused, sessions and API tokens ended),
silence (read-only), delete a spammer with all their posts; administrators change roles; staff
find users. Each writes an audit row and emits an event."""
from datetime import datetime, timedelta, UTC

from sqlalchemy import or_, select

from community import events
from community.models import ROLES, Post, User, utcnow
from community.policies import can_change_role, can_find_users, can_moderate_user, ensure
from community.services.accounts import rotate_stamp
from community.services.audit import clean_reason, record
from community.services.loading import _as_id, get_thread
from core.database import db
from core.errors import NotFound, ValidationFailed
from core.transactions import transactional

FOREVER = datetime(9999, 1, 1, tzinfo=UTC)


def parse_until(value, field: str = "until") -> datetime:
    """An ISO 8601 date or time in the future (UTC when no zone is given), or a number of days;
    None means indefinitely."""
    if value is None:
        return FOREVER
    if isinstance(value, int) and not isinstance(value, bool):
        if not 1 <= value <= 36500:
            raise ValidationFailed({field: ["must be 1 to 36500 days"]})
        return utcnow() + timedelta(days=value)
    if not isinstance(value, str):
        raise ValidationFailed({field: ["must be an ISO 8601 time, a number of days or null"]})
    try:
        when = datetime.fromisoformat(value.strip()[:40].replace("Z", "+00:00"))
    except ValueError:
        raise ValidationFailed({field: ["must be an ISO 8601 time, e.g. 2027-01-31T12:00:00Z"]}) \
            from None
    when = when.replace(tzinfo=UTC) if when.tzinfo is None else \
        when.astimezone(UTC)
    if when <= utcnow():
        raise ValidationFailed({field: ["must be in the future"]})
    return min(when, FOREVER)


def _lock_subject(user_id) -> User:
    user = db.session.scalar(select(User).where(User.id == _as_id(user_id, "user"))
                             .with_for_update().execution_options(populate_existing=True))
    if user is None:
        raise NotFound(f"User {user_id} does not exist.")
    return user


def suspend(actor, user_id, until, reason) -> User:
    return _restrict(actor, user_id, "suspended_until", parse_until(until), clean_reason(reason))


def unsuspend(actor, user_id, reason=None) -> User:
    return _restrict(actor, user_id, "suspended_until", None,
                     clean_reason(reason or "", required=False))


def silence(actor, user_id, until, reason) -> User:
    return _restrict(actor, user_id, "silenced_until", parse_until(until), clean_reason(reason))


def unsilence(actor, user_id, reason=None) -> User:
    return _restrict(actor, user_id, "silenced_until", None,
                     clean_reason(reason or "", required=False))


@transactional
def _restrict(actor, user_id, column: str, until, reason: str) -> User:
    user = _lock_subject(user_id)
    ensure(can_moderate_user, actor, user)
    setattr(user, column, until)
    suspension = column == "suspended_until"
    if suspension and until is not None:
        rotate_stamp(user)  # every session, remember-me cookie and API token ends now
    what = "suspended" if suspension else "silenced"
    record(actor, f"user.{what}" if until else f"user.un{what}", user, reason,
           until=until.isoformat() if until else None)
    events.emit(events.USER_SUSPENDED if suspension else events.USER_SILENCED, user_id=user.id,
                actor_id=actor.id, until=until.isoformat() if until else None, reason=reason)
    return user


def change_role(actor, user_id, role, reason=None) -> User:
    if role not in ROLES:
        raise ValidationFailed({"role": [f"must be one of {', '.join(ROLES)}"]})
    return _change_role(actor, user_id, role, clean_reason(reason or "", required=False))


@transactional
def _change_role(actor, user_id, role: str, reason: str) -> User:
    user = _lock_subject(user_id)
    ensure(can_change_role, actor, user)
    old = user.role
    if old != role:
        user.role = role
        record(actor, "user.role_changed", user, reason, role=role, old_role=old)
        events.emit(events.USER_ROLE_CHANGED, user_id=user.id, actor_id=actor.id, role=role,
                    old_role=old)
    return user


def purge_spammer(actor, user_id, reason) -> tuple[User, int]:
    """Suspend indefinitely and delete every post of theirs in one step: (user, posts deleted)."""
    return _purge(actor, user_id, clean_reason(reason))


@transactional
def _purge(actor, user_id, reason: str) -> tuple[User, int]:
    from community.services.posts import soft_delete
    subject_id = _as_id(user_id, "user")
    thread_ids = sorted(set(db.session.scalars(select(Post.thread_id).where(
        Post.author_id == subject_id, Post.is_deleted.is_(False)))))
    threads = {t: get_thread(t, lock=True) for t in thread_ids}  # threads first, by id
    user = _lock_subject(subject_id)
    ensure(can_moderate_user, actor, user)
    posts = db.session.scalars(select(Post).where(Post.author_id == user.id,
                                                  Post.is_deleted.is_(False))
                               .order_by(Post.id).with_for_update()).all()
    for post in sorted(posts, key=lambda p: not p.is_question):  # questions first: whole threads
        soft_delete(actor, post, threads[post.thread_id])
    user.suspended_until = FOREVER
    rotate_stamp(user)
    ids = [p.id for p in posts]
    record(actor, "user.purged", user, reason, post_ids=ids, thread_ids=thread_ids)
    events.emit(events.USER_PURGED, user_id=user.id, actor_id=actor.id, post_ids=ids,
                thread_ids=thread_ids)
    return user, len(ids)


def find_users(viewer, q: str | None, limit: int = 20, after: int | None = None) -> list[User]:
    """Users whose name or email starts with `q` (staff), newest first."""
    ensure(can_find_users, viewer)
    query = select(User)
    text = (q or "").strip().lower()[:254]
    if text:
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(or_(User.username_key.like(f"{escaped}%", escape="\\"),
                                User.email.like(f"{escaped}%", escape="\\")))
    if after:
        query = query.where(User.id < after)
    return list(db.session.scalars(query.order_by(User.id.desc()).limit(limit)))

