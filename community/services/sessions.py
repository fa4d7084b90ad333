"""Signed-in browsers kept on the server: signing in opens one (its key goes into the session and
remember-me cookies), signing out deletes it, so a copied cookie no longer signs anyone in."""
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, select

from core.database import db
from core.time import utcnow
from core.transactions import transactional
from community.models import SignInSession, User
from community.services.accounts import digest, stamps_equal

DEFAULT_LIFETIME = timedelta(days=365)  # Flask-Login's remember-me cookie default


def _lifetime() -> timedelta:
    value = current_app.config.get("REMEMBER_COOKIE_DURATION", DEFAULT_LIFETIME)
    return value if isinstance(value, timedelta) else timedelta(seconds=int(value))


@transactional
def open_session(user: User) -> str:
    """A new signed-in browser of `user`: its key (to put in the cookie; only its hash is kept)."""
    key, now = secrets.token_urlsafe(24), utcnow()
    db.session.execute(delete(SignInSession).where(SignInSession.expires_at < now))
    db.session.add(SignInSession(user_id=user.id, key_hash=digest(key), created_at=now,
                                 expires_at=now + _lifetime()))
    return key


@transactional
def end_session(user_id: int, key: str) -> None:
    """Sign-out: the browser's cookies (and every copy of them) stop working."""
    db.session.execute(delete(SignInSession).where(SignInSession.user_id == user_id,
                                                   SignInSession.key_hash == digest(key)))


def session_user(user_id: int, stamp: str, key: str) -> User | None:
    """The user a cookie names when its stamp is current and its browser still signed in."""
    user = db.session.scalar(select(User).join(SignInSession, SignInSession.user_id == User.id)
                             .where(User.id == user_id, SignInSession.key_hash == digest(key)))
    return user if user is not None and stamps_equal(user.session_stamp, stamp) else None
