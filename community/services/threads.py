"""Threads: asking a question and editing it (title, body, tags, category) with revisions kept.

Input is cleaned and Markdown rendered before the transaction starts, so a slow body never
holds the write lock.
"""
from sqlalchemy import update

from community import events
from community.markdown import render
from community.models import Category, Post, Revision, Thread, utcnow
from community.policies import can_create_thread, can_edit_post, ensure
from community.services import review, screening
from community.services.loading import (get_category, get_or_create_tags, get_post, touch,
                                        visible_thread)
from core.database import db
from core.transactions import transactional
from community.validation import (Errors, clean_body, clean_tags, clean_text, clean_title,
                                  make_slug)


def create_thread(actor, title, body, category, tags=None) -> Thread:
    errors = Errors()
    title, body, tags = clean_title(errors, title), clean_body(errors, body), clean_tags(errors, tags)
    errors.raise_if_any()
    fields, tags, watched = screening.screen(errors, {"title": title, "body": body}, tags)
    screening.check_new_member(errors, actor, fields["body"])
    errors.raise_if_any()
    return _create_thread(actor, fields["title"], fields["body"], render(fields["body"]),
                          category, tags, watched)


@transactional
def _create_thread(actor, title, body, html, category, tags, watched=False) -> Thread:
    ensure(can_create_thread, actor)
    category = get_category(category)
    held = screening.hold_reason(actor, watched)
    now = utcnow()
    thread = Thread(category_id=category.id, author_id=actor.id, title=title,
                    slug=make_slug(title), status="open", created_at=now, updated_at=now,
                    last_activity_at=now)
    thread.tags = get_or_create_tags(tags)
    db.session.add(thread)
    db.session.flush()
    post = Post(thread_id=thread.id, author_id=actor.id, kind="question", body=body,
                body_html=html, created_at=now, updated_at=now)
    db.session.add(post)
    db.session.flush()
    thread.question_post_id = post.id
    db.session.add(Revision(post_id=post.id, rev=1, author_id=actor.id, title=title, body=body,
                            tags=" ".join(tags), created_at=now))
    bump_category(category.id, +1)
    events.emit(events.THREAD_CREATED, thread_id=thread.id, post_id=post.id, actor_id=actor.id,
                category_id=category.id, held=bool(held))
    if held:
        review.hold(post, thread, held)
    return thread


def edit_thread(actor, thread_id, title=None, body=None, tags=None, category=None,
                reason=None) -> Thread:
    """Change any of title, body, tags and category; a title, body or tags change adds a
    revision (with the editor's optional reason)."""
    errors = Errors()
    title = clean_title(errors, title) if title is not None else None
    body = clean_body(errors, body) if body is not None else None
    tags = clean_tags(errors, tags) if tags is not None else None
    errors.raise_if_any()
    fields, tags, watched = screening.screen(
        errors, {k: v for k, v in (("title", title), ("body", body)) if v is not None}, tags)
    errors.raise_if_any()
    title, body = fields.get("title"), fields.get("body")
    html = render(body) if body is not None else None
    return _edit_thread(actor, thread_id, title, body, html, tags, category, edit_reason(reason),
                        watched)


@transactional
def _edit_thread(actor, thread_id, title, body, html, tags, category, reason,
                 watched=False) -> Thread:
    thread = visible_thread(actor, thread_id, lock=True, with_tags=True)
    post = get_post(thread.question_post_id, lock=True)
    ensure(can_edit_post, actor, post, thread)
    changed = []
    if category is not None:
        target = get_category(category)
        if target.id != thread.category_id:
            bump_category(thread.category_id, -1)
            bump_category(target.id, +1)
            thread.category_id = target.id
            changed.append("category")
    if tags is not None and set(tags) != {t.name for t in thread.tags}:
        thread.tags = get_or_create_tags(tags)
        changed.append("tags")
    new_title = thread.title if title is None else title
    new_body, new_html = (post.body, post.body_html) if body is None else (body, html)
    text_changed = [f for f, new, old in (("title", new_title, thread.title),
                                          ("body", new_body, post.body)) if new != old]
    if text_changed or "tags" in changed:
        thread.title, thread.slug = new_title, make_slug(new_title)
        add_revision(actor, post, new_body, new_html, title=new_title, reason=reason,
                     tags=[t.name for t in thread.tags])
        changed += text_changed
    if changed:
        thread.updated_at = thread.last_activity_at = utcnow()
        touch(thread)
        events.emit(events.THREAD_EDITED, thread_id=thread.id, post_id=post.id,
                    actor_id=actor.id, changed=changed, category_id=thread.category_id)
        if watched and not post.is_hidden and screening.hold_reason(actor, True):
            review.hold(post, thread, "watched")
    return thread


def edit_reason(reason) -> str | None:
    """The editor's optional reason, one line of at most 300 characters (the form says so)."""
    return clean_text(reason, single_line=True)[:300] or None if isinstance(reason, str) else None


def add_revision(actor, post: Post, body: str, html: str, title: str | None = None,
                 reason: str | None = None, tags: list[str] | None = None) -> int:
    post.revision_count += 1
    post.body, post.body_html, post.updated_at = body, html, utcnow()
    db.session.add(Revision(post_id=post.id, rev=post.revision_count, author_id=actor.id,
                            title=title, body=body, reason=reason,
                            tags=" ".join(tags) if tags is not None else None))
    return post.revision_count


def bump_category(category_id: int, delta: int) -> None:
    db.session.execute(update(Category).where(Category.id == category_id)
                       .values(thread_count=Category.thread_count + delta)
                       .execution_options(synchronize_session=False))
