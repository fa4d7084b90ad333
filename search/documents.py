"""What the index holds for a thread: ThreadDocs batch-loaded from the database, and their fingerprints.

`documents(ids)` runs a constant number of queries whatever the number of threads; deleted
threads are left out, and only live, published (non-draft) answers are part of a document.
"""
import hashlib
import html
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator

from sqlalchemy import or_, select

from community.models import Category, Post, Tag, Thread, thread_tags
from core.database import db
from search.backend import ThreadDoc

BATCH = 500
_TAG = re.compile(r"<[^>]*>")
# Control characters never reach an index: two of them mark highlights in the database backend.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACE = re.compile(r"\s+")


def plain_text(body_html: str) -> str:
    """The text of stored (already sanitised) HTML: tags dropped, entities decoded; linear."""
    text = html.unescape(_TAG.sub(" ", body_html or ""))
    return _SPACE.sub(" ", _CONTROL.sub(" ", text)).strip()


def clean(text: str) -> str:
    return _CONTROL.sub(" ", text or "")


def fingerprint(doc: ThreadDoc) -> str:
    """A short digest of every indexed field: equal fingerprints mean an up-to-date document."""
    parts = [str(doc.thread_id), doc.title, doc.question, doc.answers, " ".join(doc.tags),
             doc.category, doc.status, str(doc.answer_count), str(doc.score),
             _stamp(doc.created_at), _stamp(doc.last_activity_at)]
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=12).hexdigest()


def _stamp(moment) -> str:
    return moment.replace(tzinfo=None, microsecond=0).isoformat() if moment else ""


def documents(thread_ids: Iterable[int]) -> list[ThreadDoc]:
    """The documents of the given live threads, in id order (three queries per 500 threads)."""
    ids = sorted({int(i) for i in thread_ids})
    found: list[ThreadDoc] = []
    for start in range(0, len(ids), BATCH):
        found.extend(_batch(ids[start:start + BATCH]))
    return found


def _batch(ids: list[int]) -> list[ThreadDoc]:
    threads = db.session.execute(
        select(Thread.id, Thread.title, Thread.status, Thread.answer_count, Thread.score,
               Thread.created_at, Thread.last_activity_at, Category.slug)
        .join(Category, Category.id == Thread.category_id)
        .where(Thread.id.in_(ids), Thread.is_deleted.is_(False)).order_by(Thread.id)).all()
    if not threads:
        return []
    live = [t.id for t in threads]
    tags = defaultdict(list)
    for thread_id, name in db.session.execute(
            select(thread_tags.c.thread_id, Tag.name).join(Tag, Tag.id == thread_tags.c.tag_id)
            .where(thread_tags.c.thread_id.in_(live)).order_by(Tag.name)):
        tags[thread_id].append(name)
    questions, answers = {}, defaultdict(list)
    for thread_id, kind, body_html in db.session.execute(
            select(Post.thread_id, Post.kind, Post.body_html)
            .where(Post.thread_id.in_(live), Post.is_deleted.is_(False), Post.is_draft.is_(False),
                   # a held or hidden answer's words never reach a snippet (a hidden question's
                   # thread is left out of results by visible_threads)
                   or_(Post.kind == "question", Post.is_hidden.is_(False)))
            .order_by(Post.thread_id, Post.id)):
        if kind == "question":
            questions[thread_id] = plain_text(body_html)
        else:
            answers[thread_id].append(plain_text(body_html))
    return [ThreadDoc(t.id, clean(t.title), questions.get(t.id, ""), "\n".join(answers[t.id]),
                      tuple(tags[t.id]), t.slug, t.status, t.answer_count, t.score,
                      t.created_at, t.last_activity_at) for t in threads]


def all_thread_ids(batch: int = BATCH) -> Iterator[list[int]]:
    """Every live thread's id, in batches (keyset paging, so memory stays flat at any size)."""
    after = 0
    while True:
        ids = db.session.scalars(select(Thread.id).where(Thread.id > after,
                                                         Thread.is_deleted.is_(False))
                                 .order_by(Thread.id).limit(batch)).all()
        if not ids:
            return
        yield list(ids)
        after = ids[-1]


def count_threads() -> int:
    return db.session.scalar(select(db.func.count()).select_from(Thread)
                             .where(Thread.is_deleted.is_(False))) or 0
