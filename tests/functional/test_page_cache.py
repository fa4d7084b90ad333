"""Anonymous thread pages are cached per thread version: never stale after a change, cheap to revalidate."""
from community import services
from tests import factories


def _url(thread):
    return f"/t/{thread.id}/{thread.slug}"


def test_every_change_shows_at_once_to_anonymous_readers(client, app):
    asker = factories.user()
    thread = factories.thread(asker)
    assert "0 answers" in client.get(_url(thread)).get_data(as_text=True)
    answer = factories.answer(thread, body="Fresh answer text appears.")
    assert "Fresh answer text appears." in client.get(_url(thread)).get_data(as_text=True)
    services.cast_vote(factories.user(), answer.id, 1)
    assert 'aria-label="score">1<' in client.get(_url(thread)).get_data(as_text=True)
    services.accept_answer(asker, thread.id, answer.id)
    assert "Accepted answer" in client.get(_url(thread)).get_data(as_text=True)
    services.edit_post(answer.author, answer.id, "Edited answer text appears.")
    assert "Edited answer text appears." in client.get(_url(thread)).get_data(as_text=True)
    services.delete_post(factories.user("moderator"), thread.question_post_id)
    assert client.get(_url(thread)).status_code == 404


def test_etag_revalidation_gives_304_until_the_thread_changes(client, app):
    thread = factories.thread()
    first = client.get(_url(thread))
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "public, no-cache"
    assert client.get(_url(thread), headers={"If-None-Match": etag}).status_code == 304
    factories.answer(thread)
    again = client.get(_url(thread), headers={"If-None-Match": etag})
    assert again.status_code == 200 and again.headers["ETag"] != etag


def test_signed_in_readers_get_their_own_page(web, app):
    asker = factories.user(username="asker")
    thread = factories.thread(asker)
    answer = factories.answer(thread)
    web.get(_url(thread))  # warm the anonymous cache
    web.login("asker")
    page = web.get(_url(thread))
    assert "ETag" not in page.headers
    assert "Accept this answer" in page.get_data(as_text=True)
    assert f'value="{answer.id}"' in page.get_data(as_text=True)


def test_cached_page_needs_no_query_within_the_check_interval(client, app, count_queries,
                                                               monkeypatch):
    from app.web import page_cache
    monkeypatch.setattr(page_cache, "CHECK_SECONDS", 3600.0)  # a loaded machine is slow, not wrong
    thread = factories.thread()
    for _ in range(3):
        factories.answer(thread)
    client.get(_url(thread))
    with count_queries() as counter:
        assert client.get(_url(thread)).status_code == 200
    assert counter.count == 0


def _in_another_process(app, code: str) -> None:
    """Run service calls in a separate Python process on the same database, as another worker."""
    import json
    import subprocess
    import sys
    config = {k: app.config[k] for k in ("INSTANCE_PATH", "SQLALCHEMY_DATABASE_URI", "SECRET_KEY",
                                         "SERVER_NAME")}
    script = (f"import json\nfrom app.factory import create_app\n"
              f"from community import services\nfrom community.models import User\n"
              f"from core.database import db\n"
              f"app = create_app(json.loads({json.dumps(json.dumps(config))}))\n"
              f"with app.app_context():\n" + "".join(f"    {line}\n" for line in code.splitlines()))
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120)
    from core.database import db
    db.session.rollback()  # requests here share the test's session; end its read snapshot


def test_a_change_made_by_another_process_shows_after_the_check(client, app, monkeypatch):
    """Another worker's write commits an event; this process reads the log and drops the page."""
    from app.web import page_cache
    thread = factories.thread(title="Title before the change")
    answerer = factories.user()
    factories.answer(thread, answerer, body="An answer by someone who will earn points.")
    elsewhere = factories.thread()
    monkeypatch.setattr(page_cache, "CHECK_SECONDS", 3600.0)  # no look at the log until we say
    client.get(_url(thread))
    _in_another_process(app, f"author = db.session.get(User, {thread.author_id})\n"
                             f"services.edit_post(author, {thread.question_post_id}, "
                             f"'Changed elsewhere, in another process.')")
    if app.config["REDIS_URL"]:
        # The commit was announced on Redis: this worker looks at the log on its next request.
        import time
        deadline = time.monotonic() + 10
        while "Changed elsewhere" not in client.get(_url(thread)).get_data(as_text=True):
            assert time.monotonic() < deadline, "the Redis announcement never arrived"
            time.sleep(0.05)
    else:
        assert "Changed elsewhere" not in client.get(_url(thread)).get_data(as_text=True)
    monkeypatch.setattr(page_cache, "CHECK_SECONDS", 0.0)
    assert "Changed elsewhere" in client.get(_url(thread)).get_data(as_text=True)
    # Reputation the answerer earns on another thread shows beside their answer here too.
    assert page_cache.lookup(thread.id) is not None
    answer_there = factories.answer(elsewhere, answerer)
    client.get(_url(thread))
    assert page_cache.lookup(thread.id) is not None
    _in_another_process(app, f"voter = db.session.get(User, {elsewhere.author_id})\n"
                             f"services.cast_vote(voter, {answer_there.id}, 1)")
    assert page_cache.lookup(thread.id) is None


def test_views_are_counted_for_cached_and_fresh_pages(client, web, app):
    from core.database import db
    from community import viewcounts
    from community.models import Thread
    thread = factories.thread(factories.user(username="reader"))
    viewcounts.flush()
    for _ in range(3):
        client.get(_url(thread))  # anonymous: the first renders, the others hit the cache
    web.login("reader")
    web.get(_url(thread))
    viewcounts.flush()
    db.session.rollback()
    assert db.session.get(Thread, thread.id).view_count == 4


def test_anonymous_lists_show_changes_made_in_this_process_at_once(client, app, count_queries):
    category = factories.category("Lists")
    factories.thread(category_=category, title="The first question here")
    for url in ("/", "/threads", f"/c/{category.slug}", "/threads?sort=votes"):
        client.get(url)
        with count_queries() as counter:
            client.get(url)
        assert counter.count <= 1, url  # a hit; a category page still looks up its category
    newer = factories.thread(category_=category, title="A newer question here")
    for url in ("/", "/threads", f"/c/{category.slug}"):
        assert "A newer question here" in client.get(url).get_data(as_text=True), url
    services.cast_vote(factories.user(), newer.question_post_id, 1)
    first = client.get("/threads?sort=votes").get_data(as_text=True)
    assert first.index("A newer question here") < first.index("The first question here")


def test_list_cache_expires_for_changes_made_elsewhere(client, app, monkeypatch):
    from sqlalchemy import text
    from core.database import db
    from app.web import page_cache
    thread = factories.thread(title="Before the rename elsewhere")
    client.get("/threads")
    with db.engine.begin() as conn:  # another process: no events reach this one
        conn.execute(text("UPDATE threads SET title = 'After the rename elsewhere' WHERE id = :t"),
                     {"t": thread.id})
    db.session.rollback()
    assert "Before the rename" in client.get("/threads").get_data(as_text=True)
    monkeypatch.setattr(page_cache, "LIST_MAX_AGE", 0.0)
    assert "After the rename elsewhere" in client.get("/threads").get_data(as_text=True)


def test_signed_in_and_paged_lists_are_never_cached(web, app, count_queries):
    factories.user(username="member")
    factories.thread()
    web.login("member")
    web.get("/threads")
    with count_queries() as counter:
        web.get("/threads")
    assert counter.count > 1


def test_reading_a_page_writes_nothing_and_counts_survive_a_killed_worker(web, client, app,
                                                                           count_queries):
    """A view is spooled to a file, not written; a process killed before its flush loses none."""
    import os
    import signal
    from core.database import db
    from community import viewcounts
    from community.models import Thread
    thread = factories.thread(factories.user(username="reader"), tags=["x"])
    factories.answer(thread)
    statements = []
    with count_queries() as counter:
        assert client.get(_url(thread)).status_code == 200
        assert client.get(_url(thread)).status_code == 200
        statements = list(counter.statements)
    assert not any(s.lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE"))
                   for s in statements)
    pid = os.fork()
    if pid == 0:  # a worker that records views, then dies without flushing
        try:
            viewcounts._files.clear()
            for _ in range(5):
                viewcounts.record_view(thread.id)
        finally:
            os.kill(os.getpid(), signal.SIGKILL)
    os.waitpid(pid, 0)
    assert viewcounts.flush() == 7  # two here, five from the dead worker's spool
    db.session.rollback()
    assert db.session.get(Thread, thread.id).view_count == 7


# A signed-in reader's own thread page is kept too (per reader), checked in one query. Each
# request gets a fresh `g` there, as on a server, so no user or token leaks between requests.

def _page(web, thread) -> str:
    response = web.get(_url(thread))
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _tokens(html: str, name: str) -> list[str]:
    import re
    return re.findall(rf'name="{name}" value="([^"]+)"', html)


def test_a_readers_kept_page_shows_their_own_vote_and_new_rights_at_once(web, app):
    thread = factories.thread()
    answer = factories.answer(thread)
    reader = factories.user(username="reader")
    web.login("reader")
    assert 'aria-pressed="true"' not in _page(web, thread)
    assert 'aria-pressed="true"' not in _page(web, thread)  # the kept page
    services.cast_vote(reader, answer.id, 1)
    assert 'aria-pressed="true"' in _page(web, thread)
    assert "Voting down unlocks at 50 reputation." in _page(web, thread)
    factories.reputable(reader, 60)  # their row changed: the page they get changes with it
    assert "Voting down unlocks" not in _page(web, thread)


def test_kept_pages_are_each_readers_own(web, app):
    thread = factories.thread()
    factories.answer(thread)
    factories.user(username="alice")
    factories.user(username="bobby")
    for me, other in (("alice", "bobby"), ("bobby", "alice"), ("alice", "bobby")):
        web.login(me)
        for _ in range(2):  # rendered and kept, then served from what was kept
            page = _page(web, thread)
            assert f">{me}</a>" in page and f">{other}</a>" not in page
        web.post("/logout")


def test_every_kept_page_carries_fresh_working_tokens(web, app):
    thread = factories.thread()
    factories.user(username="writer")
    web.login("writer")
    first, second = _page(web, thread), _page(web, thread)
    assert "\x00" not in second and "cp-submission-token-placeholder" not in second
    assert _tokens(first, "submission_token") != _tokens(second, "submission_token")
    csrf = set(_tokens(second, "csrf_token"))
    assert len(csrf) == 1
    response = web.client.post(f"/t/{thread.id}/answer", data={
        "csrf_token": csrf.pop(), "body": "Posted from a kept page.",
        "submission_token": _tokens(second, "submission_token")[0]})
    assert response.status_code == 302
    assert "Posted from a kept page." in _page(web, thread)


def test_a_rotated_session_stamp_gets_no_kept_page(web, app):
    thread = factories.thread()
    reader = factories.user(username="leaver")
    web.login("leaver")
    assert ">leaver</a>" in _page(web, thread)
    services.sign_out_everywhere(reader)  # as after a password change
    page = _page(web, thread)
    assert ">leaver</a>" not in page and "Sign in" in page


def test_a_kept_readers_page_costs_one_query(web, app, count_queries, monkeypatch):
    """However many answers: the one reader check (sent on a bare DB-API cursor, so the
    statement counter does not see it) and no other statement."""
    from app.web import page_cache
    from app.web import overlay
    monkeypatch.setattr(page_cache, "CHECK_SECONDS", 3600.0)
    checks = []
    real = overlay.read
    monkeypatch.setattr(overlay, "read",
                        lambda *args, **kw: checks.append(args) or real(*args, **kw))
    thread = factories.thread()
    for _ in range(3):
        factories.answer(thread)
    user = factories.user(username="counted")
    web.login("counted")
    _page(web, thread)  # shows the sign-in notice, so it is not kept
    _page(web, thread)
    checks.clear()
    with count_queries() as counter:
        assert ">counted</a>" in _page(web, thread)
    assert counter.count == 0, counter.statements
    assert [check[:2] for check in checks] == [(user.id, thread.id)]  # and the sign-in key


def test_a_stale_kept_page_is_checked_once_and_rendered_again(web, app, monkeypatch):
    """A kept page found stale by its check (here the reader's row changed with no event, as
    an operator's SQL would) costs that one check, not a second, before it is rendered again."""
    from sqlalchemy import update
    from app.web import overlay
    from community.models import User
    from core.database import db
    factories.answer(factories.thread())
    thread = factories.thread()
    factories.answer(thread)
    reader = factories.user(username="twice")
    web.login("twice")
    _page(web, thread)  # the sign-in notice: not kept
    assert "Voting down unlocks" in _page(web, thread)  # kept
    db.session.execute(update(User).where(User.id == reader.id).values(reputation=60))
    db.session.commit()
    checks = []
    real = overlay.read
    monkeypatch.setattr(overlay, "read",
                        lambda *args, **kw: checks.append(args) or real(*args, **kw))
    assert "Voting down unlocks" not in _page(web, thread)
    assert len(checks) == 1


def test_the_anonymous_cache_is_bounded_by_bytes_and_keeps_what_is_read(app):
    """A crawl longer than the cache evicts the least recently read pages, by their size."""
    from app.web import page_cache
    app.config["PAGE_CACHE_BYTES"] = 3000
    page = "x" * 1000
    for thread_id in (1, 2, 3):
        page_cache.store(thread_id, 1, "t", page, ())
    assert page_cache.lookup(1) is not None  # read again: now the most recent
    page_cache.store(4, 1, "t", page, ())
    assert page_cache.lookup(2) is None and page_cache.lookup(1) is not None
    assert page_cache._pages.bytes <= 3000 and set(page_cache._pages) == {1, 3, 4}
    page_cache.store(5, 1, "t", "y" * 2500, ())  # one big page pushes out the rest
    assert set(page_cache._pages) == {5} and page_cache._pages.bytes == 2500
    page_cache.clear()
    assert page_cache._pages.bytes == 0


def _rendered(app):
    """Collects the templates rendered while the block runs."""
    from contextlib import contextmanager

    from flask import template_rendered

    @contextmanager
    def recording():
        seen = []

        def record(sender, template, context, **extra):
            seen.append(template.name)
        template_rendered.connect(record, app)
        try:
            yield seen
        finally:
            template_rendered.disconnect(record, app)
    return recording()


def test_readers_with_the_same_rights_share_one_rendering_with_their_own_parts(web, app):
    """The second reader's first view renders nothing: their name, bell, vote and watch level
    are filled into the rendering the first reader's view made."""
    from app.notifications import service as watching
    thread = factories.thread()
    answers = [factories.answer(thread) for _ in range(3)]
    first = factories.user(username="firstone")
    second = factories.user(username="secondone")
    services.cast_vote(first, answers[0].id, 1)
    services.cast_vote(second, answers[1].id, 1)
    watching.set_watch(second, "thread", thread.id, "tracking")
    web.login("firstone")
    web.get(f"/t/{thread.id}/{thread.slug}?warm=1")
    mine = _page(web, thread)
    web.post("/logout")
    web.login("secondone")
    web.get(f"/t/{thread.id}/{thread.slug}?warm=1")  # the sign-in notice, on its own page
    with _rendered(app) as templates:
        theirs = _page(web, thread)
    assert templates == []
    assert ">secondone</a>" in theirs and "firstone" not in theirs
    assert ">firstone</a>" in mine and "secondone" not in mine
    for page, voted in ((mine, answers[0]), (theirs, answers[1])):
        article = page.split(f'id="post-{voted.id}"')[1].split("</article>")[0]
        assert article.count('aria-pressed="true"') == 1
        assert page.count('aria-pressed="true"') == 1
    assert '<option value="tracking" selected>' in theirs
    assert "Not watching yet: choose one" in mine and "selected>Tracking" not in mine
    assert "\x00" not in theirs and "\x00" not in mine


def test_an_author_gets_their_own_controls_and_others_do_not(web, app):
    thread = factories.thread()
    factories.answer(thread, author=factories.user(username="writerone"), body="Mine to edit.")
    factories.user(username="readerone")
    for name, sees_edit in (("readerone", False), ("writerone", True), ("readerone", False)):
        web.login(name)
        web.get(f"/t/{thread.id}/{thread.slug}?warm=1")
        for _ in range(2):
            page = _page(web, thread)
            assert (">Edit</a>" in page) is sees_edit, name
            assert (">Delete</a>" in page) is sees_edit, name
        web.post("/logout")


def test_rights_decide_who_shares_a_rendering(web, app):
    """A moderator's page (Moderate link) is never served to a member, nor the reverse."""
    thread = factories.thread()
    factories.answer(thread)
    factories.user("moderator", username="modone")
    factories.user(username="memberone")
    for name, moderates in (("modone", True), ("memberone", False), ("modone", True)):
        web.login(name)
        web.get(f"/t/{thread.id}/{thread.slug}?warm=1")
        assert (">Moderate</a>" in _page(web, thread)) is moderates
        web.post("/logout")


def test_a_reputation_change_drops_every_page_showing_that_user(app):
    """Pages are found through an index from user to page, and only theirs are dropped."""
    from types import SimpleNamespace

    from app.web import page_cache
    page_cache.store(1, 1, "a", "page one", {7, 8})
    page_cache.store(2, 1, "b", "page two", {8})
    page_cache.store(3, 1, "c", "page three", {9})
    page_cache.drop_for(SimpleNamespace(type="reputation.changed", thread_id=None, user_id=8,
                                        data={}))
    assert set(page_cache._pages) == {3}
    assert set(page_cache._pages.by_user) == {9} and set(page_cache._pages.by_thread) == {3}


def _needs_redis(app):
    import pytest
    if not app.config.get("REDIS_URL"):
        pytest.skip("pages are shared between workers through Redis: the scaled-out run "
                    "(make test-postgres, REDIS_URL set) tests it")


def _as_another_worker():
    """What a second worker has: nothing of this one's (its own memory), the same Redis."""
    from app.web import page_cache
    with page_cache._lock:
        page_cache._pages.clear()


def test_a_page_one_worker_rendered_is_served_by_the_others(web, client, app):
    _needs_redis(app)
    thread = factories.thread()
    factories.answer(thread, body="Rendered once, read everywhere.")
    factories.user(username="sharer")
    client.get(_url(thread))
    web.login("sharer")
    web.get(f"{_url(thread)}?warm=1")
    _page(web, thread)
    _as_another_worker()
    with _rendered(app) as templates:
        anonymous = client.get(_url(thread)).get_data(as_text=True)
        signed_in = _page(web, thread)
    assert templates == []
    assert "Rendered once, read everywhere." in anonymous and ">sharer</a>" in signed_in


def test_a_shared_page_never_outlives_a_change(web, client, app):
    """A new answer moves the thread version (the old page is never found); a shown user's
    reputation is not part of any version, so their pages are dropped from Redis too."""
    _needs_redis(app)
    thread = factories.thread()
    answer = factories.answer(thread)
    client.get(_url(thread))
    factories.answer(thread, body="A newer answer shows.")
    _as_another_worker()
    assert "A newer answer shows." in client.get(_url(thread)).get_data(as_text=True)
    assert "777<span" not in client.get(_url(thread)).get_data(as_text=True)
    factories.reputable(answer.author, 777)  # no thread changed: no version moves
    _as_another_worker()
    assert "777<span" in client.get(_url(thread)).get_data(as_text=True)


def test_redis_away_is_a_miss_for_shared_pages_never_an_error(app, caplog):
    """Each worker then renders for itself; nothing raises into the request."""
    from app.web import shared_pages
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens there
    shared_pages.put(5, 1, "slug", {1}, b"page", 60)
    assert shared_pages.get(5, 1) is None
    shared_pages.drop_user(1)
    shared_pages.clear()
    assert "Redis unavailable" in caplog.text


def test_a_kept_page_is_answered_in_front_of_flask_with_the_same_headers(client, app,
                                                                         monkeypatch):
    """No request context for a visitor with no session reading a kept page: the same bytes and
    headers, the view counted, and a 304 for a phone that has it."""
    from flask import request_started

    from app.web import page_cache
    monkeypatch.setattr(page_cache, "CHECK_SECONDS", 3600.0)
    thread = factories.thread()
    factories.answer(thread, body="Served from the front.")
    first = client.get(_url(thread))
    started = []

    def record(sender, **extra):
        started.append(sender)
    request_started.connect(record, app)
    client._cookies.clear()  # a visitor with no cookie of ours
    second = _outside_any_context(app, _url(thread))  # as gunicorn calls it
    assert second.status_code == 200, second.data
    assert started == [] and second.data == first.data
    assert {k: v for k, v in second.headers.items() if k != "Content-Length"} == \
        {k: v for k, v in first.headers.items() if k != "Content-Length"}
    assert client.get(_url(thread), headers={"If-None-Match": first.headers["ETag"]}
                      ).status_code == 304
    assert started == []
    client.get(f"{_url(thread)}?page=1")  # anything else goes to Flask
    request_started.disconnect(record, app)
    assert len(started) == 1


def test_a_signed_in_readers_kept_page_is_answered_in_front_of_flask(web, app, monkeypatch):
    """A reader whose rendering is kept gets their page with no request context (as gunicorn
    calls the app): their own name and vote, the headers Flask sends, the view counted, and
    tokens that work for their next post."""
    from flask import request_started

    from app.web import page_cache
    from community import viewcounts
    from community.models import Thread
    from core.database import db
    monkeypatch.setattr(page_cache, "CHECK_SECONDS", 3600.0)
    thread = factories.thread()
    answer = factories.answer(thread, body="Read in front.")
    reader = factories.user(username="frontrow")
    services.cast_vote(reader, answer.id, 1)
    web.login("frontrow")
    _page(web, thread)  # the sign-in notice: not kept
    first = web.get(_url(thread))
    viewcounts.flush()
    db.session.rollback()
    views = db.session.get(Thread, thread.id).view_count
    started = []

    def record(sender, **extra):
        started.append(sender)
    request_started.connect(record, app)
    name = app.config["SESSION_COOKIE_NAME"]
    cookie = f"{name}={web.client.get_cookie(name).value}"
    second = _outside_any_context(app, _url(thread), cookie)
    request_started.disconnect(record, app)
    assert second.status_code == 200 and started == []
    page = second.get_data(as_text=True)
    assert ">frontrow</a>" in page and "Read in front." in page and "\x00" not in page
    assert page.split(f'id="post-{answer.id}"')[1].count('aria-pressed="true"') == 1
    assert {k: v for k, v in second.headers.items() if k != "Content-Length"} == \
        {k: v for k, v in first.headers.items() if k != "Content-Length"}
    viewcounts.flush()
    db.session.rollback()
    assert db.session.get(Thread, thread.id).view_count == views + 1
    response = web.client.post(f"/t/{thread.id}/answer", data={
        "csrf_token": _tokens(page, "csrf_token")[0], "body": "Posted from a page read in front.",
        "submission_token": _tokens(page, "submission_token")[0]})
    assert response.status_code == 302
    assert "Posted from a page read in front." in _page(web, thread)


def test_whatever_the_front_cannot_answer_goes_to_flask(web, app, monkeypatch, caplog):
    """A forged cookie and an error on the front path are each answered by Flask, as before:
    never a 500, never another reader's page."""
    from flask import request_started

    from app.web import overlay, page_cache
    monkeypatch.setattr(page_cache, "CHECK_SECONDS", 3600.0)
    thread = factories.thread()
    factories.user(username="sidedoor")
    web.login("sidedoor")
    _page(web, thread)
    _page(web, thread)  # kept now
    name = app.config["SESSION_COOKIE_NAME"]
    value = web.client.get_cookie(name).value
    started = []

    def record(sender, **extra):
        started.append(sender)
    request_started.connect(record, app)
    forged = _outside_any_context(app, _url(thread), f"{name}={value[:-2]}xx")
    assert forged.status_code == 200 and "sidedoor" not in forged.get_data(as_text=True)
    assert len(started) == 1

    real, calls = overlay.read, []

    def broken_once(*args, **kwargs):
        calls.append(args)
        if len(calls) == 1:
            raise RuntimeError("the front path failed")
        return real(*args, **kwargs)
    monkeypatch.setattr(overlay, "read", broken_once)
    recovered = _outside_any_context(app, _url(thread), f"{name}={value}")
    assert recovered.status_code == 200 and ">sidedoor</a>" in recovered.get_data(as_text=True)
    assert len(started) == 2 and len(calls) == 2 and "went to Flask" in caplog.text
    request_started.disconnect(record, app)


def _outside_any_context(app, path, cookie=None):
    """GET `path` from a thread of its own, with no application or request context pushed."""
    import threading

    from werkzeug.test import Client
    answer, client = [], Client(app.wsgi_app)
    if cookie:
        client.set_cookie(*cookie.split("=", 1))
    worker = threading.Thread(target=lambda: answer.append(client.get(path)))
    worker.start()
    worker.join(30)
    return answer[0]


def test_signed_in_readers_with_the_same_rights_share_a_list_with_their_own_parts(web, app):
    """The home page and a category are rendered once for readers with the same rights: the
    second reader's view renders no template, and shows their own name and watch level."""
    from app.notifications import service as watching
    place = factories.category(slug="shared-lists")
    factories.thread(category_=place, title="A question every member sees on the list")
    factories.user(username="listfirst")
    second = factories.user(username="listsecond")
    watching.set_watch(second, "category", place.slug, "watching")
    web.login("listfirst")
    web.get("/threads?warm=1")  # the sign-in notice is shown once, on its own page
    mine = web.get("/").get_data(as_text=True)
    first_category = web.get("/c/shared-lists").get_data(as_text=True)
    web.post("/logout")
    web.login("listsecond")
    web.get("/threads?warm=1")
    with _rendered(app) as templates:
        theirs = web.get("/").get_data(as_text=True)
        their_category = web.get("/c/shared-lists").get_data(as_text=True)
    assert templates == []
    assert ">listsecond</a>" in theirs and "listfirst" not in theirs
    assert ">listfirst</a>" in mine and "listsecond" not in mine
    for page in (mine, theirs, first_category, their_category):
        assert "A question every member sees on the list" in page and "\x00" not in page
    assert '<option value="watching" selected>' in their_category
    assert "Not watching yet: choose one" in first_category


def test_a_list_showing_a_readers_held_thread_is_theirs_alone(web, app):
    """A member's thread waiting for a moderator is on their lists, never on another member's,
    whoever's view rendered the list first."""
    from sqlalchemy import update

    from community.models import Thread
    from core.database import db
    author = factories.user(username="heldauthor")
    held = factories.thread(author, title="A question still waiting for a moderator")
    factories.thread(title="A question everyone can read today")
    db.session.execute(update(Thread).where(Thread.id == held.id).values(is_hidden=True))
    db.session.commit()
    factories.user(username="bystander")
    for name, sees in (("bystander", False), ("heldauthor", True), ("bystander", False)):
        web.login(name)
        web.get("/?warm=1")
        for path in ("/", "/threads"):
            page = web.get(path).get_data(as_text=True)
            assert "A question everyone can read today" in page
            assert ("A question still waiting for a moderator" in page) is sees, (name, path)
        web.post("/logout")
