"""The embedder consumer keeps thread vectors true: created, edited, deleted, replayed."""
import numpy as np
from sqlalchemy import select

from community import services
from core import consumers
from core.database import db
from search.semantic import get_encoder
from search.semantic.embedder import CONSUMER, drift, rebuild_embeddings
from search.semantic.store import ThreadVector, as_vector
from tests import factories
from tests.functional.semantic.conftest import embed


def _vectors(thread_id: int) -> dict[str, ThreadVector]:
    rows = db.session.scalars(select(ThreadVector).where(ThreadVector.thread_id == thread_id))
    return {row.kind: row for row in rows}


def test_a_new_thread_gets_a_title_and_a_post_vector_of_the_model(app):
    thread = factories.thread(title="Printer prints blank pages after update")
    assert _vectors(thread.id) == {}  # computed off the request path, by the consumer
    embed()
    vectors = _vectors(thread.id)
    assert set(vectors) == {"title", "post"}
    title = vectors["title"]
    assert (title.model, title.dim) == ("all-MiniLM-L6-v2", 384)
    expected = get_encoder().encode(["Printer prints blank pages after update"])[0]
    assert np.allclose(as_vector(title.vector), expected, atol=1e-5)
    assert title.fingerprint and title.updated_at is not None


def test_an_edit_recomputes_what_changed_and_a_replay_changes_nothing(app):
    asker = factories.user()
    thread = factories.thread(asker, title="Printer prints blank pages after update")
    embed()
    before = {kind: (row.fingerprint, row.vector) for kind, row in _vectors(thread.id).items()}
    services.edit_thread(asker, thread.id, title="Scanner makes streaky copies lately")
    embed()
    after = {kind: (row.fingerprint, row.vector) for kind, row in _vectors(thread.id).items()}
    assert after["title"] != before["title"] and after["post"] != before["post"]
    stamps = {kind: row.updated_at for kind, row in _vectors(thread.id).items()}
    db.session.rollback()
    consumers.seek(CONSUMER, 0)  # replay the whole log: at-least-once delivery
    embed()
    replayed = _vectors(thread.id)
    assert {k: (r.fingerprint, r.vector) for k, r in replayed.items()} == after
    assert {k: r.updated_at for k, r in replayed.items()} == stamps  # nothing was rewritten


def test_votes_and_answers_embed_nothing_new(app):
    thread = factories.thread()
    embed()
    stamps = {kind: row.updated_at for kind, row in _vectors(thread.id).items()}
    factories.answer(thread)
    embed()
    assert {kind: row.updated_at for kind, row in _vectors(thread.id).items()} == stamps


def test_deleting_a_thread_removes_its_vectors_and_restoring_brings_them_back(app):
    thread = factories.thread()
    embed()
    staff = factories.admin()
    services.delete_post(staff, thread.question_post_id)
    embed()
    assert _vectors(thread.id) == {}
    services.restore_post(staff, thread.question_post_id)
    embed()
    assert set(_vectors(thread.id)) == {"title", "post"}


def test_rebuild_fills_what_is_missing_and_the_drift_check_sees_it(app):
    threads = [factories.thread() for _ in range(3)]
    consumers.seek(CONSUMER, 10**9)  # as if the consumer had been switched off
    assert set(drift()["missing"]) == {t.id for t in threads}
    seen = []
    assert rebuild_embeddings(seen.append) == 3 and sum(seen) == 3
    assert drift() == {"missing": [], "stale": [], "extra": []}
    assert all(set(_vectors(t.id)) == {"title", "post"} for t in threads)


def test_with_the_semantic_layer_off_the_consumer_writes_nothing(app):
    app.config["SEARCH_SEMANTIC"] = False
    thread = factories.thread()
    embed()
    assert _vectors(thread.id) == {}


def test_check_embeddings_reports_drift_and_repairs_it(app, runner):
    thread = factories.thread()
    result = runner.invoke(args=["search", "check-embeddings"])
    assert result.exit_code == 1 and "missing: 1" in result.output
    result = runner.invoke(args=["search", "check-embeddings", "--repair"])
    assert result.exit_code == 0 and "repaired" in result.output
    assert set(_vectors(thread.id)) == {"title", "post"}
    result = runner.invoke(args=["search", "rebuild", "--step", "embeddings"])
    assert result.exit_code == 0 and "embeddings: 1 done" in result.output
