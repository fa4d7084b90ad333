"""One suite for every backend: Whoosh, database on SQLite (FTS5), database on PostgreSQL.
Content is made through the real services; indexing runs as it does in production."""
import pytest
from bs4 import BeautifulSoup

from community import services
from community.models import ANONYMOUS
from search import SearchQuery, search_threads
from tests import factories

HOSTILE = ['"', "'", '"unbalanced', "NOT", "NOT NOT", "a AND OR NOT b", "*", "**", "title:",
           "(", ")", "()", "[", "{", "}", "^", "~", "-", "--x", "+", "\\", "\x00", "a\x00b",
           "NEAR(a b)", "a*", "col:value", ":", "&", "|", "!", "<->", "' OR 1=1 --",
           "x" * 10_000, "é" * 300, "\u202e", "🙂", "a" * 65, " ", "\t\n"]


def ids(result):
    return [hit.thread_id for hit in result.hits]


def find(text, **filters):
    return search_threads(ANONYMOUS, SearchQuery(text, **filters))


def test_stemming_finds_other_forms_of_a_word(indexed):
    wanted = factories.thread(title="Printer keeps waking up at night",
                              body="The device wakes up every hour.")
    factories.thread(title="Unrelated invoice export question", body="Nothing about devices.")
    indexed()
    assert ids(find("wake")) == [wanted.id]
    assert ids(find("waking")) == [wanted.id]


def test_accents_are_folded_both_ways(indexed):
    cafe = factories.thread(title="Our café cannot print receipts", body="Receipts fail.")
    naive = factories.thread(title="A naive question about resume", body="Plain text here.")
    indexed()
    assert ids(find("cafe")) == [cafe.id]
    assert ids(find("café")) == [cafe.id]
    assert ids(find("naïve")) == [naive.id]


def test_a_title_match_outranks_a_body_match(indexed):
    body_only = factories.thread(title="Question about the monthly report",
                                 body="Somewhere deep in here the word reconciliation appears.")
    in_title = factories.thread(title="Reconciliation fails for card payments",
                                body="The monthly run stops halfway.")
    indexed()
    assert ids(find("reconciliation")) == [in_title.id, body_only.id]


def test_answers_and_tags_are_searched(indexed):
    thread = factories.thread(title="Cannot send the statement", body="It just spins.",
                              tags=["smtp-relay"])
    factories.answer(thread, body="Set the outbound port to 587 and it works.")
    indexed()
    assert ids(find("outbound")) == [thread.id]
    assert ids(find("smtp")) == [thread.id]


def test_filters_by_category_tag_and_status(indexed):
    billing, hardware = factories.category(slug="billing"), factories.category(slug="hardware")
    _, _, solved, _ = factories.solved_thread()
    services.edit_thread(_admin(), solved.id,
                         title="Widget problem that got solved", category="billing")
    open_ = factories.thread(title="Widget problem still open", category_=hardware,
                             tags=["scanner"])
    answered = factories.thread(title="Widget problem with an answer", category_=billing)
    factories.answer(answered)
    indexed()
    assert set(ids(find("widget"))) == {solved.id, open_.id, answered.id}
    assert set(ids(find("widget", category="billing"))) == {solved.id, answered.id}
    assert ids(find("widget", tag="scanner")) == [open_.id]
    assert ids(find("widget", status="solved")) == [solved.id]
    assert set(ids(find("widget", status="open"))) == {open_.id, answered.id}
    assert ids(find("widget", status="unanswered")) == [open_.id]
    assert find("widget", category="hardware", status="solved").total == 0


def _admin():
    from community.models import User
    from core.database import db
    return db.session.scalar(db.select(User).where(User.role == "admin"))


def test_sorts_by_newest_and_by_votes(indexed):
    first = factories.thread(title="Gadget question one")
    second = factories.thread(title="Gadget question two")
    third = factories.thread(title="Gadget question three")
    services.cast_vote(factories.user(), second.question_post_id, 1)
    indexed()
    assert ids(find("gadget", sort="newest")) == [third.id, second.id, first.id]
    assert ids(find("gadget", sort="votes"))[0] == second.id


def test_each_word_may_match_another_field_and_the_total_counts_past_the_page(indexed):
    hardware = factories.category(slug="hardware")
    made = {factories.thread(title=f"Sprocket report {n}", body="The flange rattles loudly.",
                             category_=hardware).id for n in range(4)}
    factories.thread(title="Sprocket with a flange, elsewhere")
    factories.thread(title="Sprocket alone", category_=hardware)
    indexed()
    page = find("sprocket flange", category="hardware", limit=2)
    assert page.total == 4 and len(page.hits) == 2 and set(ids(page)) <= made


def test_paging_walks_every_result_once(indexed):
    made = {factories.thread(title=f"Pagination topic number {n}").id for n in range(7)}
    indexed()
    seen = []
    for offset in range(0, 9, 3):
        page = find("pagination", sort="newest", offset=offset, limit=3)
        assert page.total == 7
        seen += ids(page)
    assert len(seen) == 7 and set(seen) == made


def test_snippets_highlight_matches_and_escape_everything_else(indexed):
    payload = "<img src=x onerror=alert(1)> <script>alert('x')</script> the gizmo froze"
    thread = factories.thread(title="Display trouble", body=payload)
    indexed()
    (hit,) = find("gizmo").hits
    assert hit.thread_id == thread.id
    soup = BeautifulSoup(hit.snippet_html, "html.parser")
    assert [tag.name for tag in soup.find_all(True)] == ["mark"]
    assert soup.mark.get_text().lower() == "gizmo"
    assert "<script" not in hit.snippet_html and "<img" not in hit.snippet_html


def test_did_you_mean_offers_the_word_people_wrote(indexed):
    factories.thread(title="Invoice totals are wrong", body="The invoice shows the wrong total.")
    indexed()
    result = find("invioce")
    assert result.total == 0
    assert result.suggestion == "invoice"
    assert find("invoice").suggestion is None


def test_deleted_threads_deleted_answers_and_drafts_are_never_found(indexed):
    gone = factories.thread(title="Thread about zeppelins")
    services.delete_post(_admin(), gone.question_post_id)
    kept = factories.thread(title="Thread about balloons")
    answer = factories.answer(kept, body="An answer mentioning quokkas only.")
    services.delete_post(_admin(), answer.id)
    agent = factories.user("support")
    services.create_answer(agent, kept.id, "A draft resolution mentioning wombats.",
                           is_draft=True)
    indexed()
    assert find("zeppelins").total == 0
    assert find("quokkas").total == 0
    assert find("wombats").total == 0
    assert ids(find("balloons")) == [kept.id]


def test_a_draft_resolution_is_found_once_staff_publish_it(indexed):
    thread = factories.thread(title="Thread about gateways")
    agent = factories.user("support")
    draft = services.create_answer(agent, thread.id, "A resolution mentioning capybaras.",
                                   is_draft=True)
    indexed()
    assert find("capybaras").total == 0
    services.publish_draft(agent, draft.id)
    indexed()
    assert ids(find("capybaras")) == [thread.id]


def test_an_edit_reindexes_the_thread(indexed):
    thread = factories.thread(title="Original title about llamas")
    indexed()
    services.edit_thread(_admin(), thread.id,
                         title="Edited title about alpacas")
    indexed()
    assert find("llamas").total == 0
    assert ids(find("alpacas")) == [thread.id]


def test_a_restored_thread_comes_back(indexed):
    thread = factories.thread(title="Thread about narwhals")
    services.delete_post(_admin(), thread.question_post_id)
    indexed()
    assert find("narwhals").total == 0
    services.restore_post(_admin(), thread.question_post_id)
    indexed()
    assert ids(find("narwhals")) == [thread.id]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_query_strings_never_raise(indexed, text):
    factories.thread(title="Something to search among")
    backend = indexed()
    for sort in ("relevance", "newest", "votes"):
        result = find(text, sort=sort)
        assert result.total >= 0
    assert isinstance(backend.candidates(text), list)


def test_candidates_rank_any_word_best_first(indexed):
    both = factories.thread(title="Export invoices to spreadsheet")
    one = factories.thread(title="Export contacts somewhere")
    factories.thread(title="Nothing in common here")
    backend = indexed()
    found = backend.candidates("export invoices")
    assert [thread_id for thread_id, _ in found] == [both.id, one.id]
    assert found[0][1] >= found[1][1]


def test_candidates_weigh_the_word_that_tells_threads_apart(indexed):
    # Similar questions are an OR of the question's words: sharing its one rare word says more
    # than sharing the word every thread uses.
    common = [factories.thread(title=f"Invoice {topic} question", body="Invoice details.")
              for topic in ("email", "totals", "layout", "numbering")]
    rare = factories.thread(title="Reconciliation of card payments", body="It stops halfway.")
    backend = indexed()
    found = [thread_id for thread_id, _ in backend.candidates("invoice reconciliation")]
    assert found[0] == rare.id and set(found) == {rare.id, *(t.id for t in common)}


def test_indexed_fingerprints_cover_every_live_thread(indexed):
    live = factories.thread(title="Live thread")
    gone = factories.thread(title="Deleted thread")
    services.delete_post(_admin(), gone.question_post_id)
    backend = indexed()
    assert set(backend.indexed()) == {live.id}
    backend.clear()
    assert backend.indexed() == {} and find("live").total == 0


def test_similar_candidates_on_an_empty_index_are_none(indexed):
    """A community with no threads yet: the ask form's similar questions are an empty list."""
    assert indexed().candidates("laptop will not wake", limit=10) == []
