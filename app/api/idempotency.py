"""Idempotency-Key on API POSTs: the first response to a key is kept for 24 hours and replayed.

A key is claimed (committed) before the view runs, so a concurrent twin finds the claim and gets
a 409 instead of creating a second thing; a 4xx or an exception releases the claim for a retry.
"""
import hashlib
import json
from datetime import timedelta

from flask import Response, g, request
from sqlalchemy import Integer, String, Text, UniqueConstraint, delete, or_, select, update
from sqlalchemy.orm import Mapped, mapped_column

from core.database import db
from core.errors import BadRequest, Conflict, ValidationFailed
from core.time import UTCDateTime, utcnow
from core.transactions import conflict_on, transactional

HEADER = "Idempotency-Key"
WINDOW = timedelta(hours=24)
# A claim whose request never finished (its process died) is given up after this long.
ABANDONED = timedelta(minutes=5)


class IdempotencyKey(db.Model):
    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("caller", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    caller: Mapped[str] = mapped_column(String(64))  # "user:<id>", or "addr:<ip>" if anonymous
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[int | None] = mapped_column(Integer, nullable=True)  # null while in progress
    body: Mapped[str | None] = mapped_column(Text, nullable=True)
    location: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    created_at = mapped_column(UTCDateTime, default=utcnow, index=True, nullable=False)


# Twins racing to claim one key: the loser's insert is a conflict `once` expects and answers.
conflict_on("uq_idempotency_keys_caller", "Idempotency-Key", "is already in use")


def once(run, data: dict | None) -> Response:
    """`run()` unless this caller sent the key before: then the first response again."""
    key = request.headers.get(HEADER)
    if key is None:
        return run()
    if not (0 < len(key) <= 255 and key.isascii() and key.isprintable()):
        raise BadRequest(f"{HEADER} must be 1-255 printable ASCII characters.",
                         {HEADER: ["must be 1-255 printable ASCII characters"]})
    caller, fingerprint = _caller(), _fingerprint(data)
    try:
        first = _claim(caller, key, fingerprint)
    except Conflict:  # a twin inserted the same key between our look and our insert
        first = _lookup(caller, key)
    if first is not None:
        return _replay(first, fingerprint)
    try:
        response = run()
    except BaseException:
        _release(caller, key)
        raise
    if response.status_code >= 400:
        _release(caller, key)
    else:
        _record(caller, key, response)
    return response


def _caller() -> str:
    actor = g.actor
    return f"addr:{request.remote_addr}" if actor.is_anonymous_user else f"user:{actor.id}"


def _fingerprint(data: dict | None) -> str:
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(f"{request.method} {request.path}\n{canonical}".encode()).hexdigest()


def _lookup(caller: str, key: str) -> tuple:
    return db.session.execute(
        select(IdempotencyKey.request_hash, IdempotencyKey.status, IdempotencyKey.body,
               IdempotencyKey.location)
        .where(IdempotencyKey.caller == caller, IdempotencyKey.key == key)).first() or (None,) * 4


@transactional
def _claim(caller: str, key: str, fingerprint: str) -> tuple | None:
    """None when the key is now ours; else the first request's (hash, status, body, location)."""
    now = utcnow()
    db.session.execute(delete(IdempotencyKey).where(or_(
        IdempotencyKey.created_at < now - WINDOW,
        IdempotencyKey.status.is_(None) & (IdempotencyKey.created_at < now - ABANDONED))))
    first = db.session.execute(
        select(IdempotencyKey.request_hash, IdempotencyKey.status, IdempotencyKey.body,
               IdempotencyKey.location)
        .where(IdempotencyKey.caller == caller, IdempotencyKey.key == key)).first()
    if first is None:
        db.session.add(IdempotencyKey(caller=caller, key=key, request_hash=fingerprint,
                                      created_at=now))
        db.session.flush()
    return tuple(first) if first else None


def _replay(first: tuple, fingerprint: str) -> Response:
    request_hash, status, body, location = first
    if request_hash is not None and request_hash != fingerprint:
        raise ValidationFailed({HEADER: ["was already used for a different request"]},
                               f"This {HEADER} was already used for a different request.")
    if status is None:
        raise Conflict(f"A request with this {HEADER} is still in progress; retry shortly.")
    response = Response(body or "", status=status, mimetype="application/json" if body else None)
    if location:
        response.headers["Location"] = location
    response.headers["Idempotent-Replayed"] = "true"
    return response


@transactional
def _release(caller: str, key: str) -> None:
    db.session.execute(delete(IdempotencyKey).where(
        IdempotencyKey.caller == caller, IdempotencyKey.key == key,
        IdempotencyKey.status.is_(None)))


@transactional
def _record(caller: str, key: str, response: Response) -> None:
    db.session.execute(update(IdempotencyKey).where(
        IdempotencyKey.caller == caller, IdempotencyKey.key == key).values(
        status=response.status_code, body=response.get_data(as_text=True) or None,
        location=response.headers.get("Location")))
