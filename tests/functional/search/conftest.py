"""Fixtures for the search tests: the app on each backend (real Whoosh index in tmp_path, real
FTS5 or PostgreSQL full text), and `indexed()` to let indexing catch up as production would."""
import pytest

from core.consumers import run_until_caught_up
from search.service import INDEXER, get_backend

BACKENDS = ["whoosh", "database"]


def use_backend(app, name: str):
    app.config["SEARCH_BACKEND"] = name
    app.extensions.pop("commonplace.search_backend", None)
    return get_backend(app)


def catch_up() -> None:
    """Run the search-index consumer until it has handled every committed event."""
    run_until_caught_up(INDEXER)


@pytest.fixture(params=BACKENDS)
def backend(request, app):
    """The app switched to one backend (the database one on this run's database dialect)."""
    return use_backend(app, request.param)


@pytest.fixture
def indexed(backend):
    def run():
        catch_up()
        return backend
    return run
