"""JSON shapes of users, categories, threads and posts (../shared/API.md): each a TypedDict, which
the OpenAPI document is generated from, and the function that builds it; no queries here."""
from datetime import datetime
from typing import Annotated, Literal

from flask import url_for
from pydantic import Field
from typing_extensions import TypedDict
from typing import NotRequired

from community.policies import can_see_email, is_official
from reputation.ranks import marks, rank_for

Time = Annotated[datetime, Field(description="ISO 8601 UTC.")]
Url = Annotated[str, Field(json_schema_extra={"format": "uri"})]
Rank = Annotated[str, Field(description="The rank's name for the reputation (REPUTATION_RANKS).")]
Role = Literal["member", "moderator", "support", "admin"]
MyVote = Annotated[int, Field(ge=-1, le=1, description="The caller's vote: 1, -1 or 0.")]


class Problem(TypedDict):
    """RFC 9457 problem details; `errors` names each bad field with its messages."""

    type: str
    title: str
    status: int
    detail: str
    errors: NotRequired[dict[str, list[str]]]


class UserBrief(TypedDict):
    """A user as shown next to their content."""

    id: int
    username: str
    reputation: int
    rank: Rank
    is_super_user: bool
    marks: Annotated[list[str], Field(description='"Moderator", "Support", "Admin", "Super-user".')]


class Badge(TypedDict):
    slug: str
    name: str
    tier: Literal["bronze", "silver", "gold"]


class User(UserBrief):
    """A user's profile; `email` only to the user themself and to staff."""

    roles: list[Role]
    badges: list[Badge]
    created_at: Time
    url: Url
    email: NotRequired[str]


class Me(User):
    """The caller's own user object."""

    notification_count: int


class Token(TypedDict):
    token: str
    user: User


class MyAccount(Me):
    """The caller's own user object, with an address waiting for confirmation."""

    pending_email: str | None


class TokenInfo(TypedDict):
    """One of the caller's API tokens (never its secret)."""

    id: int
    name: str
    created_at: Time
    last_used_at: Time | None


class NewToken(TypedDict):
    """A new token: the secret is shown this once."""

    id: int
    name: str
    token: str


class Accepted(TypedDict):
    detail: str


class Event(TypedDict):
    """One domain event; `actor_id` is null for votes, which stay anonymous."""

    id: int
    type: str
    created_at: Time
    actor_id: int | None
    thread_id: int | None
    post_id: int | None
    user_id: int | None
    data: dict


class Category(TypedDict):
    id: int
    slug: str
    name: str
    description: str
    thread_count: int


class Post(TypedDict):
    """A question's or answer's post; `my_vote` for signed-in callers in a thread."""

    id: int
    thread_id: int
    author: UserBrief
    body_html: Annotated[str, Field(description="The sanitised rendering of body.")]
    body: Annotated[str, Field(description="Markdown.")]
    score: int
    is_accepted: bool
    is_draft: bool
    is_deleted: bool
    is_official: Annotated[bool, Field(description="Written by support staff: the company's answer.")]
    revision_count: int
    created_at: Time
    updated_at: Time
    my_vote: NotRequired[MyVote]


class ThreadSource(TypedDict):
    """Where an imported thread comes from (credit for CC BY-SA content); null for local ones."""

    site: str
    url: Url
    author: str | None
    author_url: Url | None
    license: str
    license_url: Url | None


class Thread(TypedDict):
    """A thread as listed."""

    id: int
    post_id: Annotated[int, Field(description="The question's own post (votes, edits, flags).")]
    title: str
    slug: str
    url: Url
    category: Annotated[str, Field(description="The category's slug.")]
    tags: list[str]
    status: Literal["open", "solved"]
    author: UserBrief
    score: int
    view_count: int
    answer_count: int
    accepted_answer_id: int | None
    is_locked: bool
    created_at: Time
    updated_at: Time
    last_activity_at: Time
    source: ThreadSource | None


class ThreadDetail(Thread):
    """A thread with its question and the answers the caller may see, accepted first."""

    body_html: str
    body: str
    answers: list[Post]
    my_vote: NotRequired[MyVote]


class VoteResult(TypedDict):
    score: int
    my_vote: MyVote


class Revision(TypedDict):
    rev: int
    author: UserBrief
    title: Annotated[str | None, Field(description="The question's title then; null for answers.")]
    body: str
    created_at: Time


class ReputationEvent(TypedDict):
    delta: int
    reason: str
    post_id: int | None
    thread_id: int | None
    created_at: Time


class Page(TypedDict):
    next_cursor: Annotated[str | None,
                           Field(description="?cursor= for the next page; null at the end.")]


class CategoryList(Page):
    items: list[Category]


class ThreadList(Page):
    items: list[Thread]


class RevisionList(Page):
    items: list[Revision]


class TokenList(Page):
    items: list[TokenInfo]


class EventList(Page):
    items: list[Event]


class ReputationList(Page):
    items: list[ReputationEvent]
    reputation: int


def iso(value) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def user_brief(user) -> UserBrief:
    return {"id": user.id, "username": user.username, "reputation": user.reputation,
            "rank": rank_for(user.reputation), "is_super_user": user.is_super_user,
            "marks": marks(user)}


def user_full(user, viewer, badges=()) -> User:
    """`badges`: the user's (definition, award) pairs, from reputation.badges.badges_of."""
    body = user_brief(user) | {
        "roles": user.roles, "badges": [badge(b) for b, _ in badges],
        "created_at": iso(user.created_at),
        "url": url_for("web.profile", user_id=user.id, _external=True)}
    if can_see_email(viewer, user):
        body["email"] = user.email
    return body


def category(cat) -> Category:
    return {"id": cat.id, "slug": cat.slug, "name": cat.name, "description": cat.description,
            "thread_count": cat.thread_count}


def post(p, my_vote: int | None = None) -> Post:
    body = {"id": p.id, "thread_id": p.thread_id, "author": user_brief(p.author),
            "body_html": p.body_html, "body": p.body, "score": p.score,
            "is_accepted": p.is_accepted, "is_draft": p.is_draft, "is_deleted": p.is_deleted,
            "is_official": is_official(p.author),
            "revision_count": p.revision_count, "created_at": iso(p.created_at),
            "updated_at": iso(p.updated_at)}
    if my_vote is not None:
        body["my_vote"] = my_vote
    return body


def thread_summary(t) -> Thread:
    return {"id": t.id, "post_id": t.question_post_id, "title": t.title, "slug": t.slug,
            "url": url_for("web.thread", thread_id=t.id, slug=t.slug, _external=True),
            "category": t.category.slug, "tags": [tag.name for tag in t.tags],
            "status": t.status, "author": user_brief(t.author), "score": t.score,
            "view_count": t.view_count, "answer_count": t.answer_count,
            "accepted_answer_id": t.accepted_answer_id, "is_locked": t.is_locked,
            "created_at": iso(t.created_at), "updated_at": iso(t.updated_at),
            "last_activity_at": iso(t.last_activity_at), "source": thread_source(t)}


def thread_source(t) -> ThreadSource | None:
    if not t.source_url:
        return None
    return {"site": t.source_site, "url": t.source_url, "author": t.source_author,
            "author_url": t.source_author_url, "license": t.source_license,
            "license_url": t.source_license_url}


def thread_detail(page, viewer) -> ThreadDetail:
    """The thread with its answers; `my_vote` appears (0, 1 or -1) only for a signed-in caller."""
    signed_in = not viewer.is_anonymous_user
    q = page.question
    body = thread_summary(page.thread) | {
        "body_html": q.body_html, "body": q.body,
        "answers": [post(a, page.my_votes.get(a.id, 0) if signed_in else None)
                    for a in page.answers]}
    if signed_in:
        body["my_vote"] = page.my_votes.get(q.id, 0)
    return body


def revision(r) -> Revision:
    return {"rev": r.rev, "author": user_brief(r.author), "title": r.title, "body": r.body,
            "created_at": iso(r.created_at)}


def badge(b) -> Badge:
    return {"slug": b.slug, "name": b.name, "tier": b.tier}


def reputation_event(e, hide_target: bool = False) -> ReputationEvent:
    """`hide_target`: leave out which post it was (a voter's own downvote, for anyone else), and
    when to the second: the time is the day's midnight (UTC), so it cannot be matched to the
    downvoted author's row of the same moment."""
    when = e.created_at.replace(hour=0, minute=0, second=0, microsecond=0) if hide_target \
        else e.created_at
    return {"delta": e.delta, "reason": e.reason,
            "post_id": None if hide_target else e.post_id,
            "thread_id": None if hide_target else e.thread_id, "created_at": iso(when)}


def token_info(row) -> TokenInfo:
    return {"id": row.id, "name": row.name, "created_at": iso(row.created_at),
            "last_used_at": iso(row.last_used_at)}


def event(e) -> Event:
    return {"id": e.id, "type": e.type, "created_at": iso(e.created_at), "actor_id": e.actor_id,
            "thread_id": e.thread_id, "post_id": e.post_id, "user_id": e.user_id, "data": e.data}
