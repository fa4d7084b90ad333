"""API: "this solved my problem" (a deflection), from anyone, once per visitor and thread."""
from flask import current_app
from flask_limiter.util import get_remote_address

from app.api.core import actor
from app.api.registry import operation
from community.deflections import RATE_LIMIT, mark_helpful, visitor_key
from core.errors import Conflict


@operation("POST", "/threads/<int:thread_id>/helpful", errors=(403, 404), limit=RATE_LIMIT)
def helpful(thread_id: int):
    """Mark a solved thread as the answer to your problem (counted once per visitor).

    Anonymous callers are told apart by their address (the API reads no cookies)."""
    caller = actor()
    visitor = visitor_key(caller, f"ip:{get_remote_address()}", current_app.config["SECRET_KEY"])
    try:
        mark_helpful(caller, thread_id, visitor)
    except Conflict:  # the same visitor twice at once: the other request counted it
        pass
