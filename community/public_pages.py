"""What crawlers may list: every thread and knowledge item an anonymous reader can see, in id
order, as (id, slug, last changed) rows for the sitemap (no ORM objects: 50,000 at a time)."""
from sqlalchemy import func, select

from community.models import ANONYMOUS, KnowledgeItem, Thread
from community.policies import visible_knowledge_items, visible_threads
from core.database import db


def thread_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Thread)
                             .where(visible_threads(ANONYMOUS))) or 0


def item_count() -> int:
    return db.session.scalar(select(func.count()).select_from(KnowledgeItem)
                             .where(visible_knowledge_items(ANONYMOUS))) or 0


def threads(offset: int, limit: int) -> list:
    return db.session.execute(
        select(Thread.id, Thread.slug, Thread.last_activity_at)
        .where(visible_threads(ANONYMOUS)).order_by(Thread.id).offset(offset).limit(limit)).all()


def items(offset: int, limit: int) -> list:
    return db.session.execute(
        select(KnowledgeItem.id, KnowledgeItem.slug, KnowledgeItem.updated_at)
        .where(visible_knowledge_items(ANONYMOUS)).order_by(KnowledgeItem.id)
        .offset(offset).limit(limit)).all()
