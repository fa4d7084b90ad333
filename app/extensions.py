"""Unbound web-only extension singletons (the database handle lives in core.database)."""
from flask import current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_socketio import SocketIO
from flask_wtf import CSRFProtect

migrate = Migrate(compare_type=True, render_as_batch=True)
login = LoginManager()
csrf = CSRFProtect()
socketio = SocketIO()


def rate_limit_key() -> str:
    """Limits count per account when the caller is signed in (session or API token), else per
    client address (the proxy-supplied one behind TRUSTED_PROXIES, see app.factory)."""
    resolve = current_app.extensions.get("commonplace.actor")
    actor = resolve() if resolve else None
    if actor is not None and getattr(actor, "id", None) is not None:
        return f"user:{actor.id}"
    return f"ip:{get_remote_address()}"


limiter = Limiter(key_func=rate_limit_key)
# Votes from the web and the API draw on one budget per account: toggling a vote up and down
# writes ledger rows and events, so it is a cost like posting.
VOTE_LIMIT, VOTE_SCOPE = "30 per minute;300 per day", "vote"


def search_rate_limit() -> str:
    """The limit on searches and similar-question look-ups (SEARCH_RATE_LIMIT)."""
    return current_app.config.get("SEARCH_RATE_LIMIT") or "60 per minute"
