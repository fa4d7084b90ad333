"""API: the domain event log for staff integrations, and restoring deleted posts."""
from flask import jsonify, request

from app.api import bp
from app.api.core import listing, require_actor
from app.api import serializers as s
from core.database import MAX_ID
from core.errors import BadRequest
from community import queries, services


@bp.get("/events")
def list_events():
    viewer = require_actor()
    after, limit = request.args.get("after", "0"), request.args.get("limit", "100")
    if not (after.isascii() and after.isdigit() and len(after) <= 10 and int(after) <= MAX_ID):
        raise BadRequest("after must be an event id (a whole number).")
    if not (limit.isascii() and limit.isdigit() and len(limit) <= 6 and 1 <= int(limit)):
        raise BadRequest("limit must be a whole number from 1 to 500.")
    feed = queries.event_feed(viewer, int(after), min(int(limit), 500))
    items = [{"id": e.id, "type": e.type, "created_at": s.iso(e.created_at),
              "actor_id": e.actor_id, "thread_id": e.thread_id, "post_id": e.post_id,
              "user_id": e.user_id, "data": e.data} for e in feed]
    return listing(items, str(feed[-1].id) if len(feed) == min(int(limit), 500) else None)


@bp.post("/posts/<int:post_id>/restore")
def restore_post(post_id):
    post = services.restore_post(require_actor(), post_id)
    return jsonify(s.post(queries.visible_post(require_actor(), post.id)[0]))
