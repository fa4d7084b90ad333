"""API: the domain event log for staff integrations, and restoring deleted posts."""
from app.api import serializers as s
from app.api.core import actor
from app.api.registry import operation
from app.api.schemas import EventPaging
from community import queries, services


@operation("GET", "/events", query=EventPaging, returns=s.EventList, auth="required",
           errors=(403,))
def list_events(query: EventPaging):
    """The domain event log (admin, support): events after ?after=, oldest first; events on
    threads the caller may not see are left out."""
    feed = queries.event_feed(actor(), query.after, query.size)
    return {"items": [s.event(e) for e in feed],
            "next_cursor": str(feed[-1].id) if len(feed) == query.size else None}


@operation("POST", "/posts/<int:post_id>/restore", returns=s.Post, auth="required",
           errors=(403,))
def restore_post(post_id: int):
    """Undo a soft delete (staff; the author within UNDELETE_HOURS of deleting their own post);
    restoring the question restores its thread."""
    post = services.restore_post(actor(), post_id)
    return s.post(queries.visible_post(actor(), post.id)[0])
