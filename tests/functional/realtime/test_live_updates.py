"""Live updates with the real python-socketio client against the served app: thin messages to
the rooms of those who may see them, refused joins, a deleted thread's room closed, and replay
of what a reconnecting reader missed."""
from app.realtime import emit_to_room, emit_to_user
from community import services
from community.models import User
from community.services.accounts import rotate_stamp
from core.database import db
from core.transactions import transactional
from tests import factories


def test_anonymous_reader_joins_a_public_thread_and_sees_a_new_answer(live, readers):
    thread = factories.thread()
    reader = readers()
    assert reader.join(thread.id) == {"ok": True, "thread_id": thread.id, "replayed": 0}
    answer = factories.answer(thread)
    live.deliver()
    name, message = reader.next()
    assert name == "update"
    assert message["type"] == "post.created"
    assert (message["thread_id"], message["post_id"]) == (thread.id, answer.id)
    assert isinstance(message["event_id"], int)
    assert set(message) == {"event_id", "thread_id", "post_id", "type"}  # thin: no content


def test_votes_and_the_accepted_mark_reach_a_signed_in_reader(live, readers):
    asker, voter = factories.user(), factories.user()
    thread = factories.thread(asker)
    answer = factories.answer(thread)
    reader = readers(voter)
    assert reader.join(str(thread.id))["ok"]
    services.cast_vote(voter, answer.id, 1)
    services.accept_answer(asker, thread.id, answer.id)
    live.deliver()
    types = [reader.next()[1]["type"] for _ in range(2)]
    assert types == ["vote.cast", "answer.accepted"]


def test_a_deleted_thread_refuses_readers_but_not_staff(live, readers):
    moderator, member = factories.user("moderator"), factories.user()
    thread = factories.thread()
    services.delete_post(moderator, thread.question_post_id)
    for reader in (readers(), readers(member)):
        refused = reader.join(thread.id)
        assert refused["ok"] is False and refused["status"] == 403
        assert "deleted" in refused["error"]
    assert readers(moderator).join(thread.id)["ok"] is True


def test_bad_joins_are_answered_with_an_error(live, readers):
    reader = readers()
    assert reader.join(2_000_000)["status"] == 404
    for bad in (None, "", "1; drop", -1, True, 1.5, [1], "9" * 40):
        assert reader.join(bad)["status"] == 400
    assert reader.sio.call("join_thread", "not an object", timeout=10)["status"] == 400


def test_a_thread_deleted_while_joined_stops_its_messages(live, readers):
    moderator = factories.user("moderator")
    thread = factories.thread()
    reader, staff = readers(), readers(moderator)
    assert reader.join(thread.id)["ok"] and staff.join(thread.id)["ok"]
    services.delete_post(moderator, thread.question_post_id)
    live.deliver()
    name, message = reader.next()
    assert (name, message["thread_id"]) == ("thread_gone", thread.id)
    assert staff.join(thread.id)["ok"]  # staff may still follow it (as its page shows them)
    services.restore_post(moderator, thread.question_post_id)
    answer = factories.answer(thread)
    live.deliver()
    # The sentinel is sent after the answer's message: whatever came before it has arrived.
    emit_to_room("unused", "sentinel", {}, to_sid=reader.sio.get_sid())
    assert [n for n, _ in reader.until("sentinel")] == ["sentinel"]
    staff_seen = [m for n, m in staff.until("update") if n == "update"]
    while staff_seen[-1]["post_id"] != answer.id:
        staff_seen.append(staff.next()[1])
    assert staff_seen[-1]["type"] == "post.created"


def test_a_reconnecting_reader_gets_what_it_missed(live, readers):
    asker = factories.user()
    thread = factories.thread(asker)
    first = readers()
    first.join(thread.id)
    factories.answer(thread)
    live.deliver()
    seen = first.next()[1]["event_id"]
    first.close()  # offline while two answers and a vote happen
    later = [factories.answer(thread), factories.answer(thread)]
    services.cast_vote(asker, later[0].id, 1)
    other = factories.thread()
    factories.answer(other)  # another thread's events are not replayed
    live.deliver()
    again = readers()
    answer = again.join(thread.id, last_event_id=seen)
    assert answer == {"ok": True, "thread_id": thread.id, "replayed": 3}
    replayed = [again.next()[1] for _ in range(3)]
    assert [(m["type"], m["post_id"]) for m in replayed] == [
        ("post.created", later[0].id), ("post.created", later[1].id),
        ("vote.cast", later[0].id)]
    assert all(m["replay"] and m["event_id"] > seen for m in replayed)


def test_replay_leaves_out_a_draft_the_reader_may_not_see(live, readers):
    agent, asker = factories.user("support"), factories.user()
    thread = factories.thread(asker)
    draft = services.create_answer(agent, thread.id, "A draft resolution for the asker only.",
                                   is_draft=True)
    public, own = readers(), readers(asker)
    assert public.join(thread.id, last_event_id=0)["replayed"] == 1  # the question only
    assert public.next()[1]["type"] == "thread.created"
    assert own.join(thread.id, last_event_id=0)["replayed"] == 2
    assert [own.next()[1]["post_id"] for _ in range(2)] == [thread.question_post_id, draft.id]


def test_a_draft_goes_to_staff_and_the_asker_not_the_thread_room(live, readers):
    agent, asker = factories.user("support"), factories.user()
    thread = factories.thread(asker)
    public, own = readers(), readers(asker)
    public.join(thread.id)
    draft = services.create_answer(agent, thread.id, "A draft resolution for the asker only.",
                                   is_draft=True)
    live.deliver()
    assert own.next()[1]["post_id"] == draft.id  # the asker's own room, joined at connect
    emit_to_room("unused", "sentinel", {}, to_sid=public.sio.get_sid())
    assert [n for n, _ in public.until("sentinel")] == ["sentinel"]


def test_emit_to_user_reaches_only_that_users_sockets(live, readers):
    alice, bob = factories.user(), factories.user()
    alices, bobs, anonymous = readers(alice), readers(bob), readers()
    emit_to_user(alice.id, "notice", {"unread": 3})
    assert alices.next() == ("notice", {"unread": 3})
    for other in (bobs, anonymous):
        emit_to_room("unused", "sentinel", {}, to_sid=other.sio.get_sid())
        assert [n for n, _ in other.until("sentinel")] == ["sentinel"]


def test_a_cookie_from_before_a_new_stamp_is_anonymous(live, readers):
    member = factories.user()
    cookie_holder = readers  # the cookie is made now, the stamp changes before it is used
    from tests.functional.realtime.conftest import Reader, session_cookie
    old_cookie = session_cookie(member)
    _rotate(member)
    reader = Reader(live.url, old_cookie)
    try:
        emit_to_user(member.id, "notice", {"n": 1})
        emit_to_room("unused", "sentinel", {}, to_sid=reader.sio.get_sid())
        assert [n for n, _ in reader.until("sentinel")] == ["sentinel"]
    finally:
        reader.close()
    assert cookie_holder(member).sio.connected  # a fresh sign-in is in its room again


@transactional
def _rotate(user) -> None:
    rotate_stamp(db.session.get(User, user.id, with_for_update=True))


def test_a_process_at_its_socket_cap_refuses_more(app, live, readers, monkeypatch):
    import pytest
    import socketio
    from app.realtime import sockets
    readers()
    monkeypatch.setitem(app.config, "REALTIME_MAX_CONNECTIONS", sockets._open["count"])
    with pytest.raises(socketio.exceptions.ConnectionError, match="failed to connect"):
        readers()
    monkeypatch.setitem(app.config, "REALTIME_MAX_CONNECTIONS", 0)
    assert readers().sio.connected


def test_signing_out_everywhere_takes_open_sockets_out_of_the_users_room(live, readers):
    member = factories.user()
    reader = readers(member)
    services.sign_out_everywhere(member)
    live.deliver()
    assert reader.next() == ("signed_out", {"event_id": reader_last_event(), "thread_id": None,
                                            "post_id": None, "type": "user.signed_out"})
    emit_to_user(member.id, "notice", {"n": 1})
    emit_to_room("unused", "sentinel", {}, to_sid=reader.sio.get_sid())
    assert [n for n, _ in reader.until("sentinel")] == ["sentinel"]


def reader_last_event() -> int:
    from core.events import last_id
    return last_id()


def test_an_app_made_later_in_the_process_leaves_this_ones_sockets_alone(app, live, readers,
                                                                         tmp_path):
    from app.factory import create_app
    from tests.conftest import _base_config
    create_app(_base_config(tmp_path / "other", app.config["SQLALCHEMY_DATABASE_URI"]))
    thread = factories.thread()
    reader = readers()
    assert reader.join(thread.id)["ok"]
    answer = factories.answer(thread)
    live.deliver()
    assert reader.next()[1]["post_id"] == answer.id


def test_the_bell_count_reaches_the_askers_open_pages(live, readers):
    """The notifications consumer's new unread count goes to the reader's own room (every page
    a signed-in reader has open holds a socket there), never to anyone else's."""
    from core.consumers import run_until_caught_up
    asker, other = factories.user(), factories.user()
    thread = factories.thread(asker)
    askers, others = readers(asker), readers(other)
    run_until_caught_up("notifications")  # the thread's own events: nothing for the asker
    factories.answer(thread)
    run_until_caught_up("notifications")
    assert askers.next() == ("notifications", {"unread": 1})
    emit_to_room("unused", "sentinel", {}, to_sid=others.sio.get_sid())
    assert [n for n, _ in others.until("sentinel")] == ["sentinel"]
