"""The SearchBackend protocol and the value types every backend (and the semantic layer) share.

A backend indexes ThreadDocs and answers SearchQuerys with Hits whose snippet_html is safe HTML:
escaped text with <mark> highlights only. Visibility is applied above it (search.service).
"""
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

SORTS = ("relevance", "newest", "votes")
STATUSES = ("open", "solved", "unanswered")
MAX_QUERY_LENGTH = 200  # characters; longer queries are a 422 at the edge


@dataclass(frozen=True)
class ThreadDoc:
    """What gets indexed for one thread."""

    thread_id: int
    title: str
    question: str           # plain text of the question body
    answers: str            # plain text of the visible, non-draft answers, joined
    tags: tuple[str, ...]
    category: str           # category slug
    status: str             # "open" | "solved"
    answer_count: int
    score: int
    created_at: datetime
    last_activity_at: datetime


@dataclass
class SearchQuery:
    text: str
    category: str | None = None
    tag: str | None = None
    status: str | None = None        # "open" | "solved" | "unanswered"
    sort: str = "relevance"          # "relevance" | "newest" | "votes"
    offset: int = 0
    limit: int = 20


@dataclass
class Hit:
    thread_id: int
    score: float
    snippet_html: str                # safe HTML: escaped text with <mark> highlights only
    excerpt: str = ""                # plain text: the accepted answer's opening (search_page)


@dataclass
class SearchResult:
    hits: list[Hit]
    total: int
    suggestion: str | None = None    # "did you mean"


@runtime_checkable
class SearchBackend(Protocol):
    name: str

    def index(self, docs: Sequence[ThreadDoc]) -> None:
        """Upsert: a thread indexed again replaces its previous document."""

    def remove(self, thread_ids: Iterable[int]) -> None:
        """Drop these threads' documents; unknown ids are ignored."""

    def search(self, query: SearchQuery) -> SearchResult:
        """Ranked, filtered, sorted, paged hits with snippets; never raises on hostile text."""

    def candidates(self, text: str, limit: int = 50) -> list[tuple[int, float]]:
        """Lexical ranking for fusion: best first, OR-semantics over title/question/answers/tags,
        no snippets, as fast as possible (used by /search/similar)."""

    def indexed(self) -> dict[int, str]:
        """thread_id -> the fingerprint of the indexed document (search check)."""

    def clear(self) -> None:
        """Drop every document."""
