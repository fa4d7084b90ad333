"""Rank fusion: weighted reciprocal rank fusion (Cormack et al., 2009) of best-first rankings."""
from collections.abc import Sequence

RRF_K = 60  # the constant of the original paper; it damps the weight of the very first ranks


def ranks(ranking: Sequence) -> dict[int, int]:
    """id -> rank from 1, for a best-first list of ids or of (id, score) pairs; items with equal
    scores share the rank of the first of them ("1224"), so equals stay equal after fusion."""
    found: dict[int, int] = {}
    previous, shared = object(), 0
    for position, entry in enumerate(ranking, start=1):
        item, score = entry if isinstance(entry, tuple) else (entry, object())
        if score != previous:
            shared = position
        previous = score
        found.setdefault(item, shared)
    return found


def reciprocal_rank_fusion(rankings: Sequence[Sequence], weights: Sequence[float] | None = None,
                           k: int = RRF_K) -> dict[int, float]:
    """id -> sum over rankings of weight / (k + rank)."""
    weights = weights or [1.0] * len(rankings)
    fused: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights):
        for item, rank in ranks(ranking).items():
            fused[item] = fused.get(item, 0.0) + weight / (k + rank)
    return fused
