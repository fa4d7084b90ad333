"""bench/search_quality.py's harness, on its own: pairs from a dump, the figures, and a whole
run with a trivial ranking passed in (the real one arrives with helper/search and semantic)."""
from sqlalchemy import select

from bench import search_quality as quality
from community.models import Thread
from core.database import db
from tests.conftest import shared_path
from tests.functional._se_dumps import write_dump


def test_figures_from_ranks():
    figures = quality.metrics([1, 2, None, 5, 10])
    assert figures == {"pairs": 5, "recall@1": 0.2, "recall@5": 0.6, "recall@10": 0.8,
                       "mrr@10": (1 + 1 / 2 + 1 / 5 + 1 / 10) / 5}
    assert quality.rank_of(7, list(range(20))) == 8
    assert quality.rank_of(12, list(range(20))) is None  # past the first 10
    assert quality.metrics([])["recall@10"] == 0.0


def test_pairs_are_duplicate_links_between_two_present_questions(tmp_path):
    pairs = quality.duplicate_pairs(write_dump(tmp_path / "beer"))
    assert pairs == [quality.Pair("14", "10", "Brewing pale ale at home, how?")]


def test_the_shared_dumps_give_17_and_9_pairs():
    assert len(quality.duplicate_pairs(shared_path("stackexchange", "beer"))) == 17
    assert len(quality.duplicate_pairs(shared_path("stackexchange", "bicycles_meta"))) == 9


def overlap_ranker(app):
    """Threads by how many title words they share with the query: a stand-in ranking."""
    titles = dict(db.session.execute(select(Thread.id, Thread.title)).all())

    def rank(title, exclude):
        words = set(title.lower().replace(",", " ").replace("?", " ").split())
        scored = sorted((-len(words & set(t.lower().replace("?", " ").split())), i)
                        for i, t in titles.items() if i != exclude)
        return [i for _, i in scored]
    return rank


def test_a_run_imports_ranks_and_prints_the_table(tmp_path):
    lines = []
    rows = quality.run([write_dump(tmp_path / "beer")], semantic=("off",),
                       backends=("whoosh/sqlite",), ranker=overlap_ranker, out=lines.append)
    assert [r["dump"] for r in rows] == ["beer", "pooled"]
    assert rows[-1]["pairs"] == 1 and rows[-1]["recall@1"] == 1.0 and rows[-1]["mrr@10"] == 1.0
    assert {"ms p50", "ms p90"} <= rows[-1].keys()  # the time of one query, printed beside
    assert lines[0].split()[:4] == ["dump", "backend", "semantic", "pairs"]
    assert "meets target" in lines[2] and lines[-1].startswith("target (pooled)")
