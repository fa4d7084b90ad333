"""Hybrid /search on every backend: found by meaning, lexical with SEARCH_SEMANTIC=off, the
voted-up question and then the solved one first among equals, the accepted answer's excerpt,
did-you-mean from the index's vocabulary, the empty result that offers to ask, and the demo's own
questions found in a customer's words."""
from bs4 import BeautifulSoup

from app.demo import seed_demo_community
from community.models import ANONYMOUS
from search import SearchQuery, search_threads
from tests import factories
from tests.functional.search.conftest import catch_up
from tests.functional.semantic.conftest import embed


def _soup(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def _titles(client, q, **args):
    rows = _soup(client.get("/search", query_string={"q": q, **args})).select(
        "ol.results li.thread-row h3 a")
    return [a.get_text() for a in rows]


def _support_forum():
    category = factories.category("Help", "help")
    made = {
        "sleep": factories.thread(category_=category,
                                  title="Notebook stuck on black screen after sleep",
                                  body="When I open the lid the display stays dark."),
        "invoice": factories.thread(category_=category,
                                    title="Where can I download my invoices as PDF?",
                                    body="I need last month's bill for my accountant."),
        "printer": factories.thread(category_=category,
                                    title="Printer prints blank pages after driver update",
                                    body="Every page comes out of the printer empty."),
    }
    catch_up()
    embed()
    return made


def test_found_by_meaning_with_no_shared_word(app, client, backend):
    made = _support_forum()
    assert _titles(client, "laptop will not wake")[0] == made["sleep"].title
    response = client.get("/api/v1/search", query_string={"q": "laptop will not wake"})
    assert response.status_code == 200
    assert response.json["items"][0]["thread_id"] == made["sleep"].id


def test_semantic_off_is_lexical_only(app, client, backend):
    _support_forum()
    app.config["SEARCH_SEMANTIC"] = "off"
    assert _titles(client, "laptop will not wake") == []
    assert _titles(client, "printer") == ["Printer prints blank pages after driver update"]


def test_filters_apply_to_what_meaning_found(app, client, backend):
    made = _support_forum()
    other = factories.category("Elsewhere", "elsewhere")
    factories.thread(category_=other, title="Laptop display dark after waking",
                     body="Screen black when the notebook wakes up.")
    catch_up()
    embed()
    assert made["sleep"].title in _titles(client, "laptop will not wake", category="help")
    assert "Laptop display dark after waking" not in _titles(client, "laptop will not wake",
                                                             category="help")
    assert _titles(client, "laptop will not wake", status="solved") == []


def test_solved_ranks_above_open_among_equals(app, backend):
    category = factories.category("Help", "help")
    open_ = factories.thread(category_=category, title="Gizmo rattles when cold",
                             body="The gizmo rattles in winter.")
    asker, _, solved, answer = factories.solved_thread()
    from community import services
    services.edit_thread(factories.admin(), solved.id, title="Gizmo rattles when cold",
                         body="The gizmo rattles in winter.", category="help", tags=[])
    factories.answer(open_, body=answer.body)  # the same words: only the status differs
    catch_up()
    embed()
    found = [hit.thread_id for hit in search_threads(ANONYMOUS, SearchQuery("gizmo rattles")).hits]
    assert found[:2] == [solved.id, open_.id]


def test_the_voted_up_question_ranks_first_among_equals(app, backend):
    from community import services
    category = factories.category("Help", "help")
    older, voted = (factories.thread(category_=category, title="Gizmo squeaks when cold",
                                     body="The gizmo squeaks in winter.") for _ in range(2))
    services.cast_vote(factories.user(), voted.question_post_id, 1)
    catch_up()
    embed()
    found = [hit.thread_id for hit in search_threads(ANONYMOUS, SearchQuery("gizmo squeaks")).hits]
    assert found[:2] == [voted.id, older.id]


def test_results_carry_the_accepted_answers_opening(app, client, backend):
    _, _, solved, answer = factories.solved_thread()
    catch_up()
    embed()
    q = solved.title.split()[0]
    soup = _soup(client.get("/search", query_string={"q": solved.title}))
    row = next(r for r in soup.select("ol.results li.thread-row")
               if r.h3.a.get_text() == solved.title)
    assert row.select_one(".badge.solved")
    assert answer.body[:20] in row.select_one(".answer-excerpt").get_text()
    assert row.select_one(".stats").get_text().split()[2] == "1"  # answers
    items = client.get("/api/v1/search", query_string={"q": solved.title}).json["items"]
    item = next(i for i in items if i["thread_id"] == solved.id)
    assert item["answer_excerpt"].startswith(answer.body[:20]) and q


def test_did_you_mean_draws_on_words_only_bodies_hold(app, client, backend):
    factories.thread(title="Cannot export the ledger", body="The reconciliation report hangs.")
    catch_up()
    soup = _soup(client.get("/search", query_string={"q": "reconcilation"}))
    assert soup.select_one(".suggestion a").get_text() == "reconciliation"
    # Stop words are words, not typos.
    soup = _soup(client.get("/search", query_string={"q": "where are my reconcilation"}))
    assert soup.select_one(".suggestion a").get_text() == "where are my reconciliation"


def test_an_empty_result_offers_to_ask_the_community_with_the_query(app, client, backend):
    factories.thread(title="Something else entirely")
    catch_up()
    soup = _soup(client.get("/search", query_string={"q": "teleportation pods"}))
    ask = soup.select_one("ol.results .empty a.ask-community")
    assert ask.get_text().strip() == "Ask the community"
    assert ask["href"].endswith("/ask?title=teleportation+pods")


def test_the_demo_answers_a_customer_in_their_own_words(app, client, backend):
    seed_demo_community()
    catch_up()
    embed()
    found = _titles(client, "forgot my password")
    assert "How do I reset my password if I lost access to my email?" in found[:3]
    bills = _titles(client, "where are my bills")
    assert any("invoice" in title.lower() for title in bills[:3])
    assert "app" not in (_soup(client.get("/search?q=where+are+my+bills")).select_one(
        ".suggestion a") or BeautifulSoup("", "html.parser")).get_text()
