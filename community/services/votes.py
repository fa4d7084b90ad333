"""Votes and accepted answers, with their reputation effects in the same transaction."""
from sqlalchemy import select

from core.errors import ValidationFailed
from core.database import db
from community import events
from community.models import User, Vote, utcnow
from community.policies import can_accept, can_vote, ensure
from community.services.loading import get_post, get_thread, touch
from core.transactions import transactional
from reputation import ledger


@transactional
def cast_vote(actor, post_id, value) -> tuple[int, int]:
    """Set the actor's vote on a post to 1, -1 or 0 (retract); returns (score, my_vote)."""
    if isinstance(value, bool) or value not in (1, -1, 0):
        raise ValidationFailed({"value": ["must be 1, -1 or 0"]})
    post = get_post(post_id, lock=True)
    thread = get_thread(post.thread_id, lock=True)
    ensure(can_vote, actor, post, thread)
    vote = db.session.scalar(select(Vote).where(Vote.post_id == post.id, Vote.user_id == actor.id))
    old = vote.value if vote else 0
    if old == value:
        return post.score, value
    author = db.session.get(User, post.author_id)
    source = f"vote:{post.id}:{actor.id}"
    if old:
        ledger.undo(author, source, "vote_undone")
        ledger.undo(actor, source, "vote_undone")
    if value == 1:
        ledger.award(author, "question_upvoted" if post.is_question else "answer_upvoted", source,
                     post.id, thread.id)
    elif value == -1:
        ledger.award(author, "post_downvoted", source, post.id, thread.id)
        if not post.is_question:
            ledger.award(actor, "voter_downvote", source, post.id, thread.id)
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
    events.emit(db.session, events.vote_cast, post, actor=actor, value=value, score=post.score)
    return post.score, value


@transactional
def accept_answer(actor, thread_id, post_id):
    """Accept `post_id` as the thread's solution, or un-accept with None; returns the thread."""
    thread = get_thread(thread_id, lock=True)
    ensure(can_accept, actor, thread)
    current = get_post(thread.accepted_answer_id, lock=True) if thread.accepted_answer_id else None
    if post_id is None:
        if current:
            _unaccept(actor, thread, current)
        return thread
    post = get_post(post_id, lock=True)
    if (post.thread_id != thread.id or post.is_question or post.is_deleted or post.is_draft):
        raise ValidationFailed({"post_id": [f"post {post.id} is not an answer in this thread"]})
    if current and current.id == post.id:
        return thread
    if current:
        _unaccept(actor, thread, current)
    post.is_accepted = True
    thread.accepted_answer_id, thread.status = post.id, "solved"
    thread.last_activity_at = utcnow()
    touch(thread)
    source = f"accept:{thread.id}:{post.id}"
    # Accepting your own answer earns nothing; the asker earns +2 for accepting someone else's.
    if post.author_id != actor.id:
        ledger.award(db.session.get(User, post.author_id), "answer_accepted", source, post.id,
                     thread.id)
        if actor.id == thread.author_id:
            ledger.award(actor, "accepter", source, post.id, thread.id)
    events.emit(db.session, events.answer_accepted, thread, post=post, actor=actor)
    return thread


def _unaccept(actor, thread, post) -> None:
    """Reverse an accept exactly, whoever made it; used by un-accept, re-accept and deletion."""
    source = f"accept:{thread.id}:{post.id}"
    for user_id in {post.author_id, thread.author_id}:
        ledger.undo(db.session.get(User, user_id), source, "accept_undone")
    post.is_accepted = False
    thread.accepted_answer_id, thread.status = None, "open"
    touch(thread)
    events.emit(db.session, events.answer_unaccepted, thread, post=post, actor=actor)
