"""People: accounts, their roles and API tokens, and the anonymous visitor."""
from flask_login import AnonymousUserMixin, UserMixin
from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.database import db
from core.time import UTCDateTime, utcnow

ROLES = ("member", "moderator", "support", "admin")
STAFF_ROLES = ("moderator", "support", "admin")


class User(UserMixin, db.Model):
    __tablename__ = "users"

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
    created_at = mapped_column(UTCDateTime, default=utcnow, index=True)

    is_anonymous_user = False

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

    def __repr__(self) -> str:
        return f"<User {self.id} {self.username}>"


class AnonymousUser(AnonymousUserMixin):
    """A visitor who has not signed in: a real object the policies can ask about."""

    id = None
    username = "anonymous"
    role = "anonymous"
    roles: list[str] = []
    reputation = 0
    is_super_user = False
    is_staff = False
    is_suspended = False
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
    created_at = mapped_column(UTCDateTime, default=utcnow)
    last_used_at = mapped_column(UTCDateTime, nullable=True)

    user = db.relationship(User, lazy="joined")
