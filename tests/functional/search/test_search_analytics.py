"""Search analytics: distinct visitors (one client cannot flood them), deflections (helpful marks
and solved results opened with no question asked that day), the staff API and the staff page."""
import pytest
from bs4 import BeautifulSoup

from search import analytics
from tests import factories
from tests.functional.search.conftest import catch_up

ONE, TWO = {"REMOTE_ADDR": "203.0.113.1"}, {"REMOTE_ADDR": "203.0.113.2"}


@pytest.fixture
def solved(app):
    thread = factories.solved_thread()[2]
    catch_up()
    return thread


def _click(client, q, thread, here):
    soup = BeautifulSoup(client.get("/search", query_string={"q": q}, environ_base=here)
                         .get_data(as_text=True), "html.parser")
    link = next(a["href"] for a in soup.select("ol.results h3 a")
                if a.get_text() == thread.title)
    assert client.get(link, environ_base=here).status_code == 303


def test_one_client_repeating_a_search_counts_once(app, client, solved):
    for _ in range(20):
        client.get("/search?q=flood+query", environ_base=ONE)
    client.get("/search?q=flood+query", environ_base=TWO)
    analytics.flush()
    (row,) = [r for r in analytics.top_queries(7) if r.query == "flood query"]
    assert (row.searches, row.zero_results) == (2, 2)
    assert analytics.totals(7) == (2, 2, 0)


def test_a_solved_result_opened_without_asking_is_a_deflection(app, client, solved):
    _click(client, solved.title, solved, ONE)
    _click(client, solved.title, solved, ONE)  # the same visitor again: still one
    analytics.flush()
    report = analytics.report(7)
    assert (report["clicks"], report["deflections"]) == (1, 1)
    assert report["threads"][0]["thread_id"] == solved.id
    assert report["queries"][0]["deflections"] == 1
    assert report["by_day"][-1]["deflections"] == 1 and len(report["by_day"]) == 7


def test_a_question_asked_in_the_visit_cancels_the_click_deflection(app, client, solved):
    _click(client, solved.title, solved, ONE)
    _click(client, solved.title, solved, TWO)
    with app.test_request_context(environ_base=TWO):
        analytics.record_question_asked()
    analytics.flush()
    assert analytics.report(7)["deflections"] == 1


def test_helpful_marks_count_once_per_visitor_and_thread(app, solved):
    with app.test_request_context(environ_base=ONE):
        for _ in range(5):
            analytics.record_deflection(solved.id, query="Refund help")
        who = analytics.visitor(address="203.0.113.2")
    analytics.record_deflection(solved.id, visitor=who)
    analytics.flush()
    report = analytics.report(30)
    assert report["deflections"] == 2
    assert report["threads"] == [{"thread_id": solved.id, "title": solved.title, "clicks": 0,
                                  "deflections": 2}]


def test_the_leading_query_is_remembered_for_the_helpful_mark(app, client, solved):
    _click(client, solved.title, solved, ONE)
    with client.session_transaction() as session:
        led = session[analytics.LED_FROM]
    assert led == [solved.id, analytics.normalise(solved.title)]


@pytest.mark.parametrize("role, status", [(None, 401), ("member", 403), ("support", 200)])
def test_the_analytics_api_is_for_staff(app, api, role, status):
    token = api.token_for(factories.user(role).email) if role else None
    assert api.get("/search/analytics?days=7", token).status_code == status


def test_the_analytics_api_and_page_show_searches_and_deflections(app, api, web, client, solved):
    _click(client, solved.title, solved, ONE)
    client.get("/search?q=teleportation", environ_base=TWO)
    analytics.flush()
    token = api.token_for(factories.user("support").email)
    body = api.get("/search/analytics?days=7", token).json
    assert (body["searches"], body["zero_result"], body["clicks"], body["deflections"]) == \
        (2, 1, 1, 1)
    assert {q["query"] for q in body["queries"]} == {analytics.normalise(solved.title),
                                                     "teleportation"}
    assert body["threads"][0]["deflections"] == 1 and len(body["by_day"]) == 7
    assert api.get("/search/analytics?days=0", token).status_code == 400
    factories.user("moderator", username="mod1")
    web.login("mod1")
    soup = BeautifulSoup(web.get("/staff/search?days=7").get_data(as_text=True), "html.parser")
    assert soup.select("svg[role=img] polyline.series")
    assert "1 deflections" in soup.select_one(".analytics-totals").get_text()


def test_this_solved_my_problem_counts_as_a_deflection_for_the_query_that_led_there(app, api, solved):
    """The helpful button (community.deflections) reaches the analytics through its event."""
    page = "http://localhost/search?q=x"
    headers = {"Referer": page}
    client = app.test_client()
    _click(client, "Refund help " + solved.title, solved, ONE)
    assert client.post(f"/t/{solved.id}/helpful", headers=headers, environ_base=ONE).status_code == 302
    assert api.post(f"/threads/{solved.id}/helpful", environ_base=TWO).status_code == 204
    analytics.flush()
    report = analytics.report(7)
    assert report["threads"][0]["thread_id"] == solved.id
    assert report["threads"][0]["deflections"] == 3  # the opened result and the two marks
    (row,) = [r for r in report["queries"] if r["query"] == analytics.normalise(
        "Refund help " + solved.title)]
    assert row["deflections"] == 2  # the click-through and the mark that followed it
