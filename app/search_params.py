"""What a search request may ask (web page and API alike): a strict model of the query string
and its SearchQuery. Anything out of range is a 400 naming each bad field, as on every list of
the API (tests/functional/test_api_strict_input.py)."""
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.api.inputs import field_errors
from app.api.schemas import text
from core.errors import BadRequest
from search.backend import MAX_QUERY_LENGTH, SearchQuery

MAX_OFFSET = 1000  # deep pages cost every backend more; nobody reads page 51


class SearchParams(BaseModel):
    """?q=&category=&tag=&status=&sort= with ?limit= (1-50) and ?cursor= from the last page."""

    model_config = ConfigDict(extra="ignore")

    q: text(0, MAX_QUERY_LENGTH, description="What to look for; up to 200 characters.") = ""
    category: text(0, 64, description="A category's slug.") = None
    tag: text(0, 35) = None
    status: Literal["open", "solved", "unanswered"] = None
    sort: Literal["relevance", "newest", "votes"] = "relevance"
    limit: int = Field(20, ge=1, le=50)
    cursor: text(0, 12, pattern=r"^\d*$", description="next_cursor of the last page.") = None

    @property
    def offset(self) -> int:
        return min(int(self.cursor or 0), MAX_OFFSET)

    def to_query(self) -> SearchQuery:
        return SearchQuery(self.q.strip(), self.category or None, self.tag or None,
                           self.status, self.sort, self.offset, self.limit)

    def next_cursor(self, total: int) -> str | None:
        after = self.offset + self.limit
        return str(after) if after < total and after <= MAX_OFFSET else None


def parse_search(args) -> SearchParams:
    """The page's search parameters (an empty form field means "any"), or a 400 naming every
    bad one."""
    try:
        return SearchParams.model_validate({k: v for k, v in args.to_dict().items()
                                            if v != "" or k == "q"})
    except ValidationError as exc:
        errors = field_errors(exc)
        raise BadRequest("Invalid search: " + ", ".join(sorted(errors)), errors) from None
