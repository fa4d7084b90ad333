"""Rendered thread pages for anonymous readers, keyed by (thread id, version) in each process.

A cached page is served only while the thread's version in the database still matches, so an
answer, vote, accept or edit shows at once in every process. What the version does not cover
(an author's reputation changing through another thread, the view count) may lag by TTL seconds.
"""
import threading
import time
from collections import OrderedDict

MAX_PAGES = 512
TTL_SECONDS = 60

_lock = threading.Lock()
_pages: OrderedDict = OrderedDict()


def get(key) -> str | None:
    with _lock:
        entry = _pages.get(key)
        if entry is None:
            return None
        html, stored_at = entry
        if time.monotonic() - stored_at > TTL_SECONDS:
            del _pages[key]
            return None
        _pages.move_to_end(key)
        return html


def put(key, html: str) -> None:
    with _lock:
        _pages[key] = (html, time.monotonic())
        _pages.move_to_end(key)
        while len(_pages) > MAX_PAGES:
            _pages.popitem(last=False)


def clear() -> None:
    with _lock:
        _pages.clear()
