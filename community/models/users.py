"""People: accounts, their roles, session stamps, signed-in browsers and API tokens, the mailed
single-use account links (password reset, email confirmation), sign-in throttles, and the
anonymous visitor."""
import secrets

from flask_login import AnonymousUserMixin, UserMixin
from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.database import db
from core.time import UTCDateTime, utcnow

ROLES = ("member", "moderator", "support", "admin")


def new_stamp() -> str:
    return secrets.token_hex(16)

STAFF_ROLES = ("moderator", "support", "admin")


class User(UserMixin, db.Model):
    __tablename__ = "users"
    # The all-time leaderboard walks this (reputation is the ledger's running total).
    __table_args__ = (Index("ix_users_reputation", "reputation", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(30))
    # Case-folded username and email carry the uniqueness, so "Ann" and "ann" cannot both exist.
    username_key: Mapped[str] = mapped_column(String(30), unique=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="member")
    reputation: Mapped[int] = mapped_column(Integer, default=1)
    is_super_user: Mapped[bool] = mapped_column(Boolean, default=False)
    suspended_until = mapped_column(UTCDateTime, nullable=True)
    # Silenced: may read and sign in, but not post, vote or flag until then.
    silenced_until = mapped_column(UTCDateTime, nullable=True)
    created_at = mapped_column(UTCDateTime, default=utcnow, index=True)
    # Part of every session and remember-me cookie; a new stamp signs out every other device.
    session_stamp: Mapped[str] = mapped_column(String(32), default=new_stamp)
    # Notification mail goes only to a confirmed address (app/notifications); set when the
    # owner opens a mailed confirmation link, or for accounts an operator made.
    email_confirmed_at = mapped_column(UTCDateTime, nullable=True)
    # The bell's number, kept by app/notifications in the transaction that changes it (one
    # indexed count written here): pages read it with the user, and it is part of the row
    # a signed-in reader's cached page is checked against, so a kept page never shows an old count.
    unread_notifications: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    is_anonymous_user = False
    # Not a column: the key of the signed-in browser this object was loaded (or signed in) for.
    sign_in_key = None

    def get_id(self) -> str:
        """What Flask-Login keeps in the session and the remember-me cookie:
        "<id>:<stamp>:<sign-in key>"; without a key it is a cookie no one is signed in by."""
        return f"{self.id}:{self.session_stamp}:{self.sign_in_key or ''}"

    @property
    def roles(self) -> list[str]:
        return ["member"] if self.role == "member" else ["member", self.role]

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    def has_role(self, *roles: str) -> bool:
        return self.role == "admin" or self.role in roles

    @property
    def is_suspended(self) -> bool:
        return self.suspended_until is not None and self.suspended_until > utcnow()

    @property
    def is_silenced(self) -> bool:
        return self.silenced_until is not None and self.silenced_until > utcnow()

    def __repr__(self) -> str:
        return f"<User {self.id} {self.username}>"


class AnonymousUser(AnonymousUserMixin):
    """A visitor who has not signed in: a real object the policies can ask about."""

    id = None
    username = "anonymous"
    role = "anonymous"
    roles: list[str] = []
    reputation = 0
    unread_notifications = 0
    is_super_user = False
    is_staff = False
    is_suspended = False
    is_silenced = False
    is_anonymous_user = True

    def has_role(self, *roles: str) -> bool:
        return False


ANONYMOUS = AnonymousUser()


class ApiToken(db.Model):
    """A bearer token; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="", server_default="")
    created_at = mapped_column(UTCDateTime, default=utcnow)
    last_used_at = mapped_column(UTCDateTime, nullable=True)

    user = db.relationship(User, lazy="joined")


class SignInSession(db.Model):
    """One signed-in browser. Its key travels in the session and remember-me cookies and only
    its SHA-256 is kept: signing out deletes the row, so a copied cookie stops working."""

    __tablename__ = "sign_in_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at = mapped_column(UTCDateTime, default=utcnow)
    # The remember-me cookie's end; old rows are swept by this.
    expires_at = mapped_column(UTCDateTime, nullable=False, index=True)


class AccountToken(db.Model):
    """A mailed single-use link (password reset, email confirmation); only its SHA-256 is stored."""

    __tablename__ = "account_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(16))  # "password_reset" or "email_confirm"
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    new_email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    created_at = mapped_column(UTCDateTime, default=utcnow)
    expires_at = mapped_column(UTCDateTime, nullable=False)
    used_at = mapped_column(UTCDateTime, nullable=True)


class SignInThrottle(db.Model):
    """Failed sign-ins for one account (or one unknown login), keyed by a SHA-256 of it."""

    __tablename__ = "sign_in_throttles"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at = mapped_column(UTCDateTime, nullable=False)
    locked_until = mapped_column(UTCDateTime, nullable=True)
    # When the row stops mattering (window over, lock over); old rows are swept by this.
    expires_at = mapped_column(UTCDateTime, nullable=False, index=True)
