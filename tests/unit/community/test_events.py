"""Domain events go out after commit, carry what they document, and never on a failed write."""
import pytest

from core.errors import PermissionDenied, ValidationFailed
from community import events, services
from tests import factories


@pytest.fixture
def received():
    log = []
    receivers = []
    for name in ("thread_created", "post_created", "post_edited", "post_deleted", "vote_cast",
                 "answer_accepted", "answer_unaccepted", "thread_edited"):
        signal = getattr(events, name)

        def receiver(sender, _name=name, **kwargs):
            log.append((_name, sender, kwargs))
        signal.connect(receiver)
        receivers.append((signal, receiver))
    yield log
    for signal, receiver in receivers:
        signal.disconnect(receiver)


def test_events_follow_the_loop(app, received):
    asker, answerer, thread, answer = factories.solved_thread()
    services.edit_post(answerer, answer.id, "A better answer body.")
    services.accept_answer(asker, thread.id, None)
    names = [name for name, _, _ in received]
    assert names == ["thread_created", "post_created", "vote_cast", "answer_accepted",
                     "post_edited", "answer_unaccepted"]
    vote = received[2]
    assert vote[1].id == answer.id and vote[2]["value"] == 1 and vote[2]["score"] == 1
    assert received[3][2]["post"].id == answer.id and received[3][2]["actor"].id == asker.id


def test_events_are_sent_after_the_commit_is_visible(app, received):
    from sqlalchemy import create_engine, text
    from core.database import db
    seen = []

    def check(sender, **kwargs):
        # A separate connection sees the row: the transaction had committed.
        engine = create_engine(db.engine.url)
        with engine.connect() as conn:
            seen.append(conn.execute(text("SELECT count(*) FROM threads WHERE id = :i"),
                                     {"i": sender.id}).scalar())
        engine.dispose()
    events.thread_created.connect(check)
    try:
        factories.thread()
    finally:
        events.thread_created.disconnect(check)
    assert seen == [1]


def test_failed_writes_send_nothing(app, received):
    thread = factories.thread()
    received.clear()
    with pytest.raises(ValidationFailed):
        services.create_answer(factories.user(), thread.id, "")
    with pytest.raises(PermissionDenied):
        services.cast_vote(db_user(thread.author_id), thread.question_post_id, 1)
    assert received == []


def db_user(user_id):
    from core.database import db
    from community.models import User
    return db.session.get(User, user_id)
