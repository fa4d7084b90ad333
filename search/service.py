"""The backend an app uses (one per app, that is per site) and visibility-checked search.

`search_threads(viewer, query)` is what pages, the API and the semantic layer call: the
backend ranks, then `visible_threads(viewer)` decides what the viewer may see.
"""
from pathlib import Path

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from community.models import Thread
from community.policies import visible_threads
from core.database import db
from search.backend import Hit, SearchBackend, SearchQuery, SearchResult
from search.documents import documents

BACKENDS = ("whoosh", "database")
INDEXER = "search-index"  # the event-log consumer that keeps the Whoosh index true
_KEY = "commonplace.search_backend"


def get_backend(app=None) -> SearchBackend:
    """The app's backend, chosen by SEARCH_BACKEND and made once per app."""
    app = app or current_app._get_current_object()
    backend = app.extensions.get(_KEY)
    if backend is None:
        backend = app.extensions[_KEY] = make_backend(app)
    return backend


def make_backend(app, name: str | None = None) -> SearchBackend:
    name = name or app.config.get("SEARCH_BACKEND", "whoosh")
    if name == "whoosh":
        from search.whoosh_backend import WhooshBackend
        return WhooshBackend(whoosh_directory(app),
                             lock_timeout=app.config.get("SEARCH_WRITE_LOCK_TIMEOUT", 30.0))
    if name == "database":
        from search.database_backend import DatabaseBackend
        return DatabaseBackend()
    raise ValueError(f"SEARCH_BACKEND must be one of {', '.join(BACKENDS)} (got {name!r})")


def refresh_threads(backend: SearchBackend, thread_ids) -> None:
    """Upsert the live ones of these threads and remove the rest (idempotent)."""
    ids = {int(i) for i in thread_ids if i}
    if hasattr(backend, "reindex"):
        backend.reindex(ids)  # reads and writes in one transaction
        return
    docs = documents(ids)
    backend.index(docs)
    backend.remove(ids - {doc.thread_id for doc in docs})


def whoosh_directory(app) -> Path:
    return Path(app.instance_path) / "search" / "whoosh"


def search_threads(viewer, query: SearchQuery, backend: SearchBackend | None = None) -> SearchResult:
    """The backend's hits that `viewer` may see.

    The index never holds deleted threads, so a hit is dropped only in the moment between a
    deletion and its re-indexing; the total then counts the page's dropped hits out (and is
    otherwise the backend's count).
    """
    from search import hybrid, semantic
    backend = backend or get_backend()
    if hybrid.applies(query) and semantic.enabled():
        return hybrid.hybrid_search(viewer, query, backend)
    result = backend.search(query)
    ids = [hit.thread_id for hit in result.hits]
    if not ids:
        return result
    allowed = set(db.session.scalars(select(Thread.id).where(Thread.id.in_(ids),
                                                             visible_threads(viewer))))
    hits = [hit for hit in result.hits if hit.thread_id in allowed]
    return SearchResult(hits, max(len(hits) + query.offset,
                                  result.total - (len(result.hits) - len(hits))),
                        result.suggestion)


def search_page(viewer, query: SearchQuery) -> tuple[SearchResult, list[tuple[Hit, Thread]]]:
    """A page of results with their threads (category and tags loaded) and the accepted
    answers' excerpts (four queries in all), recorded for analytics when it is a new search
    (its first page)."""
    from search import analytics
    from search.excerpts import fill_excerpts
    result = search_threads(viewer, query)
    threads = {t.id: t for t in db.session.scalars(
        select(Thread).where(Thread.id.in_([hit.thread_id for hit in result.hits]))
        .options(joinedload(Thread.category), selectinload(Thread.tags)))}
    rows = [(hit, threads[hit.thread_id]) for hit in result.hits if hit.thread_id in threads]
    fill_excerpts(rows)
    if query.text and query.offset == 0:
        analytics.record_search(query.text, result.total)
    return result, rows
