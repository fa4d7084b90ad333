"""Keeping an account in its owner's hands: the session stamp ("sign out everywhere"), password
change, password reset and email change by mailed single-use links. Services return the link's
secret; the shell mails it (the domain never sends mail)."""
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from core.database import db
from core.errors import ValidationFailed
from core.time import utcnow
from core.transactions import transactional
from community.models import AccountToken, User
from community.services import lockout
from community.services.accounts import (check_password, clean_email, digest, end_links,
                                         ensure_email_free, hash_password, rotate_stamp,
                                         verify_current_password)
from community.validation import Errors

RESET, CONFIRM_EMAIL = "password_reset", "email_confirm"


def _lock_user(user_id: int) -> User:
    return db.session.scalar(select(User).where(User.id == user_id).with_for_update()
                             .execution_options(populate_existing=True))


@transactional
def sign_out_everywhere(actor: User) -> User:
    """Every session, remember-me cookie, API token and pending mailed link of the user ends."""
    user = _lock_user(actor.id)
    rotate_stamp(user)
    return user


def _new_link(user_id: int, purpose: str, new_email: str | None = None) -> str:
    token, now = secrets.token_urlsafe(32), utcnow()
    lifetime = timedelta(seconds=current_app.config["ACCOUNT_LINK_LIFETIME"])
    db.session.execute(delete(AccountToken).where(AccountToken.user_id == user_id,
                                                  AccountToken.expires_at < now))
    db.session.add(AccountToken(user_id=user_id, purpose=purpose, token_hash=digest(token),
                                new_email=new_email, created_at=now, expires_at=now + lifetime))
    return token


def _use_link(token, purpose: str) -> AccountToken:
    """The link's row, marked used; a used, expired or unknown link is a 422 on `token`."""
    if not isinstance(token, str) or not 0 < len(token) <= 200:
        raise ValidationFailed({"token": ["is not a valid link"]})
    row = db.session.scalar(select(AccountToken).where(
        AccountToken.token_hash == digest(token), AccountToken.purpose == purpose)
        .with_for_update().execution_options(populate_existing=True))
    if row is None:
        raise ValidationFailed({"token": ["is not a valid link"]})
    if row.used_at is not None:
        raise ValidationFailed({"token": ["has already been used"]})
    if row.expires_at <= utcnow():
        raise ValidationFailed({"token": ["has expired; ask for a new link"]})
    row.used_at = utcnow()
    return row


def request_password_reset(email) -> tuple[User, str] | None:
    """(user, secret) to mail, or None when there is no such account or it had enough mail."""
    errors = Errors()
    email = clean_email(errors, email)
    errors.raise_if_any()
    return _issue_reset(email)


@transactional
def _issue_reset(email: str) -> tuple[User, str] | None:
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        return None
    since = utcnow() - timedelta(hours=1)
    recent = db.session.scalar(select(func.count(AccountToken.id)).where(
        AccountToken.user_id == user.id, AccountToken.purpose == RESET,
        AccountToken.created_at > since))
    if recent >= current_app.config["PASSWORD_RESETS_PER_HOUR"]:
        return None
    return user, _new_link(user.id, RESET)


def reset_password(token, password) -> User:
    """Set a new password from a mailed link; every session and API token of the user ends."""
    errors = Errors()
    check_password(errors, password)
    errors.raise_if_any()
    return _apply_reset(token, hash_password(password))


@transactional
def _apply_reset(token, password_hash: str) -> User:
    link = _use_link(token, RESET)
    user = _lock_user(link.user_id)
    user.password_hash = password_hash
    # The user's other mailed links (reset links, a pending email change) die with this one
    # (rotate_stamp), and a lock no longer applies.
    rotate_stamp(user)
    lockout.clear_account(user)
    return user


def update_account(actor: User, current_password, email=None, password=None,
                   keep_token: str | None = None, address: str | None = None) -> tuple[User, tuple[str, str] | None]:
    """Change email and/or password after the current password is given: (user, link).

    A new email only counts once confirmed: `link` is (new address, secret) to mail to it.
    A new password rotates the stamp (other sessions end) and revokes API tokens but
    `keep_token` (the caller's own)."""
    errors = Errors()
    if email is None and password is None:
        errors.add("email", "give a new email or a new password")
    new_email = clean_email(errors, email) if email is not None else None
    if password is not None:
        check_password(errors, password)
    errors.raise_if_any()
    verify_current_password(actor, current_password, address)
    password_hash = hash_password(password) if password is not None else None
    return _apply_update(actor.id, new_email, password_hash, keep_token)


@transactional
def _apply_update(user_id: int, email: str | None, password_hash: str | None,
                  keep_token: str | None) -> tuple[User, tuple[str, str] | None]:
    user = _lock_user(user_id)
    link = None
    if password_hash is not None:
        # First: the new stamp ends the links mailed before, not the one this request makes.
        user.password_hash = password_hash
        rotate_stamp(user, keep_token)
    if email is not None and email != user.email:
        ensure_email_free(email, exclude_id=user.id)
        # A newer request replaces a pending one.
        end_links(user.id, CONFIRM_EMAIL)
        link = (email, _new_link(user.id, CONFIRM_EMAIL, email))
    return user, link


@transactional
def confirm_email_change(token) -> User:
    link = _use_link(token, CONFIRM_EMAIL)
    ensure_email_free(link.new_email, exclude_id=link.user_id)
    user = _lock_user(link.user_id)
    user.email = link.new_email
    user.email_confirmed_at = utcnow()  # the owner opened a link mailed to this address
    # A reset link mailed to the old address would hand the account to whoever keeps it.
    end_links(user.id, RESET)
    return user


@transactional
def request_email_confirmation(actor: User) -> tuple[str, str] | None:
    """A mailed link that confirms the account's current address (notification mail goes only
    to a confirmed one): (address, secret), or None when it is already confirmed."""
    user = _lock_user(actor.id)
    if user.email_confirmed_at is not None:
        return None
    db.session.execute(delete(AccountToken).where(
        AccountToken.user_id == user.id, AccountToken.purpose == CONFIRM_EMAIL,
        AccountToken.used_at.is_(None)))
    return user.email, _new_link(user.id, CONFIRM_EMAIL, user.email)


@transactional
def mark_email_confirmed(user_id: int) -> None:
    """An operator's account (`users create`) or a demo one: its address is taken as confirmed."""
    _lock_user(user_id).email_confirmed_at = utcnow()


def pending_email(user: User) -> str | None:
    """The address waiting for confirmation, if any."""
    return db.session.scalar(select(AccountToken.new_email).where(
        AccountToken.user_id == user.id, AccountToken.purpose == CONFIRM_EMAIL,
        AccountToken.used_at.is_(None), AccountToken.expires_at > utcnow())
        .order_by(AccountToken.id.desc()).limit(1))
