"""What every API endpoint shares: who is calling (bearer tokens), and 401 versus 403."""
from flask import g, request

from app.api import bp
from app.handlers import problem_response
from community.models import ANONYMOUS
from community.services import user_for_token
from core.errors import BadRequest, PermissionDenied, Unauthorized
from core.database import parse_id


def token_actor():
    """The caller named by the bearer token (ANONYMOUS without one, None for a bad one), once
    per request; rate limits ask it before the view's own check runs."""
    cache = request.environ  # per request (tests share one app context, so not `g`)
    if "commonplace.token_actor" not in cache:
        actor, header = ANONYMOUS, request.headers.get("Authorization")
        g.token = None
        if header is not None:
            scheme, _, token = header.partition(" ")
            actor = user_for_token(token.strip()) if scheme.lower() == "bearer" and token.strip() \
                else None
            g.token = token.strip()
        cache["commonplace.token_actor"] = actor
    return cache["commonplace.token_actor"]


@bp.before_request
def resolve_token():
    """Bearer token → g.actor. A bad token is a 401 even on public reads, so clients notice."""
    g.actor = ANONYMOUS
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return _unauthorized("Use 'Authorization: Bearer <token>'.")
    user = token_actor()
    if user is None:
        return _unauthorized("The token is invalid or has been revoked.")
    g.actor = user
    return None


@bp.errorhandler(PermissionDenied)
def permission_denied(exc: PermissionDenied):
    # The policies say "sign in first" to anonymous callers; in the API that is a 401.
    if g.get("actor", ANONYMOUS).is_anonymous_user:
        return _unauthorized(exc.detail)
    return problem_response(403, exc.title, exc.detail)


def _unauthorized(detail: str):
    return problem_response(401, "Unauthorized", detail, headers={"WWW-Authenticate": "Bearer"})


def actor():
    return g.actor


def require_actor():
    if g.actor.is_anonymous_user:
        raise Unauthorized("This needs a bearer token from POST /api/v1/auth/token.")
    return g.actor


def number_cursor(cursor: str | None) -> int:
    """A cursor that is a plain position (small lists: categories, revisions)."""
    if cursor is None:
        return 0
    position = parse_id(cursor)
    if position is None:
        raise BadRequest("The cursor is not valid; start again without it.")
    return position
