"""The read side of the self-service home page: the solved answers readers found most helpful
(with the accepted answer's opening lines and the knowledge item made from each) and the
newest knowledge items. A fixed number of queries whatever the rows."""
from dataclasses import dataclass

from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from community.models import KnowledgeItem, Post, Thread
from community.policies import visible_knowledge_items, visible_threads
from core.database import db

EXCERPT = 180
_HTML_HEAD = 1200  # enough of the answer's HTML for its opening lines


@dataclass
class Helpful:
    thread: Thread
    excerpt: str
    item_id: int | None
    item_slug: str | None


def excerpt(html: str | None, length: int = EXCERPT) -> str:
    """The opening words of rendered HTML as plain text, cut at a word with an ellipsis."""
    text = Markup(html or "").striptags()
    if len(text) <= length:
        return text
    return text[:length].rsplit(" ", 1)[0].rstrip(",.;:") + "…"


def most_helpful(viewer, limit: int = 6) -> list[Helpful]:
    """Solved threads, the most marked "this solved my problem" first (newest among equals)."""
    rows = db.session.execute(
        select(Thread, func.substr(Post.body_html, 1, _HTML_HEAD), KnowledgeItem.id,
               KnowledgeItem.slug)
        .join(Post, Post.id == Thread.accepted_answer_id)
        .outerjoin(KnowledgeItem, (KnowledgeItem.thread_id == Thread.id) &
                   visible_knowledge_items(viewer))
        .where(visible_threads(viewer), Thread.status == "solved")
        .options(joinedload(Thread.category))
        .order_by(Thread.helpful_count.desc(), Thread.id.desc()).limit(limit)).all()
    return [Helpful(thread, excerpt(head), item_id, item_slug)
            for thread, head, item_id, item_slug in rows]


def newest_items(viewer, limit: int = 5) -> list[KnowledgeItem]:
    return list(db.session.scalars(
        select(KnowledgeItem).where(visible_knowledge_items(viewer))
        .order_by(KnowledgeItem.updated_at.desc(), KnowledgeItem.id.desc()).limit(limit)))
