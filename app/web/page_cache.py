"""Rendered pages, per process, kept true by the event log: anonymous readers' pages, and each
signed-in reader's own thread pages.

Thread pages are kept by thread id with the user ids they show; thread lists (home, /threads,
categories) by URL for at most LIST_MAX_AGE seconds. A signed-in reader's thread page is kept
by (thread, reader) with a fingerprint of the reader's row (reputation, role, name: what their
controls depend on) and the thread version, and served only while both still match (one
indexed query per view, so a reader always sees their own write at once, on any worker), for
at most VIEWER_MAX_AGE seconds; its CSRF and submission tokens are placeholders filled in fresh
for every response. Every process reads the events committed
since it last looked at most once every CHECK_SECONDS (one indexed query) and drops what they
touch: the thread's page, pages showing a user whose reputation changed, every list; the
process that made a change drops at once (an after-commit receiver). So a change anywhere
shows to anonymous readers of every worker within CHECK_SECONDS. With REDIS_URL set, each
commit is also announced on a Redis channel and every worker looks at the log on its next
request, without waiting out the interval.
"""
import hashlib
import logging
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

import redis
from flask import current_app

from core import events as log
from core.consumers import wake

MAX_BYTES = 128 * 1024 * 1024  # anonymous thread pages, per process (PAGE_CACHE_BYTES)
MAX_AGE = 300.0     # what no event covers (view counts, direct SQL) is at most this old
CHECK_SECONDS = 1.0
LIST_MAX_AGE = 5.0
MAX_LISTS = 256
MAX_BATCH = 1000    # more new events than this at once: drop everything rather than read them
VIEWER_MAX_AGE = 60.0  # time-based rights (e.g. accepting for a silent asker) are at most this old
MAX_VIEWER_PAGES = 256  # about 75 KB each
CSRF_PLACEHOLDER = b"\x00cp-csrf\x00"        # never in a page: NUL cannot be stored or rendered
SUBMISSION_PLACEHOLDER = "cp-submission-token-placeholder"  # replaced before any response
_TOKENS = re.compile(b"(" + re.escape(CSRF_PLACEHOLDER) + b"|" +
                     re.escape(SUBMISSION_PLACEHOLDER.encode()) + b")")


@dataclass
class Entry:
    body: bytes | list  # encoded once, served many times (a reader's page: cut at its tokens)
    version: int
    slug: str
    user_ids: frozenset
    stored_at: float


class Pages(OrderedDict):
    """Anonymous thread pages, least recently read first, bounded by their bytes (not their
    number: a crawl over more threads than a count allows would miss on every page)."""

    def __init__(self):
        super().__init__()
        self.bytes = 0

    def put(self, key: int, entry: Entry, budget: int) -> None:
        self.pop(key, None)
        self[key] = entry
        self.bytes += len(entry.body)
        while self.bytes > budget and len(self) > 1:
            self.popitem(last=False)

    def touch(self, key: int) -> None:
        try:
            self.move_to_end(key)
        except KeyError:  # dropped by another thread meanwhile
            pass

    def pop(self, key, default=None):
        entry = super().pop(key, None)
        if entry is None:
            return default
        self.bytes -= len(entry.body)
        return entry

    def popitem(self, last: bool = True):
        key, entry = super().popitem(last=last)
        self.bytes -= len(entry.body)
        return key, entry

    def clear(self) -> None:
        super().clear()
        self.bytes = 0


_lock = threading.Lock()
_pages = Pages()
_lists: dict[str, tuple[str, float]] = {}
_viewer_pages: dict[tuple[int, int], tuple[Entry, int]] = {}  # (thread, reader) -> entry, print
_seen = {"id": None, "checked_at": 0.0}
CHANNEL = "commonplace:events"  # + the site's key: Redis channels ignore the db number
_listening: set[tuple[str, str]] = set()
log_ = logging.getLogger("commonplace.page_cache")


def follow_log() -> None:
    """Apply the events other processes committed since the last look (at most once a second)."""
    now = time.monotonic()
    _listen(current_app.config.get("REDIS_URL"), _channel())
    if _seen["id"] is None:  # nothing is cached yet: start from the newest event
        _seen.update(id=log.last_id(), checked_at=now)
        return
    if now - _seen["checked_at"] < CHECK_SECONDS:
        return
    _seen["checked_at"] = now
    new = log.since(_seen["id"], limit=MAX_BATCH)
    if len(new) >= MAX_BATCH:
        clear()
        _seen["id"] = log.last_id()
        return
    for event in new:
        drop_for(event)
    if new:
        _seen["id"] = new[-1].id


def lookup(thread_id: int) -> Entry | None:
    follow_log()
    entry = _pages.get(thread_id)
    if entry is None or time.monotonic() - entry.stored_at > MAX_AGE:
        return None
    with _lock:
        _pages.touch(thread_id)
    return entry


def store(thread_id: int, version: int, slug: str, html: str, user_ids) -> Entry:
    entry = Entry(html.encode(), version, slug, frozenset(user_ids), time.monotonic())
    budget = current_app.config.get("PAGE_CACHE_BYTES") or MAX_BYTES
    with _lock:
        _pages.put(thread_id, entry, budget)
    return entry


def has_viewer(thread_id: int, viewer_id: int) -> bool:
    return (thread_id, viewer_id) in _viewer_pages


def lookup_viewer(thread_id: int, viewer_id: int, fingerprint: int, version: int | None):
    """The reader's own page of the thread, if nothing it shows has changed since it was made."""
    follow_log()
    found = _viewer_pages.get((thread_id, viewer_id))
    if found is None:
        return None
    entry, printed = found
    if printed != fingerprint or entry.version != version or \
            time.monotonic() - entry.stored_at > VIEWER_MAX_AGE:
        return None
    return entry


def store_viewer(thread_id: int, viewer_id: int, fingerprint: int, version: int, slug: str,
                 html: str, csrf_token: str, user_ids) -> Entry:
    """Keep a reader's page with its CSRF token (the same all over one render) as a placeholder."""
    body = html.encode().replace(csrf_token.encode(), CSRF_PLACEHOLDER) if csrf_token else \
        html.encode()
    # The page cut at its tokens once, so each response is one join: [text, token, text, ...]
    pieces = _TOKENS.split(body)
    entry = Entry(pieces, version, slug, frozenset(user_ids) | {viewer_id}, time.monotonic())
    with _lock:
        if len(_viewer_pages) >= MAX_VIEWER_PAGES:
            oldest = min(_viewer_pages, key=lambda k: _viewer_pages[k][0].stored_at)
            _viewer_pages.pop(oldest, None)
        _viewer_pages[(thread_id, viewer_id)] = (entry, fingerprint)
    return entry


def fill_tokens(entry: Entry, csrf_token: str, submission_token: str) -> bytes:
    """A reader's cached page with this response's CSRF and one-time submission tokens."""
    tokens = {CSRF_PLACEHOLDER: csrf_token.encode(),
              SUBMISSION_PLACEHOLDER.encode(): submission_token.encode()}
    pieces = list(entry.body)
    pieces[1::2] = [tokens[mark] for mark in pieces[1::2]]
    return b"".join(pieces)


def get_list(url: str) -> str | None:
    follow_log()
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
        _viewer_pages.clear()
        _seen.update(id=None, checked_at=0.0)


def drop_for(event) -> None:
    """Drop what an event may have changed: its thread, pages showing its user, every list."""
    with _lock:
        _lists.clear()
        if event.type.startswith("category."):
            _pages.clear()
            _viewer_pages.clear()
            return
        threads = set(event.data.get("thread_ids", ()))  # a batch (an import) names many
        if event.thread_id is not None:
            threads.add(event.thread_id)
        for thread_id in threads:
            _pages.pop(thread_id, None)
        if event.user_id is not None:
            for thread_id in [t for t, e in _pages.items() if event.user_id in e.user_ids]:
                _pages.pop(thread_id, None)
        if _viewer_pages and (threads or event.user_id is not None):
            for key in [k for k, (e, _) in _viewer_pages.items()
                        if k[0] in threads or event.user_id in e.user_ids]:
                _viewer_pages.pop(key, None)


def listen() -> None:
    """Hear other processes' commits (with REDIS_URL): `events run --loop` wakes on them."""
    _listen(current_app.config.get("REDIS_URL"), _channel())


def _channel() -> str:
    """One channel per site (its database): two communities on one Redis never wake each other."""
    site = current_app.config["SQLALCHEMY_DATABASE_URI"].encode()
    return f"{CHANNEL}:{hashlib.sha256(site).hexdigest()[:16]}"


def _listen(url: str | None, channel: str) -> None:
    """Start this process's subscriber to commit announcements (once per process and channel)."""
    if not url or (url, channel) in _listening:
        return
    with _lock:
        if (url, channel) in _listening:
            return
        _listening.add((url, channel))
    threading.Thread(target=_subscribe, args=(url, channel), daemon=True,
                     name="commonplace-cache-listener").start()


def _subscribe(url: str, channel: str) -> None:
    while True:
        try:
            pubsub = redis.Redis.from_url(url).pubsub(ignore_subscribe_messages=True)
            pubsub.subscribe(channel)
            for _ in pubsub.listen():
                _seen["checked_at"] = float("-inf")  # the next request looks at the log at once
                wake()  # and this process's consumers (live updates among them) look now
        except redis.RedisError:
            log_.warning("cache listener lost Redis; the once-a-second log check goes on")
            time.sleep(5)


def _announce(event) -> None:
    url = current_app.config.get("REDIS_URL")
    if url:
        _publisher(url).publish(_channel(), event.id or 0)


_publishers: dict[str, redis.Redis] = {}


def _publisher(url: str) -> redis.Redis:
    if url not in _publishers:
        _publishers[url] = redis.Redis.from_url(url, socket_timeout=1)
    return _publishers[url]


def connect() -> None:
    log.on_commit()(drop_for)
    log.on_commit()(_announce)
