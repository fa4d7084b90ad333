"""API: escalating a thread to a support case, reading it, publishing a draft resolution, and
the CRM's signed inbound events (POST /crm/events)."""
from typing import Annotated, Literal

from flask import request, url_for
from pydantic import Field, ValidationError
from typing_extensions import TypedDict

from app.api import serializers as s
from app.api.core import actor
from app.api.inputs import field_errors, read_json
from app.api.registry import created, operation
from app.api.schemas import Body, text
from community import queries, services
from community.models import CASE_STATUSES
from community.policies import can_view_case, ensure
from community.services.loading import visible_thread
from core.errors import NotFound, ValidationFailed
from crm import inbound

Priority = Literal["low", "normal", "high", "urgent"]


class EscalateRequest(Body):
    """Open a support case for the thread in the CRM."""

    reason: text(1, 2000, description="Why the thread needs an agent; shown to the CRM.")
    priority: Priority = "normal"


class CrmEvent(Body):
    """An event from the CRM (signed with Standard Webhooks)."""

    type: Literal["case.updated"]
    case_ref: text(1, 128)
    status: Literal["open", "pending", "closed"]
    resolution: text(0, 30000, description="Markdown: becomes a draft answer.") | None = None


class Case(TypedDict):
    """A support case; `ref` is null and `status` is `pending_sync` until the CRM has it."""

    id: int
    thread_id: int
    ref: Annotated[str | None, Field(description="The CRM's case id; null until synced.")]
    status: Literal[CASE_STATUSES]  # type: ignore[valid-type]
    priority: Priority
    reason: str
    draft_post_id: Annotated[int | None, Field(description="The resolution's draft answer.")]
    created_at: s.Time
    synced_at: s.Time | None


class CaseEnvelope(TypedDict):
    case: Case


def _case(c) -> CaseEnvelope:
    return {"case": {"id": c.id, "thread_id": c.thread_id, "ref": c.crm_ref, "status": c.status,
                     "priority": c.priority, "reason": c.reason,
                     "draft_post_id": c.resolution_post_id, "created_at": s.iso(c.created_at),
                     "synced_at": s.iso(c.synced_at)}}


@operation("POST", "/threads/<int:thread_id>/escalate", body=EscalateRequest, status=201,
           returns=CaseEnvelope, auth="required", errors=(403, 409), limit="30 per minute")
def escalate(thread_id: int, body: EscalateRequest):
    """Escalate a thread to a support case (support, moderators); the CRM gets it after the
    request, so `ref` is null and `status` is `pending_sync` until it is synced."""
    case = services.escalate(actor(), thread_id, body.reason, body.priority)
    return created(_case(case), url_for("api.thread_case", thread_id=thread_id))


@operation("GET", "/threads/<int:thread_id>/case", returns=CaseEnvelope, errors=(403,))
def thread_case(thread_id: int):
    """The support case of a thread (the asker, support, moderators)."""
    thread = visible_thread(actor(), thread_id)
    ensure(can_view_case, actor(), thread)
    case = services.case_for_thread(thread.id)
    if case is None:
        raise NotFound("This thread has no support case.")
    return _case(case)


@operation("POST", "/posts/<int:post_id>/publish", returns=s.Post, auth="required",
           errors=(403,))
def publish_draft(post_id: int):
    """Publish a draft answer (a case resolution) for everyone (staff)."""
    post = services.publish_draft(actor(), post_id)
    return s.post(queries.visible_post(actor(), post.id)[0])


@operation("POST", "/crm/events", errors=(400, 404, 409, 413, 422), idempotent=False)
def crm_event():
    """An event from the CRM, signed with Standard Webhooks (CRM_WEBHOOK_SECRET): a case's new
    status, and its resolution as a draft answer. 401 bad signature, 409 a replayed id."""
    webhook_id = inbound.verify(request.headers, request.get_data(cache=True))
    try:
        event = CrmEvent.model_validate(read_json())
    except ValidationError as exc:
        raise ValidationFailed(field_errors(exc)) from None
    inbound.receive(webhook_id, event.case_ref, event.status, event.resolution)
