"""The two real dumps in ../shared/data/stackexchange (skipped, with the reason, when absent):
the figures the data README gives come out of the import."""
import pytest
from sqlalchemy import func, select

from app.importers.stackexchange import import_dump
from community.models import Category, KnowledgeItem, Post, Thread, ThreadLink, User
from core.database import db
from reputation.models import ReputationEvent
from tests.conftest import shared_path

# README figures: questions, answers, accepted answers, usable duplicate links.
DUMPS = {"beer": (591, 1398, 359, 17), "bicycles_meta": (453, 971, 157, 9)}


def _in(category_id, *where):
    return db.session.scalar(select(func.count()).select_from(Post).join(Thread)
                             .where(Thread.category_id == category_id, *where))


@pytest.mark.parametrize("name", sorted(DUMPS))
def test_real_dump_imports_with_the_published_figures(app, name):
    dump = shared_path("stackexchange", name)
    result = import_dump(dump)
    questions, answers, accepted, duplicates = DUMPS[name]
    category = db.session.scalar(select(Category).where(Category.slug == result.site.key))
    assert category.thread_count == questions
    assert _in(category.id, Post.kind == "question") == questions
    assert _in(category.id, Post.kind == "answer") == answers
    assert _in(category.id, Post.is_accepted.is_(True)) == accepted
    # Every solved thread has its knowledge item, as a thread solved here would.
    assert db.session.scalar(select(func.count()).select_from(KnowledgeItem).where(
        KnowledgeItem.category_id == category.id)) == accepted == result.counts["knowledge items"]
    assert db.session.scalar(select(func.count()).select_from(ThreadLink)) == duplicates
    # Only tag wikis and their excerpts (PostTypeId 4 and 5, and 7 on beer) are left out.
    assert all(k.startswith("skipped: other post types") or k.startswith("skipped: duplicate")
               for k in result.counts if k.startswith("skipped"))
    drift = db.session.scalar(select(func.count()).select_from(User).where(
        User.reputation != 1 + select(func.coalesce(func.sum(ReputationEvent.delta), 0))
        .where(ReputationEvent.user_id == User.id).scalar_subquery()))
    assert drift == 0
    assert import_dump(dump).counts.get("threads imported", 0) == 0
