"""What a search request may ask (web page and API alike): a strict model of the query string
and its SearchQuery; anything out of range is a 422 naming the field."""
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.api.inputs import field_errors
from app.api.schemas import text
from core.errors import ValidationFailed
from search.backend import MAX_QUERY_LENGTH, SearchQuery

MAX_OFFSET = 1000  # deep pages cost every backend more; nobody reads page 51


class SearchParams(BaseModel):
    """?q=&category=&tag=&status=&sort= with ?limit= (1-50) and ?cursor= from the last page."""

    model_config = ConfigDict(extra="ignore")
    invalid_is_422: ClassVar[bool] = True  # app.api.inputs.parse_query answers 422, not 400

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
    """The request's search parameters, or a 422 naming every bad one."""
    try:
        return SearchParams.model_validate({k: v for k, v in args.to_dict().items()
                                            if v != "" or k == "q"})
    except ValidationError as exc:
        raise ValidationFailed(field_errors(exc)) from None
