"""Cases on their way to the CRM: an escalation writes a `case.create` outbox row in its own
transaction (an accepted answer on an escalated thread, a `case.update`); at delivery the relay
asks the connector to create the case (with the asker's contact) and keeps the CRM's ref."""
from sqlalchemy import select

from community import services
from community.knowledge_queries import thread_url
from community.models import Case, Post, Thread
from core.database import db
from core.events import on_emit
from crm.connector import CaseRequest, DeliveryError
from crm.handlers import _contact, _record_contact
from crm.inbound import poll_cases
from crm.outbox import enqueue
from crm.relay import POLLERS, Claimed, Outcome, handler

DESCRIPTION_MAX = 4000
if poll_cases not in POLLERS:
    POLLERS.append(poll_cases)  # `crm sync` asks the CRM for the cases it changed


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


@on_emit("answer.accepted")
def _solved_row(event) -> None:
    """An escalated thread solved in the community: the agent hears of it on the case."""
    case_id = db.session.scalar(select(Case.id).where(Case.thread_id == event.thread_id))
    if case_id is not None:  # the same aggregate as case.create, so it goes out after it
        enqueue("case.update", f"thread:{event.thread_id}",
                {"case_id": case_id, "post_id": event.post_id})


@handler("case.update")
def update_case(connector, row: Claimed) -> Outcome:
    case = db.session.get(Case, row.payload["case_id"])
    if case is None:
        return Outcome(None, "the case no longer exists; nothing to update")
    if case.crm_ref is None:  # its case.create is delivered first (same aggregate), so: soon
        raise DeliveryError(f"case {case.id} has no CRM ref yet; waiting for it")
    thread = db.session.get(Thread, case.thread_id)
    comment = (f"The community thread was solved: {thread_url(thread.id, thread.slug)}"
               f"#post-{row.payload['post_id']}")
    made = connector.update_case(case.crm_ref, comment=comment,
                                 idempotency_key=row.idempotency_key)
    return Outcome({"case_ref": made.ref, "status": made.status})
