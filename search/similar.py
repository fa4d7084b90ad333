"""Similar threads for a question being asked (the ask form, /search/similar, the quality bench):
the backend's lexical candidates and the vector rankings (cosine to each thread's title, and to
its title + question) fused by a convex combination of their normalised scores, plus a small
prior for the questions readers voted up, visible threads only, solved first among equals. With
the semantic layer off, or its model missing, the lexical ranking alone (and the prior).
"""
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from community.models import Thread
from community.policies import visible_threads
from core.database import UNSTORABLE, db
from core.errors import ValidationFailed
from search import semantic
from search.semantic.fusion import absolute, convex_fusion, endorsed, relative

TITLE_MAX = 200
BODY_MAX = 30000
CANDIDATES = 50  # per ranking; fusion looks no deeper
# Unrelated texts score about 0 to 0.15 under all-MiniLM-L6-v2; below this a thread is no
# vector candidate at all (else, in a small community, every thread would be one).
MIN_SIMILARITY = 0.2
# The share of the fused score that meaning carries; the lexical ranking has the rest. Chosen on
# held-out pairs (the dumps' "related" links, not the duplicates the targets count), where 0.7 to
# 0.9 did equally well on every backend; rank fusion (RRF) did worse there than all three.
SEMANTIC_WEIGHT = 0.8
# A question's votes say readers found it well asked and worth keeping: among threads about as
# close to the new question, the most endorsed one is likelier the one that answers it (the
# canonical question other askers are sent to). Added to the fused score (0 to 1): this much for
# the most-voted candidate, less on a log scale for the others, nothing without votes. Tuned on
# the shared Stack Exchange dumps (beer, bicycles_meta): 0.06 to 0.12 gave the same gains, on
# their duplicates and on their held-out "related" links, on every backend.
ENDORSEMENT_WEIGHT = 0.08
MAX_LIMIT = 50
# The model reads 128 word pieces (some 500-700 characters of English); a longer body is cut
# here, before the tokenizer, so a 30,000-character paste costs what a short one does.
MODEL_CHARS = 1000


@dataclass(frozen=True)
class SimilarThread:
    thread_id: int
    title: str
    url: str            # relative: /t/<id>/<slug>
    status: str         # "open" | "solved"
    score: int
    answer_count: int
    rank: int           # 1 = most likely to answer it
    similarity: float   # the best cosine similarity of its vectors (0.0 when semantic is off)


def similar_threads(viewer, title: str, body: str | None = None, limit: int = 10,
                    exclude: Iterable[int] = ()) -> list[SimilarThread]:
    """Up to `limit` threads `viewer` may see that likely answer a question titled `title`."""
    title = (title or "").strip()
    body = (body or "").strip() or None
    if not title and not body:
        return []
    limit = max(1, min(int(limit), MAX_LIMIT))
    skip = {int(i) for i in exclude}
    fused = fused_ranking(title, body, skip)
    if not fused:
        return []
    return _visible(viewer, fused, limit)


def checked_question(title: str | None, body: str | None) -> tuple[str, str | None]:
    """The title and body of a similar-threads request, or a 422 naming what is wrong."""
    errors: dict[str, list[str]] = {}
    title, body = (title or "").strip(), (body or "").strip() or None
    if not title:
        errors["title"] = ["is required"]
    elif len(title) > TITLE_MAX:
        errors["title"] = [f"must be at most {TITLE_MAX} characters"]
    if body and len(body) > BODY_MAX:
        errors["body"] = [f"must be at most {BODY_MAX} characters"]
    for name, value in (("title", title), ("body", body)):
        if value and UNSTORABLE.search(value) and name not in errors:
            errors[name] = ["must not contain NUL characters or unpaired surrogates"]
    if errors:
        raise ValidationFailed(errors)
    return title, body


def fused_ranking(title: str, body: str | None, skip: set[int],
                  also: dict[int, float] | None = None,
                  weight: float = SEMANTIC_WEIGHT) -> dict[int, tuple[float, float]]:
    """thread_id -> (fused score, best cosine). The lexical scores count relative to the best
    of them (BM25 has no fixed scale); a thread's best cosine over its vectors counts on its own
    fixed scale from MIN_SIMILARITY (0) to 1, so a question nothing resembles leans on its words,
    and weak and strong semantic matches are told apart, which ranks alone would not. `also`:
    more lexical scores already relative (0-1), averaged with these (/search passes its
    filtered all-words matches)."""
    from search.service import get_backend
    text = f"{title}\n{body}" if body else title
    deep = CANDIDATES + len(skip)
    lexical = relative([(tid, round(score, 5)) for tid, score
                        in get_backend().candidates(text, limit=deep) if tid not in skip][
                           :CANDIDATES])
    if also:  # the mean of the two: a thread with every word beats one with some of them
        lexical = {tid: (also.get(tid, 0.0) + lexical.get(tid, 0.0)) / 2
                   for tid in also.keys() | lexical.keys()}
    rankings = vector_rankings(title, body, deep)
    if not rankings:  # no vectors (the layer is off or empty): the words are the whole score
        weight = 0.0
    cosines: dict[int, float] = {}
    for ranking in rankings:
        for tid, cosine in [(t, c) for t, c in ranking if t not in skip][:CANDIDATES]:
            cosines[tid] = max(round(cosine, 5), cosines.get(tid, -1.0))
    fused = convex_fusion([(1.0 - weight, lexical),
                           (weight, absolute(cosines, MIN_SIMILARITY))])
    return {tid: (score, cosines.get(tid, 0.0)) for tid, score in fused.items()}


def vector_rankings(title: str, body: str | None, limit: int) -> list[list[tuple[int, float]]]:
    """Per kind of embedded text, threads by cosine similarity to the question (the best over
    the title and, when given, title + body), best first; [] when the layer is off or empty."""
    encoder = semantic.get_encoder()
    if encoder is None:
        return []
    from search.semantic.index import get_index
    index = get_index(encoder.name)
    if not len(index):
        return []
    texts = [title[:MODEL_CHARS]] + ([f"{title}\n{body}"[:MODEL_CHARS]] if body else [])
    return [[(tid, cosine) for tid, cosine in ranking if cosine >= MIN_SIMILARITY]
            for ranking in index.rank(encoder.encode(texts), limit)]


def _visible(viewer, fused: dict[int, tuple[float, float]], limit: int) -> list[SimilarThread]:
    rows = db.session.execute(
        select(Thread.id, Thread.title, Thread.slug, Thread.status, Thread.score,
               Thread.answer_count)
        .where(Thread.id.in_(list(fused)), visible_threads(viewer))).all()
    scores = endorsed({r.id: fused[r.id][0] for r in rows}, {r.id: r.score for r in rows},
                      ENDORSEMENT_WEIGHT)
    # Among equal scores, a solved thread first: its accepted answer is the likelier help.
    rows.sort(key=lambda r: (-round(scores[r.id], 9), r.status != "solved",
                             -r.answer_count, r.id))
    return [SimilarThread(r.id, r.title, f"/t/{r.id}/{r.slug}", r.status, r.score,
                          r.answer_count, rank, round(fused[r.id][1], 4))
            for rank, r in enumerate(rows[:limit], start=1)]
