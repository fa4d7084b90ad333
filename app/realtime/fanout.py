"""The `realtime` consumer of the event log: thin messages ({event_id, thread_id, post_id, type})
to the rooms of the people who may see the change, and the replay of what a reconnecting
reader missed. Visibility is asked of the thread and post as they are now, at every emit."""
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from app.realtime import STAFF_ROOM, close_room, emit_to_room, thread_room, user_room
from community import events
from community.models import Post, Thread
from community.policies import can_view_post, can_view_thread
from core.consumers import consumer, wake
from core.database import db
from core.events import DomainEvent, Event, on_commit
from core.time import utcnow

CONSUMER = "realtime"
UPDATE, GONE, SIGNED_OUT = "update", "thread_gone", "signed_out"
# What changes a thread page (answers, votes, the accepted mark, the case panel, banners).
TYPES = (*events.CONTENT, events.THREAD_MARKED_DUPLICATE, events.CASE_ESCALATED,
         events.CASE_SYNCED, events.CASE_UPDATED, events.KNOWLEDGE_PUBLISHED, events.POST_FLAGGED,
         events.USER_SIGNED_OUT)
STAFF_ONLY = (events.POST_FLAGGED,)
REPLAY_LIMIT = 200


def message(event: Event, **extra) -> dict:
    return {"event_id": event.id, "thread_id": event.thread_id, "post_id": event.post_id,
            "type": event.type, **extra}


def deletes_thread(event: Event) -> bool:
    return event.type == events.POST_DELETED and event.data.get("kind") == "question"


def routes(event: Event, thread: Thread | None, post: Post | None) -> list[tuple[str, str]]:
    """(socket event, room) pairs for one event, from the thread and post as they are now."""
    if event.type == events.USER_SIGNED_OUT:  # sockets opened before it lose the user's room
        return [(SIGNED_OUT, user_room(event.user_id))]
    if thread is None or event.type in STAFF_ONLY:
        return [(UPDATE, STAFF_ROOM)]
    if thread.is_deleted:  # its readers were told once; only staff follow a deleted thread
        gone = [(GONE, thread_room(thread.id))] if deletes_thread(event) else []
        return [*gone, (UPDATE, STAFF_ROOM)]
    if post is not None and post.is_draft:  # an agent's draft: for staff and the asker only
        return [(UPDATE, STAFF_ROOM), (UPDATE, user_room(thread.author_id))]
    return [(UPDATE, thread_room(thread.id))]


def _load(batch: list[Event]) -> tuple[dict[int, Thread], dict[int, Post]]:
    """The batch's threads and posts as they are now, in one query each."""
    thread_ids = {e.thread_id for e in batch if e.thread_id}
    post_ids = {e.post_id for e in batch if e.post_id}
    threads = {t.id: t for t in db.session.scalars(
        select(Thread).where(Thread.id.in_(thread_ids)))} if thread_ids else {}
    posts = {p.id: p for p in db.session.scalars(
        select(Post).where(Post.id.in_(post_ids)))} if post_ids else {}
    return threads, posts


@consumer(CONSUMER, *TYPES)
def fan_out(batch: list[Event]) -> None:
    """Live only: an event older than REALTIME_MAX_AGE_SECONDS is left to replay (a consumer
    started on an old log does not flood the rooms with history)."""
    oldest = utcnow() - timedelta(seconds=current_app.config.get("REALTIME_MAX_AGE_SECONDS", 300))
    fresh = [e for e in batch if e.created_at is None or e.created_at >= oldest]
    threads, posts = _load(fresh)
    plan = [(event, routes(event, threads.get(event.thread_id), posts.get(event.post_id)))
            for event in fresh]
    db.session.rollback()  # the rows were read; no transaction stays open while emitting
    for event, targets in plan:
        for name, room in targets:
            emit_to_room(room, name, message(event))
            if name in (GONE, SIGNED_OUT):  # its members stop receiving it (staff join again)
                close_room(room)


@on_commit(*TYPES)
def _nudge(event) -> None:
    wake()  # readers see the change without waiting out the consumers' interval


def missed(viewer, thread: Thread, after: int) -> list[dict] | None:
    """The thin messages for `thread` after event id `after` that `viewer` may see, oldest
    first; None when there are more than REPLAY_LIMIT (the page is better reloaded whole)."""
    rows = db.session.scalars(
        select(DomainEvent).where(DomainEvent.thread_id == thread.id, DomainEvent.id > after,
                                  DomainEvent.type.in_(TYPES))
        .order_by(DomainEvent.id).limit(REPLAY_LIMIT + 1)).all()
    if len(rows) > REPLAY_LIMIT:
        return None
    found = [Event.from_row(r) for r in rows]
    post_ids = {e.post_id for e in found if e.post_id}
    posts = {p.id: p for p in db.session.scalars(
        select(Post).where(Post.id.in_(post_ids)))} if post_ids else {}
    return [message(e, replay=True) for e in found if _may_see(viewer, e, thread, posts)]


def _may_see(viewer, event: Event, thread: Thread, posts: dict[int, Post]) -> bool:
    if event.type in STAFF_ONLY and not viewer.is_staff:
        return False
    post = posts.get(event.post_id)
    if post is None or post.is_question or post.is_deleted:
        return bool(can_view_thread(viewer, thread))  # a deleted answer leaves the page
    return bool(can_view_post(viewer, post, thread))
