"""Marking a thread as a duplicate of another (which closes it to answers), and flagging a post
for a moderator (into the review queue, community.services.review)."""
from sqlalchemy import select

from community import events
from community.models import FLAG_REASONS, Flag, ThreadLink
from community.policies import can_flag, can_mark_duplicate, ensure
from community.services import review
from community.services.audit import record
from community.services.loading import lock_post_and_thread, touch, visible_thread
from community.validation import clean_text
from core.database import db
from core.errors import Conflict, NotFound, ValidationFailed
from core.transactions import transactional


def mark_duplicate(actor, thread_id, original_id):
    """Link the thread to the original it duplicates; returns the link."""
    if isinstance(original_id, bool) or not isinstance(original_id, int):
        raise ValidationFailed({"original_id": ["must be a thread's id"]})
    if original_id == thread_id:
        raise ValidationFailed({"original_id": ["a thread cannot duplicate itself"]})
    return _mark_duplicate(actor, thread_id, original_id)


@transactional
def _mark_duplicate(actor, thread_id, original_id) -> ThreadLink:
    thread = visible_thread(actor, thread_id, lock=True)
    ensure(can_mark_duplicate, actor, thread)
    try:
        original = visible_thread(actor, original_id)
    except NotFound:
        raise ValidationFailed({"original_id": [f"there is no thread {original_id}"]}) from None
    if original.is_deleted:
        raise ValidationFailed({"original_id": ["the original is deleted"]})
    if db.session.scalar(select(ThreadLink.id).where(ThreadLink.thread_id == thread.id,
                                                     ThreadLink.kind == "duplicate")):
        raise Conflict("This thread is already marked as a duplicate.",
                       {"original_id": ["this thread is already marked as a duplicate"]})
    link = ThreadLink(thread_id=thread.id, target_id=original.id, kind="duplicate",
                      created_by_id=actor.id)
    db.session.add(link)
    thread.is_closed, thread.close_reason = True, "duplicate"
    touch(thread)
    record(actor, "thread.marked_duplicate", thread, "", original_id=original.id)
    events.emit(events.THREAD_MARKED_DUPLICATE, thread_id=thread.id, actor_id=actor.id,
                original_id=original.id)
    return link


def flag_post(actor, post_id, reason, detail="") -> Flag:
    if reason not in FLAG_REASONS:
        raise ValidationFailed({"reason": [f"must be one of {', '.join(FLAG_REASONS)}"]})
    detail = clean_text(detail, single_line=True) if isinstance(detail, str) else ""
    if len(detail) > 500:
        raise ValidationFailed({"detail": ["must be at most 500 characters"]})
    return _flag_post(actor, post_id, reason, detail)


@transactional
def _flag_post(actor, post_id, reason: str, detail: str) -> Flag:
    post, thread = lock_post_and_thread(post_id, actor)
    ensure(can_flag, actor, post, thread)
    flag = Flag(post_id=post.id, user_id=actor.id, reason=reason, detail=detail)
    db.session.add(flag)
    db.session.flush()  # a second flag by the same member is a 409 (uq_flags_post_user)
    events.emit(events.POST_FLAGGED, thread_id=thread.id, post_id=post.id, actor_id=actor.id,
                reason=reason)
    review.note_flag(post, thread, flag)
    return flag
