"""API: search (../shared/API.md): ranked threads the caller may see, with safe snippets."""
from typing import Annotated

from flask import url_for
from pydantic import Field
from typing_extensions import TypedDict

from app.api.core import actor
from app.extensions import search_rate_limit
from app.api.registry import operation
from app.api.serializers import Url
from app.api.schemas import Query
from app.search_params import SearchParams
from community.policies import can_view_search_analytics, ensure
from search import analytics
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


class AnalyticsQuery(Query):
    """?days= the period, 1-365 (default 30)."""

    days: int = Field(30, ge=1, le=365, description="The last N days (UTC), 1-365.")


class QueryStats(TypedDict):
    query: str
    searches: int
    zero_results: int
    clicks: int
    deflections: int


class ThreadStats(TypedDict):
    thread_id: int
    title: str
    clicks: int
    deflections: int


class DayStats(TypedDict):
    day: str
    searches: int
    zero_result: int
    clicks: int
    deflections: int


class SearchAnalytics(TypedDict):
    days: int
    searches: Annotated[int, Field(description="Searches, each visitor's query once a day.")]
    zero_result: int
    clicks: int
    deflections: Annotated[int, Field(description="Helpful marks, and solved threads opened "
                                                  "from a result by a visitor who asked nothing "
                                                  "that day; once per visitor, thread and day.")]
    queries: list[QueryStats]
    zero_result_queries: list[QueryStats]
    threads: list[ThreadStats]
    by_day: list[DayStats]


@operation("GET", "/search/analytics", query=AnalyticsQuery, returns=SearchAnalytics,
           auth="required", errors=(403,))
def search_analytics(query: AnalyticsQuery):
    """Search analytics for staff: searches, zero-result searches, clicks and deflections."""
    ensure(can_view_search_analytics, actor())
    report = analytics.report(query.days)
    report["by_day"] = [{**day, "day": day["day"].isoformat()} for day in report["by_day"]]
    return report
