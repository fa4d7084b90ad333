"""The review queue: one item per post (flagged, held first posts, watched words, hidden by
flags), opened by the services that write posts and flags, resolved by a moderator; flaggers
learn whether their flag helped (flag.resolved)."""
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from community import events
from community.models import REVIEW_ACTIONS, Flag, Post, ReviewItem, Thread, User, utcnow
from community.policies import can_review, ensure, flag_weight
from community.services.audit import clean_reason, record
from community.services.loading import _as_id, lock_post_and_thread, touch
from community.settings import setting
from core.database import db
from core.errors import NotFound, ValidationFailed
from core.transactions import transactional

# What each action does to the post and what it says of the flags on it.
_HELPFUL = {"hide": True, "delete": True, "approve": False, "restore": False, "dismiss": False}


def hide(post: Post, thread: Thread) -> None:
    """Hide a post (and, for the question, its thread) from all but its author and staff."""
    post.is_hidden = True
    if post.is_question:
        thread.is_hidden = True
    touch(thread)


def _show(post: Post, thread: Thread) -> None:
    post.is_hidden = False
    if post.is_question:
        thread.is_hidden = False
    touch(thread)


def open_item(post: Post, thread: Thread, kind: str) -> ReviewItem:
    """Put the post in the queue (in the caller's transaction), or bring its item back."""
    item = db.session.scalar(select(ReviewItem).where(ReviewItem.post_id == post.id)
                             .with_for_update())
    if item is None:
        item = ReviewItem(post_id=post.id, thread_id=thread.id, kind=kind, status="pending",
                          created_at=utcnow())
        db.session.add(item)
        db.session.flush()
    elif item.status != "pending":
        item.status, item.kind, item.outcome, item.created_at = "pending", kind, None, utcnow()
    elif kind != "flagged":  # held, watched or auto-hidden says more than "flagged"
        item.kind = kind
    return item


def hold(post: Post, thread: Thread, why: str) -> ReviewItem:
    """A new or edited post waits for approval: `why` is "held" or "watched"."""
    hide(post, thread)
    item = open_item(post, thread, why)
    events.emit(events.POST_HIDDEN, thread_id=thread.id, post_id=post.id, why=why,
                kind=post.kind)
    return item


def note_flag(post: Post, thread: Thread, flag: Flag) -> None:
    """A new flag: queue the post unless a moderator already judged this reason; hide it once
    the pending flags weigh FLAG_HIDE_THRESHOLD."""
    item = db.session.scalar(select(ReviewItem).where(ReviewItem.post_id == post.id))
    if item is not None and item.status != "pending" and \
            flag.reason in item.handled_reasons.split():
        return
    item = open_item(post, thread, "flagged")
    threshold = setting("FLAG_HIDE_THRESHOLD")
    flaggers = db.session.scalars(select(User).join(Flag, Flag.user_id == User.id)
                                  .where(Flag.post_id == post.id, Flag.status == "pending")).all()
    if not post.is_hidden and sum(flag_weight(u, threshold) for u in flaggers) >= threshold:
        hide(post, thread)
        item.kind = "auto_hidden"
        events.emit(events.POST_HIDDEN, thread_id=thread.id, post_id=post.id, why="auto_hidden",
                    kind=post.kind)


def resolve(actor, item_id, action, note=None) -> ReviewItem:
    if action not in REVIEW_ACTIONS:
        raise ValidationFailed({"action": [f"must be one of {', '.join(REVIEW_ACTIONS)}"]})
    return _resolve(actor, _as_id(item_id, "review item"), action,
                    clean_reason(note or "", required=False))


@transactional
def _resolve(actor, item_id: int, action: str, note: str) -> ReviewItem:
    ensure(can_review, actor)
    post_id = db.session.scalar(select(ReviewItem.post_id).where(ReviewItem.id == item_id))
    if post_id is None:
        raise NotFound(f"Review item {item_id} does not exist.")
    post, thread = lock_post_and_thread(post_id)
    item = db.session.scalar(select(ReviewItem).where(ReviewItem.id == item_id).with_for_update()
                             .execution_options(populate_existing=True))
    _apply(actor, action, item, post, thread)
    flags = db.session.scalars(select(Flag).where(Flag.post_id == post.id,
                                                  Flag.status == "pending")).all()
    outcome = "helpful" if _HELPFUL[action] else "declined"
    for flag in flags:
        flag.status = outcome
    handled = set(item.handled_reasons.split()) | {f.reason for f in flags}
    item.handled_reasons = " ".join(sorted(handled))
    item.status, item.outcome, item.note = "resolved", action, note
    item.resolved_by_id, item.resolved_at = actor.id, utcnow()
    record(actor, f"review.{action}", post, note, item_id=item.id, kind=item.kind,
           thread_id=thread.id)
    ids = sorted(f.user_id for f in flags)
    events.emit(events.FLAG_RESOLVED, thread_id=thread.id, post_id=post.id, actor_id=actor.id,
                item_id=item.id, outcome=action, helpful=ids if _HELPFUL[action] else [],
                declined=[] if _HELPFUL[action] else ids)
    return item


def _apply(actor, action: str, item: ReviewItem, post: Post, thread: Thread) -> None:
    from community.services.posts import recount_answers, soft_delete, undelete
    if action == "dismiss" and post.is_hidden:
        raise ValidationFailed({"action": ["this post is hidden: approve it to show it, or hide "
                                           "or delete it"]})
    if action == "approve" or action == "restore":
        if action == "restore" and post.is_deleted:
            undelete(actor, post, thread)
        if post.is_hidden:
            _show(post, thread)
            if item.kind in ("held", "watched"):
                _as_if_just_posted(post, thread)
            recount_answers(thread)
            events.emit(events.POST_APPROVED, thread_id=thread.id, post_id=post.id,
                        actor_id=actor.id, was_held=item.kind in ("held", "watched"),
                        kind=post.kind)
    elif action == "hide" and not post.is_hidden:
        hide(post, thread)
        recount_answers(thread)
        events.emit(events.POST_HIDDEN, thread_id=thread.id, post_id=post.id, actor_id=actor.id,
                    why="moderator", kind=post.kind)
    elif action == "delete" and not post.is_deleted:
        soft_delete(actor, post, thread)


def _as_if_just_posted(post: Post, thread: Thread) -> None:
    now = utcnow()
    post.created_at = now
    if post.is_question:
        thread.created_at = now
    thread.last_activity_at = now


# ---- reading the queue ------------------------------------------------------------------------

def pending_count() -> int:
    return db.session.scalar(select(func.count(ReviewItem.id))
                             .where(ReviewItem.status == "pending")) or 0


def queue(viewer, limit: int = 20, after: int | None = None, status: str = "pending"):
    """Pending items oldest first, each with its post, thread and flag reasons counted, in
    three queries whatever the page size."""
    ensure(can_review, viewer)
    query = select(ReviewItem).where(ReviewItem.status == status)
    if after:
        query = query.where(ReviewItem.id > after)
    items = db.session.scalars(query.order_by(ReviewItem.id).limit(limit + 1)).all()
    more = len(items) > limit
    items = items[:limit]
    return _with_posts(items), (str(items[-1].id) if more and items else None)


def entry(item_id: int):
    """(item, post, thread, reasons) of one item, as the queue lists it."""
    return _with_posts([db.session.get(ReviewItem, item_id)])[0]


def _with_posts(items):
    post_ids = [i.post_id for i in items]
    if not post_ids:
        return []
    rows = db.session.execute(select(Post, Thread).join(Thread, Thread.id == Post.thread_id)
                              .where(Post.id.in_(post_ids))
                              .options(joinedload(Post.author))).all()
    posts = {p.id: (p, t) for p, t in rows}
    reasons: dict[int, dict[str, int]] = {pid: {} for pid in post_ids}
    for pid, reason, count in db.session.execute(
            select(Flag.post_id, Flag.reason, func.count(Flag.id))
            .where(Flag.post_id.in_(post_ids))
            .group_by(Flag.post_id, Flag.reason)):
        reasons[pid][reason] = count
    return [(i, *posts[i.post_id], reasons[i.post_id]) for i in items if i.post_id in posts]


def flags_of(user, limit: int = 20, before: int | None = None) -> list[tuple[Flag, int]]:
    """A member's own flags, newest first, with their outcome (pending, helpful, declined),
    each with its post's thread id."""
    query = select(Flag, Post.thread_id).join(Post, Post.id == Flag.post_id) \
        .where(Flag.user_id == user.id)
    if before:
        query = query.where(Flag.id < before)
    return [tuple(row) for row in db.session.execute(query.order_by(Flag.id.desc()).limit(limit))]
