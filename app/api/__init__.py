"""The JSON API v1 (../shared/API.md): strict pydantic input, problem+json errors, cursor lists,
Idempotency-Key on POST, and an OpenAPI 3.1 document generated from the same models."""
from flask import Blueprint

from app.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def load_routes() -> None:
    """Import every module that registers routes (the OpenAPI document lists what is loaded)."""
    from app.api import accounts, community, core, events, openapi  # noqa: F401
    from app.api import reputation  # noqa: F401
    from app.api import knowledge  # noqa: F401
    from app.api import cases  # noqa: F401
    from app.api import search  # noqa: F401
    from app.api import similar  # noqa: F401
    from app.api import moderation, site_admin  # noqa: F401
    from app.api import notifications  # noqa: F401
    from app.api import helpful  # noqa: F401


def init_app(app) -> None:
    load_routes()
    csrf.exempt(bp)  # no cookies are read here: a bearer token cannot be forged cross-site
    app.register_blueprint(bp)
