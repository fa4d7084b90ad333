"""API: leaderboards, super-user nominations and grants, the audit log, marking duplicates and
flagging posts (../shared/API.md, Reputation and Moderation)."""
from typing import Annotated, Literal

from flask import url_for
from pydantic import Field, StrictBool
from typing_extensions import TypedDict

from app.api import serializers as s
from app.api.core import actor, number_cursor
from app.api.registry import created, operation
from app.api.schemas import Body, Id, Paging, QueryText, text
from community import queries
from community.models import FLAG_REASONS
from community.policies import can_manage_super_users, can_read_audit_log, ensure
from community.services import moderation
from reputation import badges, leaderboard, super_users

Reason = text(1, 500, description="Why, for the audit log (one line, at most 500 characters).")


class LeaderboardQuery(Paging):
    period: Literal["week", "month", "quarter", "all"] = "week"
    category: QueryText = Field(None, description="A category's slug.")


class SuperUserChange(Body):
    """Grant (true) or revoke (false) super-user status, with the reason."""

    granted: StrictBool
    reason: Reason


class DuplicateRequest(Body):
    """Mark this thread as a duplicate of another."""

    original_id: Id


class NewFlag(Body):
    """Ask a moderator to look at a post."""

    reason: Literal[FLAG_REASONS]  # type: ignore[valid-type]
    detail: text(0, 500) = ""


class Standing(TypedDict):
    user: s.UserBrief
    reputation_gained: int


class Leaderboard(s.Page):
    items: list[Standing]
    period: str


class Nomination(TypedDict):
    """A member who meets the super-user criteria, with the evidence."""

    user: s.UserBrief
    accepted_answers: Annotated[int, Field(description="Accepted within the window, still so.")]
    recent_posts: int
    last_active_at: s.Time | None
    categories: list[str]


class NominationList(s.Page):
    items: list[Nomination]


class AuditItem(TypedDict):
    id: int
    actor: s.UserBrief | None
    action: str
    target_type: str
    target_id: int
    reason: str
    data: dict
    created_at: s.Time


class AuditList(s.Page):
    items: list[AuditItem]


class FlagCreated(TypedDict):
    id: int
    post_id: int
    reason: str
    status: str
    created_at: s.Time


def _page(rows, size: int, offset: int):
    return rows[:size], (str(offset + size) if len(rows) > size else None)


@operation("GET", "/leaderboard", query=LeaderboardQuery, returns=Leaderboard, errors=(404,))
def get_leaderboard(query: LeaderboardQuery):
    """Who gained the most reputation this week, month, quarter or ever, overall or per category."""
    offset = number_cursor(query.cursor)
    category = queries.category_by_slug(query.category).id if query.category else None
    rows, next_cursor = _page(leaderboard.gained(query.period, category, query.size + 1, offset),
                              query.size, offset)
    return {"items": [{"user": s.user_brief(u), "reputation_gained": g} for u, g in rows],
            "next_cursor": next_cursor, "period": query.period}


@operation("GET", "/super-users/nominations", query=Paging, returns=NominationList,
           auth="required", errors=(403,))
def list_nominations(query: Paging):
    """Members who meet the super-user criteria and are not super-users (moderators)."""
    ensure(can_manage_super_users, actor())
    offset = number_cursor(query.cursor)
    rows, next_cursor = _page(super_users.nominations(query.size + 1, offset), query.size, offset)
    return {"items": [{"user": s.user_brief(n.user), "accepted_answers": n.accepted,
                       "recent_posts": n.posts, "last_active_at": s.iso(n.last_active_at),
                       "categories": n.categories} for n in rows], "next_cursor": next_cursor}


@operation("POST", "/users/<int:user_id>/super-user", body=SuperUserChange, returns=s.User,
           auth="required", errors=(403, 404))
def change_super_user(user_id: int, body: SuperUserChange):
    """Grant or revoke super-user status (moderators); written to the audit log."""
    user = super_users.set_super_user(actor(), user_id, body.granted, body.reason)
    return s.user_full(user, actor(), badges.badges_of(user.id))


@operation("GET", "/audit", query=Paging, returns=AuditList, auth="required", errors=(403,))
def list_audit(query: Paging):
    """Moderator actions, newest first: who, what, target, reason, when (moderators, admins)."""
    ensure(can_read_audit_log, actor())
    entries, next_cursor = queries.audit_entries(query.size, query.cursor)
    return {"items": [{"id": e.id, "actor": s.user_brief(e.actor) if e.actor else None,
                       "action": e.action, "target_type": e.target_type,
                       "target_id": e.target_id, "reason": e.reason, "data": e.data or {},
                       "created_at": s.iso(e.created_at)} for e in entries],
            "next_cursor": next_cursor}


@operation("POST", "/threads/<int:thread_id>/duplicate", body=DuplicateRequest,
           returns=s.ThreadDetail, auth="required", errors=(403, 409))
def mark_duplicate(thread_id: int, body: DuplicateRequest):
    """Mark the thread as a duplicate of `original_id` (moderators, super-users, or members
    with the close privilege)."""
    moderation.mark_duplicate(actor(), thread_id, body.original_id)
    return s.thread_detail(queries.thread_page(actor(), thread_id), actor())


@operation("POST", "/posts/<int:post_id>/flags", body=NewFlag, status=201, returns=FlagCreated,
           auth="required", errors=(403, 409), limit="30 per hour")
def flag_post(post_id: int, body: NewFlag):
    """Flag a post for a moderator (members with the flag privilege)."""
    flag = moderation.flag_post(actor(), post_id, body.reason, body.detail)
    return created({"id": flag.id, "post_id": flag.post_id, "reason": flag.reason,
                    "status": flag.status, "created_at": s.iso(flag.created_at)},
                   url_for("api.get_post", post_id=flag.post_id))
