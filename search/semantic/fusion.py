"""Rank fusion: weighted reciprocal rank fusion (Cormack et al., 2009) of best-first rankings, the
convex combination of normalised scores that /search/similar uses (Bruch et al., 2023), and the
endorsement prior added to the fused scores."""
import math
from collections.abc import Mapping, Sequence

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


def relative(scored: Sequence[tuple[int, float]]) -> dict[int, float]:
    """id -> score / the best score, for a ranking whose scores have no fixed scale but a floor
    of 0 (BM25 and its kin); every item 1.0 when the best is not above 0."""
    best = max((score for _, score in scored), default=0.0)
    return {item: (score / best if best > 0 else 1.0) for item, score in scored}


def absolute(scored: Mapping[int, float], floor: float, ceiling: float = 1.0) -> dict[int, float]:
    """id -> where its score lies between `floor` (0) and `ceiling` (1), for scores on a fixed
    scale (cosine similarity): a weak best match stays weak, it is not stretched to 1."""
    span = ceiling - floor
    return {item: max(0.0, min(1.0, (score - floor) / span)) for item, score in scored.items()}


def convex_fusion(parts: Sequence[tuple[float, Mapping[int, float]]]) -> dict[int, float]:
    """id -> sum over (weight, normalised scores) of weight x score; 0 where a part lacks it."""
    fused: dict[int, float] = {}
    for weight, scores in parts:
        for item, score in scores.items():
            fused[item] = fused.get(item, 0.0) + weight * score
    return fused


def endorsed(scores: Mapping[int, float], votes: Mapping[int, int],
             weight: float) -> dict[int, float]:
    """id -> score + weight x log(1 + votes) / log(1 + the most votes among them): a prior for
    the items readers endorsed, relative to the best-endorsed candidate so that it has no scale
    of its own (5 votes in a young community count as 5,000 in an old one); votes below 0 count
    as none, and with no votes at all the scores stay as they are."""
    logs = {item: math.log1p(max(votes.get(item, 0), 0)) for item in scores}
    top = max(logs.values(), default=0.0)
    if top <= 0:
        return dict(scores)
    return {item: score + weight * logs[item] / top for item, score in scores.items()}
