"""similar_threads: found by meaning, fused with the lexical ranking, only what the viewer may
see, the voted-up question and then the solved one first among equals, and lexical-only when the
semantic layer is off or missing."""
import pytest

from community import services
from community.models import ANONYMOUS
from search import semantic
from search.semantic.fusion import (absolute, convex_fusion, endorsed, reciprocal_rank_fusion,
                                    relative)
from search.service import get_backend
from search.similar import MIN_SIMILARITY, SEMANTIC_WEIGHT, similar_threads, vector_rankings
from tests import factories
from tests.functional.search.conftest import catch_up
from tests.functional.semantic.conftest import EXAMPLES, embed


def _ids(found) -> list[int]:
    return [t.thread_id for t in found]


def _mrr_and_recall(rankings: list[list[int]], targets: list[int]) -> tuple[float, float]:
    hits = [r[:10].index(t) + 1 for r, t in zip(rankings, targets) if t in r[:10]]
    return sum(1 / h for h in hits) / len(targets), len(hits) / len(targets)


def test_found_by_meaning_with_no_shared_word(app, backend_name, forum):
    found = similar_threads(ANONYMOUS, "laptop will not wake")
    assert found[0].thread_id == forum["sleep"].id
    first = found[0]
    assert (first.rank, first.url) == (1, f"/t/{forum['sleep'].id}/{forum['sleep'].slug}")
    assert first.title == "Notebook stuck on black screen after sleep"
    assert 0.3 < first.similarity <= 1.0 and first.status == "open"
    assert [t.rank for t in found] == list(range(1, len(found) + 1)) and len(found) <= 10


def test_fusion_beats_either_part_on_the_example_set(app, forum):
    targets = [forum[key].id for _, key in EXAMPLES]
    lexical = [[tid for tid, _ in get_backend().candidates(title, 50)] for title, _ in EXAMPLES]
    vector = []
    for title, _ in EXAMPLES:
        fused = reciprocal_rank_fusion([[tid for tid, _ in ranking]
                                        for ranking in vector_rankings(title, None, 50)])
        vector.append(sorted(fused, key=lambda tid: -fused[tid]))
    both = [_ids(similar_threads(ANONYMOUS, title)) for title, _ in EXAMPLES]
    lexical_mrr, lexical_recall = _mrr_and_recall(lexical, targets)
    vector_mrr, vector_recall = _mrr_and_recall(vector, targets)
    fused_mrr, fused_recall = _mrr_and_recall(both, targets)
    assert fused_recall == 1.0 > max(lexical_recall, vector_recall)
    assert fused_mrr > max(lexical_mrr, vector_mrr)


def test_fusion_keeps_how_strong_each_match_is():
    def fused(lexical, cosines):
        scores = convex_fusion([(1 - SEMANTIC_WEIGHT, relative(lexical)),
                                (SEMANTIC_WEIGHT, absolute(cosines, MIN_SIMILARITY))])
        return sorted(scores, key=lambda tid: -scores[tid])
    # A close match by meaning that also shares words beats the best match by words alone.
    assert fused([(1, 8.0), (2, 4.0)], {2: 0.9, 3: 0.25}) == [2, 1, 3]
    # When nothing is close by meaning (a cosine just over the floor), the words decide; ranks
    # alone (RRF) would put thread 2 first for being on both lists.
    assert fused([(1, 8.0), (2, 4.0)], {2: MIN_SIMILARITY + 0.02}) == [1, 2]
    assert fused([], {}) == [] and fused([(1, 0.0)], {}) == [1]


def test_a_body_helps_and_excluded_threads_are_left_out(app, forum):
    found = similar_threads(ANONYMOUS, "Strange sound", body="It clicks every few seconds.")
    assert found[0].thread_id == forum["fan"].id
    again = similar_threads(ANONYMOUS, "Strange sound", body="It clicks every few seconds.",
                            exclude=[forum["fan"].id])
    assert forum["fan"].id not in _ids(again) and again[0].rank == 1


def test_deleted_threads_are_never_returned_even_before_the_consumers_ran(app, forum):
    staff = factories.admin()
    services.delete_post(staff, forum["sleep"].question_post_id)
    # The vectors and the index still hold it until the consumers run: visibility filters it.
    assert forum["sleep"].id not in _ids(similar_threads(ANONYMOUS, "laptop will not wake"))
    assert forum["sleep"].id not in _ids(similar_threads(staff, "laptop will not wake"))
    catch_up()
    embed()
    assert forum["sleep"].id not in _ids(similar_threads(staff, "laptop will not wake"))


def test_solved_first_among_equals(app):
    asker, helper = factories.user(), factories.user()
    category = factories.category()
    title, body = "Twin question about exporting reports", "Exactly the same words here."
    open_one = factories.thread(asker, category, title=title, body=body)
    solved = factories.thread(asker, category, title=title, body=body)
    answer = factories.answer(solved, helper)
    services.accept_answer(asker, solved.id, answer.id)
    catch_up()
    embed()
    found = similar_threads(ANONYMOUS, title)
    assert _ids(found)[:2] == [solved.id, open_one.id]
    assert found[0].status == "solved" and found[0].answer_count == 1


def _vote_up(thread, times: int) -> None:
    for _ in range(times):
        services.cast_vote(factories.user(), thread.question_post_id, 1)


def test_the_voted_up_question_first_among_equals(app, backend_name):
    category = factories.category()
    title, body = "Twin question about importing contacts", "Exactly the same words here."
    first, second = (factories.thread(category_=category, title=title, body=body)
                     for _ in range(2))
    _vote_up(second, 2)
    catch_up()
    embed()
    assert _ids(similar_threads(ANONYMOUS, title))[:2] == [second.id, first.id]
    app.config["SEARCH_SEMANTIC"] = False  # the words alone: the votes still tell them apart
    assert _ids(similar_threads(ANONYMOUS, title))[:2] == [second.id, first.id]


def test_votes_never_outweigh_a_much_closer_match(app, forum):
    _vote_up(forum["noise"], 5)
    catch_up()
    assert _ids(similar_threads(ANONYMOUS, "laptop will not wake"))[0] == forum["sleep"].id
    assert _ids(similar_threads(ANONYMOUS, "clicking sound every few seconds"))[0] == \
        forum["fan"].id


def test_the_votes_prior_is_relative_to_the_best_voted_candidate():
    scores = {1: 0.5, 2: 0.5, 3: 0.45}
    few = endorsed(scores, {1: 0, 2: 4, 3: -3}, 0.08)
    many = endorsed(scores, {1: 0, 2: 4000, 3: -3}, 0.08)
    assert few == many == pytest.approx({1: 0.5, 2: 0.58, 3: 0.45})  # no scale of its own
    # (and votes below 0 count as none)
    assert endorsed(scores, {}, 0.08) == scores  # no votes anywhere: nothing changes
    half = endorsed({1: 0.5, 2: 0.5}, {1: 3, 2: 15}, 0.08)
    assert half[1] == pytest.approx(0.5 + 0.08 / 2)  # log(1 + 3) is half of log(1 + 15)


def test_semantic_off_gives_the_lexical_ranking(app, backend_name, forum):
    app.config["SEARCH_SEMANTIC"] = False
    assert not semantic.enabled()
    # No word in common: the lexical ranking cannot find it.
    assert forum["sleep"].id not in _ids(similar_threads(ANONYMOUS, "laptop will not wake"))
    found = similar_threads(ANONYMOUS, "download invoices PDF")
    assert found[0].thread_id == forum["invoice"].id and found[0].similarity == 0.0


def test_a_missing_model_gives_the_lexical_ranking(app, backend_name, forum, tmp_path, caplog):
    app.config["EMBEDDING_MODEL"] = str(tmp_path / "no-such-model")
    assert not semantic.enabled()
    assert forum["sleep"].id not in _ids(similar_threads(ANONYMOUS, "laptop will not wake"))
    assert _ids(similar_threads(ANONYMOUS, "download invoices PDF"))[0] == forum["invoice"].id
    broken = tmp_path / "broken-model"
    broken.mkdir()
    (broken / "config.json").write_text("{not json")
    app.config["EMBEDDING_MODEL"] = str(broken)
    assert not semantic.enabled()
    assert _ids(similar_threads(ANONYMOUS, "download invoices PDF"))[0] == forum["invoice"].id


@pytest.mark.parametrize("title", ["", "   ", "\u202e\u0000", "<script>alert(1)</script>",
                                   "'; DROP TABLE threads; --", "*" * 200, "AND OR NOT ( ) \" :"])
def test_hostile_titles_never_fail(app, backend_name, forum, title):
    found = similar_threads(ANONYMOUS, title.replace("\x00", ""))
    assert all(t.thread_id in {x.id for x in forum.values()} for t in found)
