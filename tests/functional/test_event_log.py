"""The durable event log: rows written in the change's own transaction, in-transaction receivers
that can fail it, isolated after-commit receivers, consumers that resume, the CLI and the feed."""
import pytest
from sqlalchemy import create_engine, func, select, text

from community import services
from community.models import Thread
from core import consumers
from core import events as log
from core.database import db
from core.errors import PermissionDenied, ValidationFailed
from tests import factories


def _types(after=0):
    return [e.type for e in log.since(after, limit=1000)]


def test_the_loop_is_recorded_in_order_with_its_ids(app):
    asker, answerer, thread, answer = factories.solved_thread()
    services.edit_post(answerer, answer.id, "A better answer body.")
    services.accept_answer(asker, thread.id, None)
    content = [t for t in _types() if not t.startswith(("user.", "category.", "knowledge."))]
    assert content == ["thread.created", "post.created", "vote.cast", "reputation.changed",
                       "answer.accepted", "reputation.changed", "reputation.changed",
                       "post.edited", "answer.unaccepted", "reputation.changed",
                       "reputation.changed"]
    vote = next(e for e in log.since(0, 1000) if e.type == "vote.cast")
    assert (vote.thread_id, vote.post_id, vote.actor_id) == (thread.id, answer.id, asker.id)
    assert vote.data["value"] == 1 and vote.data["score"] == 1 and vote.data["old"] == 0
    ids = [e.id for e in log.since(0, 1000)]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)


def test_a_failed_write_leaves_no_event(app):
    thread = factories.thread()
    before = log.last_id()
    with pytest.raises(ValidationFailed):
        services.create_answer(factories.user(), thread.id, "")
    asker = db.session.get(type(factories.user()), thread.author_id)
    after_user = log.last_id()
    with pytest.raises(PermissionDenied):
        services.cast_vote(asker, thread.question_post_id, 1)
    assert log.last_id() == after_user and _types(before) == ["user.registered", "user.registered"]


def test_an_in_transaction_receiver_that_fails_undoes_the_whole_write(app):
    author, category = factories.user(), factories.category()
    before = log.last_id()

    @log.on_emit("thread.created")
    def refuse(event):
        raise RuntimeError("the search row could not be written")
    try:
        with pytest.raises(RuntimeError):
            services.create_thread(author, "A question that will not stay", "Body long enough.",
                                   category.slug)
    finally:
        log.disconnect(refuse)
    assert db.session.scalar(select(func.count(Thread.id))) == 0
    assert log.last_id() == before


def test_after_commit_receivers_see_the_commit_and_cannot_fail_the_request(app, api, caplog):
    seen = []

    @log.on_commit("thread.created")
    def look(event):
        engine = create_engine(db.engine.url)  # another connection sees the committed row
        with engine.connect() as conn:
            seen.append(conn.execute(text("SELECT count(*) FROM domain_events WHERE id = :i"),
                                     {"i": event.id}).scalar())
        engine.dispose()

    @log.on_commit("thread.created")
    def explode(event):
        raise RuntimeError("a receiver bug")
    user, category = factories.user(), factories.category()
    token = api.token_for(user.email)
    try:
        response = api.post("/threads", token, json={
            "title": "Does a broken receiver lose my question?", "body": "It must not.",
            "category": category.slug})
    finally:
        log.disconnect(look)
        log.disconnect(explode)
    assert response.status_code == 201
    assert seen == [1]
    assert db.session.get(Thread, response.json["id"]) is not None
    assert "a receiver bug" in caplog.text


def test_emit_outside_a_service_transaction_is_refused(app):
    with pytest.raises(RuntimeError):
        log.emit("thread.created", thread_id=1)


@pytest.fixture
def recorder():
    seen, state = [], {"fail_at": None}

    def handle(batch):
        for event in batch:
            if state["fail_at"] is not None and event.id == state["fail_at"]:
                state["fail_at"] = None
                raise KeyboardInterrupt("killed mid-batch")  # as a kill would: not an Exception
            seen.append(event.id)
    consumers.consumer("test-recorder")(handle)
    yield seen, state
    consumers.unregister("test-recorder")


def test_a_consumer_killed_mid_batch_resumes_without_loss(app, recorder):
    seen, state = recorder
    for _ in range(3):
        factories.answer(factories.thread())
    all_ids = [e.id for e in log.since(0, 1000)]
    state["fail_at"] = all_ids[len(all_ids) // 2]
    with pytest.raises(KeyboardInterrupt):
        consumers.run_until_caught_up("test-recorder", limit=1000)
    assert consumers.position("test-recorder") == 0  # the batch was not marked handled
    consumers.run_until_caught_up("test-recorder", limit=5)
    assert set(seen) == set(all_ids)  # at least once each; the half before the kill twice
    assert consumers.position("test-recorder") == all_ids[-1]
    consumers.run_until_caught_up("test-recorder")
    assert len(seen) == len(all_ids) + len(all_ids) // 2  # nothing new: nothing handled again


def test_a_consumer_leased_by_another_runner_waits_until_the_lease_runs_out(app, recorder):
    seen, _ = recorder
    factories.thread()
    assert consumers._lease("test-recorder", "another-host:1:1") == 0
    assert consumers.run_batch("test-recorder") == 0 and seen == []
    db.session.execute(text("UPDATE event_cursors SET leased_until = :t WHERE name = :n"),
                       {"t": "2000-01-01 00:00:00", "n": "test-recorder"})
    db.session.commit()
    assert consumers.run_batch("test-recorder") > 0 and seen


def test_cli_tail_replay_and_run(app, runner, recorder):
    seen, _ = recorder
    thread = factories.thread(title="A thread the log should show")
    out = runner.invoke(args=["events", "tail", "--no-follow", "-n", "5"])
    assert out.exit_code == 0 and "thread.created" in out.output and f"thread={thread.id}" in out.output
    out = runner.invoke(args=["events", "run"])
    assert out.exit_code == 0 and "test-recorder: handled" in out.output
    first = len(seen)
    out = runner.invoke(args=["events", "replay", "--consumer", "test-recorder", "--from", "1"])
    assert out.exit_code == 0 and len(seen) == 2 * first
    out = runner.invoke(args=["events", "replay", "--consumer", "nobody", "--from", "1"])
    assert out.exit_code != 0 and "unknown consumer" in out.output


def test_prune_keeps_what_a_consumer_has_not_handled(app, recorder):
    factories.thread()
    db.session.execute(text("UPDATE domain_events SET created_at = '2000-01-01 00:00:00'"))
    db.session.commit()
    assert consumers.prune(30) == 0  # the recorder has handled nothing yet
    consumers.run_until_caught_up("test-recorder")
    handled = max(recorder[0])
    assert consumers.prune(30) == len(recorder[0]) and log.since(0) == []
    factories.thread()
    assert log.since(0)[0].id > handled  # ids go on increasing after a prune: none is reused


def test_event_feed_is_for_admin_and_support_and_hides_voters(app, api):
    asker, answerer, thread, answer = factories.solved_thread()
    member = factories.user()
    agent = factories.user("support")
    assert api.get("/events").status_code == 401
    assert api.get("/events", api.token_for(member.email)).status_code == 403
    token = api.token_for(agent.email)
    page = api.get("/events?limit=3", token)
    assert page.status_code == 200 and len(page.json["items"]) == 3
    rest = api.get(f"/events?after={page.json['next_cursor']}&limit=500", token).json["items"]
    items = page.json["items"] + rest
    assert [i["id"] for i in items] == sorted(i["id"] for i in items)
    vote = next(i for i in items if i["type"] == "vote.cast")
    assert vote["actor_id"] is None and vote["post_id"] == answer.id
    assert all("post_id" not in i["data"] for i in items if i["type"] == "reputation.changed")
    assert api.get("/events?after=-1", token).status_code == 400
    assert api.get("/events?after=99999999999", token).status_code == 400


def test_the_event_log_page_is_for_admin_and_support(web, app):
    asker, answerer, thread, answer = factories.solved_thread()
    factories.user(username="member")
    factories.user("support", username="agent")
    web.login("member")
    assert web.get("/staff/events").status_code == 403
    web.login("agent")
    page = web.get("/staff/events").get_data(as_text=True)
    assert "answer.accepted" in page and "vote.cast" in page and 'href="/staff/events"' in page
    assert web.get("/staff/events?before=" + "9" * 5000).status_code == 200


def test_the_embedded_default_runs_consumers_in_a_thread_of_the_web_process(
        database_template, tmp_path, recorder):
    # `make run` has no worker process of its own: the first request starts a consumer thread.
    import time
    from tests.conftest import app_on
    seen, _ = recorder
    with app_on(database_template, tmp_path) as application:
        application.config["CONSUMERS_IN_PROCESS_SECONDS"] = 0.05
        try:
            factories.thread()
            expected = {e.id for e in log.since(0, 1000)}
            assert application.test_client().get("/").status_code == 200
            for _ in range(400):  # wait for the thread (up to ~20 s on a loaded machine)
                if expected <= set(seen):
                    break
                time.sleep(0.05)
            assert expected <= set(seen)
        finally:
            consumers.stop_runner(application)  # waits for its last round: the database goes next


def test_cli_lists_what_an_accept_sets_off(app, runner):
    result = runner.invoke(args=["events", "receivers", "answer.accepted"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "answer.accepted"
    assert any("in transaction" in line and "reputation.receivers.on_accept" in line for line in lines)
    assert any("after commit" in line and "page_cache" in line for line in lines)
    assert any(line.split()[:1] == ["consumer"] and "badges" in line for line in lines)
    unknown = runner.invoke(args=["events", "receivers", "no.such.event"])
    assert unknown.exit_code == 2 and "answer.accepted" in unknown.output
