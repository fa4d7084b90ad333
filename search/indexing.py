"""Keeping the Whoosh index true: the `search-index` consumer of the event log, run by each web
process's consumer thread in the embedded default (core.consumers; scaled out: `flask events run
--loop`), which a commit wakes at once.

The consumer re-reads every thread an event batch touched and upserts or removes it, so
handling a batch twice changes nothing. The database backend needs none of this: its rows are
written in the post's own transaction (search.database_backend).
"""
from community import events as content
from core.consumers import consumer, wake
from core.events import on_commit
from search.service import INDEXER as CONSUMER, get_backend, refresh_threads

TYPES = (*content.CONTENT, content.CATEGORY_CREATED)


@consumer(CONSUMER, *TYPES)
def handle(batch) -> None:
    backend = get_backend()
    if getattr(backend, "writes_in_transaction", False):
        return  # the database backend is already up to date
    refresh_threads(backend, {event.thread_id for event in batch})


@on_commit(*content.CONTENT)
def _nudge(event) -> None:
    wake()  # a new or changed thread is searchable without waiting out the interval
