"""API: tokens, registration, users, their reputation ledger, and /me."""
from flask import g, url_for

from app.api import serializers as s
from app.api.core import actor
from app.api.registry import created, operation
from app.api.schemas import NewUser, Paging, TokenRequest
from community import queries, services
from core.errors import Unauthorized
from reputation import queries as reputation_queries


@operation("POST", "/auth/token", body=TokenRequest, returns=s.Token, limit="10 per minute",
           idempotent=False)  # the response holds a secret, which is never stored
def create_token(body: TokenRequest):
    """Sign in: a bearer token for an email (or username) and password."""
    user = services.authenticate(body.email or body.username or "", body.password)
    if user is None:
        raise Unauthorized("The email or password is wrong.")
    return {"token": services.issue_token(user), "user": s.user_full(user, user)}


@operation("DELETE", "/auth/token", auth="required")
def delete_token():
    """Revoke the token this request was made with."""
    services.revoke_token(g.token)


@operation("POST", "/users", body=NewUser, status=201, returns=s.User, errors=(409,),
           limit="10 per hour")
def create_user(body: NewUser):
    """Register an account."""
    user = services.register_user(body.username, body.email, body.password)
    return created(s.user_full(user, user), url_for("api.get_user", user_id=user.id))


@operation("GET", "/users/<int:user_id>", returns=s.User)
def get_user(user_id: int):
    """A user's profile (email only to the user themself and to staff)."""
    return s.user_full(queries.user_by_id(user_id), actor())


@operation("GET", "/users/<int:user_id>/reputation", query=Paging, returns=s.ReputationList)
def get_reputation(user_id: int, query: Paging):
    """A user's reputation ledger, newest first."""
    user = queries.user_by_id(user_id)
    events, next_cursor = reputation_queries.history(user.id, query.size, query.cursor)
    return {"items": [s.reputation_event(e) for e in events], "next_cursor": next_cursor,
            "reputation": user.reputation}


@operation("GET", "/me", returns=s.Me, auth="required")
def me():
    """The caller's own user object."""
    return s.user_full(actor(), actor()) | {"notification_count": 0}
