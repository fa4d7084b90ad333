"""Moderators' thread actions: lock, close and reopen, move to another category, merge a
duplicate into its original (answers, their votes and the links to it follow). Each writes an
audit row and emits an event."""
from sqlalchemy import delete, select, update

from community import events
from community.models import Case, KnowledgeItem, Post, Thread, ThreadLink, utcnow
from community.policies import can_close, ensure, is_live, is_moderator
from community.services.audit import clean_reason, record
from community.services.loading import get_category, get_thread, touch, visible_thread
from community.services.posts import recount_answers
from community.services.threads import bump_category
from community.services.votes import unaccept
from core.database import db
from core.errors import Conflict, ValidationFailed
from core.transactions import transactional

CLOSE_REASONS = ("duplicate", "off_topic", "resolved", "other")


def _flag_value(value, field: str) -> bool:
    if not isinstance(value, bool):
        raise ValidationFailed({field: ["must be true or false"]})
    return value


def lock_thread(actor, thread_id, locked, reason) -> Thread:
    return _lock(actor, thread_id, _flag_value(locked, "locked"), clean_reason(reason))


@transactional
def _lock(actor, thread_id, locked: bool, reason: str) -> Thread:
    thread = visible_thread(actor, thread_id, lock=True)
    ensure(is_moderator, actor)
    if thread.is_locked != locked:
        thread.is_locked = locked
        touch(thread)
        record(actor, "thread.locked" if locked else "thread.unlocked", thread, reason)
        events.emit(events.THREAD_LOCKED, thread_id=thread.id, actor_id=actor.id, locked=locked,
                    reason=reason)
    return thread


def close_thread(actor, thread_id, closed, reason) -> Thread:
    closed = _flag_value(closed, "closed")
    if closed and reason not in CLOSE_REASONS:
        raise ValidationFailed({"reason": [f"must be one of {', '.join(CLOSE_REASONS)}"]})
    return _close(actor, thread_id, closed, reason if closed else None)


@transactional
def _close(actor, thread_id, closed: bool, reason: str | None) -> Thread:
    thread = visible_thread(actor, thread_id, lock=True)
    ensure(can_close, actor, thread)
    if thread.is_closed != closed or thread.close_reason != reason:
        thread.is_closed, thread.close_reason = closed, reason
        touch(thread)
        record(actor, "thread.closed" if closed else "thread.reopened", thread, reason or "")
        events.emit(events.THREAD_CLOSED, thread_id=thread.id, actor_id=actor.id, closed=closed,
                    reason=reason)
    return thread


@transactional
def move_thread(actor, thread_id, category) -> Thread:
    thread = visible_thread(actor, thread_id, lock=True)
    ensure(is_moderator, actor)
    target = get_category(category)
    old = thread.category_id
    if target.id != old:
        thread.category_id = target.id
        db.session.execute(update(KnowledgeItem).where(KnowledgeItem.thread_id == thread.id)
                           .values(category_id=target.id)
                           .execution_options(synchronize_session=False))
        if not thread.is_deleted:
            bump_category(old, -1)
            bump_category(target.id, +1)
        touch(thread)
        record(actor, "thread.moved", thread, "", from_category_id=old, category_id=target.id)
        events.emit(events.THREAD_MOVED, thread_id=thread.id, actor_id=actor.id,
                    from_category_id=old, category_id=target.id)
    return thread


def merge_threads(actor, thread_id, into_id, reason=None):
    if isinstance(into_id, bool) or not isinstance(into_id, int):
        raise ValidationFailed({"into_id": ["must be a thread's id"]})
    if into_id == thread_id:
        raise ValidationFailed({"into_id": ["a thread cannot be merged into itself"]})
    return _merge(actor, thread_id, into_id, clean_reason(reason or "", required=False))


@transactional
def _merge(actor, thread_id: int, into_id: int, reason: str) -> Thread:
    """Answers move to the original; their votes go with them (votes belong to posts), links
    to the duplicate now point at the original, and the duplicate stays as a closed pointer."""
    ensure(is_moderator, actor)
    first, second = sorted((thread_id, into_id))  # the one lock order: threads by id
    locked = {t: get_thread(t, lock=True) for t in (first, second)}
    source, into = locked[thread_id], locked[into_id]
    for thread, field in ((source, "thread"), (into, "into_id")):
        if not is_live(None, thread):
            raise ValidationFailed({field: ["is deleted"]})
    if db.session.scalar(select(ThreadLink.id).where(ThreadLink.thread_id == into.id,
                                                     ThreadLink.target_id == source.id)):
        raise Conflict("The original is itself linked as a duplicate of this thread.")
    answers = db.session.scalars(select(Post).where(Post.thread_id == source.id,
                                                    Post.kind == "answer")
                                 .order_by(Post.id).with_for_update()).all()
    for post in answers:
        if post.is_accepted:
            unaccept(actor, source, post)
        post.thread_id = into.id
    _relink(source, into, actor)
    source.is_closed, source.close_reason = True, "duplicate"
    recount_answers(source)
    recount_answers(into)
    into.last_activity_at = utcnow()
    touch(source)
    touch(into)
    cases = _link_cases(source.id, into.id)
    moved = [p.id for p in answers]
    record(actor, "thread.merged", source, reason, into_id=into.id, post_ids=moved, **cases)
    for thread in (source, into):
        events.emit(events.THREAD_MERGED, thread_id=thread.id, actor_id=actor.id,
                    from_id=source.id, into_id=into.id, post_ids=moved, **cases)
    return into


def _relink(source: Thread, into: Thread, actor) -> None:
    """Links that pointed at the duplicate point at the original; the duplicate points there."""
    db.session.execute(delete(ThreadLink).where(ThreadLink.thread_id == source.id))
    pointing = db.session.scalars(select(ThreadLink).where(ThreadLink.target_id == source.id)).all()
    already = set(db.session.scalars(select(ThreadLink.thread_id)
                                     .where(ThreadLink.target_id == into.id)))
    for link in pointing:
        if link.thread_id == into.id or link.thread_id in already:
            db.session.delete(link)
        else:
            link.target_id = into.id
    db.session.flush()
    db.session.add(ThreadLink(thread_id=source.id, target_id=into.id, kind="duplicate",
                              created_by_id=actor.id))


def _link_cases(source_id: int, into_id: int) -> dict:
    """When both threads were escalated, the duplicate's case points at the original's."""
    found = dict(db.session.execute(select(Case.thread_id, Case.id)
                                    .where(Case.thread_id.in_((source_id, into_id)))).all())
    if len(found) < 2:
        return {}
    db.session.execute(update(Case).where(Case.id == found[source_id])
                       .values(linked_case_id=found[into_id]))
    return {"case_id": found[source_id], "linked_case_id": found[into_id]}

