"""Knowledge items follow solved threads: created, versioned, staled and retired in the
transaction of the accept, edit, un-accept, delete or vote that caused them."""
import pytest
from sqlalchemy import select

from community import services
from community.knowledge import item_for_thread
from community.knowledge_queries import document, list_items, versions
from community.models import ANONYMOUS, KnowledgeItem
from core.database import db
from core.events import DomainEvent, disconnect, on_emit
from tests import factories


def _types(thread_id):
    return list(db.session.scalars(select(DomainEvent.type).where(
        DomainEvent.thread_id == thread_id, DomainEvent.type.like("knowledge.%"))
        .order_by(DomainEvent.id)))


def test_accept_publishes_version_one_with_the_solution(app):
    asker, answerer, thread, answer = factories.solved_thread()
    item = item_for_thread(thread.id)
    assert (item.version, item.status) == (1, "published")
    doc = document(item)
    assert doc["title"] == thread.title
    assert doc["solution_html"] == answer.body_html
    assert doc["contributors"] == [asker.username, answerer.username]
    assert doc["source_url"].endswith(f"/t/{thread.id}/{thread.slug}")
    assert _types(thread.id) == ["knowledge.published"]


def test_a_failing_receiver_rolls_the_accept_back(app):
    asker = factories.user()
    thread = factories.thread(asker)
    answer = factories.answer(thread)

    @on_emit("knowledge.published")
    def explode(event):
        raise RuntimeError("receiver failed")
    try:
        with pytest.raises(RuntimeError):
            services.accept_answer(asker, thread.id, answer.id)
    finally:
        disconnect(explode)
    db.session.expire_all()
    assert item_for_thread(thread.id) is None
    assert db.session.get(type(thread), thread.id).accepted_answer_id is None


def test_edits_and_a_new_accepted_answer_make_new_versions(app):
    asker, answerer, thread, answer = factories.solved_thread()
    services.edit_post(answerer, answer.id, "A better answer body, edited for clarity.")
    assert item_for_thread(thread.id).version == 2
    other = factories.answer(thread, body="Another answer that also solves it.")
    services.accept_answer(asker, thread.id, other.id)
    item = item_for_thread(thread.id)
    assert (item.version, item.status) == (3, "published")
    assert item.solution_html == other.body_html
    assert [v.version for v in versions(item.id)] == [3, 2, 1]
    assert [v.reason for v in versions(item.id)] == ["accepted", "edited", "accepted"]
    # Switching answers is an update of the item, not a retirement and a new item.
    assert _types(thread.id)[-2:] == ["knowledge.retired", "knowledge.updated"]
    assert len(db.session.scalars(select(KnowledgeItem)).all()) == 1


def test_thread_edit_versions_the_item(app):
    asker, answerer, thread, answer = factories.solved_thread()
    services.edit_thread(asker, thread.id, title="A clearer title for the question")
    item = item_for_thread(thread.id)
    assert (item.version, item.title) == (2, "A clearer title for the question")


def test_unaccept_retires_and_reaccept_publishes_again(app):
    asker, answerer, thread, answer = factories.solved_thread()
    services.accept_answer(asker, thread.id, None)
    item = item_for_thread(thread.id)
    assert item.status == "retired"
    assert list_items(ANONYMOUS) == []
    services.accept_answer(asker, thread.id, answer.id)
    item = item_for_thread(thread.id)
    assert (item.status, item.version) == ("published", 1)  # same solution: no new version
    assert _types(thread.id) == ["knowledge.published", "knowledge.retired",
                                 "knowledge.published"]


def test_deleting_the_thread_retires_and_restoring_republishes(app):
    asker, answerer, thread, answer = factories.solved_thread()
    moderator = factories.user("moderator")
    services.delete_post(moderator, thread.question_post_id)
    assert item_for_thread(thread.id).status == "retired"
    services.restore_post(moderator, thread.question_post_id)
    assert item_for_thread(thread.id).status == "published"


def test_deleting_the_accepted_answer_retires(app):
    asker, answerer, thread, answer = factories.solved_thread()
    services.delete_post(factories.user("moderator"), answer.id)
    assert item_for_thread(thread.id).status == "retired"


def test_an_answer_outscoring_the_accepted_by_the_margin_marks_it_stale(app):
    app.config["KNOWLEDGE_STALE_MARGIN"] = 2
    asker, answerer, thread, answer = factories.solved_thread()  # accepted answer scores 1
    better = factories.answer(thread, body="A later answer that is much better.")
    voters = [factories.user() for _ in range(3)]
    services.cast_vote(voters[0], better.id, 1)
    services.cast_vote(voters[1], better.id, 1)
    assert item_for_thread(thread.id).status == "published"  # 2 vs 1: under the margin
    services.cast_vote(voters[2], better.id, 1)
    item = item_for_thread(thread.id)
    assert item.status == "stale"
    assert f"Answer {better.id}" in item.status_reason
    assert list_items(ANONYMOUS, status="stale") == [item]
    services.accept_answer(asker, thread.id, better.id)
    assert item_for_thread(thread.id).status == "published"


def test_editing_another_answer_leaves_the_item_alone(app):
    asker, answerer, thread, answer = factories.solved_thread()
    other_author = factories.user()
    other = factories.answer(thread, other_author, body="Another answer, not the accepted one.")
    services.edit_post(other_author, other.id, "Another answer, edited, still not accepted.")
    assert item_for_thread(thread.id).version == 1
