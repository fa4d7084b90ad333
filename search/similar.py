"""Similar threads for a question being asked (the ask form, /search/similar, the quality bench):
the backend's lexical candidates fused by reciprocal rank with the vector ranking (max-sim over
each thread's title and title+question vectors), visible threads only, solved first among equals.
With the semantic layer off, or its model missing, the lexical ranking alone.
"""
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from community.models import Thread
from community.policies import visible_threads
from core.database import UNSTORABLE, db
from core.errors import ValidationFailed
from search import semantic
from search.semantic.fusion import reciprocal_rank_fusion

TITLE_MAX = 200
BODY_MAX = 30000
CANDIDATES = 50  # per ranking; fusion looks no deeper
MAX_LIMIT = 50


@dataclass(frozen=True)
class SimilarThread:
    thread_id: int
    title: str
    url: str            # relative: /t/<id>/<slug>
    status: str         # "open" | "solved"
    score: int
    answer_count: int
    rank: int           # 1 = most likely to answer it
    similarity: float   # the fused score (higher is closer); cosine alone when lexical is empty


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
        raise ValidationFailed("Invalid query parameters: " + ", ".join(sorted(errors)), errors)
    return title, body


def fused_ranking(title: str, body: str | None, skip: set[int]) -> dict[int, float]:
    """thread_id -> fused score over the lexical and (when on) the vector ranking."""
    from search.service import get_backend
    text = f"{title}\n{body}" if body else title
    lexical = [tid for tid, _ in get_backend().candidates(text, limit=CANDIDATES + len(skip))
               if tid not in skip][:CANDIDATES]
    vector = [tid for tid, _ in vector_ranking(title, body, CANDIDATES + len(skip))
              if tid not in skip][:CANDIDATES]
    if not vector:
        return reciprocal_rank_fusion([lexical])
    return reciprocal_rank_fusion([lexical, vector])


def vector_ranking(title: str, body: str | None, limit: int) -> list[tuple[int, float]]:
    """Threads by cosine similarity to the question (title, and title+body when given), or []."""
    encoder = semantic.get_encoder()
    if encoder is None:
        return []
    from search.semantic.index import get_index
    index = get_index(encoder.name)
    if not len(index):
        return []
    texts = [title] if title else []
    if body:
        texts.append(f"{title}\n{body}")
    best: dict[int, float] = {}
    for query in encoder.encode(texts):
        for thread_id, similarity in index.search(query, limit):
            if similarity > best.get(thread_id, -2.0):
                best[thread_id] = similarity
    return sorted(best.items(), key=lambda item: -item[1])[:limit]


def _visible(viewer, fused: dict[int, float], limit: int) -> list[SimilarThread]:
    rows = db.session.execute(
        select(Thread.id, Thread.title, Thread.slug, Thread.status, Thread.score,
               Thread.answer_count)
        .where(Thread.id.in_(list(fused)), visible_threads(viewer))).all()
    # Among equal scores, a solved thread first: its accepted answer is the likelier help.
    rows.sort(key=lambda r: (-round(fused[r.id], 9), r.status != "solved", -r.answer_count, r.id))
    return [SimilarThread(r.id, r.title, f"/t/{r.id}/{r.slug}", r.status, r.score,
                          r.answer_count, rank, round(fused[r.id], 6))
            for rank, r in enumerate(rows[:limit], start=1)]
