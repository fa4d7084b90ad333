"""Accounts: registration, passwords (Argon2id at the configured cost), sign-in guarded by the
per-account lockout, and named API tokens."""
import hashlib
import hmac
import re
import secrets
from datetime import timedelta

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import delete, func, or_, select

from core.errors import Conflict, NotFound, ValidationFailed
from core.database import db
from community import events
from community.models import ROLES, AccountToken, ApiToken, SignInSession, User, utcnow
from community.viewcounts import record_token_use
from community.models.users import new_stamp
from community.services import lockout
from core.transactions import transactional
from community.validation import EMAIL, USERNAME, Errors, clean_text

MAX_PASSWORD = 1024
# What may never reach a stored address or a mail header: controls, and the characters that
# would let an address smuggle a second recipient or a display name.
_UNSAFE_EMAIL = re.compile(r"[\x00-\x1f\x7f<>,;:\"()\[\]\\]")


def _hashing() -> tuple[PasswordHasher, str]:
    """The app's hasher (from its config) and a dummy hash made with the same parameters."""
    config = current_app.config
    params = (config["PASSWORD_HASH_TIME_COST"], config["PASSWORD_HASH_MEMORY_COST"],
              config["PASSWORD_HASH_PARALLELISM"])
    cache = current_app.extensions.setdefault("commonplace.password_hashers", {})
    if params not in cache:
        hasher = PasswordHasher(time_cost=params[0], memory_cost=params[1],
                                parallelism=params[2], type=Type.ID)
        # Verifying against a real hash even for unknown users keeps sign-in timing the same.
        cache[params] = (hasher, hasher.hash("commonplace-timing-equaliser"))
    return cache[params]


def hash_password(password: str) -> str:
    return _hashing()[0].hash(password)


def unencodable(value: str) -> bool:
    """True for text that cannot be stored or hashed: NUL or lone surrogates."""
    if "\x00" in value:
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def check_password(errors: Errors, password, field: str = "password") -> None:
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if not isinstance(password, str):
        errors.add(field, "must be a string" if password is not None else "is required")
    elif unencodable(password):
        errors.add(field, "contains characters that are not allowed (NUL or lone surrogates)")
    elif len(password) < minimum:
        errors.add(field, f"must be at least {minimum} characters")
    elif len(password) > MAX_PASSWORD:
        errors.add(field, f"must be at most {MAX_PASSWORD} characters")


def clean_email(errors: Errors, raw, field: str = "email") -> str:
    if raw is not None and not isinstance(raw, str):
        errors.add(field, "must be a string")
        return ""
    raw = raw or ""
    if unencodable(raw) or _UNSAFE_EMAIL.search(raw.strip()):
        errors.add(field, "contains characters that are not allowed in an email address")
        return ""
    email = clean_text(raw, single_line=True).lower()
    if len(email) > 254 or not EMAIL.match(email):
        errors.add(field, "must be a valid email address")
    return email


def _check_account_fields(username, email, password, role) -> tuple[str, str]:
    errors = Errors()
    username = clean_text(username, single_line=True)
    if not USERNAME.match(username):
        errors.add("username", "must be 3-30 letters, digits, '_', '.' or '-'")
    email = clean_email(errors, email)
    check_password(errors, password)
    if role not in ROLES:
        errors.add("role", f"must be one of {', '.join(ROLES)}")
    errors.raise_if_any()
    return username, email


def ensure_email_free(email: str, exclude_id=None) -> None:
    query = select(User.id).where(User.email == email)
    if exclude_id is not None:
        query = query.where(User.id != exclude_id)
    if db.session.scalar(query) is not None:
        raise Conflict("An account with that email already exists.",
                       {"email": ["is already registered"]})


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


def register_user(username, email, password, role: str = "member") -> User:
    username, email = _check_account_fields(username, email, password, role)
    # Hash before the write transaction: the write lock is never held while Argon2 runs.
    return _insert_user(username, email, hash_password(password), role)


@transactional
def _insert_user(username: str, email: str, password_hash: str, role: str) -> User:
    _ensure_unique(username, email)
    user = User(username=username, username_key=username.lower(), email=email,
                password_hash=password_hash, role=role, reputation=1)
    db.session.add(user)
    db.session.flush()
    events.emit(events.USER_REGISTERED, user_id=user.id, actor_id=user.id)
    return user


@transactional
def create_or_update_user(username, email, password, role: str = "member") -> tuple[User, bool]:
    """The CLI's idempotent `users create`: same username updates email, password and role.

    A password that really changes ends the user's sessions and API tokens, like any other."""
    username, email = _check_account_fields(username, email, password, role)
    user = db.session.scalar(select(User).where(User.username_key == username.lower())
                             .with_for_update())
    if user is None:
        return _insert_user(username, email, hash_password(password), role), True
    _ensure_unique(username, email, exclude_id=user.id)
    if email != user.email:
        end_links(user.id)  # links mailed to the old address die with it
    user.email, user.role = email, role
    if not password_matches(user, password):
        user.password_hash = hash_password(password)
        rotate_stamp(user)
    return user, False


def rotate_stamp(user: User, keep_token: str | None = None) -> None:
    """A new session stamp ends every session and remember-me cookie; API tokens go too
    (all but `keep_token`, the caller's own), and so do the mailed links not yet used (a reset
    link, a pending email change). The caller holds the user's row lock."""
    user.session_stamp = new_stamp()
    events.emit(events.USER_SIGNED_OUT, user_id=user.id)
    db.session.execute(delete(SignInSession).where(SignInSession.user_id == user.id))
    revoke = delete(ApiToken).where(ApiToken.user_id == user.id)
    if keep_token:
        revoke = revoke.where(ApiToken.token_hash != digest(keep_token))
    db.session.execute(revoke)
    end_links(user.id)


def end_links(user_id: int, *purposes: str) -> None:
    """Unused mailed links of the user (of `purposes`, else all) stop working."""
    query = delete(AccountToken).where(AccountToken.user_id == user_id,
                                       AccountToken.used_at.is_(None))
    if purposes:
        query = query.where(AccountToken.purpose.in_(purposes))
    db.session.execute(query)


def password_matches(user: User | None, password: str) -> bool:
    """Argon2 verification; an unknown user is checked against the dummy hash (same timing)."""
    hasher, dummy = _hashing()
    try:
        hasher.verify(user.password_hash if user else dummy, password)
    except (VerificationError, InvalidHashError):
        return False
    return user is not None


def verify_current_password(user: User, password, address: str | None = None,
                            field: str = "current_password") -> None:
    """The signed-in person proves it is them; wrong guesses count toward the lockout of the
    account from `address` (the client's)."""
    if not isinstance(password, str) or not password or unencodable(password) \
            or len(password) > MAX_PASSWORD:
        raise ValidationFailed({field: ["is required to change your account"]})
    key = lockout.key_for(user, "", address)
    lockout.ensure_not_locked(key)
    if not password_matches(user, password):
        lockout.record_failure(key)
        raise ValidationFailed({field: ["is not your current password"]})


def authenticate(login: str, password: str, address: str | None = None) -> User | None:
    """The user whose email or username and password match, else None.

    Raises lockout.SignInLocked while the account (or unknown login) is locked for the client
    `address`, and
    ValidationFailed for a password that no account could have (NUL, lone surrogates)."""
    if isinstance(password, str) and unencodable(password):
        raise ValidationFailed({"password": ["contains characters that are not allowed"]})
    login = clean_text(login, single_line=True).lower()
    if not login or not isinstance(password, str) or len(password) > MAX_PASSWORD:
        return None
    user = db.session.scalar(select(User).where(
        or_(User.email == login, User.username_key == login)))
    key = lockout.key_for(user, login, address)
    had_failures = lockout.ensure_not_locked(key)
    if not password_matches(user, password):
        lockout.record_failure(key)
        return None
    if had_failures:
        lockout.clear(key)
    if _hashing()[0].check_needs_rehash(user.password_hash):
        _set_hash(user.id, hash_password(password))
    return user


@transactional
def _set_hash(user_id: int, password_hash: str) -> None:
    db.session.get(User, user_id).password_hash = password_hash


def stamps_equal(current: str, given: str) -> bool:
    """Whether a cookie's stamp is the user's current one (constant time)."""
    return hmac.compare_digest(current.encode(), given.encode())


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def _token_name(errors: Errors, value) -> str:
    if value is not None and not isinstance(value, str):
        errors.add("name", "must be a string")
        return ""
    name = clean_text(value, single_line=True)
    if not name:
        errors.add("name", "is required")
    elif len(name) > 100:
        errors.add("name", "must be at most 100 characters")
    return name


def issue_token(user: User, name: str = "Signed in through the API") -> str:
    """A new bearer token for `user`; only its hash is kept, so this is the one time it is seen."""
    return create_named_token(user, name)[0]


@transactional
def create_named_token(user: User, name) -> tuple[str, ApiToken]:
    """A token a person makes on the tokens page or with POST /me/tokens: (secret, row)."""
    errors = Errors()
    name = _token_name(errors, name)
    errors.raise_if_any()
    limit = current_app.config["API_TOKENS_PER_USER"]
    count = db.session.scalar(select(func.count(ApiToken.id)).where(ApiToken.user_id == user.id))
    if count >= limit:
        raise ValidationFailed({"name": [f"you have {limit} tokens, the most allowed; "
                                         "revoke one first"]})
    token = "cp_" + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, token_hash=digest(token), name=name)
    db.session.add(row)
    db.session.flush()
    return token, row


@transactional
def revoke_token(token: str) -> None:
    db.session.execute(delete(ApiToken).where(ApiToken.token_hash == digest(token)))


@transactional
def revoke_token_by_id(actor: User, token_id) -> None:
    """Revoke one of the actor's own tokens; anyone else's id is unknown (404)."""
    try:
        token_id = int(token_id)
    except (TypeError, ValueError):
        raise NotFound("No such token.") from None
    result = db.session.execute(delete(ApiToken).where(
        ApiToken.id == token_id, ApiToken.user_id == actor.id))
    if result.rowcount == 0:
        raise NotFound("No such token.")


def list_tokens(user: User) -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                   .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def user_for_token(token: str) -> User | None:
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(token)))
    if row is None:
        return None
    if row.last_used_at is None or utcnow() - row.last_used_at > timedelta(minutes=5):
        record_token_use(row.id)  # spooled, written off the request path
    return db.session.get(User, row.user_id)


def count_users() -> int:
    return db.session.scalar(select(func.count(User.id)))


__all__ = ["register_user", "create_or_update_user", "authenticate", "issue_token",
           "revoke_token", "user_for_token", "ValidationFailed"]
