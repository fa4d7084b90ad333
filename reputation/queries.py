"""Reading the ledger: a user's reputation history, newest first, by keyset page."""
from sqlalchemy import select

from core.errors import BadRequest
from core.database import db, parse_id
from reputation.ledger import voters_own
from reputation.models import ReputationEvent


def history(user_id: int, limit: int = 20, cursor: str | None = None):
    """(events, next_cursor); the cursor is the id of the last event returned."""
    query = select(ReputationEvent).where(ReputationEvent.user_id == user_id,
                                          ReputationEvent.delta != 0)
    if cursor:
        if not parse_id(cursor):
            raise BadRequest("The cursor is not valid; start again without it.")
        query = query.where(ReputationEvent.id < parse_id(cursor))
    rows = db.session.scalars(query.order_by(ReputationEvent.id.desc()).limit(limit + 1)).all()
    next_cursor = str(rows[limit - 1].id) if len(rows) > limit else None
    return list(rows[:limit]), next_cursor


def is_private(row: ReputationEvent) -> bool:
    """Would the row tell which post its user voted on (see ledger.voters_own)?"""
    return voters_own(row.reason, row.source, row.user_id)


def page(user_id: int, limit: int = 20, offset: int = 0) -> list[ReputationEvent]:
    """One page of the user's ledger, newest first (the profile's "see all")."""
    return list(db.session.scalars(
        select(ReputationEvent).where(ReputationEvent.user_id == user_id,
                                      ReputationEvent.delta != 0)
        .order_by(ReputationEvent.id.desc()).limit(limit).offset(offset)))
