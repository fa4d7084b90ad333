"""Sign-in: Flask-Login for the web (session and remember-me cookies carry "<id>:<stamp>", so a
new stamp ends them all), safe `next` redirects; tokens live in the API."""
from urllib.parse import urlsplit

from flask import request, session
from flask_login import current_user

from app import mail
from app.extensions import login
from core.database import db, parse_id
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
        if named is None:
            return None
        user = db.session.get(User, named[0])
        return user if services.stamp_matches(user, named[1]) else None

    mail.init_app(app)
    from app.auth import settings, views
    app.register_blueprint(views.bp)
    app.register_blueprint(settings.bp)


def parse_session_id(session_id) -> tuple[int, str] | None:
    """(user id, stamp) of a "<id>:<stamp>" session id; None for a cookie from before stamps (a
    bare id) or a malformed one. Whether the stamp is the user's current one is for the caller."""
    user_id, _, stamp = str(session_id).partition(":")
    number = parse_id(user_id)
    return (number, stamp) if number and stamp else None


def session_identity() -> tuple[int, str] | None:
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
