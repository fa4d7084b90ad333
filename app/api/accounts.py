"""API: tokens, registration, users, their reputation ledger, and /me."""
from flask import g, jsonify

from app.api import bp
from app.api.core import actor, created, json_body, listing, page_args, require_actor
from app.api.serializers import iso, user_full
from core.errors import Unauthorized
from app.extensions import limiter
from community import queries, services
from reputation import queries as reputation_queries


@bp.post("/auth/token")
@limiter.limit("10 per minute")
def create_token():
    data = json_body()
    user = services.authenticate(data.get("email") or data.get("username") or "",
                                 data.get("password") or "")
    if user is None:
        raise Unauthorized("The email or password is wrong.")
    return jsonify({"token": services.issue_token(user), "user": user_full(user, user)})


@bp.delete("/auth/token")
def delete_token():
    require_actor()
    services.revoke_token(g.token)
    return "", 204


@bp.post("/users")
@limiter.limit("10 per hour")
def create_user():
    data = json_body()
    user = services.register_user(data.get("username"), data.get("email"), data.get("password"))
    return created(user_full(user, user))


@bp.get("/users/<int:user_id>")
def get_user(user_id):
    return jsonify(user_full(queries.user_by_id(user_id), actor()))


@bp.get("/users/<int:user_id>/reputation")
def get_reputation(user_id):
    user = queries.user_by_id(user_id)
    limit, cursor = page_args()
    events, next_cursor = reputation_queries.history(user.id, limit, cursor)
    return listing([{"delta": e.delta, "reason": e.reason, "post_id": e.post_id,
                     "thread_id": e.thread_id, "created_at": iso(e.created_at)} for e in events],
                   next_cursor, reputation=user.reputation)


@bp.get("/me")
def me():
    user = require_actor()
    return jsonify(user_full(user, user) | {"notification_count": 0})
