"""What the CRM tells us about cases: signed webhooks (POST /api/v1/crm/events, Standard
Webhooks; a webhook-id seen before is a replay) and the poll of cases changed since the last one
(`crm sync`). Both end in the one update path, community.services.apply_case_change."""
import logging
import time
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, select

from community import services
from core.database import db
from core.errors import BadRequest, Conflict, NotFound, Unauthorized
from core.time import utcnow
from core.transactions import conflict_on, transactional
from crm import signing
from crm.connector import DeliveryError
from crm.inbound_models import SyncMark, WebhookReceipt

log = logging.getLogger("commonplace.crm.inbound")
RECEIPT_LIFETIME = timedelta(days=1)  # far past the 5-minute timestamp window
FIRST_POLL_LOOKBACK = timedelta(days=1)
conflict_on("pk_crm_webhook_receipts", "webhook-id", "was already received")


def verify(headers, raw: bytes) -> str:
    """The delivery's webhook-id when its signature and timestamp are good; else a 401."""
    secret = current_app.config.get("CRM_WEBHOOK_SECRET")
    if not secret:
        raise Unauthorized("Inbound CRM events are off: CRM_WEBHOOK_SECRET is not set.")
    webhook_id = headers.get("webhook-id", "")
    if not signing.verify(secret, webhook_id, headers.get("webhook-timestamp", ""),
                          headers.get("webhook-signature", ""), raw):
        raise Unauthorized("Bad webhook signature, or a timestamp more than 5 minutes away.")
    if len(webhook_id) > 128:
        raise BadRequest("webhook-id must be at most 128 characters.")
    return webhook_id


def receive(webhook_id: str, case_ref: str, status: str, resolution: str | None):
    """Apply one signed event once: its receipt commits with the case update, or neither."""
    change = services.case_change(case_ref, status, resolution)  # rendered outside the lock
    return _record_and_apply(webhook_id, change)


@transactional
def _record_and_apply(webhook_id: str, change):
    now = utcnow()
    db.session.execute(delete(WebhookReceipt)
                       .where(WebhookReceipt.received_at < now - RECEIPT_LIFETIME))
    if db.session.get(WebhookReceipt, webhook_id) is not None:
        raise Conflict("This webhook-id was received before: a replay.",
                       {"webhook-id": ["was already received"]})
    db.session.add(WebhookReceipt(webhook_id=webhook_id, received_at=now))
    db.session.flush()  # a concurrent twin fails here (PostgreSQL): a 409 as well
    return services.apply_case_change(change, current_app.config.get("CRM_AGENT_USERNAME"))


def poll_cases(connector) -> int:
    """Apply the cases the CRM changed since the last poll; how many were ours."""
    fetch = getattr(connector, "updated_cases", None)
    if fetch is None:
        return 0  # this connector has no way to ask (the webhook one is pushed to)
    name = f"cases:{connector.name}"
    # The relay calls pollers every round; a CRM's API quota allows one look a minute.
    last = current_app.extensions.setdefault("commonplace.case_polls", {})
    now = time.monotonic()
    if name in last and now - last[name] < current_app.config["CRM_POLL_SECONDS"]:
        return 0
    last[name] = now
    mark = db.session.scalar(select(SyncMark.polled_until).where(SyncMark.name == name))
    db.session.rollback()  # end the read: no transaction stays open across the CRM call
    try:
        updates = fetch(mark or utcnow() - FIRST_POLL_LOOKBACK)
    except DeliveryError as exc:
        log.warning("poll of %s failed: %s (the next sync asks again)", connector.name, exc)
        return 0
    applied = 0
    for update in updates:
        try:
            services.apply_case_change(services.case_change(update.case_ref, update.status,
                                                            update.resolution),
                                       current_app.config.get("CRM_AGENT_USERNAME"))
            applied += 1
        except NotFound:
            log.info("poll: case %s is not one of ours", update.case_ref)
    times = [u.modified_at for u in updates if u.modified_at]
    if times:
        _save_mark(name, max(times))
    return applied


@transactional
def _save_mark(name: str, moment) -> None:
    row = db.session.get(SyncMark, name, with_for_update=True)
    if row is None:
        db.session.add(SyncMark(name=name, polled_until=moment))
    elif row.polled_until is None or row.polled_until < moment:
        row.polled_until = moment
