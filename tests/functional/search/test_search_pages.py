"""The search page, the header box, the API, clicks and the staff analytics page."""
import re

import pytest
from bs4 import BeautifulSoup

from search import analytics
from tests import factories
from tests.functional.search.conftest import catch_up


def _soup(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


@pytest.fixture
def content(app):
    billing = factories.category(slug="billing", name="Billing")
    solved = factories.solved_thread()[2]
    from community import services
    from community.models import User
    from core.database import db
    boss = db.session.scalar(db.select(User).where(User.role == "admin"))
    services.edit_thread(boss, solved.id, title="Refund takes two weeks to arrive",
                         body="Where is my refund <script>alert(1)</script>?", category="billing",
                         tags=["refunds"])
    open_ = factories.thread(title="Refund button is greyed out", category_=billing,
                             body="I cannot press the refund button.")
    catch_up()
    return solved, open_


def test_every_page_has_a_labelled_search_box(client):
    soup = _soup(client.get("/threads"))
    form = soup.find("form", attrs={"role": "search"})
    assert form["method"] == "get" and form["action"].endswith("/search")
    box = form.find("input", attrs={"name": "q"})
    assert soup.find("label", attrs={"for": box["id"]}).get_text().strip()


def test_results_show_title_safe_snippet_solved_mark_and_filters(client, content):
    solved, open_ = content
    response = client.get("/search?q=refund")
    assert response.status_code == 200
    soup = _soup(response)
    rows = soup.select("ol.results li.thread-row")
    assert len(rows) == 2
    assert "2 results" in soup.select_one(".count").get_text()
    solved_row = next(r for r in rows if "two weeks" in r.get_text())
    assert solved_row.select_one(".badge.solved")
    assert solved_row.select_one(".snippet mark")
    assert not soup.select(".snippet script") and "<script>alert" not in str(soup.select(".snippet"))
    only_open = _soup(client.get("/search?q=refund&status=open")).select("ol.results li.thread-row")
    assert [r.h3.a.get_text() for r in only_open] == ["Refund button is greyed out"]
    tagged = _soup(client.get("/search?q=refund&tag=refunds")).select("ol.results li.thread-row")
    assert len(tagged) == 1


def test_an_empty_result_offers_to_ask_with_the_query_as_title(client, content):
    soup = _soup(client.get("/search?q=teleportation"))
    link = soup.select_one("li.empty a")
    assert "/ask" in link["href"] and "title=teleportation" in link["href"]


def test_did_you_mean_links_to_the_corrected_search(client, content):
    soup = _soup(client.get("/search?q=refnud"))
    link = soup.select_one(".suggestion a")
    assert link.get_text() == "refund" and "q=refund" in link["href"]


def test_bad_search_parameters_are_a_400_page_that_keeps_the_box(client):
    response = client.get("/search?q=" + "x" * 201)
    assert response.status_code == 400 and _soup(response).select_one(".error")
    assert client.get("/search?q=a&sort=loudest").status_code == 400
    assert client.get("/search?q=a&status=maybe").status_code == 400
    assert client.get("/search?q=a%00b").status_code == 400  # every URL with a NUL is refused


def test_paging_links_walk_the_results(client, app):
    for n in range(25):
        factories.thread(title=f"Paging subject number {n}")
    catch_up()
    first = _soup(client.get("/search?q=paging&sort=newest"))
    assert len(first.select("ol.results li.thread-row")) == 20
    more = first.find("a", rel="next")["href"]
    second = _soup(client.get(more))
    assert len(second.select("ol.results li.thread-row")) == 5
    assert second.find("a", rel="next") is None


def test_the_api_answers_the_contract_shape(api, content):
    solved, open_ = content
    response = api.get("/search?q=refund&sort=relevance&limit=1")
    assert response.status_code == 200
    body = response.json
    assert body["total"] == 2 and len(body["items"]) == 1 and body["next_cursor"] == "1"
    item = body["items"][0]
    assert set(item) >= {"thread_id", "title", "url", "snippet_html", "status", "score", "rank"}
    assert item["rank"] == 1 and item["url"].startswith("http")
    second = api.get("/search?q=refund&limit=1&cursor=1").json
    assert second["items"][0]["rank"] == 2 and second["next_cursor"] is None
    assert {item["thread_id"], second["items"][0]["thread_id"]} == {solved.id, open_.id}
    assert api.get("/search?q=refnud").json["suggestion"] == "refund"


@pytest.mark.parametrize("args", ["sort=loudest", "status=maybe", "q=" + "x" * 201,
                                  "limit=0", "limit=51", "cursor=abc", "category=" + "c" * 65])
def test_the_api_refuses_bad_parameters_naming_them(api, args):
    # 400 with the fields named, as every list of the API answers a bad query parameter.
    response = api.get(f"/search?{args}")
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json" and response.json["errors"]


def test_a_result_click_is_counted_and_redirects_to_the_thread(client, app, content):
    solved, _ = content
    soup = _soup(client.get("/search?q=refund"))
    link = next(a["href"] for a in soup.select("ol.results h3 a") if "two" in a.get_text())
    response = client.get(link)
    assert response.status_code == 303
    assert re.search(rf"/t/{solved.id}/", response.headers["Location"])
    assert client.get("/search/click?t=forged").status_code == 404
    analytics.flush()
    (row,) = analytics.top_queries(7)
    assert (row.query, row.searches, row.zero_results, row.clicks) == ("refund", 1, 0, 1)


def test_searches_are_recorded_off_the_request_and_counted_after_the_flush(client, count_queries,
                                                                          content):
    with count_queries() as counter:
        client.get("/search?q=Refund")
        client.get("/search?q=%20refund%20")
        client.get("/search?q=teleportation")
    assert not any(s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
                   for s in counter.statements)
    assert analytics.top_queries(7) == []
    analytics.flush()
    top = {row.query: (row.searches, row.zero_results) for row in analytics.top_queries(30)}
    # One visitor asking "refund" twice counts once (distinct visitors a day).
    assert top == {"refund": (1, 0), "teleportation": (1, 1)}
    assert [row.query for row in analytics.top_queries(7, zero_only=True)] == ["teleportation"]


@pytest.mark.parametrize("role, status", [(None, 302), ("member", 403), ("moderator", 200),
                                          ("support", 200), ("admin", 200)])
def test_the_staff_analytics_page_is_for_staff(web, app, role, status):
    if role:
        factories.user(role, username=f"the{role}")
        web.login(f"the{role}")
    assert web.get("/staff/search").status_code == status


def test_the_staff_page_lists_top_and_zero_result_queries(web, client, content):
    client.get("/search?q=refund")
    client.get("/search?q=teleportation")
    analytics.flush()
    factories.user("support", username="agent1")
    web.login("agent1")
    soup = _soup(web.get("/staff/search"))
    text = soup.get_text(" ")
    assert "Last 7 days" in text and "Last 30 days" in text
    gaps = soup.select("section")[0].select("table")[1].get_text(" ")
    assert "teleportation" in gaps and "refund" not in gaps


def test_the_search_page_query_count_does_not_grow_with_results(client, count_queries, app):
    # The vector index reads the database on first use, then once a refresh period: warmed up
    # and held still, so that only the page's own queries are counted.
    app.config["SEMANTIC_REFRESH_SECONDS"] = 3600
    client.get("/search?q=countable")
    for n in range(3):
        factories.thread(title=f"Countable topic {n}", tags=["alpha", f"t{n}"])
    catch_up()
    with count_queries() as few:
        client.get("/search?q=countable")
    for n in range(3, 15):
        factories.thread(title=f"Countable topic {n}", tags=["alpha", f"t{n}"])
    catch_up()
    with count_queries() as many:
        page = client.get("/search?q=countable")
    assert len(_soup(page).select("ol.results li.thread-row")) == 15
    assert many.count == few.count
