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


def test_cached_page_needs_no_query_within_the_check_interval(client, app, count_queries):
    thread = factories.thread()
    for _ in range(3):
        factories.answer(thread)
    client.get(_url(thread))
    with count_queries() as counter:
        assert client.get(_url(thread)).status_code == 200
    assert counter.count == 0


def test_a_change_made_by_another_process_shows_after_the_check(client, app, monkeypatch,
                                                                count_queries):
    """Another worker's write bumps the version in the database; this process re-checks it."""
    from sqlalchemy import text
    from core.database import db
    from app.web import page_cache
    thread = factories.thread(title="Title before the change")
    client.get(_url(thread))
    with db.engine.begin() as conn:  # as another process would: no events here
        conn.execute(text("UPDATE posts SET body_html = '<p>Changed elsewhere.</p>' "
                          "WHERE id = :p"), {"p": thread.question_post_id})
        conn.execute(text("UPDATE threads SET version = version + 1 WHERE id = :t"),
                     {"t": thread.id})
    db.session.rollback()  # requests here share the test's session; end its read snapshot
    assert "Changed elsewhere." not in client.get(_url(thread)).get_data(as_text=True)
    monkeypatch.setattr(page_cache, "CHECK_SECONDS", 0.0)
    with count_queries() as counter:
        page = client.get(_url(thread)).get_data(as_text=True)
    assert "Changed elsewhere." in page
    assert counter.count > 1  # the check found a new version and rendered again


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


def test_a_view_count_flush_during_a_page_view_breaks_nothing(web, client, app, monkeypatch):
    from core.database import db
    from community import viewcounts
    from community.models import Thread
    monkeypatch.setattr(viewcounts, "FLUSH_EVERY_VIEWS", 1)  # every view writes its batch
    thread = factories.thread(factories.user(username="reader"), tags=["x"])
    factories.answer(thread)
    assert client.get(_url(thread)).status_code == 200
    web.login("reader")
    assert web.get(_url(thread)).status_code == 200
    db.session.rollback()
    assert db.session.get(Thread, thread.id).view_count == 2
