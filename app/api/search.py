"""API: search (../shared/API.md): ranked threads the caller may see, with safe snippets."""
from typing import Annotated

from flask import url_for
from pydantic import Field
from typing_extensions import TypedDict

from app.api.core import actor
from app.extensions import search_rate_limit
from app.api.registry import operation
from app.api.serializers import Url
from app.search_params import SearchParams
from search.service import search_page


class SearchItem(TypedDict):
    thread_id: int
    title: str
    url: Url
    snippet_html: Annotated[str, Field(description="Escaped text; matches in <mark> elements.")]
    status: str
    score: Annotated[int, Field(description="The question's votes.")]
    answer_count: int
    rank: Annotated[int, Field(description="Position in the whole result list, from 1.")]
    answer_excerpt: Annotated[str | None, Field(
        description="Plain text: the accepted answer's opening lines, when there is one.")]


class SearchResults(TypedDict):
    items: list[SearchItem]
    total: int
    suggestion: Annotated[str | None, Field(description="Did you mean: a corrected query.")]
    next_cursor: Annotated[str | None, Field(description="?cursor= for the next page.")]


@operation("GET", "/search", query=SearchParams, returns=SearchResults, limit=search_rate_limit)
def search(query: SearchParams):
    """Search threads: words and meaning fused (lexical only with SEARCH_SEMANTIC=off), filtered,
    sorted, with highlighted snippets and the accepted answer's opening."""
    result, rows = search_page(actor(), query.to_query())
    items = [{"thread_id": t.id, "title": t.title, "snippet_html": hit.snippet_html,
              "url": url_for("web.thread", thread_id=t.id, slug=t.slug, _external=True),
              "status": t.status, "score": t.score, "answer_count": t.answer_count,
              "answer_excerpt": hit.excerpt or None, "rank": query.offset + n} for n, (hit, t) in enumerate(rows, 1)]
    return {"items": items, "total": result.total, "suggestion": result.suggestion,
            "next_cursor": query.next_cursor(result.total)}
