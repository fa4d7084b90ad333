"""Votes and accepted answers. Their reputation effects are written by the ledger, an
in-transaction receiver of the events emitted here, so points commit with the change."""
from sqlalchemy import select

from community import events
from community.models import Vote
from community.policies import can_accept, can_vote, ensure
from community.services.loading import (lock_post_and_thread, visible_thread, lock_posts, lock_users,
                                        touch)
from core.database import db
from core.errors import ValidationFailed
from core.time import utcnow
from core.transactions import transactional


def cast_vote(actor, post_id, value) -> tuple[int, int]:
    """Set the actor's vote on a post to 1, -1 or 0 (retract); returns (score, my_vote)."""
    if isinstance(value, bool) or not isinstance(value, int) or value not in (1, -1, 0):
        raise ValidationFailed({"value": ["must be 1, -1 or 0"]})
    return _cast_vote(actor, post_id, value)


@transactional
def _cast_vote(actor, post_id, value: int) -> tuple[int, int]:
    post, thread = lock_post_and_thread(post_id, actor)
    ensure(can_vote, actor, post, thread, value)
    vote = db.session.scalar(select(Vote).where(Vote.post_id == post.id, Vote.user_id == actor.id))
    old = vote.value if vote else 0
    if old == value:
        return post.score, value
    lock_users(post.author_id, actor.id)
    if value == 0:
        db.session.delete(vote)
    elif vote:
        vote.value = value
    else:
        db.session.add(Vote(post_id=post.id, user_id=actor.id, value=value))
    post.score += value - old
    if post.is_question:
        thread.score = post.score
    touch(thread)
    events.emit(events.VOTE_CAST, thread_id=thread.id, post_id=post.id, actor_id=actor.id,
                value=value, old=old, score=post.score, author_id=post.author_id, kind=post.kind)
    return post.score, value


def accept_answer(actor, thread_id, post_id):
    """Accept `post_id` as the thread's solution, or un-accept with None; returns the thread."""
    if post_id is not None and (isinstance(post_id, bool) or not isinstance(post_id, int)):
        raise ValidationFailed({"post_id": ["must be an answer's id, or null to un-accept"]})
    return _accept_answer(actor, thread_id, post_id)


@transactional
def _accept_answer(actor, thread_id, post_id):
    thread = visible_thread(actor, thread_id, lock=True)
    ensure(can_accept, actor, thread)
    posts = lock_posts(thread.accepted_answer_id, post_id)
    current = posts.get(thread.accepted_answer_id)
    if post_id is None:
        if current:
            unaccept(actor, thread, current)
        return thread
    post = posts[post_id]
    if post.thread_id != thread.id or post.is_question or post.is_deleted or post.is_draft \
            or post.is_hidden:
        raise ValidationFailed({"post_id": [f"post {post.id} is not an answer in this thread"]})
    if current and current.id == post.id:
        return thread
    lock_users(thread.author_id, post.author_id, actor.id, current and current.author_id)
    if current:
        unaccept(actor, thread, current)
    post.is_accepted = True
    thread.accepted_answer_id, thread.status = post.id, "solved"
    thread.last_activity_at = utcnow()
    touch(thread)
    events.emit(events.ANSWER_ACCEPTED, thread_id=thread.id, post_id=post.id, actor_id=actor.id,
                answer_author_id=post.author_id, asker_id=thread.author_id)
    return thread


def unaccept(actor, thread, post) -> None:
    """Un-solve the thread (the caller holds its lock); the ledger reverses the accept exactly."""
    lock_users(thread.author_id, post.author_id, actor.id)
    post.is_accepted = False
    thread.accepted_answer_id, thread.status = None, "open"
    touch(thread)
    events.emit(events.ANSWER_UNACCEPTED, thread_id=thread.id, post_id=post.id,
                actor_id=actor.id, answer_author_id=post.author_id, asker_id=thread.author_id)
