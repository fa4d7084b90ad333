"""Sign-in lockout per account and client address: too many failed sign-ins for one account (or
one unknown login, so a lock never tells whether an account exists) from one address lock that
address out of it for a while; guesses from elsewhere never lock the owner out. The counts live in
the database, so every worker and every machine sees the same lock."""
import hashlib
import math
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core.database import db
from core.errors import DomainError
from core.time import utcnow
from core.transactions import transactional
from community.models import SignInThrottle


class SignInLocked(DomainError):
    """Sign-in refused while the account is locked; `retry_after` is in seconds."""

    status, title = 429, "Too many failed sign-ins"

    def __init__(self, retry_after: int):
        minutes = max(1, math.ceil(retry_after / 60))
        super().__init__("Too many failed sign-ins for this account. Try again in "
                         f"{minutes} minute{'s' if minutes != 1 else ''}, or reset your password.")
        self.retry_after = max(1, int(retry_after))


def _half(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "replace")).hexdigest()[:32]


def account_part(user, login: str = "") -> str:
    """One part per account however it is named (email or username); else per login typed."""
    return _half(f"user:{user.id}" if user is not None else f"login:{login}")


def key_for(user, login: str, address: str | None) -> str:
    """The account's part, then the client address's: a stranger's failures count under their
    own address, so they lock out only themselves."""
    return account_part(user, login) + _half(f"addr:{address or ''}")


def ensure_not_locked(key: str) -> bool:
    """Raise SignInLocked while locked; True when earlier failures (or a lock) are on record."""
    row = db.session.get(SignInThrottle, key, populate_existing=True)
    if row is None:
        return False
    now = utcnow()
    if row.locked_until is not None and row.locked_until > now:
        raise SignInLocked(math.ceil((row.locked_until - now).total_seconds()))
    return True


@transactional
def record_failure(key: str) -> None:
    config, now = current_app.config, utcnow()
    window = timedelta(seconds=config["SIGN_IN_LOCKOUT_WINDOW"])
    db.session.execute(delete(SignInThrottle).where(SignInThrottle.expires_at < now))
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.session.execute(insert(SignInThrottle).values(
        key=key, failures=0, window_started_at=now, expires_at=now + window)
        .on_conflict_do_nothing(index_elements=["key"]))
    row = db.session.scalar(select(SignInThrottle).where(SignInThrottle.key == key)
                            .with_for_update().execution_options(populate_existing=True))
    if row.window_started_at + window <= now:
        row.failures, row.window_started_at = 0, now
    row.failures += 1
    row.expires_at = max(row.window_started_at + window, row.locked_until or now)
    if row.failures >= config["SIGN_IN_LOCKOUT_FAILURES"]:
        row.locked_until = now + timedelta(seconds=config["SIGN_IN_LOCKOUT_SECONDS"])
        row.failures, row.window_started_at, row.expires_at = 0, now, row.locked_until


@transactional
def clear(key: str) -> None:
    """A successful sign-in forgets earlier failures (a lock in force was checked before)."""
    db.session.execute(delete(SignInThrottle).where(SignInThrottle.key == key))


def clear_account(user) -> None:
    """Every address's failures and locks on the account go (a reset proved the mailbox)."""
    db.session.execute(delete(SignInThrottle).where(
        SignInThrottle.key.startswith(account_part(user), autoescape=True)))
