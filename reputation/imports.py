"""Imported reputation enters the ledger: one `imported` row per new account (delta = its
reputation − 1, not capped), written in the import batch's own transaction, so a user's total
stays 1 + the sum of their ledger rows."""
from sqlalchemy import false, insert, literal, select

from community import events
from community.models import ImportSource, User
from core.database import db
from core.events import Event, on_emit
from core.time import utcnow
from reputation.models import ReputationEvent


@on_emit(events.IMPORT_USERS)
def on_imported_users(event: Event) -> None:
    site, ids = event.data["site"], event.data["user_ids"]
    if not ids:
        return
    rows = (select(User.id, User.reputation - 1, literal("imported"),
                   literal(f"import:{site}:") + ImportSource.external_id, false(),
                   literal(utcnow(), ReputationEvent.created_at.type))
            .join(ImportSource, (ImportSource.local_id == User.id) & (ImportSource.kind == "user")
                  & (ImportSource.site == site))
            .where(User.id.in_(ids), User.reputation > 1))
    db.session.execute(insert(ReputationEvent.__table__).from_select(
        ["user_id", "delta", "reason", "source", "capped", "created_at"], rows))
