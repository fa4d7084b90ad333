"""The database setup: SQLite tuned for several processes, and concurrent writers that queue."""
import threading

import pytest
from sqlalchemy import text

from core.database import db
from community import services
from community.models import Post, User
from tests import factories
from tests.conftest import USING_POSTGRES


@pytest.mark.skipif(USING_POSTGRES, reason="SQLite pragmas; the PostgreSQL run checks row locks below")
def test_sqlite_is_configured_for_several_processes(app):
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_concurrent_votes_all_count(app):
    """Eight people vote at once: every vote and every reputation point lands, none is lost."""
    author = factories.user()
    answer = factories.answer(factories.thread(), author)
    voters = [factories.user() for _ in range(8)]
    voter_ids, post_id, errors = [v.id for v in voters], answer.id, []
    barrier = threading.Barrier(len(voter_ids))

    def vote(user_id):
        with app.app_context():
            try:
                barrier.wait()
                services.cast_vote(db.session.get(User, user_id), post_id, 1)
            except Exception as exc:  # noqa: BLE001 - the assertion reports it
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=vote, args=(uid,)) for uid in voter_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    db.session.rollback()  # end this session's read snapshot before looking
    assert db.session.get(Post, post_id).score == 8
    assert db.session.get(User, author.id).reputation == 1 + 80
