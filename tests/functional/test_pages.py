"""Web pages: the customer loop by forms, thread page content, and bounded query counts."""
import json
import re

import pytest
from bs4 import BeautifulSoup

from app.web import page_cache
from community import services
from tests import factories


def test_ask_answer_vote_accept_by_forms(web, app):
    category = factories.category("Billing")
    factories.user(username="asker")
    factories.user(username="helper")
    web.login("asker")
    response = web.post("/ask", {"title": "Why was I charged twice?", "category": category.slug,
                                 "body": "Two charges on *one* invoice.", "tags": "billing, refunds"})
    assert response.status_code == 302
    thread_url = response.headers["Location"]
    page = web.get(thread_url).get_data(as_text=True)
    assert "Why was I charged twice?" in page and "<em>one</em>" in page
    assert "refunds" in page
    web.post("/logout")

    web.login("helper")
    thread_id = int(re.search(r"/t/(\d+)/", thread_url).group(1))
    response = web.post(f"/t/{thread_id}/answer", {"body": "It is a pre-authorisation; it drops off."})
    assert response.status_code == 302
    answer_id = int(response.headers["Location"].rsplit("post-", 1)[1])
    web.post(f"/posts/{_question_post(thread_id)}/vote", {"value": "1"})
    web.post("/logout")

    web.login("asker")
    response = web.post(f"/t/{thread_id}/accept", {"post_id": str(answer_id)})
    assert response.status_code == 302
    soup = BeautifulSoup(web.get(thread_url).get_data(as_text=True), "html.parser")
    assert soup.select_one(f"#post-{answer_id}.accepted") is not None
    assert "Solved" in soup.select_one("article.question").get_text()
    assert soup.select_one("article.question .score").get_text() == "1"


def _question_post(thread_id):
    from core.database import db
    from community.models import Thread
    return db.session.get(Thread, thread_id).question_post_id


def test_invalid_question_form_keeps_input_and_names_field(web):
    category = factories.category()
    factories.user(username="asker")
    web.login("asker")
    response = web.post("/ask", {"title": "short", "category": category.slug,
                                 "body": "My long body survives the error.", "tags": ""})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="title-error"' in page and "My long body survives the error." in page


def test_voting_own_post_by_form_is_refused(web):
    user = factories.user(username="self")
    thread = factories.thread(user)
    web.login("self")
    response = web.post(f"/posts/{thread.question_post_id}/vote", {"value": "1"})
    assert response.status_code == 403


def test_edit_form_and_history(web):
    user = factories.user(username="writer")
    category, elsewhere = factories.category("Home"), factories.category("Elsewhere")
    thread = factories.thread(user, category, title="First title of mine", tags=["old"])
    web.login("writer")
    form = web.get(f"/posts/{thread.question_post_id}/edit").get_data(as_text=True)
    assert 'value="old"' in form and "A question body long enough." in form
    response = web.post(f"/posts/{thread.question_post_id}/edit", {
        "title": "Second title of mine", "body": "New body text here.", "tags": "new, other",
        "category": elsewhere.slug})
    assert response.status_code == 302
    page = web.get(response.headers["Location"].split("#")[0]).get_data(as_text=True)
    assert "Second title of mine" in page and "Elsewhere" in page and "other" in page
    history = web.get(f"/posts/{thread.question_post_id}/revisions").get_data(as_text=True)
    assert "First title of mine" in history and "Second title of mine" in history
    bad = web.post(f"/posts/{thread.question_post_id}/edit", {
        "title": "Third title of mine", "body": "", "tags": "", "category": elsewhere.slug})
    assert bad.status_code == 422 and 'id="body-error"' in bad.get_data(as_text=True)


def test_thread_page_has_qapage_jsonld_with_accepted_answer(client, app):
    asker = factories.user()
    thread = factories.thread(asker, title="Does </script> break JSON-LD?")
    answer = factories.answer(thread, body="No, <script>alert(1)</script> it is escaped.")
    services.accept_answer(asker, thread.id, answer.id)
    html = client.get(f"/t/{thread.id}/{thread.slug}").get_data(as_text=True)
    soup = BeautifulSoup(html, "html.parser")
    scripts = [s for s in soup.find_all("script")  # besides the site's own live-update files
               if s.get("src") not in ("/static/vendor/socket.io.min.js", "/static/live.js")]
    assert len(scripts) == 1 and scripts[0]["type"] == "application/ld+json"
    data = json.loads(scripts[0].string)
    assert data["@type"] == "QAPage"
    assert data["mainEntity"]["name"] == "Does </script> break JSON-LD?"
    assert data["mainEntity"]["acceptedAnswer"]["url"].endswith(f"#post-{answer.id}")


def test_mobile_meta_and_landmarks(client, app):
    thread = factories.thread()
    for url in ("/", "/threads", f"/t/{thread.id}/{thread.slug}", "/login", "/register"):
        soup = BeautifulSoup(client.get(url).get_data(as_text=True), "html.parser")
        assert soup.find("meta", attrs={"name": "viewport"})["content"].startswith("width=device-width")
        assert soup.find("main") and soup.find("nav") and len(soup.find_all("h1")) == 1
        for field in soup.select("input:not([type=hidden]), textarea, select"):
            assert soup.find("label", attrs={"for": field.get("id")}) or field.find_parent("label")


def test_unknown_pages_are_404_pages(client, app):
    assert client.get("/t/999999/nope").status_code == 404
    assert client.get("/c/no-such-category").status_code == 404
    assert client.get("/u/999999").status_code == 404


def _seed_threads(n):
    category = factories.category("Busy")
    authors = [factories.user() for _ in range(3)]
    for i in range(n):
        factories.thread(authors[i % 3], category, tags=[f"t{i % 4}", "common"])
    return category


def _seed_answers(n, asker=None):
    asker = asker or factories.user()
    thread = factories.thread(asker, tags=["x", "y"])
    people = [factories.user() for _ in range(4)]
    for i in range(n):
        post = factories.answer(thread, people[i % 4])
        services.cast_vote(asker, post.id, 1)
    return thread, asker


@pytest.mark.parametrize("url", ["/", "/threads", "/threads?sort=votes&status=open&tag=common",
                                 "/c/busy"])
def test_list_pages_query_count_does_not_grow_with_rows(app, client, count_queries, url):
    counts = []
    for n in (5, 50):
        if n == 50:
            _more = [factories.thread(category_=_cat, tags=["common"]) for _ in range(45)]  # noqa
        else:
            _cat = _seed_threads(5)
        client.get(url)  # warm anything per-process
        page_cache.clear()  # measure the rendering path, not a cache hit
        with count_queries() as counter:
            assert client.get(url).status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


def test_thread_page_query_count_does_not_grow_with_answers(app, web, count_queries):
    """Counted on the render, not on a kept page (the cache is emptied before each count)."""
    from app.web import page_cache
    thread, asker = _seed_answers(5)
    small = f"/t/{thread.id}/{thread.slug}"
    big_thread, _ = _seed_answers(50, asker)  # both the asker's own page: like for like
    big = f"/t/{big_thread.id}/{big_thread.slug}"
    for signed_in in (False, True):
        if signed_in:
            web.login(asker.username)
        counts = []
        for url in (small, big):
            web.get(url)
            page_cache.clear()
            with count_queries() as counter:
                assert web.get(url).status_code == 200
            counts.append(counter.count)
        assert counts[0] == counts[1], (signed_in, counts)


def test_admin_creates_a_category_on_the_web(web, app):
    factories.user("admin", username="boss")
    factories.user(username="plain")
    web.login("plain")
    assert web.get("/categories/new").status_code == 403
    assert "New category" not in web.get("/").get_data(as_text=True)
    web.post("/logout")
    web.login("boss")
    assert "New category" in web.get("/").get_data(as_text=True)
    response = web.post("/categories/new", {"name": "Mobile App", "description": "Phones."})
    assert response.status_code == 302 and response.headers["Location"] == "/c/mobile-app"
    assert "Phones." in web.get("/c/mobile-app").get_data(as_text=True)
    again = web.post("/categories/new", {"name": "Mobile App"})
    assert again.status_code == 409 and 'id="slug-error"' in again.get_data(as_text=True)
    bad = web.post("/categories/new", {"name": "x"})
    assert bad.status_code == 422 and 'id="name-error"' in bad.get_data(as_text=True)


def test_profile_shows_reputation_history(client, app):
    _, answerer, _, _ = factories.solved_thread()
    soup = BeautifulSoup(client.get(f"/u/{answerer.id}").get_data(as_text=True), "html.parser")
    items = [li.get_text(" ", strip=True) for li in soup.select("ul.ledger li")]
    assert items[0].startswith("+15 answer accepted") and items[1].startswith("+10 answer upvoted")
