"""Rendered pages, per process, kept true by the event log: anonymous readers' pages, and the
renderings signed-in readers share (app/web/overlay.py fills each reader's own parts in).

Thread pages are kept in one least-recently-read store bounded by bytes: an anonymous page by
thread id, a shared rendering by (thread, the readers' rights, the author it is for when they
wrote in the thread) with the thread version it shows, served only while the reader's one
query finds that version, for at most VIEWER_MAX_AGE seconds. Thread lists (home, /threads,
categories) are kept by URL for at most LIST_MAX_AGE seconds. Every process reads the events
committed since it last looked at most once every CHECK_SECONDS (one indexed query) and drops
what they touch: the thread's pages, pages showing a user whose reputation changed (found by an
index from user to pages, not a scan), every list; the process that made a change drops at once
(an after-commit receiver). With REDIS_URL set, each commit is also announced on a Redis
channel and every worker looks at the log on its next request, without waiting out the interval,
and rendered pages are shared between workers (app/web/shared_pages.py): a page one worker
rendered is served by the others.
"""
import hashlib
import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

import redis
from flask import current_app

from core import events as log
from core.consumers import wake
from app.web import overlay, shared_pages
from community import queries

MAX_BYTES = 128 * 1024 * 1024  # anonymous thread pages, per process (PAGE_CACHE_BYTES)
MAX_AGE = 300.0     # what no event covers (view counts, direct SQL) is at most this old
CHECK_SECONDS = 1.0
LIST_MAX_AGE = 5.0
MAX_LISTS = 256
MAX_BATCH = 1000    # more new events than this at once: drop everything rather than read them
VIEWER_MAX_AGE = MAX_AGE  # time-based rights (a super-user accepting for a silent asker) too


@dataclass
class Entry:
    body: bytes | list  # encoded once, served many times (shared: cut at the reader's parts)
    version: int
    slug: str
    user_ids: frozenset
    stored_at: float
    thread_id: int = 0
    size: int = 0
    front: tuple | None = None  # (ETag, headers) the front of the WSGI stack sends it with


class Pages(OrderedDict):
    """Thread pages, least recently read first, bounded by their bytes (not their number: a
    crawl over more threads than a count allows would miss on every page), with indexes from
    thread and from user to the pages that show them."""

    def __init__(self):
        super().__init__()
        self.bytes = 0
        self.by_thread: dict[int, set] = {}
        self.by_user: dict[int, set] = {}

    def put(self, key, entry: Entry, budget: int) -> None:
        self.pop(key, None)
        self[key] = entry
        self.bytes += entry.size
        self.by_thread.setdefault(entry.thread_id, set()).add(key)
        for user_id in entry.user_ids:
            self.by_user.setdefault(user_id, set()).add(key)
        while self.bytes > budget and len(self) > 1:
            self.popitem(last=False)

    def touch(self, key) -> None:
        try:
            self.move_to_end(key)
        except KeyError:  # dropped by another thread meanwhile
            pass

    def pop(self, key, default=None):
        entry = super().pop(key, None)
        if entry is None:
            return default
        self._forget(key, entry)
        return entry

    def popitem(self, last: bool = True):
        key, entry = super().popitem(last=last)
        self._forget(key, entry)
        return key, entry

    def drop_thread(self, thread_id: int) -> None:
        for key in list(self.by_thread.get(thread_id, ())):
            self.pop(key)

    def drop_user(self, user_id: int) -> None:
        for key in list(self.by_user.get(user_id, ())):
            self.pop(key)

    def _forget(self, key, entry: Entry) -> None:
        self.bytes -= entry.size
        for index, value in ((self.by_thread, entry.thread_id),
                             *((self.by_user, u) for u in entry.user_ids)):
            keys = index.get(value)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del index[value]

    def clear(self) -> None:
        super().clear()
        self.bytes = 0
        self.by_thread.clear()
        self.by_user.clear()


_lock = threading.Lock()
_pages = Pages()
_lists: dict = {}  # URL or shared key -> (HTML or Program, when kept)
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
        drop_for(event, shared=False)  # its process dropped it from Redis when it committed
    if new:
        _seen["id"] = new[-1].id


def lookup(thread_id: int) -> Entry | None:
    """An anonymous reader's page of the thread (kept here, or by another worker in Redis)."""
    follow_log()
    if thread_id not in _pages and current_app.config.get("REDIS_URL"):
        return _from_redis(thread_id, queries.thread_version(thread_id), MAX_AGE)
    return kept(thread_id)


def kept(thread_id: int) -> Entry | None:
    """The anonymous page kept in this process, as the log last read leaves it (no query)."""
    entry = _pages.get(thread_id)
    if entry is None or time.monotonic() - entry.stored_at > MAX_AGE:
        return None
    with _lock:
        _pages.touch(thread_id)
    return entry


def log_due() -> bool:
    """Whether the events committed elsewhere are due a look before a kept page is served."""
    return _seen["id"] is None or time.monotonic() - _seen["checked_at"] >= CHECK_SECONDS


def store(thread_id: int, version: int, slug: str, html: str, user_ids) -> Entry:
    body = html.encode()
    entry = Entry(body, version, slug, frozenset(user_ids), time.monotonic(), thread_id, len(body))
    _put(thread_id, entry)
    shared_pages.put(thread_id, version, slug, entry.user_ids, body, MAX_AGE)
    return entry


def lookup_shared(key: tuple, version: int | None) -> Entry | None:
    """The rendering readers with this key share, if it shows the thread's current version."""
    follow_log()
    entry = _pages.get(key)
    if entry is None or entry.version != version:
        return _from_redis(key, version, VIEWER_MAX_AGE)
    return kept_shared(key, version)


def store_shared(key: tuple, version: int, slug: str, html: str, csrf_token: str,
                 user_ids) -> Entry:
    """Keep a shared rendering cut at its readers' parts; the CSRF token it was rendered with
    (the same all over one render) becomes a slot like the others."""
    body = _marked(html, csrf_token)
    entry = _shared_entry(key, version, slug, frozenset(user_ids), body, time.monotonic())
    shared_pages.put(key, version, slug, entry.user_ids, body, VIEWER_MAX_AGE)
    return entry


def kept_shared(key: tuple, version: int | None) -> Entry | None:
    """The shared rendering kept in this process for this key and version, as the log last read
    leaves it (no query, no Redis: the front of the WSGI stack asks; Flask looks further)."""
    entry = _pages.get(key)
    if entry is None or entry.version != version or \
            time.monotonic() - entry.stored_at > VIEWER_MAX_AGE:
        return None
    with _lock:
        _pages.touch(key)
    return entry


def _marked(html: str, csrf_token: str) -> bytes:
    """A shared rendering's bytes, the CSRF token it was rendered with (the same all over one
    render) made a slot like the reader's other parts."""
    body = html.encode()
    if csrf_token:
        body = body.replace(csrf_token.encode(), bytes(overlay.slot("csrf"), "utf-8"))
    return body


def _shared_entry(key, version, slug, user_ids, body: bytes, stored_at: float) -> Entry:
    program = overlay.compile_page(body)
    entry = Entry(program, version, slug, user_ids, stored_at, key[1], program.size)
    _put(key, entry)
    return entry


def _from_redis(key, version, max_age: float) -> Entry | None:
    """A page another worker rendered and kept in Redis, now kept here too."""
    found = shared_pages.get(key, version)
    if found is None:
        return None
    slug, user_ids, body, age = found
    if age > max_age:
        return None
    stored_at = time.monotonic() - age
    if isinstance(key, tuple):
        return _shared_entry(key, version, slug, user_ids, body, stored_at)
    entry = Entry(body, version, slug, user_ids, stored_at, key, len(body))
    _put(key, entry)
    return entry


def _put(key, entry: Entry) -> None:
    budget = current_app.config.get("PAGE_CACHE_BYTES") or MAX_BYTES
    with _lock:
        _pages.put(key, entry, budget)


def get_list(key):
    """A kept list: an anonymous one by URL (its HTML), a shared one by its readers' key
    (overlay.Reader.list_key: a Program to fill)."""
    follow_log()
    entry = _lists.get(key)
    if entry is None or time.monotonic() - entry[1] > LIST_MAX_AGE:
        return None
    return entry[0]


def put_list(key, page) -> None:
    with _lock:
        if len(_lists) >= MAX_LISTS:
            _lists.clear()
        _lists[key] = (page, time.monotonic())


def put_shared_list(key: tuple, html: str, csrf_token: str) -> "overlay.Program":
    program = overlay.compile_page(_marked(html, csrf_token))
    put_list(key, program)
    return program


def clear() -> None:
    with _lock:
        _pages.clear()
        _lists.clear()
        _seen.update(id=None, checked_at=0.0)
    shared_pages.clear()


def drop_for(event, shared: bool = True) -> None:
    """Drop what an event may have changed: its thread, pages showing its user, every list;
    `shared`: in Redis too (done once, by the process that committed it)."""
    with _lock:
        _lists.clear()
        if event.type.startswith("category."):
            _pages.clear()
        else:
            threads = set(event.data.get("thread_ids", ()))  # a batch (an import) names many
            if event.thread_id is not None:
                threads.add(event.thread_id)
            for thread_id in threads:  # (shared pages are kept by version: never stale)
                _pages.drop_thread(thread_id)
            if event.user_id is not None:
                _pages.drop_user(event.user_id)
    if not shared:
        return
    if event.type.startswith("category."):
        shared_pages.clear()
    elif event.user_id is not None:
        shared_pages.drop_user(event.user_id)


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
