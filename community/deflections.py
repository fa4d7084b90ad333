"""Deflections: a reader's "this solved my problem" on a solved thread, counted once per visitor
and thread (helpful_marks) and on the thread (helpful_count, for the home page's most helpful).
The thread.helpful event carries the visitor key and the query that led there, for analytics."""
import hashlib
import hmac

from sqlalchemy import select, update

from community import events
from community.models import HelpfulMark, Thread
from community.policies import can_mark_helpful, ensure
from community.services.loading import visible_thread
from community.validation import clean_text
from core.database import db
from core.transactions import transactional

QUERY_LENGTH = 100
RATE_LIMIT = "60 per hour"  # per account, or per client address for anonymous readers


def visitor_key(user, anonymous_id: str, secret: str) -> str:
    """Who marked: a signed-in user's id, else a keyed hash of the anonymous visitor's id (a
    cookie's random id, or the client address for cookie-less API callers): never stored raw."""
    if user is not None and not user.is_anonymous_user:
        return f"u:{user.id}"
    digest = hmac.new(secret.encode(), anonymous_id.encode(), hashlib.sha256).hexdigest()
    return f"a:{digest[:40]}"


@transactional
def mark_helpful(actor, thread_id: int, visitor: str, query: str | None = None) -> bool:
    """Count the visitor's "this solved my problem" once; True when it was new."""
    thread = visible_thread(actor, thread_id)
    ensure(can_mark_helpful, actor, thread)
    found = db.session.scalar(select(HelpfulMark.id).where(
        HelpfulMark.thread_id == thread.id, HelpfulMark.visitor == visitor))
    if found is not None:
        return False
    query = clean_text(query or "")[:QUERY_LENGTH].strip() or None
    user_id = None if actor.is_anonymous_user else actor.id
    db.session.add(HelpfulMark(thread_id=thread.id, visitor=visitor, user_id=user_id,
                               query=query))
    db.session.execute(update(Thread).where(Thread.id == thread.id)
                       .values(helpful_count=Thread.helpful_count + 1))
    events.emit(events.THREAD_HELPFUL, thread_id=thread.id, actor_id=user_id, visitor=visitor,
                query=query)
    return True
