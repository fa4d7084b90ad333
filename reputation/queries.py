"""Reading the ledger: a user's reputation history, newest first, by keyset page."""
from sqlalchemy import select

from core.errors import BadRequest
from core.database import MAX_ID, db
from reputation.models import ReputationEvent


def history(user_id: int, limit: int = 20, cursor: str | None = None):
    """(events, next_cursor); the cursor is the id of the last event returned."""
    query = select(ReputationEvent).where(ReputationEvent.user_id == user_id,
                                          ReputationEvent.delta != 0)
    if cursor:
        if not (cursor.isascii() and cursor.isdigit() and len(cursor) <= 10 and 0 < int(cursor) <= MAX_ID):
            raise BadRequest("The cursor is not valid; start again without it.")
        query = query.where(ReputationEvent.id < int(cursor))
    rows = db.session.scalars(query.order_by(ReputationEvent.id.desc()).limit(limit + 1)).all()
    next_cursor = str(rows[limit - 1].id) if len(rows) > limit else None
    return list(rows[:limit]), next_cursor
