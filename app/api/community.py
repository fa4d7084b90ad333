"""API: categories, threads, answers, edits and revisions, deletion, votes, accepts."""
from flask import jsonify, request

from app.api import bp
from app.api.core import (actor, created, json_body, listing, number_cursor, page_args,
                          require_actor)
from app.api import serializers as s
from core.errors import ValidationFailed
from app.extensions import limiter
from community import queries, services


@bp.get("/categories")
def list_categories():
    limit, cursor = page_args()
    offset = number_cursor(cursor)
    rows = queries.categories(limit + 1, offset)
    next_cursor = str(offset + limit) if len(rows) > limit else None
    return listing([s.category(c) for c in rows[:limit]], next_cursor)


@bp.post("/categories")
def create_category():
    data = json_body()
    category = services.create_category(require_actor(), data.get("name"), data.get("slug"),
                                        data.get("description") or "")
    return created(s.category(category))


@bp.get("/threads")
def list_threads():
    limit, cursor = page_args()
    args = request.args
    threads, next_cursor = queries.list_threads(
        actor(), category=args.get("category"), tag=args.get("tag"), status=args.get("status"),
        sort=args.get("sort", "newest"), limit=limit, cursor=cursor)
    return listing([s.thread_summary(t) for t in threads], next_cursor)


@bp.post("/threads")
@limiter.limit("20 per minute")
def create_thread():
    data = json_body()
    thread = services.create_thread(require_actor(), data.get("title"), data.get("body"),
                                    data.get("category"), data.get("tags"))
    return created(s.thread_detail(queries.thread_page(actor(), thread.id), actor()))


@bp.get("/threads/<int:thread_id>")
def get_thread(thread_id):
    return jsonify(s.thread_detail(queries.thread_page(actor(), thread_id), actor()))


@bp.patch("/threads/<int:thread_id>")
def edit_thread(thread_id):
    data = json_body()
    services.edit_thread(require_actor(), thread_id, title=data.get("title"), body=data.get("body"),
                         tags=data.get("tags"), category=data.get("category"))
    return jsonify(s.thread_detail(queries.thread_page(actor(), thread_id), actor()))


@bp.post("/threads/<int:thread_id>/answers")
@limiter.limit("30 per minute")
def create_answer(thread_id):
    data = json_body()
    post = services.create_answer(require_actor(), thread_id, data.get("body"))
    return created(s.post(queries.visible_post(actor(), post.id)[0], 0))


@bp.get("/posts/<int:post_id>")
def get_post(post_id):
    return jsonify(s.post(queries.visible_post(actor(), post_id)[0]))


@bp.patch("/posts/<int:post_id>")
def edit_post(post_id):
    data = json_body()
    services.edit_post(require_actor(), post_id, data.get("body"))
    return jsonify(s.post(queries.visible_post(actor(), post_id)[0]))


@bp.get("/posts/<int:post_id>/revisions")
def post_revisions(post_id):
    limit, cursor = page_args()
    rows = queries.revisions(actor(), post_id, limit + 1, number_cursor(cursor))
    next_cursor = str(rows[limit - 1].rev) if len(rows) > limit else None
    return listing([{"rev": r.rev, "author": s.user_brief(r.author), "title": r.title,
                     "body": r.body, "created_at": s.iso(r.created_at)} for r in rows[:limit]],
                   next_cursor)


@bp.delete("/posts/<int:post_id>")
def delete_post(post_id):
    services.delete_post(require_actor(), post_id)
    return "", 204


@bp.post("/posts/<int:post_id>/vote")
def vote(post_id):
    user = require_actor()
    data = json_body()
    if "value" not in data:
        raise ValidationFailed({"value": ["is required (1, -1 or 0)"]})
    score, my_vote = services.cast_vote(user, post_id, data["value"])
    return jsonify({"score": score, "my_vote": my_vote})


@bp.post("/threads/<int:thread_id>/accept")
def accept(thread_id):
    user = require_actor()
    data = json_body()
    if "post_id" not in data:
        raise ValidationFailed({"post_id": ["is required (an answer's id, or null to un-accept)"]})
    post_id = data["post_id"]
    if post_id is not None and (isinstance(post_id, bool) or not isinstance(post_id, int)):
        raise ValidationFailed({"post_id": ["must be an integer or null"]})
    services.accept_answer(user, thread_id, post_id)
    return jsonify(s.thread_detail(queries.thread_page(actor(), thread_id), actor()))
