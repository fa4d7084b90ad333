"""Answers: posting, editing with revisions kept, and soft deletion of any post."""
from sqlalchemy import func, select

from core.database import db
from community import events
from community.markdown import render
from community.models import Post, Revision, utcnow
from community.policies import can_answer, can_delete_post, can_edit_post, ensure
from community.services.loading import get_post, get_thread, touch
from community.services.threads import _add_revision, _bump_category
from community.services.votes import _unaccept
from core.transactions import transactional
from community.validation import Errors, clean_body


@transactional
def create_answer(actor, thread_id, body, is_draft: bool = False) -> Post:
    thread = get_thread(thread_id, lock=True)
    ensure(can_answer, actor, thread)
    errors = Errors()
    body = clean_body(errors, body)
    errors.raise_if_any()
    now = utcnow()
    post = Post(thread_id=thread.id, author_id=actor.id, kind="answer", body=body,
                body_html=render(body), is_draft=is_draft, created_at=now, updated_at=now)
    db.session.add(post)
    db.session.flush()
    db.session.add(Revision(post_id=post.id, rev=1, author_id=actor.id, body=body, created_at=now))
    if not is_draft:
        thread.answer_count += 1
        thread.last_activity_at = now
    touch(thread)
    events.emit(db.session, events.post_created, post, thread=thread, actor=actor)
    return post


@transactional
def edit_post(actor, post_id, body, reason=None) -> Post:
    post = get_post(post_id, lock=True)
    thread = get_thread(post.thread_id, lock=True)
    ensure(can_edit_post, actor, post, thread)
    errors = Errors()
    body = clean_body(errors, body)
    errors.raise_if_any()
    if body != post.body:
        rev = _add_revision(actor, post, body, title=thread.title if post.is_question else None,
                            reason=reason)
        thread.last_activity_at = utcnow()
        touch(thread)
        events.emit(db.session, events.post_edited, post, thread=thread, actor=actor, rev=rev)
    return post


@transactional
def delete_post(actor, post_id) -> Post:
    """Soft delete. Deleting the question deletes the thread; an accepted answer un-solves it."""
    post = get_post(post_id, lock=True)
    thread = get_thread(post.thread_id, lock=True)
    ensure(can_delete_post, actor, post, thread)
    post.is_deleted, post.deleted_at = True, utcnow()
    if post.is_question:
        thread.is_deleted = True
        _bump_category(thread.category_id, -1)
    else:
        if post.is_accepted:
            _unaccept(actor, thread, post)
        thread.answer_count = _visible_answers(thread.id)
    touch(thread)
    events.emit(db.session, events.post_deleted, post, thread=thread, actor=actor)
    return post


def _visible_answers(thread_id: int) -> int:
    return db.session.scalar(select(func.count(Post.id)).where(
        Post.thread_id == thread_id, Post.kind == "answer", Post.is_deleted.is_(False),
        Post.is_draft.is_(False)))
