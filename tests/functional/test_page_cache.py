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


def test_cached_page_uses_one_query(client, app, count_queries):
    thread = factories.thread()
    for _ in range(3):
        factories.answer(thread)
    client.get(_url(thread))
    with count_queries() as counter:
        assert client.get(_url(thread)).status_code == 200
    assert counter.count == 1  # the version check; the rest comes from the cache
