"""Bulk seeding: the rows create_thread writes (thread, question post, revision 1, tags,
category count), inserted with SQLAlchemy Core in a few large transactions. SQLite only.
"""
import random
from collections import Counter
from datetime import timedelta

from sqlalchemy import func, insert, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core.database import db
from bench import content
from community.markdown import render
from community.models import Category, Post, Revision, Tag, Thread, thread_tags, utcnow
from community.validation import Errors, clean_body, clean_tags, clean_title, make_slug

BATCH = 2500
SPACING = timedelta(minutes=7)  # bulk threads are history: one every 7 minutes up to now


def _tag_ids(conn) -> dict[str, int]:
    conn.execute(sqlite_insert(Tag.__table__).values([{"name": n} for n in content.TAGS])
                 .on_conflict_do_nothing(index_elements=["name"]))
    return dict(conn.execute(select(Tag.name, Tag.id)).all())


def _next_id(conn, table) -> int:
    return (conn.scalar(select(func.max(table.c.id))) or 0) + 1


def _cleaned(rng: random.Random, n: int) -> tuple[str, str, list[str]]:
    """Title, body and tags exactly as the service's validation would store them."""
    errors = Errors()
    title = clean_title(errors, content.title(rng, n))
    body = clean_body(errors, content.body(rng, paragraphs=rng.randint(1, 3)))
    tags = clean_tags(errors, content.tags(rng))
    errors.raise_if_any()
    return title, body, tags


def _rows(rng, numbers, ids, authors, categories, tag_ids, start):
    """The four tables' rows for threads numbered `numbers`; ids are assigned up front."""
    thread_id, post_id, rev_id = ids
    threads, posts, revisions, links = [], [], [], []
    for offset, n in enumerate(numbers):
        title, body, tags = _cleaned(rng, n)
        author, category = authors[n % len(authors)], categories[n % len(categories)]
        when = start + SPACING * n + timedelta(seconds=rng.randint(0, 300))
        tid, pid = thread_id + offset, post_id + offset
        threads.append(dict(id=tid, category_id=category, author_id=author, title=title,
                            slug=make_slug(title), status="open", question_post_id=pid,
                            accepted_answer_id=None, score=0, view_count=0, answer_count=0,
                            is_deleted=False, is_locked=False, created_at=when, updated_at=when,
                            last_activity_at=when))
        posts.append(dict(id=pid, thread_id=tid, author_id=author, kind="question", body=body,
                          body_html=render(body), score=0, is_accepted=False, is_draft=False,
                          is_deleted=False, deleted_at=None, revision_count=1, created_at=when,
                          updated_at=when))
        revisions.append(dict(id=rev_id + offset, post_id=pid, rev=1, author_id=author,
                              title=title, body=body, created_at=when))
        links += [dict(thread_id=tid, tag_id=tag_ids[t]) for t in tags]
    return threads, posts, revisions, links


def _insert_batch(rng, numbers, authors, categories, start) -> None:
    with db.engine.begin() as conn:
        tag_ids = _tag_ids(conn)
        ids = tuple(_next_id(conn, m.__table__) for m in (Thread, Post, Revision))
        threads, posts, revisions, links = _rows(rng, numbers, ids, authors, categories,
                                                 tag_ids, start)
        for table, rows in ((Thread.__table__, threads), (Post.__table__, posts),
                            (Revision.__table__, revisions), (thread_tags, links)):
            if rows:
                conn.execute(insert(table), rows)
        per_category = Counter(row["category_id"] for row in threads)
        for category_id, count in per_category.items():
            conn.execute(update(Category.__table__).where(Category.id == category_id)
                         .values(thread_count=Category.thread_count + count))


def bulk_threads(count: int, authors: list[int], categories: list[int], seed: int = 1) -> None:
    """Insert `count` open, unanswered threads, oldest first, ending a few minutes ago."""
    if count <= 0:
        return
    rng = random.Random(seed)
    start = utcnow() - SPACING * (count + 1)
    for first in range(0, count, BATCH):
        _insert_batch(rng, range(first, min(first + BATCH, count)), authors, categories, start)
