"""Load the rows a service acts on: 404 when missing, row-locked (PostgreSQL) when it will change."""
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import selectinload

from core.errors import NotFound, ValidationFailed
from core.database import db
from community.models import Category, Post, Tag, Thread


def get_thread(thread_id, lock: bool = False, with_tags: bool = False) -> Thread:
    query = select(Thread).where(Thread.id == _as_id(thread_id, "thread"))
    if with_tags:
        query = query.options(selectinload(Thread.tags))
    thread = db.session.scalar(query.with_for_update() if lock else query)
    if thread is None:
        raise NotFound(f"Thread {thread_id} does not exist.")
    return thread


def touch(thread: Thread) -> None:
    """Mark the thread's page as changed (its row is locked by the caller)."""
    thread.version = (thread.version or 0) + 1


def get_post(post_id, lock: bool = False) -> Post:
    query = select(Post).where(Post.id == _as_id(post_id, "post"))
    post = db.session.scalar(query.with_for_update() if lock else query)
    if post is None:
        raise NotFound(f"Post {post_id} does not exist.")
    return post


def get_category(value, field: str = "category") -> Category:
    """A category by slug or id; an unknown one is a validation error on `field`."""
    if isinstance(value, int) and not isinstance(value, bool):
        category = db.session.get(Category, value) if 0 < value < 2**63 else None
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
    if not 0 < number < 2**63:
        raise NotFound(f"No {what} with id {number}.")
    return number
