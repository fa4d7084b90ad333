"""API: the caller's notifications (list, mark read), their mail settings, and watch levels on
threads, categories and tags (app/notifications does the work)."""
from typing import Annotated, Literal

from typing_extensions import TypedDict

from pydantic import Field, StrictBool

from app.api.core import actor
from app.api.registry import operation
from app.api.schemas import Body, Id, Paging
from app.api.serializers import Page, iso
from app import mail
from app.notifications import kinds, service
from core.errors import ValidationFailed

Mode = Literal["off", "immediate", "digest"]
Level = Literal["watching", "tracking", "muted"]


class ReadBody(Body):
    """Mark read: `{ids: [...]}` (ids that are not the caller's change nothing) or `{all: true}`."""

    ids: Annotated[list[Id], Field(max_length=500)] = None
    all: StrictBool = None


class SettingsPatch(Body):
    """Change some kinds' mail and/or the digest period."""

    email: Annotated[dict[str, Mode], Field(
        description="kind -> off|immediate|digest; kinds left out keep their setting. Kinds: "
                    + ", ".join(kinds.KINDS))] = None
    digest: Literal["daily", "weekly"] = None


class WatchBody(Body):
    """watching: notify (and mail, per settings); tracking: the bell only; muted: never."""

    level: Level


class NotificationQuery(Paging):
    """?unread=true for unread ones only; ?limit= and ?cursor= page."""

    unread: bool = False


class Notification(TypedDict):
    id: int
    kind: str
    text: str
    url: str
    thread_id: int | None
    post_id: int | None
    count: int
    created_at: str
    updated_at: str
    read: bool


class NotificationList(Page):
    items: list[Notification]
    unread: int


class NotificationSettings(TypedDict):
    email: dict[str, str]
    digest: str


class WatchResult(TypedDict):
    target_type: str
    target_id: int
    level: str


def _item(row) -> Notification:
    return {"id": row.id, "kind": row.kind, "text": row.text, "url": mail.absolute(row.url),
            "thread_id": row.thread_id, "post_id": row.post_id, "count": row.count,
            "created_at": iso(row.created_at), "updated_at": iso(row.updated_at),
            "read": row.is_read}


@operation("GET", "/notifications", query=NotificationQuery, returns=NotificationList,
           auth="required")
def list_notifications(query: NotificationQuery):
    """The caller's notifications, newest first, with the unread count."""
    rows, next_cursor = service.list_for(actor(), query.unread, query.size, query.cursor)
    return {"items": [_item(r) for r in rows], "next_cursor": next_cursor,
            "unread": actor().unread_notifications}


@operation("POST", "/notifications/read", body=ReadBody, auth="required", errors=(422,))
def read_notifications(body: ReadBody):
    """Mark some or all of the caller's notifications read."""
    if not body.all and body.ids is None:
        raise ValidationFailed({"ids": ["give ids, or all: true"]})
    service.mark_read(actor(), body.ids or [], everything=bool(body.all))


@operation("GET", "/me/notification-settings", returns=NotificationSettings, auth="required")
def get_notification_settings():
    """What is mailed to the caller, per kind, and their digest period."""
    return kinds.settings_of(actor().id)


@operation("PATCH", "/me/notification-settings", body=SettingsPatch,
           returns=NotificationSettings, auth="required")
def patch_notification_settings(body: SettingsPatch):
    """Change what is mailed, per kind, and the digest period."""
    return service.update_settings(actor(), body.email or {}, body.digest)


def _watched(target_type: str, ref, level: str) -> WatchResult:
    row = service.set_watch(actor(), target_type, ref, level)
    return {"target_type": row.target_type, "target_id": row.target_id, "level": row.level}


@operation("PUT", "/threads/<int:thread_id>/watch", body=WatchBody, returns=WatchResult,
           auth="required", errors=(403,))
def watch_thread(thread_id: int, body: WatchBody):
    """Watch, track or mute a thread (new answers)."""
    return _watched("thread", thread_id, body.level)


@operation("PUT", "/categories/<slug>/watch", body=WatchBody, returns=WatchResult,
           auth="required", errors=(403,))
def watch_category(slug: str, body: WatchBody):
    """Watch, track or mute a category (new threads)."""
    return _watched("category", slug, body.level)


@operation("PUT", "/tags/<name>/watch", body=WatchBody, returns=WatchResult, auth="required",
           errors=(403,))
def watch_tag(name: str, body: WatchBody):
    """Watch, track or mute a tag (new threads)."""
    return _watched("tag", name, body.level)


