"""Hybrid search for /search, the API and the header box: the backend's filtered all-words matches
and its any-word candidates, fused with the vector ranking as similar questions are
(search.similar.fused_ranking, with the same prior for voted-up questions), filtered and
visibility-checked in one query, solved threads and knowledge items first among equals. Past the
fused window, pages continue with the lexical hits.
"""
from dataclasses import replace

from sqlalchemy import exists, select

from community.models import Category, KnowledgeItem, Tag, Thread
from community.policies import visible_threads
from core.database import db
from search.backend import Hit, SearchBackend, SearchQuery, SearchResult
from search.semantic.fusion import endorsed, relative
from search.similar import ENDORSEMENT_WEIGHT, fused_ranking

WINDOW = 50  # lexical hits fused (and so reordered); deeper pages are the lexical ranking's
# The share of meaning in a search's fused score; a search box query is short and often worded
# unlike the thread, so meaning leads (set before measuring; bench/search_quality.py --target
# search gives recall@10 0.96 with it on every backend).
SEARCH_SEMANTIC_WEIGHT = 0.7


def applies(query: SearchQuery) -> bool:
    """Hybrid ranking is for a text ranked by relevance; a sorted list stays lexical."""
    return bool(query.text.strip()) and query.sort == "relevance"


def hybrid_search(viewer, query: SearchQuery, backend: SearchBackend) -> SearchResult:
    """A page of the fused ranking the viewer may see (its hits without a lexical snippet have
    snippet_html "" for the caller to fill)."""
    window = backend.search(replace(query, offset=0, limit=WINDOW))
    snippets = {hit.thread_id: hit.snippet_html for hit in window.hits}
    also = relative([(hit.thread_id, hit.score) for hit in window.hits])
    fused = fused_ranking(query.text, None, set(), also=also, weight=SEARCH_SEMANTIC_WEIGHT)
    # Results are the threads with every word and those close in meaning; threads with only
    # some of the words rank those, and are results themselves only when none has every word.
    scores = {tid: score for tid, (score, cosine) in fused.items()
              if tid in snippets or cosine > 0 or not snippets}
    scores = _allowed(viewer, query, scores)
    ranked = list(scores)
    extra = sum(1 for tid in ranked if tid not in snippets)
    total = window.total + extra
    hits = [Hit(tid, round(scores[tid], 6), snippets.get(tid, ""))
            for tid in ranked[query.offset:query.offset + query.limit]]
    wanted = query.offset + query.limit - len(ranked)
    if wanted > 0 and window.total > WINDOW:
        # Fused positions cover the window's lexical hits and the extras; lexical position p
        # past the window is fused position p + extra.
        start = max(WINDOW, query.offset - extra)
        deeper = backend.search(replace(query, offset=start, limit=min(wanted, query.limit)))
        seen = set(ranked)
        allowed = _visible(viewer, [h.thread_id for h in deeper.hits if h.thread_id not in seen])
        hits += [h for h in deeper.hits if h.thread_id in allowed]
    return SearchResult(hits, max(total, query.offset + len(hits)), window.suggestion)


def _allowed(viewer, query: SearchQuery, scores: dict[int, float]) -> dict[int, float]:
    """The fused ids that pass the filters and the viewer's visibility with their scores (the
    votes' prior added), best first; among equal scores solved threads and knowledge items
    first."""
    if not scores:
        return {}
    knowledge = exists().where(KnowledgeItem.thread_id == Thread.id,
                               KnowledgeItem.status == "published")
    statement = select(Thread.id, Thread.status, Thread.score,
                       knowledge.label("knowledge")).where(
        Thread.id.in_(list(scores)), visible_threads(viewer))
    if query.category:
        statement = statement.join(Category, Category.id == Thread.category_id).where(
            Category.slug == query.category)
    if query.tag:
        statement = statement.where(Thread.tags.any(Tag.name == query.tag.lower()))
    if query.status == "unanswered":
        statement = statement.where(Thread.answer_count == 0)
    elif query.status:
        statement = statement.where(Thread.status == query.status)
    rows = db.session.execute(statement).all()
    scores = endorsed({r.id: scores[r.id] for r in rows}, {r.id: r.score for r in rows},
                      ENDORSEMENT_WEIGHT)
    rows.sort(key=lambda r: (-round(scores[r.id], 6), not (r.status == "solved" or r.knowledge),
                             r.id))
    return {r.id: scores[r.id] for r in rows}


def _visible(viewer, ids: list[int]) -> set[int]:
    if not ids:
        return set()
    return set(db.session.scalars(select(Thread.id).where(Thread.id.in_(ids),
                                                          visible_threads(viewer))))
