"""create_app: bind the extensions, register blueprints, CLI groups and error handlers."""
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from core import database
from core.database import MAX_ID
from app.config import load_config
from app.extensions import csrf, limiter, migrate, socketio
from app.realtime import channel as realtime_channel
from core.database import db

PROJECT = Path(__file__).resolve().parent.parent


def _decimals_up_to(limit: int) -> str:
    """A regex for 1..limit written without leading zeros."""
    digits = str(limit)
    parts = [rf"[1-9]\d{{0,{len(digits) - 2}}}"] if len(digits) > 1 else []
    for i, digit in enumerate(map(int, digits)):
        low = 1 if i == 0 else 0
        if digit > low:
            parts.append(rf"{digits[:i]}[{low}-{digit - 1}]\d{{{len(digits) - i - 1}}}")
    return "(?:" + "|".join([*parts, digits]) + ")"


class BoundedInt(IntegerConverter):
    """Ids are 32-bit INTEGERs. A larger number matches no route, so it is a 404 whatever the
    method (a converter refusing it after matching would make Werkzeug answer 405)."""

    regex = _decimals_up_to(MAX_ID)

    def __init__(self, url_map, fixed_digits=0, min=1, max=MAX_ID, signed=False):
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def create_app(config: dict | None = None) -> Flask:
    settings = load_config(config)
    app = Flask("commonplace", root_path=str(PROJECT), instance_path=settings["INSTANCE_PATH"],
                template_folder="templates", static_folder="static")
    app.config.update(settings)
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS",
                          database.engine_options(app.config["SQLALCHEMY_DATABASE_URI"]))
    app.jinja_env.trim_blocks = app.jinja_env.lstrip_blocks = True
    # An id past the database's integer range is a 404, not an overflow inside the driver.
    app.url_map.converters["int"] = BoundedInt

    import community.models  # noqa: F401  (registers the tables)
    import reputation.models  # noqa: F401
    import reputation.receivers  # noqa: F401  (the ledger follows votes and accepts)
    import reputation.consumers  # noqa: F401  (the badges consumer)
    import reputation.imports  # noqa: F401  (imported reputation enters the ledger)
    import core.consumers  # noqa: F401  (the domain_events and event_cursors tables)
    import community.knowledge  # noqa: F401  (knowledge items follow solved threads)
    from app.notifications import models as _notification_models  # noqa: F401  (its tables)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    socketio.init_app(app, async_mode="threading", message_queue=app.config["REDIS_URL"],
                      channel=realtime_channel(app.config))

    if app.config["TRUSTED_PROXIES"]:
        # Behind N proxies: the client address (rate limits) and scheme come from X-Forwarded-*.
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    from app import auth, cli, handlers, realtime, security, web
    from app.api import init_app as init_api
    app.extensions["commonplace.actor"] = auth.current_actor
    realtime.init_app(app)  # right after socketio.init_app: keeps this app's own server
    security.init_app(app)
    auth.init_app(app)
    web.init_app(app)
    init_api(app)
    cli.init_app(app)
    handlers.init_app(app)
    import search
    search.init_app(app)
    from search import semantic
    semantic.init_app(app)
    from core.consumers import ensure_runner

    @app.before_request
    def start_consumers():  # once per process; CONSUMERS_IN_PROCESS_SECONDS=0 turns it off
        ensure_runner(app)
    import crm
    crm.init_app(app)
    from app import notifications
    notifications.init_app(app)
    return app
