"""Search: the SearchBackend protocol, the Whoosh and database backends, indexing driven by the
event log, visibility-checked search (search.service), rebuild/check and search analytics."""
from search.backend import Hit, SearchBackend, SearchQuery, SearchResult, ThreadDoc
from search.service import get_backend, search_threads

__all__ = ["Hit", "SearchBackend", "SearchQuery", "SearchResult", "ThreadDoc", "get_backend",
           "search_threads", "init_app"]


def init_app(app) -> None:
    """Register the indexer (consumer and receivers) and the CLI group."""
    from search import models  # noqa: F401  (the database backend's tables)
    from search import database_backend, indexing, rebuild  # noqa: F401  (receivers, consumer, step)
    from search.cli import search_cli
    app.cli.add_command(search_cli)
