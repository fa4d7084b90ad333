"""The read side of knowledge items: the API document of an item or of one of its versions,
the /kb list (category and tag filters), the staff review list. Fixed query counts."""
from flask import current_app
from sqlalchemy import select

from community.jsonld import iso
from community.models import Category, KnowledgeItem, KnowledgeVersion, Tag, Thread, thread_tags
from community.policies import can_view_knowledge_item, visible_knowledge_items
from core.database import db
from core.errors import NotFound

PAGE = 20


def thread_url(thread_id: int, slug: str) -> str:
    return f"{current_app.config['PUBLIC_URL']}/t/{thread_id}/{slug}"


def item_url(item: KnowledgeItem) -> str:
    return f"{current_app.config['PUBLIC_URL']}/kb/{item.id}-{item.slug}"


def document(item: KnowledgeItem, version: KnowledgeVersion | None = None,
             crm: dict | None = None) -> dict:
    """An item as GET /knowledge/{id} shows it (or one of its versions, when given)."""
    shown = version or item
    return {"id": item.id, "thread_id": item.thread_id, "title": shown.title,
            "problem_html": shown.problem_html, "solution_html": shown.solution_html,
            "tags": list(shown.tags or []), "category": shown.category,
            "contributors": list(shown.contributors or []),
            "source_url": thread_url(item.thread_id, item.slug), "url": item_url(item),
            "version": shown.version, "status": item.status,
            "created_at": iso(item.created_at), "updated_at": iso(item.updated_at),
            "crm": crm or {"contact_ref": None, "article_ref": None, "synced_at": None}}


def get_item(viewer, item_id: int) -> KnowledgeItem:
    item = db.session.get(KnowledgeItem, item_id)
    if item is None or not can_view_knowledge_item(viewer, item):
        raise NotFound("No such knowledge item.")
    return item


def get_version(viewer, item_id: int, number: int) -> tuple[KnowledgeItem, KnowledgeVersion]:
    item = get_item(viewer, item_id)
    found = db.session.scalar(select(KnowledgeVersion).where(
        KnowledgeVersion.item_id == item.id, KnowledgeVersion.version == number))
    if found is None:
        raise NotFound("No such version of this knowledge item.")
    return item, found


def versions(item_id: int) -> list[KnowledgeVersion]:
    return list(db.session.scalars(select(KnowledgeVersion).where(
        KnowledgeVersion.item_id == item_id).order_by(KnowledgeVersion.version.desc())))


def list_items(viewer, category: str | None = None, tag: str | None = None,
               status: str | None = None, offset: int = 0, thread_id: int | None = None,
               limit: int = PAGE) -> list[KnowledgeItem]:
    """Newest first, `limit` from `offset`; a filter that names nothing finds nothing."""
    query = select(KnowledgeItem).where(visible_knowledge_items(viewer))
    if category:
        query = query.join(Category, Category.id == KnowledgeItem.category_id) \
            .where(Category.slug == category)
    if tag:
        query = query.where(KnowledgeItem.thread_id.in_(
            select(thread_tags.c.thread_id).join(Tag, Tag.id == thread_tags.c.tag_id)
            .where(Tag.name == tag)))
    if status:
        query = query.where(KnowledgeItem.status == status)
    if thread_id is not None:
        query = query.where(KnowledgeItem.thread_id == thread_id)
    query = query.order_by(KnowledgeItem.updated_at.desc(), KnowledgeItem.id.desc())
    return list(db.session.scalars(query.offset(offset).limit(limit)))


def categories_in_use() -> list[Category]:
    used = select(KnowledgeItem.category_id).where(KnowledgeItem.status != "retired")
    return list(db.session.scalars(select(Category).where(Category.id.in_(used))
                                   .order_by(Category.position, Category.name)))


def item_thread(item: KnowledgeItem):
    """The solved thread an item was made from (its "this solved my problem" form posts there)."""
    return db.session.get(Thread, item.thread_id)
