"""The read side: thread lists (filters, sorts, keyset cursors), thread pages, revisions, profiles.

Every function issues a fixed number of queries however many rows it returns.
"""
import base64
import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, bindparam, case, or_, select
from sqlalchemy.orm import joinedload, selectinload

from core.errors import BadRequest, NotFound
from core.database import MAX_ID, built, db, parse_id
from community.models import (ANONYMOUS, AuditEntry, Category, Post, Revision, Tag, Thread, ThreadLink,
                              User, Vote, thread_tags)
from community import events
from community.policies import (can_read_event_log, can_restore_post, can_view_post,
                                can_view_thread, ensure, visible_posts, visible_threads)
from core.events import DomainEvent, Event

SORTS = {"newest": Thread.created_at, "active": Thread.last_activity_at, "votes": Thread.score}
STATUSES = ("open", "solved", "unanswered")


@dataclass
class ThreadPage:
    thread: Thread
    question: Post
    answers: list[Post]
    my_votes: dict[int, int] = field(default_factory=dict)


def _encode_cursor(value, row_id: int) -> str:
    if isinstance(value, datetime):
        value = {"t": value.isoformat()}
    raw = json.dumps([value, row_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")




def _decode_cursor(cursor: str, sort: str):
    """(value, id) from a cursor made for this sort; anything else is a 400, never a 500."""
    try:
        if len(cursor) > 200:
            raise ValueError
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value, row_id = json.loads(raw)
        if sort == "votes":
            ok = isinstance(value, int) and not isinstance(value, bool) and abs(value) <= MAX_ID
        else:
            value = datetime.fromisoformat(value["t"])
            ok = value.tzinfo is not None
        if not ok or isinstance(row_id, bool) or not isinstance(row_id, int) \
                or not 0 < row_id <= MAX_ID:
            raise ValueError
        return value, row_id
    except (ValueError, TypeError, KeyError, OverflowError, RecursionError):
        raise BadRequest("The cursor is not valid; start again without it.") from None


def list_threads(viewer, category=None, tag=None, status=None, sort="newest", limit=20,
                 cursor=None) -> tuple[list[Thread], str | None]:
    """One page of visible threads, newest/active/most-voted first, and the cursor for the next."""
    if sort not in SORTS:
        raise BadRequest(f"sort must be one of {', '.join(SORTS)}")
    if status and status not in STATUSES:
        raise BadRequest(f"status must be one of {', '.join(STATUSES)}")
    column = SORTS[sort]
    query = (select(Thread).where(visible_threads(viewer))
             .options(joinedload(Thread.category), joinedload(Thread.author),
                      selectinload(Thread.tags)))
    if category:
        query = query.join(Category, Category.id == Thread.category_id).where(Category.slug == category)
    if tag:
        query = query.where(Thread.id.in_(select(thread_tags.c.thread_id).join(Tag).where(Tag.name == tag)))
    if status == "unanswered":
        query = query.where(Thread.answer_count == 0, Thread.status == "open")
    elif status:
        query = query.where(Thread.status == status)
    if cursor:
        value, last_id = _decode_cursor(cursor, sort)
        query = query.where(or_(column < value, and_(column == value, Thread.id < last_id)))
    rows = db.session.scalars(query.order_by(column.desc(), Thread.id.desc()).limit(limit + 1)
                              .execution_options(populate_existing=True)).all()
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = _encode_cursor(getattr(last, column.key), last.id)
    return list(rows), next_cursor


def thread_page(viewer, thread_id) -> ThreadPage:
    """A thread with its question, the answers the viewer may see (accepted first), and their votes."""
    thread = db.session.execute(_thread_statement(), {"thread_id": thread_id}
                                ).unique().scalar_one_or_none()
    if thread is None or not can_view_thread(viewer, thread):
        raise NotFound(f"Thread {thread_id} does not exist.")
    kind, params = _viewer_kind(viewer)
    posts = db.session.scalars(_posts_statement(kind), {"thread_id": thread.id, **params}).all()
    question = next(p for p in posts if p.is_question)
    answers = [p for p in posts if not p.is_question]
    my_votes = {}
    if not viewer.is_anonymous_user and viewer.id:  # (a shared rendering's reader is nobody: 0)
        my_votes = dict(db.session.execute(
            select(Vote.post_id, Vote.value).join(Post, Post.id == Vote.post_id)
            .where(Post.thread_id == thread.id, Vote.user_id == viewer.id)).all())
    return ThreadPage(thread, question, answers, my_votes)


# A thread page's statements are built once (database.built), per kind of viewer where what
# they may see differs (a member's id is then a bound parameter). The thread's few tags are
# joined into its statement: a second SELECT cost more than the whole row.
def _thread_statement():
    return built("thread_page", lambda: (
        select(Thread).where(Thread.id == bindparam("thread_id"))
        .options(joinedload(Thread.category), joinedload(Thread.author),
                 joinedload(Thread.tags)).execution_options(populate_existing=True)))


class _Staff:
    is_staff = True
    is_anonymous_user = False


class _Member:
    """Any signed-in member, as visible_* clauses see them: their id is a bound parameter."""
    is_staff = False
    is_anonymous_user = False
    id = bindparam("viewer_id")


def _viewer_kind(viewer) -> tuple[str, dict]:
    """Which built statement serves this viewer, and the parameter it needs."""
    if viewer.is_staff:
        return "staff", {}
    if viewer.is_anonymous_user:
        return "anonymous", {}
    return "member", {"viewer_id": viewer.id}


def _stand_in(kind: str):
    return {"staff": _Staff, "anonymous": ANONYMOUS, "member": _Member}[kind]


def _posts_statement(kind: str):
    return built(("thread_posts", kind), lambda: (
        select(Post).join(Thread, Thread.id == Post.thread_id)
        .where(Post.thread_id == bindparam("thread_id"),
               or_(Post.kind == "question",
                   visible_posts(_stand_in(kind), include_deleted=True)))
        .options(joinedload(Post.author))
        .order_by(case((Post.kind == "question", 0), else_=1), Post.is_accepted.desc(),
                  Post.score.desc(), Post.created_at, Post.id)
        .execution_options(populate_existing=True)))


def thread_version(thread_id: int) -> int | None:
    """The thread's page version: every write that changes what its page shows moves it."""
    return db.session.scalar(select(Thread.version).where(Thread.id == thread_id))


def visible_post(viewer, post_id) -> tuple[Post, Thread]:
    post = db.session.scalar(select(Post).where(Post.id == post_id).options(selectinload(Post.author))
                             .execution_options(populate_existing=True))
    thread = db.session.get(Thread, post.thread_id) if post else None
    if post is None or not can_view_post(viewer, post, thread):
        raise NotFound(f"Post {post_id} does not exist.")
    return post, thread


def restorable_post(viewer, post_id) -> tuple[Post, Thread]:
    """A deleted post the viewer may bring back (staff; its author for a while), else a 404."""
    post = db.session.scalar(select(Post).where(Post.id == post_id)
                             .execution_options(populate_existing=True))
    thread = db.session.get(Thread, post.thread_id) if post else None
    if post is None or not can_restore_post(viewer, post, thread):
        raise NotFound(f"Post {post_id} does not exist.")
    return post, thread


def revisions(viewer, post_id, limit: int | None = None, after: int = 0) -> list[Revision]:
    """A post's revisions oldest first; `after` a revision number, for paging."""
    post, _ = visible_post(viewer, post_id)
    query = (select(Revision).where(Revision.post_id == post.id, Revision.rev > after)
             .options(selectinload(Revision.author)).order_by(Revision.rev)
             .execution_options(populate_existing=True))
    return list(db.session.scalars(query.limit(limit) if limit else query))


def categories(limit: int | None = None, offset: int = 0) -> list[Category]:
    query = select(Category).order_by(Category.position, Category.name, Category.id)
    return list(db.session.scalars(query.limit(limit).offset(offset) if limit else query))


def category_by_slug(slug: str) -> Category:
    category = db.session.scalar(select(Category).where(Category.slug == slug))
    if category is None:
        raise NotFound(f"No category '{slug[:64]}'.")
    return category


def category_by_id(category_id: int) -> Category:
    return db.session.get(Category, category_id)


def user_by_id(user_id) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(f"User {user_id} does not exist.")
    return user


def user_activity(viewer, user: User, limit: int = 10) -> tuple[list[Thread], list[Post]]:
    """A profile's recent questions and answers (those the viewer may see, deleted ones left out)."""
    threads = db.session.scalars(
        select(Thread).where(Thread.author_id == user.id, visible_threads(viewer))
        .options(selectinload(Thread.category)).order_by(Thread.created_at.desc()).limit(limit)
        .execution_options(populate_existing=True)).all()
    answers = db.session.scalars(
        select(Post).join(Thread, Thread.id == Post.thread_id)
        .where(Post.author_id == user.id, Post.kind == "answer", visible_posts(viewer))
        .options(selectinload(Post.thread)).order_by(Post.created_at.desc()).limit(limit)
        .execution_options(populate_existing=True)).all()
    return list(threads), list(answers)


def tag_names(thread_id: int) -> list[str]:
    return list(db.session.scalars(select(Tag.name).join(thread_tags)
                                   .where(thread_tags.c.thread_id == thread_id).order_by(Tag.name)))


# Who cast a vote is never shown, not even in the staff event feed.
_ANONYMOUS_ACTOR = {events.VOTE_CAST}


def event_feed(viewer, after: int = 0, limit: int = 100) -> list[Event]:
    """Committed events after an id, oldest first, leaving out events on threads the viewer
    may not see (the same rule as pages and lists)."""
    ensure(can_read_event_log, viewer)
    query = (select(DomainEvent).where(DomainEvent.id > after)
             .where(or_(DomainEvent.thread_id.is_(None), DomainEvent.thread_id.in_(
                 select(Thread.id).where(visible_threads(viewer, include_deleted=True)))))
             .order_by(DomainEvent.id).limit(limit))
    feed = [Event.from_row(row) for row in db.session.scalars(query)]
    for event in feed:
        if event.type in _ANONYMOUS_ACTOR:
            event.actor_id = None
        if event.data.get("private"):  # e.g. a voter's own reputation row: whose it is stays out
            event.user_id = None
    return feed


def duplicate_of(viewer, thread_id: int) -> Thread | None:
    """The original a thread was marked a duplicate of, if the viewer may see it."""
    kind, params = _viewer_kind(viewer)
    return db.session.scalar(built(("duplicate_of", kind), lambda: (
        select(Thread).join(ThreadLink, ThreadLink.target_id == Thread.id)
        .where(ThreadLink.thread_id == bindparam("thread_id"), ThreadLink.kind == "duplicate",
               visible_threads(_stand_in(kind))).limit(1))), {"thread_id": thread_id, **params})


def audit_entries(limit: int = 50, cursor: str | None = None) -> tuple[list[AuditEntry], str | None]:
    """The audit log newest first, by keyset page (the cursor is the last entry's id)."""
    query = select(AuditEntry).options(joinedload(AuditEntry.actor))
    if cursor:
        last = parse_id(cursor)
        if last is None:
            raise BadRequest("The cursor is not valid; start again without it.")
        query = query.where(AuditEntry.id < last)
    rows = db.session.scalars(query.order_by(AuditEntry.id.desc()).limit(limit + 1)).all()
    next_cursor = str(rows[limit - 1].id) if len(rows) > limit else None
    return list(rows[:limit]), next_cursor


def user_posts(viewer, user: User, kind: str, sort: str = "newest", limit: int = 20,
               offset: int = 0) -> list[Post]:
    """A profile's questions or answers the viewer may see, newest or best first, with threads."""
    order = (Post.score.desc(), Post.id.desc()) if sort == "votes" else (Post.id.desc(),)
    return list(db.session.scalars(
        select(Post).join(Thread, Thread.id == Post.thread_id)
        .where(Post.author_id == user.id, Post.kind == kind, visible_posts(viewer))
        .options(selectinload(Post.thread)).order_by(*order).limit(limit).offset(offset)
        .execution_options(populate_existing=True)))
