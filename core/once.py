"""Run once per key: the one table (`once_keys`) behind API Idempotency-Keys and one-time form
tokens. A key is claimed in its own short transaction before the work runs, finished with what
the work answered (replayed to repeats for 24 hours) or released when the work failed."""
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from sqlalchemy import Integer, String, Text, UniqueConstraint, delete, or_, select, update
from sqlalchemy.orm import Mapped, mapped_column

from core.database import db
from core.errors import Conflict
from core.time import UTCDateTime, utcnow
from core.transactions import conflict_on, transactional

WINDOW = timedelta(hours=24)  # how long a finished key is remembered (and replayed)
# A claim whose work never finished (its process died) is given up after this long by default.
ABANDONED = timedelta(minutes=5)
T = TypeVar("T")


class OnceKey(db.Model):
    """One claimed key: in progress while `status` is null, then what the first request got."""

    __tablename__ = "once_keys"
    __table_args__ = (UniqueConstraint("scope", "caller", "key",
                                       name="uq_once_keys_scope_caller_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(16))    # "api", "form"
    caller: Mapped[str] = mapped_column(String(64))   # "user:<id>", or "addr:<ip>" if anonymous
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    status: Mapped[int | None] = mapped_column(Integer, nullable=True)  # null while in progress
    body: Mapped[str | None] = mapped_column(Text, nullable=True)
    location: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    created_at = mapped_column(UTCDateTime, default=utcnow, index=True, nullable=False)


# Twins racing to claim one key: the loser's insert is a conflict `claim` expects and answers.
conflict_on("uq_once_keys_scope_caller_key", "key", "is already in use")


@dataclass(frozen=True)
class Key:
    scope: str
    caller: str
    key: str

    def where(self):
        return (OnceKey.scope == self.scope, OnceKey.caller == self.caller,
                OnceKey.key == self.key)


@dataclass(frozen=True)
class First:
    """What the first request with a key left: its request's hash and, once it finished, its
    status, body and location (all None while it is still running)."""

    request_hash: str | None = None
    status: int | None = None
    body: str | None = None
    location: str | None = None

    @property
    def finished(self) -> bool:
        return self.status is not None


def claim(key: Key, request_hash: str | None = None,
          abandoned: timedelta = ABANDONED) -> First | None:
    """None when the key is now ours; else what the first request with it left."""
    try:
        return _claim(key, request_hash, abandoned)
    except Conflict:  # a twin inserted the same key between our look and our insert
        return lookup(key) or First()  # gone again: its twin failed; tell the caller to retry


def lookup(key: Key) -> First | None:
    row = db.session.execute(select(OnceKey.request_hash, OnceKey.status, OnceKey.body,
                                    OnceKey.location).where(*key.where())).first()
    return First(*row) if row else None


@transactional
def _claim(key: Key, request_hash: str | None, abandoned: timedelta) -> First | None:
    """Keys past the window (anyone's) and this scope's abandoned claims are cleared first, so
    the table stays a day's worth."""
    now = utcnow()
    db.session.execute(delete(OnceKey).where(or_(
        OnceKey.created_at < now - WINDOW,
        (OnceKey.scope == key.scope) & OnceKey.status.is_(None)
        & (OnceKey.created_at < now - abandoned))))
    first = lookup(key)
    if first is None:
        db.session.add(OnceKey(scope=key.scope, caller=key.caller, key=key.key,
                               request_hash=request_hash, created_at=now))
        db.session.flush()
    return first


@transactional
def finish(key: Key, status: int, body: str | None = None, location: str | None = None) -> None:
    """Keep what the work answered, for repeats of the key to get."""
    db.session.execute(update(OnceKey).where(*key.where())
                       .values(status=status, body=body, location=location))


@transactional
def release(key: Key) -> None:
    """Let go of an unfinished claim, so the key may be used again (the work failed)."""
    db.session.execute(delete(OnceKey).where(*key.where(), OnceKey.status.is_(None)))


def hold(key: Key, work: Callable[[], T], keep: Callable[[T], First | None]) -> T:
    """Run `work()` on a claimed key; finish the key with `keep(result)`, or release it when
    that is None or the work raised."""
    try:
        result = work()
    except BaseException:
        release(key)
        raise
    kept = keep(result)
    if kept is None:
        release(key)
    else:
        finish(key, kept.status, kept.body, kept.location)
    return result


def wait(key: Key, seconds: float) -> First | None:
    """What the first request left once it has finished, or when `seconds` are up; None when
    it let go of the key."""
    deadline, pause = time.monotonic() + seconds, 0.02
    while True:
        first = lookup(key)
        db.session.rollback()  # end the read so the next look sees the other request's commit
        if first is None or first.finished or time.monotonic() >= deadline:
            return first
        time.sleep(pause)
        pause = min(pause * 2, 0.25)
