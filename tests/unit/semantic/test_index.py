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
    assert len(set(t for t, _ in found) & set(exact)) >= 9
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
