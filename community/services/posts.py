"""Answers: posting, editing with revisions kept, soft deletion of any post and its restoring.

Input is cleaned and Markdown rendered before the transaction starts.
"""
from sqlalchemy import func, select

from community import events
from community.markdown import render
from community.models import Post, Revision, utcnow
from community.policies import (can_answer, can_delete_post, can_edit_post, can_restore_post,
                                can_view_post, ensure, is_own_deletion)
from community.services import review, screening
from community.services.loading import lock_post_and_thread, touch, visible_thread
from community.services.threads import add_revision, bump_category, edit_reason
from community.services.votes import unaccept
from core.database import db
from core.errors import NotFound
from core.transactions import transactional
from community.validation import Errors, clean_body


def _prepared_body(body, actor=None) -> tuple[str, str, bool]:
    """(Markdown, HTML, a `hold` watched word was found); with an actor, the new-member limits."""
    errors = Errors()
    body = clean_body(errors, body)
    errors.raise_if_any()
    fields, _, watched = screening.screen(errors, {"body": body})
    if actor is not None:
        screening.check_new_member(errors, actor, fields["body"])
    errors.raise_if_any()
    return fields["body"], render(fields["body"]), watched


def create_answer(actor, thread_id, body, is_draft: bool = False) -> Post:
    return _create_answer(actor, thread_id, *_prepared_body(body, actor), is_draft)


@transactional
def _create_answer(actor, thread_id, body, html, watched, is_draft) -> Post:
    thread = visible_thread(actor, thread_id, lock=True)
    ensure(can_answer, actor, thread)
    held = None if is_draft else screening.hold_reason(actor, watched)
    now = utcnow()
    post = Post(thread_id=thread.id, author_id=actor.id, kind="answer", body=body,
                body_html=html, is_draft=is_draft, created_at=now, updated_at=now)
    db.session.add(post)
    db.session.flush()
    db.session.add(Revision(post_id=post.id, rev=1, author_id=actor.id, body=body, created_at=now))
    if not is_draft and not held:
        thread.answer_count += 1
        thread.last_activity_at = now
    touch(thread)
    events.emit(events.POST_CREATED, thread_id=thread.id, post_id=post.id, actor_id=actor.id,
                is_draft=is_draft, held=bool(held))
    if held:
        review.hold(post, thread, held)
    return post


def edit_post(actor, post_id, body, reason=None) -> Post:
    return _edit_post(actor, post_id, *_prepared_body(body), edit_reason(reason))


@transactional
def _edit_post(actor, post_id, body, html, watched, reason) -> Post:
    post, thread = lock_post_and_thread(post_id, actor)
    ensure(can_edit_post, actor, post, thread)
    if body != post.body:
        rev = add_revision(actor, post, body, html, reason=reason,
                           title=thread.title if post.is_question else None)
        thread.last_activity_at = utcnow()
        touch(thread)
        events.emit(events.POST_EDITED, thread_id=thread.id, post_id=post.id, actor_id=actor.id,
                    rev=rev)
        if watched and not post.is_hidden and screening.hold_reason(actor, True):
            review.hold(post, thread, "watched")
            recount_answers(thread)
    return post


@transactional
def delete_post(actor, post_id) -> Post:
    """Soft delete. Deleting the question deletes the thread; an accepted answer un-solves it."""
    post, thread = lock_post_and_thread(post_id, actor)
    ensure(can_delete_post, actor, post, thread)
    soft_delete(actor, post, thread)
    return post


def soft_delete(actor, post, thread) -> None:
    """Delete a locked post (the policy already asked), in the caller's transaction."""
    post.is_deleted, post.deleted_at = True, utcnow()
    post.deleted_by_author = post.author_id == actor.id
    if post.is_question:
        thread.is_deleted = True
        bump_category(thread.category_id, -1)
    else:
        if post.is_accepted:
            unaccept(actor, thread, post)
        recount_answers(thread)
    touch(thread)
    events.emit(events.POST_DELETED, thread_id=thread.id, post_id=post.id, actor_id=actor.id,
                kind=post.kind)


@transactional
def restore_post(actor, post_id) -> Post:
    """Undo a soft delete (staff; the author within UNDELETE_HOURS of deleting it). Restoring
    the question restores its thread."""
    post, thread = lock_post_and_thread(post_id)
    if not (can_view_post(actor, post, thread) or is_own_deletion(actor, post)):
        raise NotFound(f"Post {post_id} does not exist.")
    ensure(can_restore_post, actor, post, thread)
    undelete(actor, post, thread)
    return post


def undelete(actor, post, thread) -> None:
    post.is_deleted, post.deleted_at, post.deleted_by_author = False, None, False
    if post.is_question:
        thread.is_deleted = False
        bump_category(thread.category_id, +1)
    else:
        recount_answers(thread)
    touch(thread)
    events.emit(events.POST_RESTORED, thread_id=thread.id, post_id=post.id, actor_id=actor.id,
                kind=post.kind)


def recount_answers(thread) -> None:
    thread.answer_count = _visible_answers(thread.id)


def _visible_answers(thread_id: int) -> int:
    return db.session.scalar(select(func.count(Post.id)).where(
        Post.thread_id == thread_id, Post.kind == "answer", Post.is_deleted.is_(False),
        Post.is_draft.is_(False), Post.is_hidden.is_(False)))
