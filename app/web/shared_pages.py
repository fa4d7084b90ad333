"""Rendered pages shared between worker processes through Redis (with REDIS_URL): a page one
worker rendered is served by the others instead of being rendered again by each.

A page is kept under its key and the thread version it shows, so a changed thread is never
served from here; what no version covers (a shown user's reputation) is dropped through a set
per user, and every page expires after its cache's maximum age. Redis away: every call is a
miss or does nothing (logged), and each worker renders for itself.
"""
import hashlib
import json
import logging
import time

import redis
from flask import current_app, has_app_context

log_ = logging.getLogger("commonplace.page_cache")
_clients: dict[str, redis.Redis] = {}


def _client() -> redis.Redis | None:
    if not has_app_context():  # e.g. a process dropping its own pages at exit
        return None
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    if url not in _clients:
        _clients[url] = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
    return _clients[url]


def _prefix() -> str:
    """One namespace per site (its database), as for the commit announcements."""
    site = current_app.config["SQLALCHEMY_DATABASE_URI"].encode()
    return f"commonplace:pages:{hashlib.sha256(site).hexdigest()[:16]}"


def _key(key, version) -> str:
    return f"{_prefix()}:{hashlib.sha1(repr((key, version)).encode()).hexdigest()}"


def get(key, version) -> tuple[str, frozenset, bytes, float] | None:
    """(slug, shown user ids, body, age in seconds) of the page another worker kept, or None."""
    client = _client()
    if client is None or version is None:
        return None
    try:
        found = client.get(_key(key, version))
    except redis.RedisError as exc:
        log_.warning("shared pages: Redis unavailable (%s); rendering here", exc)
        return None
    if not found:
        return None
    head, _, body = found.partition(b"\n")
    meta = json.loads(head)
    return meta["slug"], frozenset(meta["users"]), body, max(0.0, time.time() - meta["at"])


def put(key, version, slug: str, user_ids, body: bytes, max_age: float) -> None:
    client = _client()
    if client is None:
        return
    name = _key(key, version)
    head = json.dumps({"slug": slug, "users": sorted(user_ids), "at": time.time()}).encode()
    try:
        with client.pipeline(transaction=False) as pipe:
            pipe.set(name, head + b"\n" + body, ex=max(1, int(max_age)))
            for user_id in user_ids:
                pipe.sadd(f"{_prefix()}:u:{user_id}", name)
                pipe.expire(f"{_prefix()}:u:{user_id}", int(max_age) + 60)
            pipe.execute()
    except redis.RedisError as exc:
        log_.warning("shared pages: Redis unavailable (%s); the page stays in this worker", exc)


def drop_user(user_id: int) -> None:
    """Every shared page showing the user (their reputation or marks changed)."""
    client = _client()
    if client is None:
        return
    members = f"{_prefix()}:u:{user_id}"
    try:
        names = client.smembers(members)
        client.delete(members, *names)
    except redis.RedisError as exc:
        log_.warning("shared pages: Redis unavailable (%s); kept pages expire by age", exc)


def clear() -> None:
    """Every shared page of this site (a category change, a burst of events, a new test)."""
    client = _client()
    if client is None:
        return
    try:
        names = list(client.scan_iter(match=f"{_prefix()}:*", count=1000))
        for start in range(0, len(names), 1000):
            client.delete(*names[start:start + 1000])
    except redis.RedisError as exc:
        log_.warning("shared pages: Redis unavailable (%s); kept pages expire by age", exc)
