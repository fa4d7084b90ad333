"""Request bodies and query strings of API v1 as pydantic models: strict types, no unknown fields.

The services re-check every value against the live config; the limits here are the defaults of
app/config.py, so clients see them in the OpenAPI document (a test keeps the two in step).
"""
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictInt, StrictStr

from core.database import MAX_ID, UNSTORABLE  # ids are 32-bit INTEGERs


def _storable(value: str) -> str:
    # PostgreSQL refuses NUL in text, and a lone surrogate cannot be encoded as UTF-8.
    if UNSTORABLE.search(value):
        raise ValueError("must not contain NUL characters or unpaired surrogates")
    return value


def text(min_length: int = 0, max_length: int | None = None, **extra):
    """A JSON string that can be stored, of the given length (before the services trim it)."""
    return Annotated[StrictStr, AfterValidator(_storable),
                     Field(min_length=min_length or None, max_length=max_length, **extra)]


Id = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]
Title = text(8, 200, description="Plain text, 8-200 characters.")
Markdown = text(1, 30000, description="Markdown, 10-30000 characters once trimmed.")
Slug = text(1, 64, description="A category's slug.")
EditReason = text(0, 300, description="Why it was edited, shown in the history.")
Tags = Annotated[list[text(1, 35)], Field(max_length=5,
                                           description="Up to 5 tags: letters, digits, + # . -")]


class Body(BaseModel):
    """A request body: every field has its JSON type (no coercion) and nothing else is accepted."""

    model_config = ConfigDict(strict=True, extra="forbid")


class Query(BaseModel):
    """Query parameters arrive as strings and are converted; unknown ones are ignored."""

    model_config = ConfigDict(extra="ignore")


# ---- accounts ---------------------------------------------------------------------------------

class TokenRequest(Body):
    """Sign in with an email (or username) and a password."""

    email: text(1, 254, description="The account's email address or username.") = None
    username: text(1, 254, description="Accepted instead of email.") = None
    password: text(1, 1024)


class NewUser(Body):
    """Register an account."""

    username: text(3, 30, pattern=r"^[A-Za-z0-9_.-]+$",
                   description="3-30 letters, digits, '_', '.' or '-'.")
    email: text(3, 254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    password: text(8, 1024, description="At least 8 characters.")


class PasswordResetRequest(Body):
    """Ask for a password reset link by mail (the same answer whether or not it has an account)."""

    email: text(1, 254)


class PasswordResetConfirm(Body):
    """Set a new password with the single-use token from the mailed link."""

    token: text(1, 256)
    password: text(8, 1024, description="At least 8 characters.")


class MeUpdate(Body):
    """Change your email (counts once confirmed by mail) and/or password; needs the current one."""

    current_password: text(1, 1024)
    email: text(3, 254) = None
    password: text(8, 1024) = None


class NewToken(Body):
    """Name a new API token."""

    name: text(1, 80)


# ---- community --------------------------------------------------------------------------------

class NewCategory(Body):
    """Create a category (administrators)."""

    name: text(2, 80)
    slug: Slug = None
    description: text(0, 2000) = ""


class NewThread(Body):
    """Ask a question."""

    title: Title
    body: Markdown
    category: Slug
    tags: Tags = None


class ThreadEdit(Body):
    """Change any of title, body, tags and category; a title or body change keeps a revision."""

    title: Title = None
    body: Markdown = None
    tags: Tags = None
    category: Slug = None
    reason: EditReason = None


class NewAnswer(Body):
    """Answer a question."""

    body: Markdown


class PostEdit(Body):
    """Change an answer's (or the question's) Markdown; keeps a revision."""

    body: Markdown
    reason: EditReason = None


class VoteRequest(Body):
    """1 votes up, -1 down, 0 retracts."""

    value: Annotated[StrictInt, Field(ge=-1, le=1, description="1, -1 or 0")]


class AcceptRequest(Body):
    """Accept an answer as the solution, or null to un-accept."""

    post_id: Id | None = Field(description="An answer in this thread, or null.")


# ---- query strings ----------------------------------------------------------------------------

QueryText = text(0, 200)


class Paging(Query):
    """?limit= (default 20; more than 100 counts as 100) and ?cursor= from the last page."""

    limit: int = Field(20, ge=1, description="Default 20; values over 100 give 100.")
    cursor: QueryText = None

    @property
    def size(self) -> int:
        return min(self.limit, 100)


class EventPaging(Query):
    """?after= an event id (the last one seen) and ?limit= (default 100; more than 500 is 500)."""

    after: int = Field(0, ge=0, le=MAX_ID)
    limit: int = Field(100, ge=1, le=10**6)

    @property
    def size(self) -> int:
        return min(self.limit, 500)


class ThreadFilters(Paging):
    category: QueryText = Field(None, description="A category's slug.")
    tag: QueryText = None
    status: Literal["open", "solved", "unanswered"] = None
    sort: Literal["newest", "active", "votes"] = "newest"
