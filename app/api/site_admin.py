"""API: watched words, category changes and retirement, and the moderation settings
(administrators; ../shared/API.md, Moderation)."""
from typing import Annotated, Literal

from flask import url_for
from pydantic import Field, StrictInt
from typing_extensions import TypedDict

from app.api import serializers as s
from app.api.core import actor
from app.api.registry import created, operation
from app.api.schemas import Body, Query, QueryText, text
from community.models import WATCH_ACTIONS
from community.services import site_admin
from community.settings import SETTINGS, all_settings
from community.policies import can_manage_site, ensure


class NewWatchedWord(Body):
    """Watch a word: block posts with it (422 naming it), hold them for review, or replace it."""

    word: text(1, 60, description="One word; matched whole and case-insensitively.")
    action: Literal[WATCH_ACTIONS]  # type: ignore[valid-type]
    replacement: text(0, 60) = None


class WatchedWordOut(TypedDict):
    id: int
    word: str
    action: str
    replacement: str | None
    created_at: s.Time


class WatchedWordList(s.Page):
    items: list[WatchedWordOut]


class CategoryEdit(Body):
    """Change a category's name, description or position (lower comes first)."""

    name: text(2, 80) = None
    description: text(0, 2000) = None
    position: Annotated[StrictInt, Field(ge=-100000, le=100000)] = None


class MoveTo(Query):
    move_to: QueryText = Field(None, description="The slug of the category its threads move to.")


class Settings(TypedDict):
    HOLD_FIRST_POSTS: int
    FLAG_HIDE_THRESHOLD: int
    NEW_MEMBER_REPUTATION: int
    NEW_MEMBER_MAX_LINKS: int
    NEW_MEMBER_POSTS_PER_DAY: int
    REPUTATION_PRESET: str


def _Setting(name: str):  # noqa: N802  (a type)
    low, high = SETTINGS[name]
    return Annotated[StrictInt, Field(ge=low, le=high)]


class SettingsEdit(Body):
    """Any of the moderation settings; what is not sent keeps its value."""

    HOLD_FIRST_POSTS: _Setting("HOLD_FIRST_POSTS") = None
    FLAG_HIDE_THRESHOLD: _Setting("FLAG_HIDE_THRESHOLD") = None
    NEW_MEMBER_REPUTATION: _Setting("NEW_MEMBER_REPUTATION") = None
    NEW_MEMBER_MAX_LINKS: _Setting("NEW_MEMBER_MAX_LINKS") = None
    NEW_MEMBER_POSTS_PER_DAY: _Setting("NEW_MEMBER_POSTS_PER_DAY") = None
    REPUTATION_PRESET: Literal["small", "mature"] = None


def _word(w) -> WatchedWordOut:
    return {"id": w.id, "word": w.word, "action": w.action, "replacement": w.replacement,
            "created_at": s.iso(w.created_at)}


@operation("GET", "/watched-words", returns=WatchedWordList, auth="required", errors=(403,))
def list_watched_words():
    """Every watched word (administrators)."""
    return {"items": [_word(w) for w in site_admin.watched_words(actor())], "next_cursor": None}


@operation("POST", "/watched-words", body=NewWatchedWord, status=201, returns=WatchedWordOut,
           auth="required", errors=(403, 409))
def add_watched_word(body: NewWatchedWord):
    """Watch a word (administrators)."""
    word = site_admin.add_watched_word(actor(), body.word, body.action, body.replacement)
    return created(_word(word), url_for("api.list_watched_words"))


@operation("DELETE", "/watched-words/<int:item_id>", auth="required", errors=(403, 404))
def remove_watched_word(item_id: int):
    """Stop watching a word (administrators)."""
    site_admin.remove_watched_word(actor(), item_id)


@operation("PATCH", "/categories/<slug>", body=CategoryEdit, returns=s.Category,
           auth="required", errors=(403, 404))
def edit_category(slug: str, body: CategoryEdit):
    """Rename, describe or reorder a category (administrators)."""
    return s.category(site_admin.update_category(actor(), slug, body.name, body.description,
                                                 body.position))


@operation("DELETE", "/categories/<slug>", query=MoveTo, auth="required", errors=(403, 404))
def delete_category(slug: str, query: MoveTo):
    """Retire a category, moving its threads to `?move_to=` (administrators)."""
    site_admin.delete_category(actor(), slug, query.move_to)


@operation("GET", "/moderation-settings", returns=Settings, auth="required", errors=(403,))
def get_settings():
    """The moderation settings in force (administrators)."""
    ensure(can_manage_site, actor())
    return all_settings()


@operation("PATCH", "/moderation-settings", body=SettingsEdit, returns=Settings,
           auth="required", errors=(403,))
def change_settings(body: SettingsEdit):
    """Change moderation settings; kept in the database, over the environment's defaults."""
    site_admin.save_settings(actor(), body.model_dump(exclude_none=True))
    return all_settings()
