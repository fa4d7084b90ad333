"""Cases on their way to the CRM: an escalation writes a `case.create` outbox row in its own
transaction; at delivery the relay asks the connector to create the case (with the asker's
contact) and keeps the CRM's ref on the community's case row."""
from community import services
from community.knowledge_queries import thread_url
from community.models import Case, Post, Thread
from core.database import db
from core.events import on_emit
from crm.connector import CaseRequest
from crm.handlers import _contact, _record_contact
from crm.outbox import enqueue
from crm.relay import Claimed, Outcome, handler

DESCRIPTION_MAX = 4000


@on_emit("case.escalated")
def _case_row(event) -> None:
    enqueue("case.create", f"thread:{event.thread_id}", {"case_id": event.data["case_id"]})


def case_request(case: Case, thread: Thread, contact, key: str) -> CaseRequest:
    question = db.session.get(Post, thread.question_post_id)
    description = f"{case.reason}\n\n---\n{question.body if question else ''}"
    return CaseRequest(thread_id=thread.id, subject=thread.title, priority=case.priority,
                       description=description[:DESCRIPTION_MAX], contact=contact,
                       url=thread_url(thread.id, thread.slug),
                       idempotency_key=key)


@handler("case.create")
def create_case(connector, row: Claimed) -> Outcome:
    case = db.session.get(Case, row.payload["case_id"])
    if case is None:
        return Outcome(None, "the case no longer exists (its thread was removed)")
    thread = db.session.get(Thread, case.thread_id)
    contact, note = _contact(connector, thread.author_id)
    made = connector.create_case(case_request(case, thread, contact, row.idempotency_key))
    case_id, asker_id = case.id, thread.author_id

    def record():
        _record_contact(asker_id, connector.name, contact)
        services.record_crm_ref(case_id, made.ref, made.status, connector.name)
    return Outcome({"case_ref": made.ref, "status": made.status}, note, record)
