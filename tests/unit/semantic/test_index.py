"""The in-memory vector index ranks as exact float32 search does, and fusion adds reciprocal ranks."""
import numpy as np
import pytest

from search.semantic.fusion import reciprocal_rank_fusion
from search.semantic.index import VectorIndex


def _unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def test_quantised_ranking_matches_exact_search():
    rng = np.random.default_rng(7)
    vectors = _unit(rng.standard_normal((3000, 384)))
    index = VectorIndex("m")
    for thread_id, vector in enumerate(vectors, start=1):
        index.put(thread_id, "title", vector)
    query = _unit(vectors[41:42] + 0.3 * rng.standard_normal((1, 384)))[0]
    exact = np.argsort(-(vectors @ query))[:10] + 1
    found = index.search(query, limit=10)
    assert [t for t, _ in found][:3] == list(exact[:3])
    assert len({t for t, _ in found} & set(exact)) >= 9
    assert found[0][1] == pytest.approx(float(vectors[exact[0] - 1] @ query), abs=0.01)


def test_a_thread_counts_its_best_vector_once_and_dropped_rows_are_never_found():
    index = VectorIndex("m", dim=4)
    index.put(1, "title", np.array([1, 0, 0, 0], np.float32))
    index.put(1, "post", np.array([0.6, 0.8, 0, 0], np.float32))
    index.put(2, "title", np.array([0, 1, 0, 0], np.float32))
    index.put(3, "title", np.array([0.9, 0.1, 0.1, 0.4], np.float32) / 1.0)
    found = index.search(np.array([0.6, 0.8, 0, 0], np.float32), limit=5)
    assert [t for t, _ in found][0] == 1 and len({t for t, _ in found}) == len(found)
    index.drop((1, "title"))
    index.drop((1, "post"))
    assert 1 not in {t for t, _ in index.search(np.array([1, 0, 0, 0], np.float32))}
    index.put(4, "title", np.array([1, 0, 0, 0], np.float32))  # reuses a freed row
    assert index.search(np.array([1, 0, 0, 0], np.float32), limit=1)[0][0] == 4


def test_reciprocal_rank_fusion_rewards_agreement():
    fused = reciprocal_rank_fusion([[1, 2, 3], [3, 1, 4]])
    assert fused[1] == pytest.approx(1 / 61 + 1 / 62)
    assert sorted(fused, key=lambda t: -fused[t])[:2] == [1, 3]
    assert fused[4] == pytest.approx(1 / 63)
    weighted = reciprocal_rank_fusion([[1], [2]], weights=[1.0, 2.0])
    assert weighted[2] == pytest.approx(2 * weighted[1])


def test_a_large_index_finds_the_near_duplicates_through_its_sign_bits(monkeypatch):
    from search.semantic import index as module
    monkeypatch.setattr(module, "EXACT_ROWS", 1000)  # the sign-bit pass, then exact rescoring
    monkeypatch.setattr(module, "RESCORE", 500)
    rng = np.random.default_rng(11)
    vectors = _unit(rng.standard_normal((6000, 384)))
    index = VectorIndex("m")
    index.put_many([(n, kind) for n in range(1, 3001) for kind in ("title", "post")], vectors)
    near = [_unit(vectors[k:k + 1] + 0.02 * rng.standard_normal((1, 384)))[0] for k in (8, 9)]
    query = _unit(np.array(near[0] + near[1])[None, :])[0]  # close to rows 8 and 9: thread 5
    titles, posts = index.rank(query, limit=10)
    assert titles[0][0] == 5 and posts[0][0] == 5
    exact = vectors[1::2] @ query  # the "post" rows
    assert posts[0][1] == pytest.approx(float(exact.max()), abs=0.01)
    assert index.search(query, limit=3)[0][0] == 5
    index.drop((5, "title"))
    assert 5 not in {t for t, _ in index.rank(query, limit=10)[0]}
