"""API: knowledge items (../shared/API.md), with where each is in the configured CRM."""
from typing import Literal

from pydantic import Field
from typing_extensions import TypedDict

from app.api.core import actor, number_cursor
from app.api.registry import operation
from app.api.schemas import Paging, QueryText
from app.api.serializers import Page, Time, Url, iso
from community import knowledge_queries as kq
from core.database import MAX_ID
from crm.contacts import sync_states


class CrmState(TypedDict):
    contact_ref: str | None
    article_ref: str | None
    synced_at: Time | None


class KnowledgeItem(TypedDict):
    """A solved thread as an article: its current version (or the one asked for)."""

    id: int
    thread_id: int
    title: str
    problem_html: str
    solution_html: str
    tags: list[str]
    category: str
    contributors: list[str]
    source_url: Url
    url: Url
    version: int
    status: Literal["published", "stale", "retired"]
    created_at: Time
    updated_at: Time
    crm: CrmState


class KnowledgeList(Page):
    items: list[KnowledgeItem]


class KnowledgeFilters(Paging):
    thread_id: int = Field(None, ge=1, le=MAX_ID, description="The solved thread's id.")
    category: QueryText = Field(None, description="A category's slug.")
    tag: QueryText = None
    status: Literal["published", "stale", "retired"] = None




def _documents(items, versions=None) -> list[dict]:
    states = {item_id: {**state, "synced_at": iso(state["synced_at"])}
              for item_id, state in sync_states([i.id for i in items]).items()}
    shown = versions or [None] * len(items)
    return [kq.document(i, v, states.get(i.id)) for i, v in zip(items, shown)]


@operation("GET", "/knowledge", query=KnowledgeFilters, returns=KnowledgeList)
def list_knowledge(query: KnowledgeFilters):
    """Knowledge items the caller may see, newest first (`?thread_id=` for one thread's)."""
    offset = number_cursor(query.cursor)
    items = kq.list_items(actor(), category=query.category, tag=query.tag, status=query.status,
                          thread_id=query.thread_id, offset=offset, limit=query.size + 1)
    next_cursor = str(offset + query.size) if len(items) > query.size else None
    return {"items": _documents(items[:query.size]), "next_cursor": next_cursor}


@operation("GET", "/knowledge/<int:item_id>", returns=KnowledgeItem)
def get_knowledge(item_id: int):
    """One knowledge item, at its current version."""
    return _documents([kq.get_item(actor(), item_id)])[0]


@operation("GET", "/knowledge/<int:item_id>/versions/<int:version>", returns=KnowledgeItem)
def get_knowledge_version(item_id: int, version: int):
    """One version of a knowledge item (every version is kept)."""
    item, shown = kq.get_version(actor(), item_id, version)
    return _documents([item], [shown])[0]
