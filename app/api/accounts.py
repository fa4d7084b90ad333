"""API: tokens, registration, users, their reputation ledger, /me, the caller's own tokens and
password reset by mail."""
from flask import g, request, url_for

from app import mail
from app.api import serializers as s
from app.api.core import actor
from app.api.registry import created, operation
from app.api.schemas import (MeUpdate, NewToken, NewUser, Paging, PasswordResetConfirm,
                             PasswordResetRequest, TokenRequest)
from community import queries, services
from core.errors import Unauthorized
from community.policies import can_see_vote_targets, can_sign_in
from reputation import queries as reputation_queries
from reputation.badges import badges_of


@operation("POST", "/auth/token", body=TokenRequest, returns=s.Token, limit="10 per minute",
           idempotent=False)  # the response holds a secret, which is never stored
def create_token(body: TokenRequest):
    """Sign in: a bearer token for an email (or username) and password."""
    user = services.authenticate(body.email or body.username or "", body.password,
                                 request.remote_addr)
    if user is None:
        raise Unauthorized("The email or password is wrong.")
    if not (allowed := can_sign_in(user)):
        raise Unauthorized(allowed.reason)
    return {"token": services.issue_token(user),
            "user": s.user_full(user, user, badges_of(user.id))}


@operation("DELETE", "/auth/token", auth="required")
def delete_token():
    """Revoke the token this request was made with."""
    services.revoke_token(g.token)


@operation("POST", "/users", body=NewUser, status=201, returns=s.User, errors=(409,),
           limit="10 per hour")
def create_user(body: NewUser):
    """Register an account."""
    user = services.register_user(body.username, body.email, body.password)
    mail.confirm_address(user)
    return created(s.user_full(user, user), url_for("api.get_user", user_id=user.id))


@operation("GET", "/users/<int:user_id>", returns=s.User)
def get_user(user_id: int):
    """A user's profile (email only to the user themself and to staff)."""
    user = queries.user_by_id(user_id)
    return s.user_full(user, actor(), badges_of(user.id))


@operation("GET", "/users/<int:user_id>/reputation", query=Paging, returns=s.ReputationList)
def get_reputation(user_id: int, query: Paging):
    """A user's reputation ledger, newest first."""
    user = queries.user_by_id(user_id)
    events, next_cursor = reputation_queries.history(user.id, query.size, query.cursor)
    mine = bool(can_see_vote_targets(actor(), user))
    return {"items": [s.reputation_event(e, not mine and reputation_queries.is_private(e))
                      for e in events], "next_cursor": next_cursor,
            "reputation": user.reputation}


def _me(user) -> s.MyAccount:
    return s.user_full(user, user, badges_of(user.id)) | {"notification_count": user.unread_notifications,
                                      "pending_email": services.pending_email(user)}


@operation("GET", "/me", returns=s.MyAccount, auth="required")
def me():
    """The caller's own user object."""
    return _me(actor())


@operation("PATCH", "/me", body=MeUpdate, returns=s.MyAccount, auth="required",
           errors=(409, 429), limit="20 per hour")
def update_me(body: MeUpdate):
    """Change email (counts once confirmed by mail) or password; a new password ends every
    other session and token."""
    user = actor()
    old_email = user.email
    user, link = services.update_account(user, body.current_password, body.email, body.password,
                                         keep_token=g.token, address=request.remote_addr)
    if link is not None:
        mail.send_email_confirmation(user, old_email, *link)
    return _me(user)


@operation("POST", "/auth/password-reset", body=PasswordResetRequest, status=202,
           returns=s.Accepted, limit="5 per hour")
def request_password_reset(body: PasswordResetRequest):
    """Mail a single-use reset link, valid one hour; the same answer whether or not the address
    has an account."""
    issued = services.request_password_reset(body.email)
    if issued is not None:
        mail.send_password_reset(*issued)
    return {"detail": "If that address has an account, a reset link is on its way."}


@operation("POST", "/auth/password-reset/confirm", body=PasswordResetConfirm,
           limit="10 per hour")
def confirm_password_reset(body: PasswordResetConfirm):
    """Set a new password with a reset token; every session and token of the user ends."""
    services.reset_password(body.token, body.password)


@operation("GET", "/me/tokens", returns=s.TokenList, auth="required")
def list_my_tokens():
    """The caller's API tokens, never their secrets."""
    return {"items": [s.token_info(row) for row in services.list_tokens(actor())],
            "next_cursor": None}


@operation("POST", "/me/tokens", body=NewToken, status=201, returns=s.NewToken, auth="required",
           limit="30 per hour", idempotent=False)  # the response holds a secret
def create_my_token(body: NewToken):
    """A new named token; its secret is shown this once."""
    secret, row = services.create_named_token(actor(), body.name)
    return created({"id": row.id, "name": row.name, "token": secret},
                   url_for("api.revoke_my_token", token_id=row.id))


@operation("DELETE", "/me/tokens/<int:token_id>", auth="required")
def revoke_my_token(token_id: int):
    """Revoke one of your tokens (another user's id is a 404)."""
    services.revoke_token_by_id(actor(), token_id)
