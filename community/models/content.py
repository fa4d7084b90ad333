"""Content: categories, tags, threads, posts (question and answers), revisions, votes and links
between threads (a duplicate and its original)."""
import re

from sqlalchemy import (Boolean, Column, ForeignKey, Index, Integer, SmallInteger, String, Table,
                        Text, UniqueConstraint, false)
from sqlalchemy.orm import Mapped, mapped_column

from core.database import db
from core.time import UTCDateTime, utcnow
from community.models.users import User

_CC_BY_SA = re.compile(r"CC BY-SA (\d\.\d)")

thread_tags = Table(
    "thread_tags",
    db.metadata,
    Column("thread_id", ForeignKey("threads.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Category(db.Model):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0, index=True)
    thread_count: Mapped[int] = mapped_column(Integer, default=0)
    # Hours an open thread may wait for an answer before `crm escalate-stale` escalates it;
    # NULL: the configured default (CASE_ANSWER_TARGET_HOURS).
    answer_target_hours: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at = mapped_column(UTCDateTime, default=utcnow)


class Tag(db.Model):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(35), unique=True)


class Thread(db.Model):
    """A question and its answers. `status` is open or solved; unanswered is answer_count == 0."""

    __tablename__ = "threads"
    # Lists walk one of these backwards ("newest 20" reads 20 index entries, sorts nothing).
    # Low-selectivity flags (is_deleted, status) get no index of their own: one would tempt the
    # planner to fetch every live thread and sort them all.
    __table_args__ = (
        Index("ix_threads_created", "created_at", "id"),
        Index("ix_threads_activity", "last_activity_at", "id"),
        Index("ix_threads_score", "score", "id"),
        Index("ix_threads_category_created", "category_id", "created_at"),
        Index("ix_threads_category_activity", "category_id", "last_activity_at"),
        Index("ix_threads_helpful", "helpful_count", "id"),  # the home page's most helpful
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16), default="open")
    # Plain integers rather than foreign keys: posts already point at threads, and a cycle of
    # foreign keys would make inserts and deletes order-dependent. Services keep them true.
    question_post_id: Mapped[int | None] = mapped_column(Integer, nullable=True, unique=True)
    accepted_answer_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    score: Mapped[int] = mapped_column(Integer, default=0)
    view_count: Mapped[int] = mapped_column(Integer, default=0)
    answer_count: Mapped[int] = mapped_column(Integer, default=0)
    # Readers who said "this solved my problem" (community.deflections keeps who, once each).
    helpful_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    is_deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    is_locked: Mapped[bool] = mapped_column(Boolean, default=False)
    # Closed: no new answers (a duplicate, off topic...); close_reason says why.
    is_closed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    close_reason: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # The question is held for review or hidden by a moderator: only its author and staff see it.
    is_hidden: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Bumped by every write that changes what the thread page shows; page caches key on it.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    created_at = mapped_column(UTCDateTime, default=utcnow)
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    last_activity_at = mapped_column(UTCDateTime, default=utcnow)
    # Credit for imported threads (a Stack Exchange question): where it came from, who wrote
    # it and under which licence; all NULL for threads asked here.
    source_site: Mapped[str | None] = mapped_column(String(120), nullable=True)
    source_url: Mapped[str | None] = mapped_column(String(300), nullable=True)
    source_author: Mapped[str | None] = mapped_column(String(120), nullable=True)
    source_author_url: Mapped[str | None] = mapped_column(String(300), nullable=True)
    source_license: Mapped[str | None] = mapped_column(String(40), nullable=True)

    category = db.relationship(Category, lazy="raise")
    author = db.relationship(User, lazy="raise")

    @property
    def source_license_url(self) -> str | None:
        """The Creative Commons deed of an imported thread's licence ("CC BY-SA 4.0")."""
        found = _CC_BY_SA.fullmatch(self.source_license or "")
        return f"https://creativecommons.org/licenses/by-sa/{found.group(1)}/" if found else None

    tags = db.relationship(Tag, secondary=thread_tags, lazy="raise", order_by=Tag.name)


class Post(db.Model):
    """The question (kind 'question') or an answer. Body is Markdown; body_html is rendered once."""

    __tablename__ = "posts"
    __table_args__ = (Index("ix_posts_thread_kind_created", "thread_id", "kind", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="answer")
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    score: Mapped[int] = mapped_column(Integer, default=0, index=True)
    is_accepted: Mapped[bool] = mapped_column(Boolean, default=False)
    is_draft: Mapped[bool] = mapped_column(Boolean, default=False)
    is_deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    deleted_at = mapped_column(UTCDateTime, nullable=True)
    # Held for review or hidden by moderation: seen by its author and staff only.
    is_hidden: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Deleted by its own author, who may undo that for a while (never a moderator's deletion).
    deleted_by_author: Mapped[bool] = mapped_column(Boolean, default=False,
                                                    server_default=false())
    revision_count: Mapped[int] = mapped_column(Integer, default=1)
    created_at = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    thread = db.relationship(Thread, lazy="raise")
    author = db.relationship(User, lazy="raise")

    @property
    def is_question(self) -> bool:
        return self.kind == "question"


class Revision(db.Model):
    """Every version of a post's body (and, for questions, its title and tags), with the editor's reason."""

    __tablename__ = "revisions"
    __table_args__ = (UniqueConstraint("post_id", "rev", name="uq_revisions_post_rev"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    rev: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    title: Mapped[str | None] = mapped_column(String(200), nullable=True)
    body: Mapped[str] = mapped_column(Text)
    # A question revision's tags, space-separated (NULL on answers and on older revisions).
    tags: Mapped[str | None] = mapped_column(Text, nullable=True)
    reason: Mapped[str | None] = mapped_column(String(300), nullable=True)
    created_at = mapped_column(UTCDateTime, default=utcnow)

    author = db.relationship(User, lazy="raise")


class Vote(db.Model):
    __tablename__ = "votes"
    __table_args__ = (UniqueConstraint("post_id", "user_id", name="uq_votes_post_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    value: Mapped[int] = mapped_column(SmallInteger)
    created_at = mapped_column(UTCDateTime, default=utcnow)


class HelpfulMark(db.Model):
    """A reader's "this solved my problem" on a thread: one per visitor (a user id, or an
    anonymous visitor's cookie or address key) and thread; a deflection in the analytics."""

    __tablename__ = "helpful_marks"
    __table_args__ = (
        UniqueConstraint("thread_id", "visitor", name="uq_helpful_marks_thread_visitor"),
        Index("ix_helpful_marks_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    visitor: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                nullable=True, index=True)
    query: Mapped[str | None] = mapped_column(String(100), nullable=True)  # the search that led here
    created_at = mapped_column(UTCDateTime, default=utcnow)


class ThreadLink(db.Model):
    """A link from one thread to another; kind "duplicate": `thread_id` duplicates `target_id`."""

    __tablename__ = "thread_links"
    __table_args__ = (
        UniqueConstraint("thread_id", "target_id", "kind", name="uq_thread_links_thread_target_kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    target_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="duplicate")
    # Who linked them; NULL for links brought in by an import.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                      nullable=True, index=True)
    created_at = mapped_column(UTCDateTime, default=utcnow)
