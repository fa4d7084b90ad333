"""Rank fusion: weighted reciprocal rank fusion (Cormack et al., 2009) of best-first rankings."""
from collections.abc import Sequence

RRF_K = 60  # the constant of the original paper; it damps the weight of the very first ranks


def reciprocal_rank_fusion(rankings: Sequence[Sequence[int]], weights: Sequence[float] | None = None,
                           k: int = RRF_K) -> dict[int, float]:
    """id -> sum over rankings of weight / (k + rank), rank counted from 1."""
    weights = weights or [1.0] * len(rankings)
    fused: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights):
        for rank, item in enumerate(ranking, start=1):
            fused[item] = fused.get(item, 0.0) + weight / (k + rank)
    return fused
