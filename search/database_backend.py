"""The database backend: full-text rows written in the post's own transaction, so they never drift.

In-transaction receivers of the content events rewrite a thread's row (SQLite FTS5 or
PostgreSQL tsvector, see search.fts_sqlite / search.fts_postgres) when the app's
SEARCH_BACKEND is `database`. Status, score, dates, category and tags are read live from the
threads table at query time, so votes and accepts rewrite nothing; only text is copied.
"""
import hashlib
import re
from collections.abc import Iterable, Sequence

from flask import current_app
from rapidfuzz.distance import Levenshtein
from rapidfuzz.process import extract
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from community import events as content
from core.database import db
from core.events import on_emit
from core.transactions import transactional
from search.backend import SearchQuery, SearchResult, ThreadDoc
from search.documents import documents
from search.models import SearchDocument, SearchWord

# Events that change a thread's text; votes and accepts change only what is read live.
TEXT_EVENTS = (content.THREAD_CREATED, content.THREAD_EDITED, content.POST_CREATED,
               content.POST_EDITED, content.POST_DELETED, content.POST_RESTORED,
               content.POST_PUBLISHED, content.POST_HIDDEN, content.POST_APPROVED,
               content.THREAD_MOVED, content.THREAD_MERGED)
_WORD = re.compile(r"[^\W\d_]{3,32}")
MAX_WORDS = 32


def query_words(text: str) -> list[str]:
    """The query's words, lowercase, de-duplicated: all that reaches an engine's query syntax."""
    seen: dict[str, None] = {}
    for word in re.findall(r"\w+", (text or "").lower()):
        if "_" not in word:
            seen.setdefault(word[:64], None)
    return list(seen)[:MAX_WORDS]


def text_fingerprint(doc: ThreadDoc) -> str:
    """What the database copies of a thread is its text; the rest is read live."""
    parts = [doc.title, doc.question, doc.answers, " ".join(doc.tags)]
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=12).hexdigest()


class DatabaseBackend:
    name = "database"
    writes_in_transaction = True

    def __init__(self):
        self.engine = None

    def _fts(self):
        if self.engine is None:
            if db.engine.dialect.name == "postgresql":
                from search import fts_postgres as engine
            else:
                from search import fts_sqlite as engine
            self.engine = engine
        return self.engine

    fingerprint = staticmethod(text_fingerprint)

    @transactional
    def index(self, docs: Sequence[ThreadDoc]) -> None:
        if not docs:
            return
        ids = [doc.thread_id for doc in docs]
        self._fts().delete(ids)
        self._fts().insert(docs)
        db.session.execute(delete(SearchDocument).where(SearchDocument.thread_id.in_(ids)))
        db.session.execute(SearchDocument.__table__.insert(),
                           [{"thread_id": d.thread_id, "fingerprint": text_fingerprint(d)}
                            for d in docs])
        _remember_words(docs)

    @transactional
    def reindex(self, thread_ids: Iterable[int]) -> int:
        """Read and write these threads in one transaction (rebuild, repair): never stale."""
        ids = {int(i) for i in thread_ids}
        docs = documents(ids)
        self.remove(ids - {doc.thread_id for doc in docs})
        self.index(docs)
        return len(docs)

    @transactional
    def remove(self, thread_ids: Iterable[int]) -> None:
        ids = sorted({int(i) for i in thread_ids})
        if ids:
            self._fts().delete(ids)
            db.session.execute(delete(SearchDocument).where(SearchDocument.thread_id.in_(ids)))

    @transactional
    def clear(self) -> None:
        self._fts().clear()
        db.session.execute(delete(SearchDocument))

    def search(self, query: SearchQuery) -> SearchResult:
        words = query_words(query.text)
        hits, total = self._fts().search(words, query)
        suggestion = self.suggest(words) if words and total < 3 else None
        return SearchResult(hits, total, suggestion)

    def candidates(self, text: str, limit: int = 50) -> list[tuple[int, float]]:
        words = query_words(text)
        return self._fts().candidates(words, limit) if words else []

    def indexed(self) -> dict[int, str]:
        return dict(db.session.execute(select(SearchDocument.thread_id,
                                              SearchDocument.fingerprint)).all())

    def suggest(self, words: list[str]) -> str | None:
        """Each word nobody wrote, replaced by the closest one somebody did (bounded work)."""
        known = set(db.session.scalars(select(SearchWord.word).where(SearchWord.word.in_(words))))
        out, changed = [], False
        for word in words:
            better = None if word in known or len(word) < 3 or word.isdigit() \
                else self._closest(word)
            changed |= better is not None
            out.append(better or word)
        return " ".join(out) if changed else None

    def _closest(self, word: str) -> str | None:
        # Candidates share the first letter and are within two letters of the length: a
        # bounded slice of the vocabulary, ranked by edit distance, then by how many threads
        # use them (which also drops words only deleted threads had).
        pool = db.session.scalars(
            select(SearchWord.word).where(SearchWord.word >= word[0],
                                          SearchWord.word < word[0] + "\U0010ffff",
                                          db.func.length(SearchWord.word).between(
                                              len(word) - 2, len(word) + 2))
            .limit(20_000)).all()
        close = extract(word, pool, scorer=Levenshtein.distance, score_cutoff=2, limit=5)
        if not close:
            return None
        best = min(distance for _, distance, _ in close)
        ranked = [(self._fts().frequency(w), w) for w, distance, _ in close if distance == best]
        count, found = max(ranked)
        return found if count else None


def _remember_words(docs: Sequence[ThreadDoc]) -> None:
    words = sorted({w for doc in docs
                    for w in _WORD.findall(f"{doc.title} {doc.question} {doc.answers}".lower())})
    if not words:
        return
    dialect = db.engine.dialect.name
    insert = (pg_insert if dialect == "postgresql" else sqlite_insert)(SearchWord)
    # Sorted, so two transactions adding the same new words never wait on each other in a cycle.
    db.session.execute(insert.on_conflict_do_nothing(), [{"word": w} for w in words])


def uses_database_backend() -> bool:
    return current_app.config.get("SEARCH_BACKEND") == "database"


@on_emit(*TEXT_EVENTS)
def keep_rows(event) -> None:
    """Rewrite the thread's row inside the transaction that changed it (or remove it)."""
    if event.thread_id and uses_database_backend():
        from search.service import get_backend
        get_backend().reindex([event.thread_id])
