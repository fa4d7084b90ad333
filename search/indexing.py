"""Keeping the Whoosh index true: the `search-index` consumer of the event log, and the
in-process thread that runs it in the embedded default (scaled out: `flask events run --loop`).

The consumer re-reads every thread an event batch touched and upserts or removes it, so
handling a batch twice changes nothing. The database backend needs none of this: its rows are
written in the post's own transaction (search.database_backend).
"""
import logging
import threading

from flask import current_app

from community import events as content
from core.consumers import consumer, run_until_caught_up
from core.database import db
from core.events import on_commit
from search.service import INDEXER as CONSUMER, get_backend, refresh_threads

log = logging.getLogger("commonplace.search")
CONSUMER = "search-index"
TYPES = (*content.CONTENT, content.CATEGORY_CREATED)
_running: dict[int, threading.Event] = {}  # app id -> its indexer's stop signal
_wake = threading.Event()
_start_lock = threading.Lock()


@consumer(CONSUMER, *TYPES)
def handle(batch) -> None:
    backend = get_backend()
    if getattr(backend, "writes_in_transaction", False):
        return  # the database backend is already up to date
    refresh_threads(backend, {event.thread_id for event in batch})


@on_commit(*content.CONTENT)
def _nudge(event) -> None:
    _wake.set()  # a new or changed thread is searchable without waiting out the interval


def start_indexer(app) -> None:
    """Run the consumer every SEARCH_INDEX_SECONDS in a daemon thread, once per app and process."""
    seconds = app.config.get("SEARCH_INDEX_SECONDS", 1.0)
    # With the database backend the consumer has nothing to write, but its cursor must still
    # move, or `events prune` would keep every event for it.
    if not seconds or id(app) in _running:
        return
    with _start_lock:
        if id(app) in _running:
            return
        stop = _running[id(app)] = threading.Event()
    threading.Thread(target=_index_forever, args=(app, seconds, stop), daemon=True,
                     name="commonplace-search-index").start()


def stop_indexer(app) -> None:
    stop = _running.pop(id(app), None)
    if stop is not None:
        stop.set()
        _wake.set()


def _index_forever(app, seconds: float, stop: threading.Event) -> None:
    while not stop.is_set():
        _wake.wait(seconds)
        if stop.is_set():
            return
        _wake.clear()
        with app.app_context():
            try:
                run_until_caught_up(CONSUMER)
            except Exception:  # noqa: BLE001 - the cursor stays; the next round retries
                log.exception("search indexing failed; retrying")
            finally:
                db.session.remove()


def ensure_indexer() -> None:
    """before_request hook: start the indexer in the serving process (never in CLI commands,
    nor in tests: a test that wants it calls start_indexer and stop_indexer itself)."""
    app = current_app._get_current_object()
    if not app.testing:
        start_indexer(app)
