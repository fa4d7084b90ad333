"""Load the rows a service acts on: 404 when missing, row-locked (PostgreSQL) when it will change.

One lock order everywhere, so writers never deadlock: the thread, then its posts by id, then
users by id.
"""
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import selectinload

from core.errors import NotFound, ValidationFailed
from core.database import MAX_ID, db
from community.models import Category, Post, Tag, Thread, User
from community.policies import can_view_post, can_view_thread


def get_thread(thread_id, lock: bool = False, with_tags: bool = False) -> Thread:
    query = select(Thread).where(Thread.id == _as_id(thread_id, "thread"))
    if with_tags:
        query = query.options(selectinload(Thread.tags))
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    thread = db.session.scalar(query)
    if thread is None:
        raise NotFound(f"Thread {thread_id} does not exist.")
    return thread


def touch(thread: Thread) -> None:
    """Mark the thread's page as changed (its row is locked by the caller)."""
    thread.version = (thread.version or 0) + 1


def get_post(post_id, lock: bool = False) -> Post:
    query = select(Post).where(Post.id == _as_id(post_id, "post"))
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    post = db.session.scalar(query)
    if post is None:
        raise NotFound(f"Post {post_id} does not exist.")
    return post


def lock_post_and_thread(post_id, viewer=None) -> tuple[Post, Thread]:
    """A post and its thread, both locked in the one order: the thread first, then the post.
    With a viewer, a post they may not see is a 404, as on every page."""
    thread_id = db.session.scalar(select(Post.thread_id).where(Post.id == _as_id(post_id, "post")))
    if thread_id is None:
        raise NotFound(f"Post {post_id} does not exist.")
    thread = get_thread(thread_id, lock=True)
    post = get_post(post_id, lock=True)
    if viewer is not None and not can_view_post(viewer, post, thread):
        raise NotFound(f"Post {post_id} does not exist.")
    return post, thread


def visible_thread(viewer, thread_id, lock: bool = False, with_tags: bool = False) -> Thread:
    """The thread, or a 404 when the viewer may not see it (the rule of every page)."""
    thread = get_thread(thread_id, lock=lock, with_tags=with_tags)
    if not can_view_thread(viewer, thread):
        raise NotFound(f"Thread {thread_id} does not exist.")
    return thread


def lock_posts(*post_ids) -> dict[int, Post]:
    """Several posts locked by id, lowest first (after their thread)."""
    return {pid: get_post(pid, lock=True) for pid in sorted({p for p in post_ids if p})}


def lock_users(*user_ids) -> None:
    """Lock user rows by id, lowest first, before anything reads or moves their reputation."""
    ids = sorted({u for u in user_ids if u})
    if ids and db.session.get_bind().dialect.name != "sqlite":
        db.session.execute(select(User.id).where(User.id.in_(ids)).order_by(User.id)
                           .with_for_update())


def get_category(value, field: str = "category") -> Category:
    """A category by slug or id; an unknown one is a validation error on `field`."""
    if isinstance(value, int) and not isinstance(value, bool):
        category = db.session.get(Category, value) if 0 < value <= MAX_ID else None
    elif isinstance(value, str) and value.strip():
        category = db.session.scalar(select(Category).where(Category.slug == value.strip()))
    else:
        raise ValidationFailed({field: ["is required"]})
    if category is None:
        raise ValidationFailed({field: [f"unknown category '{str(value)[:64]}'"]})
    return category


def get_or_create_tags(names: list[str]) -> list[Tag]:
    if not names:
        return []
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.session.execute(insert(Tag).values([{"name": n} for n in names])
                       .on_conflict_do_nothing(index_elements=["name"]))
    tags = db.session.scalars(select(Tag).where(Tag.name.in_(names))).all()
    return sorted(tags, key=lambda t: names.index(t.name))


def _as_id(value, what: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise NotFound(f"No {what} with id {str(value)[:32]!r}.") from None
    if not 0 < number <= MAX_ID:
        raise NotFound(f"No {what} with id {number}.")
    return number
