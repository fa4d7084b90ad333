"""Sign-in: Flask-Login for the web (session and remember-me cookies carry "<id>:<stamp>:<key>":
a new stamp ends them all, and signing out deletes the browser's key on the server, so a copied
cookie dies with it), safe `next` redirects; tokens live in the API."""
from urllib.parse import urlsplit

from flask import request, session
from flask_login import current_user, login_user, logout_user

from app import mail
from app.extensions import login
from core.database import parse_id
from community import services
from community.models import AnonymousUser, User


def init_app(app) -> None:
    login.init_app(app)
    login.anonymous_user = AnonymousUser
    login.login_view = "auth.login"
    login.login_message = "Please sign in to continue."
    login.session_protection = "basic"

    @login.user_loader
    def load_user(session_id: str):
        named = parse_session_id(session_id)
        user = services.session_user(*named) if named else None
        if user is not None:
            user.sign_in_key = named[2]
        return user

    mail.init_app(app)
    from app.auth import settings, views
    app.register_blueprint(views.bp)
    app.register_blueprint(settings.bp)


def parse_session_id(session_id) -> tuple[int, str, str] | None:
    """(user id, stamp, sign-in key) of a "<id>:<stamp>:<key>" session id; None for a cookie from
    before stamps or keys, or a malformed one. Whether they are current is for the caller."""
    parts = str(session_id).split(":")
    number = parse_id(parts[0]) if len(parts) == 3 else None
    return (number, parts[1], parts[2]) if number and all(parts[1:]) else None


def sign_in(user: User, remember: bool = False) -> None:
    """This browser signs in as `user` with a sign-in key of its own on the server."""
    user.sign_in_key = services.open_session(user)
    login_user(user, remember=remember)


def sign_out() -> None:
    """This browser signs out; its key is deleted, so copies of its cookies stop working too."""
    named = session_identity()
    if named is not None:
        services.end_session(named[0], named[2])
    logout_user()


def session_identity() -> tuple[int, str, str] | None:
    """Who this request's session cookie names, unchecked and without loading them (the cached
    thread page checks the stamp in its one query); None when it names nobody."""
    raw = session.get("_user_id")
    return parse_session_id(raw) if raw else None


def current_actor():
    """Who is calling: the API token's user under /api/, else the signed-in web user."""
    if request.path.startswith("/api/"):
        from app.api.core import token_actor
        return token_actor()
    return current_user


def safe_next(target: str | None, fallback: str = "/") -> str:
    """Only a path on this site: no scheme, no host, no '//' or backslash tricks."""
    if not target or not isinstance(target, str):
        return fallback
    target = target.strip()
    parts = urlsplit(target)
    if (parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//")
            or "\\" in target or any(ord(c) < 32 for c in target)):
        return fallback
    return target


def next_from_request(fallback: str = "/") -> str:
    return safe_next(request.values.get("next"), fallback)
