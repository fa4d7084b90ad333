"""GET /api/v1/search/similar and the ask form's "Check for similar questions" step."""
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from community.models import Thread
from core.database import db
from tests import factories
from tests.functional.test_api_strict_input import assert_problem


def test_similar_items_have_the_search_item_shape(api, forum):
    response = api.get("/search/similar?title=laptop%20will%20not%20wake")
    assert response.status_code == 200
    items = response.json["items"]
    assert 1 <= len(items) <= 10 and response.json["next_cursor"] is None
    first = items[0]
    assert set(first) == {"thread_id", "title", "url", "status", "score", "answer_count", "rank",
                          "similarity"}
    sleep = forum["sleep"]
    assert first["thread_id"] == sleep.id and first["rank"] == 1
    assert first["url"] == f"http://localhost/t/{sleep.id}/{sleep.slug}"
    assert first["status"] in ("open", "solved") and isinstance(first["similarity"], float)
    assert [i["rank"] for i in items] == list(range(1, len(items) + 1))


def test_limit_and_body(api, forum):
    items = api.get("/search/similar", query_string={
        "title": "Strange sound", "body": "It clicks every few seconds.", "limit": 3}).json["items"]
    assert len(items) <= 3 and items[0]["thread_id"] == forum["fan"].id


@pytest.mark.parametrize("query, field", [
    ({}, "title"), ({"title": ""}, "title"), ({"title": "   "}, "title"),
    ({"title": "x" * 201}, "title"), ({"title": "ok title", "body": "y" * 30001}, "body"),
])
def test_missing_empty_or_huge_input_is_a_422(api, app, query, field):
    problem = assert_problem(api.get("/search/similar", query_string=query), 422)
    assert field in problem["errors"]


@pytest.mark.parametrize("query", [{"limit": "0", "title": "fine title"},
                                   {"limit": "11", "title": "fine title"},
                                   {"limit": "ten", "title": "fine title"},
                                   {"title": "nul \x00 inside"}])
def test_bad_limits_and_nul_are_refused(api, app, query):
    assert api.get("/search/similar", query_string=query).status_code in (400, 422)


def test_hostile_strings_never_fail(api, app, forum, naughty_titles):
    # One client sends them all: the per-address limit (tests/functional/search/
    # test_search_abuse.py) is raised out of the way.
    app.config["SEARCH_RATE_LIMIT"] = "10000 per minute"
    for title in naughty_titles:
        response = api.get("/search/similar", query_string={"title": title})
        assert response.status_code in (200, 422), (title, response.status_code)
    for raw in ("%ED%A0%80", "%FF%FE", "%C0%AF"):  # a lone surrogate, invalid UTF-8
        assert api.get(f"/search/similar?title={raw}").status_code in (200, 400, 422)


@pytest.fixture
def naughty_titles():
    titles = ["<script>alert(1)</script>", "\" OR 1=1 --", "title:(a OR b) AND NOT", "\u202e evil",
              "👩‍👩‍👧‍👦" * 20, "NEAR(a b)", "*", "\\", "%00", "ﷺ" * 50]
    from tests.conftest import SHARED
    blns = SHARED / "data" / "security" / "blns" / "blns.txt"
    if blns.exists():
        titles += [line for line in blns.read_text(errors="replace").splitlines()
                   if line.strip() and not line.startswith("#")][:300]
    return [t[:200] for t in titles]


def _ask(web):
    factories.user(username="asker")
    web.login("asker")
    page = web.get("/ask").get_data(as_text=True)
    soup = BeautifulSoup(page, "html.parser")
    token = soup.find("input", attrs={"name": "submission_token"})["value"]
    return soup, token


def test_the_check_step_lists_similar_threads_keeps_the_input_and_posts_nothing(web, forum):
    soup, token = _ask(web)
    assert soup.find(id="similar")["aria-live"] == "polite"
    assert soup.find("button", attrs={"name": "step", "value": "check"}) is not None
    form = {"title": "laptop will not wake", "body": "Since yesterday.", "category": "help",
            "tags": "", "submission_token": token, "step": "check"}
    response = web.post("/ask", form)
    assert response.status_code == 200
    checked = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    links = checked.select("#similar li a")
    assert links and links[0]["href"] == f"/t/{forum['sleep'].id}/{forum['sleep'].slug}"
    assert len(links) <= 5
    assert checked.find(id="title")["value"] == "laptop will not wake"
    assert checked.find(id="body").text == "Since yesterday."
    assert checked.find("input", attrs={"name": "submission_token"})["value"] == token
    db.session.rollback()
    before = db.session.scalar(select(func.count(Thread.id)))
    form.pop("step")
    posted = web.post("/ask", form)  # "Post your question", same one-time token
    assert posted.status_code == 302
    db.session.rollback()
    assert db.session.scalar(select(func.count(Thread.id))) == before + 1
    assert web.post("/ask", form).headers["Location"] == posted.headers["Location"]


def test_the_check_step_asks_for_a_title_first(web, app):
    factories.category("Help", "help")
    soup, token = _ask(web)
    response = web.post("/ask", {"title": "", "body": "", "category": "help",
                                 "submission_token": token, "step": "check"})
    assert response.status_code == 422
    assert "is required" in response.get_data(as_text=True)


def test_similar_titles_are_escaped_in_the_check_step(web, app):
    category = factories.category("Help", "help")
    factories.thread(title="<img src=x onerror=alert(1)> printer jams", category_=category)
    from tests.functional.search.conftest import catch_up
    from tests.functional.semantic.conftest import embed
    catch_up()
    embed()
    soup, token = _ask(web)
    response = web.post("/ask", {"title": "printer jams", "body": "", "category": "help",
                                 "submission_token": token, "step": "check"})
    html = response.get_data(as_text=True)
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_a_title_brought_from_a_search_lists_similar_threads_at_once(web, forum):
    _ask(web)
    page = BeautifulSoup(web.get("/ask?title=laptop+will+not+wake").get_data(as_text=True),
                         "html.parser")
    assert page.find(id="title")["value"] == "laptop will not wake"
    assert page.select("#similar li a")[0]["href"].startswith(f"/t/{forum['sleep'].id}/")


def test_the_query_count_does_not_grow_with_the_results(api, app, count_queries):
    from tests.functional.search.conftest import catch_up
    from tests.functional.semantic.conftest import embed
    category, counts = factories.category("Help", "help"), []
    for total in (2, 12):
        while db.session.scalar(select(func.count(Thread.id))) < total:
            factories.thread(title="Printer jams on every page", category_=category)
        catch_up()
        embed()
        api.get("/search/similar?title=printer+jam")  # warm: the index reads new vectors
        with count_queries() as counter:
            items = api.get("/search/similar?title=printer+jam").json["items"]
        assert len(items) == min(total, 10)
        counts.append(counter.count)
    assert counts[0] == counts[1]
