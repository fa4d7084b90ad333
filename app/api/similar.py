"""API: GET /search/similar, the threads likely to answer a question being asked (search.similar)."""
from typing import Annotated, Literal

from flask import url_for
from pydantic import Field
from typing_extensions import TypedDict

from app.api.core import actor
from app.extensions import search_rate_limit
from app.api.registry import operation
from app.api.schemas import Query
from app.api.serializers import Url
from search.similar import checked_question, similar_threads


class SimilarQuery(Query):
    """?title= the question's title (1-200 characters); ?body= optionally its text; ?limit=."""

    # Checked in the view, so that a missing, empty or overlong title is a 422 like a bad body.
    title: str | None = Field(None, description="The question's title, 1-200 characters.")
    body: str | None = Field(None, description="The question's text so far (optional).")
    limit: int = Field(10, ge=1, le=10, description="At most 10 (the default).")


class SimilarItem(TypedDict):
    thread_id: int
    title: str
    url: Url
    status: Literal["open", "solved"]
    score: int
    answer_count: int
    rank: int
    similarity: Annotated[float, Field(
        description="Cosine similarity of meaning, -1 to 1 (0 when the semantic layer is off).")]


class SimilarList(TypedDict):
    items: list[SimilarItem]
    next_cursor: None


@operation("GET", "/search/similar", query=SimilarQuery, returns=SimilarList, errors=(422,),
           limit=search_rate_limit)
def search_similar(query: SimilarQuery):
    """Up to 10 threads likely to answer a question with this title, solved ones first among equals."""
    title, body = checked_question(query.title, query.body)
    found = similar_threads(actor(), title, body, limit=query.limit)
    return {"items": [item(t) for t in found], "next_cursor": None}


def item(thread) -> dict:
    return {"thread_id": thread.thread_id, "title": thread.title, "status": thread.status,
            "url": url_for("web.thread", thread_id=thread.thread_id,
                           slug=thread.url.rsplit("/", 1)[-1], _external=True),
            "score": thread.score, "answer_count": thread.answer_count, "rank": thread.rank,
            "similarity": thread.similarity}
