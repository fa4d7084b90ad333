"""The CrmConnector protocol and the plain data a connector is handed and answers with.

Connectors never touch the request's database session: the relay gives them these dataclasses
and records what they answer. `DeliveryError(retryable=False)` dead-letters a row at once.
"""
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class ContactRef:
    ref: str  # the CRM's id for the person
    email: str | None = None


@dataclass(frozen=True)
class ArticleRef:
    ref: str
    version: int


@dataclass(frozen=True)
class CaseRef:
    ref: str
    status: str  # open | pending | closed


@dataclass(frozen=True)
class CaseRequest:
    thread_id: int
    subject: str
    description: str
    priority: str
    contact: ContactRef | None
    url: str
    idempotency_key: str


@dataclass(frozen=True)
class ContactInput:
    """A community member as a CRM needs them; `external_id` is a staff-set CRM id, if any."""

    user_id: int
    email: str | None
    name: str
    external_id: str | None = None


@dataclass(frozen=True)
class ArticlePayload:
    """One version of a knowledge item, with the thread's QAPage JSON-LD."""

    item_id: int
    thread_id: int
    version: int
    title: str
    problem_html: str
    solution_html: str
    tags: tuple[str, ...] = ()
    category: str | None = None
    contributors: tuple[str, ...] = ()
    source_url: str = ""
    status: str = "published"
    jsonld: dict = field(default_factory=dict, hash=False, compare=False)
    contact: ContactRef | None = None  # the asker's contact, when known at delivery
    change: str = "knowledge.published"  # the knowledge.* event this delivery reports

    @classmethod
    def from_dict(cls, data: dict) -> "ArticlePayload":
        names = cls.__dataclass_fields__
        values = {k: v for k, v in data.items() if k in names and k != "contact"}
        values["tags"] = tuple(values.get("tags") or ())
        values["contributors"] = tuple(values.get("contributors") or ())
        return cls(**values)


class DeliveryError(Exception):
    """A delivery failed; `retryable` False means retrying cannot help (garbage answer, 4xx)."""

    def __init__(self, message: str, retryable: bool = True):
        super().__init__(message)
        self.retryable = retryable


@runtime_checkable
class CrmConnector(Protocol):
    name: str

    def find_or_create_contact(self, user: ContactInput) -> ContactRef: ...

    def publish_article(self, item: ArticlePayload, idempotency_key: str) -> ArticleRef: ...

    def link_article_to_contact(self, article: ArticleRef, contact: ContactRef,
                                idempotency_key: str) -> None: ...

    def retire_article(self, article: ArticleRef, idempotency_key: str) -> None:
        """A connector with `retire_with_item = True` is also given `item=ArticlePayload`."""

    def create_case(self, case: CaseRequest) -> CaseRef: ...

    def update_case(self, ref: str, *, status: str | None = None, comment: str | None = None,
                    idempotency_key: str) -> CaseRef: ...
