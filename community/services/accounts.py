"""Accounts: registration, passwords (Argon2id), sign-in and API tokens."""
import hashlib
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import func, or_, select

from core.errors import Conflict, ValidationFailed
from core.database import db
from community import events
from community.models import ROLES, ApiToken, User, utcnow
from community.viewcounts import record_token_use
from core.transactions import transactional
from community.validation import EMAIL, USERNAME, Errors, clean_text

_hasher = PasswordHasher()  # argon2-cffi's defaults are Argon2id (RFC 9106 low-memory profile)
MAX_PASSWORD = 1024
# Verifying against a real hash even for unknown users keeps sign-in timing the same.
_DUMMY_HASH = _hasher.hash("commonplace-timing-equaliser")


def _check_account_fields(username, email, password, role) -> tuple[str, str]:
    errors = Errors()
    username = clean_text(username, single_line=True)
    email = clean_text(email, single_line=True).lower()
    if not USERNAME.match(username):
        errors.add("username", "must be 3-30 letters, digits, '_', '.' or '-'")
    if len(email) > 254 or not EMAIL.match(email):
        errors.add("email", "must be a valid email address")
    if not isinstance(password, str) or len(password) < current_app.config["PASSWORD_MIN_LENGTH"]:
        errors.add("password", f"must be at least {current_app.config['PASSWORD_MIN_LENGTH']} characters")
    elif len(password) > MAX_PASSWORD:
        errors.add("password", f"must be at most {MAX_PASSWORD} characters")
    if role not in ROLES:
        errors.add("role", f"must be one of {', '.join(ROLES)}")
    errors.raise_if_any()
    return username, email


def _ensure_unique(username: str, email: str, exclude_id=None) -> None:
    query = select(User.username_key, User.email).where(
        or_(User.username_key == username.lower(), User.email == email))
    if exclude_id is not None:
        query = query.where(User.id != exclude_id)
    errors = {}
    for key, existing_email in db.session.execute(query):
        if key == username.lower():
            errors["username"] = ["is already taken"]
        if existing_email == email:
            errors["email"] = ["is already registered"]
    if errors:
        raise Conflict("An account with that " + " and ".join(sorted(errors)) + " already exists.",
                       errors)


@transactional
def register_user(username, email, password, role: str = "member") -> User:
    username, email = _check_account_fields(username, email, password, role)
    _ensure_unique(username, email)
    user = User(username=username, username_key=username.lower(), email=email,
                password_hash=_hasher.hash(password), role=role, reputation=1)
    db.session.add(user)
    db.session.flush()
    events.emit(events.USER_REGISTERED, user_id=user.id, actor_id=user.id)
    return user


@transactional
def create_or_update_user(username, email, password, role: str = "member") -> tuple[User, bool]:
    """The CLI's idempotent `users create`: same username updates email, password and role."""
    username, email = _check_account_fields(username, email, password, role)
    user = db.session.scalar(select(User).where(User.username_key == username.lower()))
    if user is None:
        return register_user(username, email, password, role), True
    _ensure_unique(username, email, exclude_id=user.id)
    user.email, user.role = email, role
    user.password_hash = _hasher.hash(password)
    return user, False


def authenticate(login: str, password: str) -> User | None:
    """The user whose email or username and password match, else None."""
    login = clean_text(login, single_line=True).lower()
    if not login or not isinstance(password, str) or len(password) > MAX_PASSWORD:
        return None
    user = db.session.scalar(select(User).where(
        or_(User.email == login, User.username_key == login)))
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        _rehash(user.id, password)
    return user


@transactional
def _rehash(user_id: int, password: str) -> None:
    db.session.get(User, user_id).password_hash = _hasher.hash(password)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transactional
def issue_token(user: User) -> str:
    """A new bearer token for `user`; only its hash is kept, so this is the one time it is seen."""
    token = "cp_" + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user_id=user.id, token_hash=_digest(token)))
    return token


@transactional
def revoke_token(token: str) -> None:
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if row is not None:
        db.session.delete(row)


def user_for_token(token: str) -> User | None:
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if row is None:
        return None
    if row.last_used_at is None or utcnow() - row.last_used_at > timedelta(minutes=5):
        record_token_use(row.id)  # spooled, written off the request path
    return db.session.get(User, row.user_id)


def count_users() -> int:
    return db.session.scalar(select(func.count(User.id)))


__all__ = ["register_user", "create_or_update_user", "authenticate", "issue_token",
           "revoke_token", "user_for_token", "ValidationFailed"]
