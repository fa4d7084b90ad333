"""The `notifications` consumer of the event log: each event becomes at most one notification per
reader (coalesced by key), written once even when the event is delivered again, then mailed.

Live updates hook in through `on_created`: after a commit that changed readers' bells, each
receiver is called as `fn(user_id, unread_count)` (app/realtime connects the Socket.IO bell
to it); a failing receiver is logged and never undoes the notification.
"""
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select, update
from sqlalchemy.exc import DBAPIError

from app.notifications import kinds, mailing, recipients
from app.notifications.models import Notification, Watch
from community.models import User
from community.policies import can_hear_of, can_view_case
from core.consumers import consumer
from core.database import db
from core.events import Event
from core.time import utcnow
from core.transactions import transactional
from community import events

log = logging.getLogger("commonplace.notifications")
on_created: list[Callable[[int, int], None]] = []


@dataclass
class Delivered:
    mail_now: list[int] = field(default_factory=list)    # notification ids to mail at once
    unread: dict[int, int] = field(default_factory=dict)  # reader -> unread count


@consumer("notifications", *recipients.TYPES)
def notify(batch: list[Event]) -> None:
    for event in batch:
        try:
            delivered = deliver(event)
        except DBAPIError:
            raise  # the database is away: the batch is handed out again
        except Exception:  # noqa: BLE001 - one bad event must not stop every reader's bell
            db.session.rollback()
            log.exception("notifications: event %s %s skipped", event.id, event.type)
            continue
        _after_commit(delivered)


@transactional
def deliver(event: Event) -> Delivered:
    """Write the event's notifications in one transaction (idempotent per reader and event)."""
    ctx = recipients.load(event)
    _auto_watch(ctx)
    drafts = [d for d in recipients.drafts_for(ctx) if d.user_id != event.actor_id]
    if not drafts:
        return Delivered()
    users = {u.id: u for u in db.session.scalars(
        select(User).where(User.id.in_({d.user_id for d in drafts})))}
    settings = kinds.settings_for(users)
    delivered, touched = Delivered(), set()
    for draft in drafts:
        user = users.get(draft.user_id)
        if user is None or not _may_hear(user, draft, ctx):
            continue
        row = _upsert(draft, ctx)
        if row is None:
            continue  # this event was already delivered to this reader
        touched.add(user.id)
        if _decide_mail(row, draft, user, settings[user.id]):
            delivered.mail_now.append(row.id)
    delivered.unread = recount(touched)
    return delivered


def _auto_watch(ctx: recipients.Context) -> None:
    """The asker watches their thread, an answerer the thread they answered (unless they chose
    a level for it already)."""
    event = ctx.event
    if ctx.thread is None or ctx.post is None or \
            event.type not in (events.THREAD_CREATED, events.POST_CREATED):
        return
    exists = db.session.scalar(select(Watch.id).where(
        Watch.user_id == ctx.post.author_id, Watch.target_type == "thread",
        Watch.target_id == ctx.thread.id))
    if exists is None:
        db.session.add(Watch(user_id=ctx.post.author_id, target_type="thread",
                             target_id=ctx.thread.id, level="watching"))


def _may_hear(user: User, draft: recipients.Draft, ctx: recipients.Context) -> bool:
    if draft.needs == "none":
        return True
    if ctx.thread is None:
        return False
    if not can_hear_of(user, ctx.thread, ctx.post if draft.needs == "post" else None):
        return False
    return draft.needs != "case" or bool(can_view_case(user, ctx.thread))


def _upsert(draft: recipients.Draft, ctx: recipients.Context) -> Notification | None:
    """Create the reader's notification for this key, or fold the event into the unread one
    ("5 votes"); a read one starts again at 1. None when this event was applied before."""
    event, now = ctx.event, utcnow()
    row = db.session.scalar(select(Notification).where(Notification.user_id == draft.user_id,
                                                       Notification.key == draft.key))
    if row is not None and row.last_event_id >= event.id:
        return None
    if row is None:
        row = Notification(user_id=draft.user_id, kind=draft.kind, key=draft.key, count=0,
                           is_read=False, mail_state="", created_at=now)
        db.session.add(row)
    elif row.is_read:
        row.count, row.is_read, row.read_at, row.created_at = 0, False, None, now
    row.count += 1
    row.thread_id = ctx.thread.id if ctx.thread is not None else None
    row.post_id, row.actor_id, row.data = event.post_id, event.actor_id, draft.data
    row.text = kinds.describe(draft.kind, row.count, draft.data)
    row.url = kinds.path_for(draft.kind, ctx.thread, event.post_id, draft.user_id)
    row.updated_at, row.last_event_id = now, event.id
    db.session.flush()  # the id, for the mail sent after commit
    return row


def _decide_mail(row: Notification, draft, user: User, settings: dict) -> bool:
    """Mark the row for mail now ("sent", decided with the write) or for the digest."""
    mode = "off" if draft.quiet else settings["email"][draft.kind]
    if mode == "off" or not mailing.mailable(user):
        return False
    row.mail_state = "sent" if mode == "immediate" else "digest"
    return mode == "immediate"


def recount(user_ids) -> dict[int, int]:
    """Set each reader's bell number from one indexed count; returns {reader: unread}."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    db.session.flush()
    unread = (select(func.count(Notification.id))
              .where(Notification.user_id == User.id, Notification.is_read.is_(False))
              .scalar_subquery())
    db.session.execute(update(User).where(User.id.in_(ids)).values(unread_notifications=unread)
                       .execution_options(synchronize_session=False))
    return dict(db.session.execute(select(User.id, User.unread_notifications)
                                   .where(User.id.in_(ids))).all())


def _after_commit(delivered: Delivered) -> None:
    try:
        mailing.send_immediate(delivered.mail_now)
    except Exception:  # noqa: BLE001 - the notification stands; its mail is logged as lost
        db.session.rollback()
        log.exception("notifications: immediate mail failed")
    announce(delivered.unread)


def announce(unread: dict[int, int]) -> None:
    """Tell the `on_created` receivers each reader's new unread count."""
    for user_id, count in unread.items():
        for receiver in list(on_created):
            try:
                receiver(user_id, count)
            except Exception:  # noqa: BLE001 - live updates never fail delivery
                log.exception("notifications: on_created receiver %r failed", receiver)
