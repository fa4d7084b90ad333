"""A query matching more threads than the database backend ranks in full still puts the threads
that hold its words in the title first, pages on, and counts what it found (SQLite and
PostgreSQL alike: the bound is made small here instead of making thousands of threads)."""
import pytest

from search import SearchQuery, search_threads
from community.models import ANONYMOUS
from tests import factories

from .conftest import use_backend


@pytest.fixture
def database(app, monkeypatch):
    backend = use_backend(app, "database")
    engine = backend._fts()
    monkeypatch.setattr(engine, "RANK_DEPTH", 3)
    if hasattr(engine, "_NEWEST"):  # SQLite's bound is written into its SQL
        monkeypatch.setattr(engine, "_NEWEST", engine._NEWEST.replace("LIMIT 2000", "LIMIT 3"))
    return engine


def find(text, **query):
    return search_threads(ANONYMOUS, SearchQuery(text, **query))


def test_the_title_match_comes_first_among_many_body_matches(database):
    in_title = factories.thread(title="Gateway timeout after the upgrade",
                                body="Every payment stalls.")
    in_body = [factories.thread(title=f"Question number {n}",
                                body=f"Somewhere in case {n} the gateway answered slowly.")
               for n in range(8)]
    result = find("gateway", limit=2)
    assert result.hits[0].thread_id == in_title.id
    assert result.total == 9
    second = find("gateway", limit=2, offset=1)
    assert second.hits[0].thread_id == result.hits[1].thread_id
    assert second.hits[0].thread_id in {t.id for t in in_body}
    everything = {hit.thread_id for hit in find("gateway", limit=20).hits}
    assert everything == {in_title.id, *(t.id for t in in_body)}


def test_the_snippet_of_a_broad_query_marks_the_word(database):
    for n in range(5):
        factories.thread(title=f"Question {n}", body=f"The ledger {n} shows a gap.")
    hits = find("ledger").hits
    assert len(hits) == 5 and all("<mark>ledger</mark>" in hit.snippet_html for hit in hits)
