"""A throwaway Commonplace instance for a bench: a temporary folder and a fresh database built by
the migrations (a SQLite file in the folder, or the PostgreSQL database given, whose schema is
DROPPED and recreated: give it a database of its own)."""
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

from app.factory import create_app
from core.database import db


def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@contextmanager
def instance(database_url: str | None = None, **config):
    """Yield an app (inside its app context) on a fresh, migrated database."""
    from flask_migrate import upgrade
    with tempfile.TemporaryDirectory(prefix="commonplace-bench-") as folder:
        uri = database_url or f"sqlite:///{Path(folder) / 'commonplace.db'}"
        if uri.startswith("postgresql"):
            _reset_postgres(uri)
        settings = {"INSTANCE_PATH": str(Path(folder) / "instance"),
                    "SQLALCHEMY_DATABASE_URI": uri, "SECRET_KEY": "bench-secret",
                    "RATELIMIT_ENABLED": False, "SERVER_NAME": "localhost", **config}
        app = create_app(settings)
        with app.app_context():
            upgrade()
            try:
                yield app
            finally:
                db.session.remove()
                db.engine.dispose()


def postgres_url(given: str | None) -> str | None:
    """The PostgreSQL URL a bench may use: the option, else DATABASE_URL, if it is PostgreSQL."""
    url = given or os.environ.get("DATABASE_URL") or ""
    return url if url.startswith("postgresql") else None
