"""API: tokens, registration, users, their reputation ledger, /me, the caller's own tokens and
password reset by mail."""
from flask import g, jsonify, url_for

from app import mail
from app.api import bp
from app.api.core import actor, created, json_body, listing, page_args, require_actor
from app.api.serializers import iso, user_full
from app.handlers import problem_response
from core.errors import Unauthorized, ValidationFailed
from app.extensions import limiter
from community import queries, services
from reputation import queries as reputation_queries


@bp.errorhandler(services.SignInLocked)
def sign_in_locked(exc: services.SignInLocked):
    return problem_response(429, exc.title, exc.detail,
                            headers={"Retry-After": str(exc.retry_after)})


def _only(data: dict, *allowed: str) -> dict:
    """The body with no field but `allowed` (an unknown field is a 422 naming it)."""
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ValidationFailed({name[:64]: ["is not a known field"] for name in unknown})
    return data


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


@bp.post("/auth/password-reset")
@limiter.limit("5 per hour")
def request_password_reset():
    data = _only(json_body(), "email")
    issued = services.request_password_reset(data.get("email"))
    if issued is not None:
        mail.send_password_reset(*issued)
    # The same answer whether or not the address has an account.
    return jsonify({"detail": "If that address has an account, a reset link is on its way."}), 202


@bp.post("/auth/password-reset/confirm")
@limiter.limit("10 per hour")
def confirm_password_reset():
    data = _only(json_body(), "token", "password")
    services.reset_password(data.get("token"), data.get("password"))
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


def _me(user):
    return user_full(user, user) | {"notification_count": 0,
                                    "pending_email": services.pending_email(user)}


@bp.get("/me")
def me():
    return jsonify(_me(require_actor()))


@bp.patch("/me")
@limiter.limit("20 per hour")
def update_me():
    user, data = require_actor(), _only(json_body(), "current_password", "email", "password")
    old_email = user.email
    user, link = services.update_account(user, data.get("current_password"), data.get("email"),
                                         data.get("password"), keep_token=g.token)
    if link is not None:
        mail.send_email_confirmation(user, old_email, *link)
    return jsonify(_me(user))


def _token(row) -> dict:
    return {"id": row.id, "name": row.name, "created_at": iso(row.created_at),
            "last_used_at": iso(row.last_used_at)}


@bp.get("/me/tokens")
def list_my_tokens():
    return listing([_token(row) for row in services.list_tokens(require_actor())])


@bp.post("/me/tokens")
@limiter.limit("30 per hour")
def create_my_token():
    user, data = require_actor(), _only(json_body(), "name")
    secret, row = services.create_named_token(user, data.get("name"))
    response = created({"id": row.id, "name": row.name, "token": secret})
    response.headers["Location"] = url_for("api.revoke_my_token", token_id=row.id)
    return response


@bp.delete("/me/tokens/<int:token_id>")
def revoke_my_token(token_id):
    services.revoke_token_by_id(require_actor(), token_id)
    return "", 204
