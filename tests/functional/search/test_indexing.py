"""Keeping indexes true: Whoosh written from two processes at once, the searcher refreshed
after a write, database rows committed (or rolled back) with the post, rebuild and check."""
import dataclasses
import multiprocessing
from datetime import datetime, timedelta, UTC

import pytest
from sqlalchemy import text

from community import services
from community.models import ANONYMOUS, User
from core.database import db
from core.transactions import transactional
from search import SearchQuery, search_threads
from search.backend import ThreadDoc
from search.whoosh_backend import WhooshBackend
from tests import factories
from tests.functional.search.conftest import catch_up, use_backend

WRITERS, PER_WRITER = 2, 60


def _doc(thread_id: int, title: str) -> ThreadDoc:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    return ThreadDoc(thread_id, title, "question text about widgets", "", ("t",), "general",
                     "open", 0, 0, now, now + timedelta(seconds=thread_id))


def _write_many(directory: str, first: int) -> None:
    backend = WhooshBackend(directory, lock_timeout=60)
    for n in range(first, first + PER_WRITER, 5):  # several commits, each a batch of five
        backend.index([_doc(i, f"Widget number {i}") for i in range(n, n + 5)])


def test_two_processes_writing_at_once_lose_nothing_and_the_index_opens(tmp_path):
    directory = str(tmp_path / "index")
    WhooshBackend(directory)  # create it once, as the app does on start
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_write_many, args=(directory, 1 + w * PER_WRITER))
               for w in range(WRITERS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
        assert worker.exitcode == 0
    reopened = WhooshBackend(directory)
    assert set(reopened.indexed()) == set(range(1, 1 + WRITERS * PER_WRITER))
    assert reopened.search(SearchQuery("widget", limit=1)).total == WRITERS * PER_WRITER


def test_the_searcher_sees_writes_from_another_process(tmp_path):
    directory = str(tmp_path / "index")
    reader = WhooshBackend(directory)
    assert reader.search(SearchQuery("widget")).total == 0
    writer = multiprocessing.get_context("fork").Process(target=_write_many, args=(directory, 1))
    writer.start()
    writer.join(60)
    assert reader.search(SearchQuery("widget")).total == PER_WRITER
    WhooshBackend(directory).remove(range(1, 11))  # deletions inside an existing segment
    assert reader.search(SearchQuery("widget")).total == PER_WRITER - 10
    assert 5 not in reader.indexed()


def test_database_rows_commit_with_the_post_and_roll_back_with_it(app):
    use_backend(app, "database")
    thread = factories.thread(title="Committed with its thread")
    assert db.session.scalar(text("SELECT count(*) FROM search_fts")) == 1

    @transactional
    def ask_then_fail():
        author = db.session.scalar(db.select(User).where(User.id == thread.author_id))
        services.create_thread(author, "A question that never happens", "Body long enough.",
                               _slug(thread), [])
        raise RuntimeError("the rest of the change failed")

    with pytest.raises(RuntimeError):
        ask_then_fail()
    assert db.session.scalar(text("SELECT count(*) FROM search_fts")) == 1
    assert search_threads(ANONYMOUS, SearchQuery("never happens")).total == 0
    assert [h.thread_id for h in search_threads(ANONYMOUS, SearchQuery("committed")).hits] \
        == [thread.id]


def _slug(thread) -> str:
    from community.models import Category
    return db.session.get(Category, thread.category_id).slug


@pytest.mark.parametrize("name", ["whoosh", "database"])
def test_check_finds_drift_and_repair_fixes_it(app, runner, name):
    backend = use_backend(app, name)
    kept, edited, deleted = (factories.thread(title=f"Drift subject {n}") for n in range(3))
    catch_up()
    assert runner.invoke(args=["search", "check"]).exit_code == 0
    # Corrupt the index on purpose: drop one document, make one stale, keep one too many.
    backend.remove([kept.id])
    backend.index([_doc(edited.id, "An old title nobody wrote")])
    services.delete_post(_admin(), deleted.question_post_id)
    if name == "database":  # its rows follow the deletion in the same transaction: put one back
        db.session.execute(text("INSERT INTO search_documents (thread_id, fingerprint) "
                                "VALUES (:id, 'x')"), {"id": deleted.id})
        db.session.commit()
    # (Whoosh: the indexer has not run since, so the deleted thread is still indexed.)
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 1, result.output
    assert f"missing: 1  ({kept.id})" in result.output
    assert f"stale: 1  ({edited.id})" in result.output
    assert "extra: " in result.output and str(deleted.id) in result.output
    repaired = runner.invoke(args=["search", "check", "--repair"])
    assert repaired.exit_code == 0 and "repaired" in repaired.output
    assert runner.invoke(args=["search", "check"]).exit_code == 0
    assert {h.thread_id for h in search_threads(ANONYMOUS, SearchQuery("drift")).hits} \
        == {kept.id, edited.id}


def _admin():
    return db.session.scalar(db.select(User).where(User.role == "admin"))


@pytest.mark.parametrize("name", ["whoosh", "database"])
def test_rebuild_indexes_every_live_thread_and_runs_registered_steps(app, runner, name):
    from search import rebuild
    backend = use_backend(app, name)
    made = [factories.thread(title=f"Rebuilt subject {n}").id for n in range(4)]
    services.delete_post(_admin(), factories.thread(title="Rebuilt but deleted").question_post_id)
    backend.clear()
    seen = []
    rebuild.rebuild_step("test-extra")(lambda advance: seen.append("ran") or 0)
    try:
        result = runner.invoke(args=["search", "rebuild"])
    finally:
        rebuild.steps.pop("test-extra")
    assert result.exit_code == 0, result.output
    assert "lexical: 4 indexed" in result.output and seen == ["ran"]
    assert set(backend.indexed()) == set(made)
    assert runner.invoke(args=["search", "rebuild", "--step", "nope"]).exit_code == 2


def test_a_new_thread_is_searchable_through_the_in_process_indexer(app):
    """The embedded default: the consumer thread wakes on commit (no test calls catch_up)."""
    import time
    from core.consumers import ensure_runner, stop_runner
    use_backend(app, "whoosh")
    app.config["CONSUMERS_IN_PROCESS_SECONDS"] = 5  # longer than the wait: the commit wakes it
    ensure_runner(app)
    try:
        thread = factories.thread(title="Indexed in the background")
        for _ in range(100):
            if search_threads(ANONYMOUS, SearchQuery("background")).total:
                break
            time.sleep(0.1)
    finally:
        stop_runner(app)
    assert [h.thread_id for h in search_threads(ANONYMOUS, SearchQuery("background")).hits] \
        == [thread.id]


def test_a_rebuild_in_worker_processes_replaces_the_index_and_loses_nothing(tmp_path):
    backend = WhooshBackend(str(tmp_path / "index"))
    backend.index([_doc(i, f"Gizmo number {i}") for i in range(1, 6)])
    with backend.replacing() as write:  # more than one batch for each worker process
        for first in range(1, 1201, 300):
            write([_doc(i, f"Widget number {i}") for i in range(first, first + 300)])
    assert set(backend.indexed()) == set(range(1, 1201))
    assert backend.search(SearchQuery("widget number", limit=5)).total == 1200
    assert backend.search(SearchQuery("gizmo")).total == 0


def test_a_rebuild_whose_worker_fails_keeps_the_old_index(tmp_path):
    backend = WhooshBackend(str(tmp_path / "index"))
    backend.index([_doc(i, f"Gizmo number {i}") for i in range(1, 6)])
    broken = dataclasses.replace(_doc(7, "Widget"), score=2 ** 40)  # a worker cannot store it
    with pytest.raises(Exception), backend.replacing() as write:  # noqa: B017 - whatever the worker raised
        write([_doc(i, f"Widget number {i}") for i in range(10, 400)] + [broken])
    assert set(backend.indexed()) == set(range(1, 6))
    assert backend.search(SearchQuery("gizmo")).total == 5
    backend.index([_doc(8, "Gizmo again")])  # the write lock was let go
    assert backend.search(SearchQuery("gizmo")).total == 6


def test_an_index_written_with_an_older_schema_starts_empty_until_rebuilt(tmp_path):
    from whoosh import index as whoosh_index
    from whoosh.fields import ID, NUMERIC, TEXT, Schema
    directory = tmp_path / "index"
    directory.mkdir()
    old = whoosh_index.create_in(directory, Schema(id=ID(unique=True), title=TEXT,
                                                   created=NUMERIC(int, bits=64)))
    with old.writer() as writer:
        writer.add_document(id="1", title="Widget", created=1)
    backend = WhooshBackend(str(directory))
    assert backend.document_count() == 0
    backend.index([_doc(1, "Widget")])
    assert backend.search(SearchQuery("widget")).total == 1
