"""The front door: "this solved my problem" (web form and API, once per visitor, cached pages
intact), the search-first home and its query count, the sitemap, robots.txt and the favicon."""
import re

from bs4 import BeautifulSoup

from app.web import page_cache
from community.models import HelpfulMark, Thread
from core.database import db
from tests import factories

SAME_SITE = {"Origin": "http://localhost"}


def _marks(thread_id):
    return db.session.scalar(db.select(Thread.helpful_count).where(Thread.id == thread_id)), \
        db.session.scalar(db.select(db.func.count()).select_from(HelpfulMark)
                          .where(HelpfulMark.thread_id == thread_id))


def test_anonymous_reader_marks_a_solved_thread_once_and_is_thanked(client):
    _, _, thread, _ = factories.solved_thread()
    url = f"/t/{thread.id}/{thread.slug}"
    page = BeautifulSoup(client.get(url).get_data(as_text=True), "html.parser")
    form = page.select_one("form.helpful")
    assert form["action"] == f"/t/{thread.id}/helpful" and form.button.get_text() == \
        "This solved my problem"
    assert form.select_one("[name=csrf_token]") is None  # the shared anonymous page has no token

    response = client.post(f"/t/{thread.id}/helpful", headers=SAME_SITE)
    assert response.status_code == 302
    thanked = client.get(response.headers["Location"], follow_redirects=True)
    assert "glad it solved your problem" in thanked.get_data(as_text=True)
    assert _marks(thread.id) == (1, 1)

    client.post(f"/t/{thread.id}/helpful", headers=SAME_SITE)  # the same visitor again
    assert _marks(thread.id) == (1, 1)
    page = client.get(url).get_data(as_text=True)
    assert "already told us" in page


def test_anonymous_post_from_another_site_is_refused(client):
    _, _, thread, _ = factories.solved_thread()
    assert client.post(f"/t/{thread.id}/helpful").status_code == 400
    assert client.post(f"/t/{thread.id}/helpful",
                       headers={"Origin": "https://evil.example"}).status_code == 400
    assert _marks(thread.id) == (0, 0)


def test_signed_in_reader_needs_their_token_and_counts_once(web):
    _, _, thread, _ = factories.solved_thread()
    reader = factories.user(username="reader")
    web.login(reader.username)
    assert web.client.post(f"/t/{thread.id}/helpful", data={},
                           headers=SAME_SITE).status_code == 400  # no CSRF token
    assert web.post(f"/t/{thread.id}/helpful").status_code == 302
    assert web.post(f"/t/{thread.id}/helpful").status_code == 302
    assert _marks(thread.id) == (1, 1)
    mark = db.session.scalar(db.select(HelpfulMark))
    assert mark.user_id == reader.id and mark.visitor == f"u:{reader.id}"


def test_open_and_deleted_threads_are_refused(client, api):
    open_thread = factories.thread()
    assert client.post(f"/t/{open_thread.id}/helpful", headers=SAME_SITE).status_code == 403
    assert api.post(f"/threads/{open_thread.id}/helpful").status_code == 401  # the API's way
    member = factories.user(username="member")
    token = api.token_for(member.email)
    assert api.post(f"/threads/{open_thread.id}/helpful", token=token).status_code == 403
    assert api.post("/threads/999999/helpful").status_code == 404
    page = client.get(f"/t/{open_thread.id}/{open_thread.slug}").get_data(as_text=True)
    assert "This solved my problem" not in page


def test_api_counts_once_per_caller(api):
    _, _, thread, _ = factories.solved_thread()
    assert api.post(f"/threads/{thread.id}/helpful").status_code == 204
    assert api.post(f"/threads/{thread.id}/helpful").status_code == 204  # same address
    assert _marks(thread.id) == (1, 1)


def test_api_signed_in_callers_count_apart(api):
    _, _, thread, _ = factories.solved_thread()
    users = [factories.user(username=f"member{n}") for n in range(2)]
    for user in users:
        token = api.token_for(user.email)
        assert api.post(f"/threads/{thread.id}/helpful", token=token).status_code == 204
    assert api.post(f"/threads/{thread.id}/helpful").status_code == 204  # and one anonymous
    assert _marks(thread.id) == (3, 3)


def test_helpful_posts_are_rate_limited(app, client):
    app.config["RATELIMIT_ENABLED"] = True
    _, _, thread, _ = factories.solved_thread()
    statuses = {client.post(f"/t/{thread.id}/helpful", headers=SAME_SITE).status_code
                for _ in range(61)}
    assert 429 in statuses


def test_the_mark_does_not_break_the_anonymous_cache(client):
    """The page is kept for anonymous readers before and after a mark; the thanks shows only
    on the page after the redirect (a flash), never in the kept copy."""
    _, _, thread, _ = factories.solved_thread()
    url = f"/t/{thread.id}/{thread.slug}"
    client.get(url)
    assert page_cache.lookup(thread.id) is not None
    client.post(f"/t/{thread.id}/helpful", headers=SAME_SITE)
    assert "glad it solved" in client.get(url).get_data(as_text=True)
    second = client.get(url)
    assert "glad it solved" not in second.get_data(as_text=True)
    assert second.headers.get("ETag") and page_cache.lookup(thread.id) is not None


def test_knowledge_item_page_has_the_button_and_comes_back(client):
    _, _, thread, _ = factories.solved_thread()
    from community.knowledge import item_for_thread
    item = item_for_thread(thread.id)
    url = f"/kb/{item.id}-{item.slug}"
    form = BeautifulSoup(client.get(url).get_data(as_text=True), "html.parser") \
        .select_one("form.helpful")
    assert form.select_one("[name=next]")["value"] == url
    response = client.post(form["action"], data={"next": url}, headers=SAME_SITE)
    assert response.headers["Location"].endswith(url)
    response = client.post(form["action"], data={"next": "//evil.example/x"}, headers=SAME_SITE)
    assert "evil" not in response.headers["Location"]


def test_home_leads_with_search_then_helpful_answers_and_categories(client):
    _, _, thread, answer = factories.solved_thread()
    html = client.get("/").get_data(as_text=True)
    soup = BeautifulSoup(html, "html.parser")
    assert soup.h1.get_text() == "How can we help?"
    hero = soup.select_one(".hero form[role=search]")
    assert hero["action"] == "/search" and hero.select_one("input[name=q]")
    headings = [h.get_text() for h in soup.select("main h2")]
    assert headings[:2] == ["Answers that helped most", "From the knowledge base"]
    assert headings.index("Categories") < headings.index("Recent questions")
    card = soup.select_one(".cards .card")
    assert thread.title in card.get_text() and "An answer body" in card.get_text()


def test_home_query_count_does_not_grow_with_rows(client, count_queries):
    counts = []
    for n in (2, 12):
        while db.session.scalar(db.select(db.func.count()).select_from(Thread)) < n:
            factories.solved_thread()
        page_cache.clear()
        with count_queries() as counter:
            assert client.get("/").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


def test_sitemap_lists_public_threads_and_items_and_pages_past_the_limit(app, client):
    _, _, solved, _ = factories.solved_thread()
    plain = factories.thread()
    gone = factories.thread()
    from community import services
    services.delete_post(factories.admin(), gone.question_post_id)
    xml = client.get("/sitemap.xml")
    assert xml.status_code == 200 and xml.content_type.startswith("application/xml")
    locs = re.findall(r"<loc>([^<]+)</loc>", xml.get_data(as_text=True))
    assert any(f"/t/{solved.id}/{solved.slug}" in loc for loc in locs)
    assert any(f"/t/{plain.id}/" in loc for loc in locs)
    assert not any(f"/t/{gone.id}/" in loc for loc in locs)
    assert any("/kb/" in loc for loc in locs)

    app.config["SITEMAP_PAGE_SIZE"] = 1  # three public URLs: an index of numbered pages
    index = client.get("/sitemap.xml").get_data(as_text=True)
    assert "<sitemapindex" in index
    pages = re.findall(r"<loc>https?://[^/]+(/[^<]+)</loc>", index)
    assert pages == ["/sitemap-threads-1.xml", "/sitemap-threads-2.xml", "/sitemap-kb-1.xml"]
    listed = [re.findall(r"<loc>([^<]+)</loc>", client.get(p).get_data(as_text=True))
              for p in pages]
    assert [len(found) for found in listed] == [1, 1, 1]
    assert client.get("/sitemap-threads-3.xml").status_code == 404
    assert client.get("/sitemap-users-1.xml").status_code == 404


def test_robots_names_the_sitemap_and_the_favicon_answers(client):
    robots = client.get("/robots.txt").get_data(as_text=True)
    assert re.search(r"^Sitemap: http://localhost/sitemap\.xml$", robots, re.M)
    assert "Disallow: /staff/" in robots
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.content_type.startswith("image/svg+xml")
    page = BeautifulSoup(client.get("/").get_data(as_text=True), "html.parser")
    assert page.select_one("link[rel=icon]")["href"].endswith("favicon.svg")


def test_thread_has_canonical_open_graph_and_a_jump_to_the_accepted_answer(client):
    _, _, thread, answer = factories.solved_thread()
    soup = BeautifulSoup(client.get(f"/t/{thread.id}/{thread.slug}").get_data(as_text=True),
                         "html.parser")
    canonical = soup.select_one("link[rel=canonical]")["href"]
    assert canonical == f"http://localhost/t/{thread.id}/{thread.slug}"
    assert soup.select_one("meta[property='og:title']")["content"] == thread.title
    assert soup.select_one("meta[property='og:description']")["content"]
    assert soup.select_one(".jump a")["href"] == f"#post-{answer.id}"
    first = soup.select_one("section.answers article")
    assert first["id"] == f"post-{answer.id}" and "accepted" in first["class"]
