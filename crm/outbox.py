"""The transactional outbox: every CRM-bound change becomes a `crm_outbox` row written in the
transaction of the change (in-transaction receivers of the knowledge events and of sign-ups).
The relay (crm.relay) is the only reader; no request ever calls a connector."""
import uuid

from sqlalchemy import event as sa_event, func, select
from sqlalchemy.orm import Session

from core.consumers import wake
from core.database import db
from core.events import on_emit
from core.time import utcnow
from core.transactions import in_transaction
from crm.models import OutboxRow

KINDS = ("contact.sync", "knowledge.publish", "knowledge.retire", "case.create", "case.update")
_PENDING = "commonplace.crm_outbox_rows"
# Within one transaction a later knowledge row of the same item replaces an earlier one (an
# accept of another answer un-accepts the old one first: the CRM needs only the final state).
_COALESCING = ("knowledge.publish", "knowledge.retire")


def new_key() -> str:
    return f"msg_{uuid.uuid4().hex}"


def enqueue(kind: str, aggregate: str, payload: dict) -> OutboxRow:
    """Add an outbox row to the current write transaction (it commits or rolls back with it)."""
    if not in_transaction():
        raise RuntimeError(f"enqueue({kind!r}) outside a service transaction")
    pending = db.session.info.setdefault(_PENDING, {})
    row = pending.get(aggregate)
    if row is not None and kind in _COALESCING and row.kind in _COALESCING and row in db.session:
        row.kind, row.payload = kind, payload
        return row
    row = OutboxRow(kind=kind, aggregate=aggregate, payload=payload,
                    idempotency_key=new_key(), status="pending", attempts=0,
                    next_attempt_at=utcnow())
    db.session.add(row)
    pending[aggregate] = row
    return row


def rows(status: str | None = None, limit: int = 100) -> list[OutboxRow]:
    query = select(OutboxRow)
    if status:
        query = query.where(OutboxRow.status == status)
    return list(db.session.scalars(query.order_by(OutboxRow.id.desc()).limit(limit)))


def waiting_on(shown: list[OutboxRow]) -> dict[int, int]:
    """Row id → the earlier undelivered row of its aggregate it waits for (one query)."""
    aggregates = {r.aggregate for r in shown if r.status != "delivered"}
    if not aggregates:
        return {}
    heads = dict(db.session.execute(
        select(OutboxRow.aggregate, func.min(OutboxRow.id))
        .where(OutboxRow.aggregate.in_(aggregates), OutboxRow.status != "delivered")
        .group_by(OutboxRow.aggregate)).all())
    return {r.id: heads[r.aggregate] for r in shown
            if r.aggregate in heads and heads[r.aggregate] < r.id and r.status != "delivered"}


@on_emit("user.registered")
def _contact_on_sign_up(event) -> None:
    enqueue("contact.sync", f"user:{event.user_id}", {"user_id": event.user_id})


@sa_event.listens_for(Session, "after_commit")
def _wake_relay(session) -> None:
    if session.info.pop(_PENDING, None):
        wake()  # the relay, a task of this process's scheduler, sends the new rows now


@sa_event.listens_for(Session, "after_rollback")
def _forget_pending(session) -> None:
    session.info.pop(_PENDING, None)


def _knowledge_row(kind: str):
    def receiver(event) -> None:
        enqueue(kind, f"knowledge:{event.data['item_id']}",
                {"item_id": event.data["item_id"], "version": event.data["version"],
                 "thread_id": event.thread_id, "event": event.type})
    return receiver


on_emit("knowledge.published", "knowledge.updated")(_knowledge_row("knowledge.publish"))
on_emit("knowledge.retired")(_knowledge_row("knowledge.retire"))
