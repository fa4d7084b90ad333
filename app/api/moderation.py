"""API: the review queue, thread actions (lock, close, move, merge) and user actions
(suspension, silence, role, finding users) for staff (../shared/API.md, Moderation)."""
from typing import Literal

from pydantic import Field, StrictBool
from typing_extensions import TypedDict

from app.api import serializers as s
from app.api.core import actor
from app.api.registry import operation
from app.api.schemas import Body, Id, Paging, QueryText, Slug, text
from community import queries
from community.models import REVIEW_ACTIONS, REVIEW_KINDS, ROLES
from community.services import review, thread_actions, user_actions
from core.database import parse_id
from core.errors import BadRequest

Reason = text(1, 500, description="Why, for the audit log (one line, at most 500 characters).")
Until = Field(None, description="When it ends: an ISO 8601 time (UTC unless a zone is given), "
                                "or null (until lifted).")


class ReviewAction(Body):
    """Resolve a review item."""

    action: Literal[REVIEW_ACTIONS]  # type: ignore[valid-type]
    note: text(0, 500) = None


class ReviewQuery(Paging):
    status: Literal["pending", "resolved"] = "pending"


class LockRequest(Body):
    locked: StrictBool
    reason: Reason


class CloseRequest(Body):
    closed: StrictBool
    reason: Literal[thread_actions.CLOSE_REASONS] = None  # type: ignore[valid-type]


class MoveRequest(Body):
    category: Slug


class MergeRequest(Body):
    into_id: Id
    reason: text(0, 500) = None


class Restriction(Body):
    """Suspend or silence a member until a time (or for a number of days), with the reason."""

    until: text(1, 40) = Until
    reason: Reason


class PurgeRequest(Body):
    reason: Reason


class RoleChange(Body):
    role: Literal[ROLES]  # type: ignore[valid-type]
    reason: text(0, 500) = None


class UserQuery(Paging):
    q: QueryText = Field(None, description="The start of a username or email address.")


class ReviewEntry(TypedDict):
    id: int
    kind: Literal[REVIEW_KINDS]  # type: ignore[valid-type]
    status: str
    post_id: int
    thread_id: int
    title: str
    excerpt_html: str
    author: s.UserBrief
    reasons: dict[str, int]
    outcome: str | None
    note: str
    created_at: s.Time


class ReviewList(s.Page):
    items: list[ReviewEntry]
    pending: int


class MyFlag(TypedDict):
    id: int
    post_id: int
    thread_id: int
    reason: str
    status: Literal["pending", "helpful", "declined"]
    created_at: s.Time


class MyFlagList(s.Page):
    items: list[MyFlag]


class ThreadState(TypedDict):
    id: int
    is_locked: bool
    is_closed: bool
    close_reason: str | None
    category: str


class StaffUser(s.UserBrief):
    email: str
    role: str
    suspended_until: s.Time | None
    silenced_until: s.Time | None
    created_at: s.Time


class StaffUserList(s.Page):
    items: list[StaffUser]


class Purged(TypedDict):
    user: StaffUser
    deleted_posts: int


def _entry(item, post, thread, reasons) -> ReviewEntry:
    return {"id": item.id, "kind": item.kind, "status": item.status, "post_id": post.id,
            "thread_id": thread.id, "title": thread.title, "excerpt_html": post.body_html[:2000],
            "author": s.user_brief(post.author), "reasons": reasons, "outcome": item.outcome,
            "note": item.note, "created_at": s.iso(item.created_at)}


def staff_user(user) -> StaffUser:
    return s.user_brief(user) | {
        "email": user.email, "role": user.role, "suspended_until": s.iso(user.suspended_until),
        "silenced_until": s.iso(user.silenced_until), "created_at": s.iso(user.created_at)}


def _thread_state(thread) -> ThreadState:
    return {"id": thread.id, "is_locked": thread.is_locked, "is_closed": thread.is_closed,
            "close_reason": thread.close_reason,
            "category": queries.category_by_id(thread.category_id).slug}


def _after(cursor):
    if cursor is None:
        return None
    value = parse_id(cursor)
    if value is None:
        raise BadRequest("The cursor is not valid; start again without it.")
    return value


@operation("GET", "/review", query=ReviewQuery, returns=ReviewList, auth="required",
           errors=(403,))
def list_review(query: ReviewQuery):
    """The review queue, oldest first: one item per post (moderators)."""
    entries, next_cursor = review.queue(actor(), query.size, _after(query.cursor), query.status)
    return {"items": [_entry(*e) for e in entries], "next_cursor": next_cursor,
            "pending": review.pending_count()}


@operation("POST", "/review/<int:item_id>", body=ReviewAction, returns=ReviewEntry,
           auth="required", errors=(403, 404))
def resolve_review(item_id: int, body: ReviewAction):
    """Approve, hide, delete, restore or dismiss a review item, with an optional note."""
    item = review.resolve(actor(), item_id, body.action, body.note)
    return _entry(*review.entry(item.id))


@operation("POST", "/threads/<int:thread_id>/lock", body=LockRequest, returns=ThreadState,
           auth="required", errors=(403, 404))
def lock_thread(thread_id: int, body: LockRequest):
    """Lock (no answers, edits or votes) or unlock a thread (moderators)."""
    return _thread_state(thread_actions.lock_thread(actor(), thread_id, body.locked, body.reason))


@operation("POST", "/threads/<int:thread_id>/close", body=CloseRequest, returns=ThreadState,
           auth="required", errors=(403, 404))
def close_thread(thread_id: int, body: CloseRequest):
    """Close a thread to new answers, or reopen it (moderators, super-users)."""
    return _thread_state(thread_actions.close_thread(actor(), thread_id, body.closed,
                                                     body.reason))


@operation("POST", "/threads/<int:thread_id>/move", body=MoveRequest, returns=ThreadState,
           auth="required", errors=(403, 404))
def move_thread(thread_id: int, body: MoveRequest):
    """Move a thread to another category (moderators)."""
    return _thread_state(thread_actions.move_thread(actor(), thread_id, body.category))


@operation("POST", "/threads/<int:thread_id>/merge", body=MergeRequest, returns=ThreadState,
           auth="required", errors=(403, 404, 409))
def merge_thread(thread_id: int, body: MergeRequest):
    """Merge this thread into `into_id`: answers move with their votes, links follow, the
    cases of two escalated threads are linked (moderators)."""
    return _thread_state(thread_actions.merge_threads(actor(), thread_id, body.into_id,
                                                      body.reason))


@operation("POST", "/users/<int:user_id>/suspension", body=Restriction, returns=StaffUser,
           auth="required", errors=(403, 404))
def suspend_user(user_id: int, body: Restriction):
    """Suspend a member: sign-in refused, their sessions and API tokens ended (moderators)."""
    return staff_user(user_actions.suspend(actor(), user_id, body.until, body.reason))


@operation("DELETE", "/users/<int:user_id>/suspension", auth="required", errors=(403, 404))
def lift_suspension(user_id: int):
    """Lift a suspension (moderators)."""
    user_actions.unsuspend(actor(), user_id)


@operation("POST", "/users/<int:user_id>/silence", body=Restriction, returns=StaffUser,
           auth="required", errors=(403, 404))
def silence_user(user_id: int, body: Restriction):
    """Silence a member: they may read but not post, vote or flag (moderators)."""
    return staff_user(user_actions.silence(actor(), user_id, body.until, body.reason))


@operation("DELETE", "/users/<int:user_id>/silence", auth="required", errors=(403, 404))
def lift_silence(user_id: int):
    """Lift a silence (moderators)."""
    user_actions.unsilence(actor(), user_id)


@operation("POST", "/users/<int:user_id>/purge", body=PurgeRequest, returns=Purged, auth="required",
           errors=(403, 404))
def purge_user(user_id: int, body: PurgeRequest):
    """Delete a spammer: suspended indefinitely and every post of theirs deleted (moderators)."""
    user, count = user_actions.purge_spammer(actor(), user_id, body.reason)
    return {"user": staff_user(user), "deleted_posts": count}


@operation("PATCH", "/users/<int:user_id>", body=RoleChange, returns=StaffUser,
           auth="required", errors=(403, 404))
def change_role(user_id: int, body: RoleChange):
    """Change a member's role (administrators)."""
    return staff_user(user_actions.change_role(actor(), user_id, body.role, body.reason))


@operation("GET", "/users", query=UserQuery, returns=StaffUserList, auth="required",
           errors=(403,))
def find_users(query: UserQuery):
    """Find users by the start of their username or email, newest first (staff)."""
    users = user_actions.find_users(actor(), query.q, query.size + 1, _after(query.cursor))
    more = len(users) > query.size
    users = users[:query.size]
    return {"items": [staff_user(u) for u in users],
            "next_cursor": str(users[-1].id) if more else None}


@operation("GET", "/me/flags", query=Paging, returns=MyFlagList, auth="required")
def my_flags(query: Paging):
    """The caller's own flags, newest first: pending, or found helpful or declined."""
    flags = review.flags_of(actor(), query.size + 1, _after(query.cursor))
    more = len(flags) > query.size
    flags = flags[:query.size]
    return {"items": [{"id": f.id, "post_id": f.post_id, "thread_id": thread_id,
                       "reason": f.reason, "status": f.status, "created_at": s.iso(f.created_at)}
                      for f, thread_id in flags],
            "next_cursor": str(flags[-1][0].id) if more else None}
