"""The transaction wrapper: it commits only its own work, maps only named unique constraints to
409, retries a PostgreSQL deadlock once, and leaves the session usable after any failure."""
import threading

import pytest
from sqlalchemy import func, select, text

from community import services
from community.models import User
from core.database import db
from core.errors import Conflict
from core.transactions import transactional
from tests import factories
from tests.conftest import USING_POSTGRES


def test_a_service_refuses_to_commit_changes_it_did_not_make(app):
    user = factories.user()
    user.reputation = 999  # a change made outside any service
    with pytest.raises(RuntimeError, match="did not make"):
        services.create_category(factories.admin(), "Refused category")
    db.session.rollback()
    assert db.session.get(User, user.id).reputation == 1


def test_racing_registrations_get_a_409_naming_the_field(app):
    barrier, results = threading.Barrier(4), []

    def register(n):
        with app.app_context():
            barrier.wait()
            try:
                services.register_user("racer", f"racer{n}@example.com", "password123")
                results.append("created")
            except Conflict as exc:
                results.append(sorted(exc.errors))
            finally:
                db.session.remove()

    workers = [threading.Thread(target=register, args=(n,)) for n in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert results.count("created") == 1
    assert all(r == ["username"] for r in results if r != "created")
    assert db.session.scalar(select(func.count(User.id))) == 1


def test_an_integrity_error_that_is_no_users_fault_is_not_a_conflict(app):
    @transactional
    def broken():
        db.session.execute(text("INSERT INTO votes (post_id, user_id, value) VALUES (999999, 999999, 1)"))

    with pytest.raises(Exception) as caught:
        broken()
    assert not isinstance(caught.value, Conflict)
    factories.user()  # the session works again


@pytest.mark.skipif(not USING_POSTGRES, reason="row-lock deadlocks need PostgreSQL; SQLite "
                                               "writers queue on one lock and cannot deadlock")
def test_a_deadlock_is_retried_once_and_both_writes_land(app):
    first, second = factories.user(), factories.user()
    ids, barrier, attempts, errors = (first.id, second.id), threading.Barrier(2), [], []

    @transactional
    def lock_both(order):
        attempts.append(order)
        for n, user_id in enumerate(order):
            db.session.execute(select(User.id).where(User.id == user_id).with_for_update())
            if n == 0 and len(attempts) <= 2:
                barrier.wait(timeout=10)  # both hold one row and want the other's
        db.session.execute(text("UPDATE users SET reputation = reputation + 1 WHERE id = :i"),
                           {"i": order[0]})

    def run(order):
        with app.app_context():
            try:
                lock_both(order)
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(repr(exc))
            finally:
                db.session.remove()

    workers = [threading.Thread(target=run, args=(o,)) for o in (ids, ids[::-1])]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert errors == []
    assert 3 <= len(attempts) <= 4  # the deadlock's victim ran again (each runs at most twice)
    assert all(attempts.count(order) <= 2 for order in (ids, ids[::-1]))
    db.session.rollback()
    assert [db.session.get(User, i).reputation for i in ids] == [2, 2]


def test_rendering_a_body_holds_no_lock_other_writers_need(app, monkeypatch):
    """While one post's Markdown renders (however long that takes), another user's write goes
    through: rendering happens before the write transaction, never inside it."""
    from community.services import posts
    thread, other = factories.thread(), factories.thread()
    writer, author = factories.user(), factories.user()
    real_render, seen = posts.render, []

    def render_while_someone_writes(text):
        if seen:  # the other writer's own render
            return real_render(text)

        def write():
            with app.app_context():
                seen.append("writing")
                try:
                    seen.append(services.create_answer(writer, other.id, "Written meanwhile.").id)
                except Exception as exc:  # noqa: BLE001 - reported below
                    seen.append(repr(exc))
                finally:
                    db.session.remove()
        other_writer = threading.Thread(target=write)
        other_writer.start()
        other_writer.join()  # if we held the write lock, this writer would wait on it
        return real_render(text)

    monkeypatch.setattr(posts, "render", render_while_someone_writes)
    answer = services.create_answer(author, thread.id, "[" * 30000)
    assert len(seen) == 2 and isinstance(seen[1], int), seen
    assert "[[[" in answer.body_html  # the pathological body is kept as text
