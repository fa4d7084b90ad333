"""Threads: asking a question and editing it (title, body, tags, category) with revisions kept."""
from sqlalchemy import update

from core.database import db
from community import events
from community.markdown import render
from community.models import Category, Post, Revision, Thread, utcnow
from community.policies import can_create_thread, can_edit_post, ensure
from community.services.loading import (get_category, get_or_create_tags, get_post, get_thread,
                                        touch)
from core.transactions import transactional
from community.validation import (Errors, clean_body, clean_tags, clean_text, clean_title,
                                  make_slug)


@transactional
def create_thread(actor, title, body, category, tags=None) -> Thread:
    ensure(can_create_thread, actor)
    errors = Errors()
    title, body, tags = clean_title(errors, title), clean_body(errors, body), clean_tags(errors, tags)
    errors.raise_if_any()
    category = get_category(category)
    now = utcnow()
    thread = Thread(category_id=category.id, author_id=actor.id, title=title,
                    slug=make_slug(title), status="open", created_at=now, updated_at=now,
                    last_activity_at=now)
    thread.tags = get_or_create_tags(tags)
    db.session.add(thread)
    db.session.flush()
    post = Post(thread_id=thread.id, author_id=actor.id, kind="question", body=body,
                body_html=render(body), created_at=now, updated_at=now)
    db.session.add(post)
    db.session.flush()
    thread.question_post_id = post.id
    db.session.add(Revision(post_id=post.id, rev=1, author_id=actor.id, title=title, body=body,
                            tags=" ".join(tags), created_at=now))
    _bump_category(category.id, +1)
    events.emit(db.session, events.thread_created, thread, post=post, actor=actor)
    return thread


@transactional
def edit_thread(actor, thread_id, title=None, body=None, tags=None, category=None,
                reason=None) -> Thread:
    """Change any of title, body, tags and category; a title, body or tags change adds a revision."""
    thread = get_thread(thread_id, lock=True, with_tags=True)
    post = get_post(thread.question_post_id, lock=True)
    ensure(can_edit_post, actor, post, thread)
    errors = Errors()
    new_title = clean_title(errors, title) if title is not None else thread.title
    new_body = clean_body(errors, body) if body is not None else post.body
    new_tags = clean_tags(errors, tags) if tags is not None else None
    errors.raise_if_any()
    changed = []
    if category is not None:
        target = get_category(category)
        if target.id != thread.category_id:
            _bump_category(thread.category_id, -1)
            _bump_category(target.id, +1)
            thread.category_id = target.id
            changed.append("category")
    if new_tags is not None and set(new_tags) != {t.name for t in thread.tags}:
        thread.tags = get_or_create_tags(new_tags)
        changed.append("tags")
    if new_title != thread.title or new_body != post.body or "tags" in changed:
        changed += [f for f, new, old in (("title", new_title, thread.title),
                                          ("body", new_body, post.body)) if new != old]
        thread.title, thread.slug = new_title, make_slug(new_title)
        _add_revision(actor, post, new_body, title=new_title, reason=reason,
                      tags=[t.name for t in thread.tags])
    if changed:
        thread.updated_at = thread.last_activity_at = utcnow()
        touch(thread)
        events.emit(db.session, events.thread_edited, thread, post=post, actor=actor,
                    changed=changed)
    return thread


def _add_revision(actor, post: Post, body: str, title: str | None = None, reason=None,
                  tags: list[str] | None = None) -> int:
    post.revision_count += 1
    post.body, post.body_html, post.updated_at = body, render(body), utcnow()
    reason = clean_text(reason, single_line=True)[:300] or None  # the web form checks the length
    db.session.add(Revision(post_id=post.id, rev=post.revision_count, author_id=actor.id,
                            title=title, body=body, reason=reason,
                            tags=" ".join(tags) if tags is not None else None))
    return post.revision_count


def _bump_category(category_id: int, delta: int) -> None:
    db.session.execute(update(Category).where(Category.id == category_id)
                       .values(thread_count=Category.thread_count + delta)
                       .execution_options(synchronize_session=False))
