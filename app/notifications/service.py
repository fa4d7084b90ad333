"""Every write of notifications: watch levels, marking read, mail settings and one-click
unsubscribe (load -> policy -> change -> emit -> commit, as the community's services), and the
reads the page and the API share (a reader's list, keyset-paged)."""
from datetime import datetime, timedelta, UTC

from sqlalchemy import and_, or_, select, update

from app.notifications import kinds
from app.notifications.consumer import announce, recount
from app.notifications.models import LEVELS, Notification, NotificationSettings, Watch
from community import queries
from community.models import Tag, Thread, User
from community.policies import can_have_notifications, can_watch, ensure
from core.database import db
from core.errors import BadRequest, NotFound, ValidationFailed
from core.events import emit
from core.time import utcnow
from core.transactions import transactional

WATCH_CHANGED = "watch.changed"  # user_id, thread_id (a thread's); data: target_type, target_id, level
NOTIFICATIONS_READ = "notifications.read"  # data: reader_id, count (the bell's new number)


def _target(actor, target_type: str, ref) -> int:
    """The id of the thread, category (by slug) or tag (by name) to watch; 404 when unknown."""
    if target_type == "thread":
        thread = db.session.get(Thread, ref)
        if thread is None:
            raise NotFound(f"Thread {ref} does not exist.")
        ensure(can_watch, actor, thread)
        if thread.is_deleted and not actor.is_staff:
            raise NotFound(f"Thread {ref} does not exist.")
        return thread.id
    ensure(can_watch, actor)
    if target_type == "category":
        return queries.category_by_slug(ref).id
    tag_id = db.session.scalar(select(Tag.id).where(Tag.name == str(ref).strip().lower()))
    if tag_id is None:
        raise NotFound(f"Tag {ref!r} does not exist.")
    return tag_id


def _check_level(level) -> str:
    if level not in LEVELS:
        raise ValidationFailed({"level": [f"must be one of {', '.join(LEVELS)}"]})
    return level


@transactional
def set_watch(actor, target_type: str, ref, level: str) -> Watch:
    """Watch, track or mute a thread, a category or a tag."""
    _check_level(level)
    target_id = _target(actor, target_type, ref)
    row = db.session.scalar(select(Watch).where(
        Watch.user_id == actor.id, Watch.target_type == target_type,
        Watch.target_id == target_id).with_for_update())
    if row is None:
        row = Watch(user_id=actor.id, target_type=target_type, target_id=target_id, level=level)
        db.session.add(row)
    row.level = level
    emit(WATCH_CHANGED, user_id=actor.id, actor_id=actor.id,
         thread_id=target_id if target_type == "thread" else None,
         target_type=target_type, target_id=target_id, level=level)
    return row


def watch_level(user, target_type: str, target_id: int | None) -> str | None:
    """The reader's chosen level on a target, or None (one indexed lookup)."""
    if user.is_anonymous_user or target_id is None:
        return None
    if target_type == "tag" and isinstance(target_id, str):  # a tag page knows the name
        target_id = db.session.scalar(select(Tag.id).where(Tag.name == target_id.strip().lower()))
    return db.session.scalar(select(Watch.level).where(
        Watch.user_id == user.id, Watch.target_type == target_type, Watch.target_id == target_id))


def mark_read(actor, ids: list[int] | None = None, everything: bool = False) -> int:
    """Mark some (by id; others' ids change nothing) or all of the reader's notifications read;
    returns the new unread count."""
    count = _mark_read(actor, ids, everything)
    announce({actor.id: count})
    return count


@transactional
def _mark_read(actor, ids, everything) -> int:
    ensure(can_have_notifications, actor)
    query = update(Notification).where(Notification.user_id == actor.id,
                                       Notification.is_read.is_(False))
    if not everything:
        query = query.where(Notification.id.in_(list(ids or [])))
    changed = db.session.execute(query.values(is_read=True, read_at=utcnow())
                                 .execution_options(synchronize_session=False)).rowcount or 0
    count = recount([actor.id]).get(actor.id, 0)
    if changed:
        emit(NOTIFICATIONS_READ, actor_id=actor.id, reader_id=actor.id, count=count)
    return count


def _settings_row(user_id: int) -> NotificationSettings:
    row = db.session.get(NotificationSettings, user_id, with_for_update=True)
    if row is None:
        row = NotificationSettings(user_id=user_id, email={}, digest="daily")
        db.session.add(row)
    return row


def check_settings(email: dict | None, digest: str | None) -> None:
    errors = {}
    for kind, mode in (email or {}).items():
        if kind not in kinds.KINDS:
            errors[f"email.{kind}"] = [f"is not a kind of notification ({', '.join(kinds.KINDS)})"]
        elif mode not in kinds.MAIL_MODES:
            errors[f"email.{kind}"] = [f"must be one of {', '.join(kinds.MAIL_MODES)}"]
    if digest is not None and digest not in kinds.DIGEST_PERIODS:
        errors["digest"] = [f"must be one of {', '.join(kinds.DIGEST_PERIODS)}"]
    if errors:
        raise ValidationFailed(errors)


@transactional
def update_settings(actor, email: dict | None = None, digest: str | None = None) -> dict:
    """Change some kinds' mail and/or the digest period; returns the effective settings."""
    ensure(can_have_notifications, actor)
    check_settings(email, digest)
    row = _settings_row(actor.id)
    row.email = {**(row.email or {}), **(email or {})}
    if digest is not None:
        row.digest = digest
    emit("notifications.settings_changed", actor_id=actor.id, reader_id=actor.id)
    return kinds.effective(row)


@transactional
def unsubscribe(user_id: int, kind: str) -> None:
    """One-click unsubscribe: no more mail of `kind` (a digest's link: nothing in digests)."""
    if db.session.get(User, user_id) is None:
        raise NotFound("This unsubscribe link is not valid.")
    row = _settings_row(user_id)
    current = kinds.effective(row)["email"]
    off = [k for k, mode in current.items() if mode == "digest"] if kind == "digest" else [kind]
    row.email = {**(row.email or {}), **dict.fromkeys(off, "off")}
    emit("notifications.unsubscribed", reader_id=user_id, kind=kind)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)


def _cursor(raw: str | None):
    """A cursor is "<microseconds since 1970>.<id>" of the last row shown (URL-safe, exact)."""
    if not raw:
        return None
    micros, _, id_ = raw.partition(".")
    if not (micros.isdigit() and id_.isdigit() and len(micros) <= 20 and len(id_) <= 10):
        raise BadRequest("That cursor is not one this list gave out.")
    try:
        return _EPOCH + int(micros) * _MICRO, int(id_)
    except OverflowError:
        raise BadRequest("That cursor is not one this list gave out.") from None


def list_for(reader, unread_only: bool = False, limit: int = 20, cursor: str | None = None):
    """(notifications newest first, next cursor or None): one indexed range read."""
    query = select(Notification).where(Notification.user_id == reader.id)
    if unread_only:
        query = query.where(Notification.is_read.is_(False))
    if (after := _cursor(cursor)) is not None:
        stamp, id_ = after
        query = query.where(or_(Notification.updated_at < stamp,
                                and_(Notification.updated_at == stamp, Notification.id < id_)))
    rows = db.session.scalars(query.order_by(Notification.updated_at.desc(),
                                             Notification.id.desc()).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if rows else None
    next_cursor = f"{(last.updated_at - _EPOCH) // _MICRO}.{last.id}" if more else None
    return rows, next_cursor
