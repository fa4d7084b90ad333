"""The JSON API v1 (../shared/API.md): bearer tokens, problem+json errors, cursor lists."""
from flask import Blueprint

from app.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def init_app(app) -> None:
    from app.api import accounts, community, core, events, openapi  # noqa: F401  (register routes)
    csrf.exempt(bp)  # no cookies are read here: a bearer token cannot be forged cross-site
    app.register_blueprint(bp)
