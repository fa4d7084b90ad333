"""Rendered thread pages for anonymous readers, per process, keyed by thread and its version.

A hit within CHECK_SECONDS of the entry's last version check is served with no database work;
after that one cheap query confirms the thread's version. The process that makes a change
drops the entry at once (community events); other processes notice within CHECK_SECONDS.
What the version does not cover (an author's reputation earned elsewhere, the view count)
may lag by MAX_AGE seconds.

Thread lists (home, /threads, categories) for anonymous readers are kept by URL for at most
LIST_MAX_AGE seconds and dropped in this process by any content event.
"""
import threading
import time
from dataclasses import dataclass

from community import events

MAX_PAGES = 512
MAX_AGE = 60.0
CHECK_SECONDS = 1.0
LIST_MAX_AGE = 5.0
MAX_LISTS = 256


@dataclass
class Entry:
    body: bytes  # encoded once, served many times
    version: int
    slug: str
    stored_at: float
    checked_at: float


_lock = threading.Lock()
_pages: dict[int, Entry] = {}
_lists: dict[str, tuple[str, float]] = {}


def lookup(thread_id: int, stamp) -> Entry | None:
    """The cached page if still current; `stamp(thread_id)` gives (slug, version, is_deleted)."""
    now = time.monotonic()
    entry = _pages.get(thread_id)
    if entry is None or now - entry.stored_at > MAX_AGE:
        return None
    if now - entry.checked_at > CHECK_SECONDS:
        current = stamp(thread_id)
        if current is None or current.is_deleted or current.version != entry.version:
            forget(thread_id)
            return None
        entry.checked_at = now
    return entry


def store(thread_id: int, version: int, slug: str, html: str) -> Entry:
    now = time.monotonic()
    entry = Entry(html.encode(), version, slug, now, now)
    with _lock:
        if len(_pages) >= MAX_PAGES:
            oldest = min(_pages, key=lambda k: _pages[k].stored_at)
            _pages.pop(oldest, None)
        _pages[thread_id] = entry
    return entry


def forget(thread_id: int) -> None:
    with _lock:
        _pages.pop(thread_id, None)


def get_list(url: str) -> str | None:
    entry = _lists.get(url)
    if entry is None or time.monotonic() - entry[1] > LIST_MAX_AGE:
        return None
    return entry[0]


def put_list(url: str, html: str) -> None:
    with _lock:
        if len(_lists) >= MAX_LISTS:
            _lists.clear()
        _lists[url] = (html, time.monotonic())


def clear() -> None:
    with _lock:
        _pages.clear()
        _lists.clear()


def _on_change(sender, **kwargs) -> None:
    # Senders are Threads or Posts (see community/events.py); a Post knows its thread_id.
    forget(getattr(sender, "thread_id", None) or sender.id)
    with _lock:
        _lists.clear()


def connect() -> None:
    for signal in (events.thread_created, events.thread_edited, events.post_created,
                   events.post_edited, events.post_deleted, events.vote_cast,
                   events.answer_accepted, events.answer_unaccepted):
        signal.connect(_on_change)
