"""`search rebuild` steps and `search check`: rebuilding indexes from the database, and finding
(and repairing) drift between the lexical index and the database.

Other parts add their own rebuild step (the semantic layer: "embeddings") with
`@rebuild_step(name, total=...)`; the CLI runs every registered step in order.
"""
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field

from core import consumers
from core import events as log
from core.database import db
from search.documents import all_thread_ids, count_threads, documents, fingerprint
from search.service import INDEXER, get_backend, refresh_threads

Advance = Callable[[int], None]


@dataclass
class Step:
    name: str
    run: Callable[[Advance], int]         # run(advance) -> how many items it handled
    total: Callable[[], int] = lambda: 0  # for the progress bar (0: unknown)


steps: dict[str, Step] = {}


def rebuild_step(name: str, total: Callable[[], int] | None = None):
    """Decorator: register `fn(advance) -> int` as the rebuild step `name` (last one wins)."""
    def register(fn):
        steps[name] = Step(name, fn, total or (lambda: 0))
        return fn
    return register


@rebuild_step("lexical", total=count_threads)
def rebuild_lexical(advance: Advance = lambda n: None, backend=None) -> int:
    """Clear the backend and index every live thread; the indexer resumes from here after."""
    backend = backend or get_backend()
    db.session.rollback()  # read the latest commit, not a snapshot the session may hold
    start = log.last_id()  # events up to here are covered by what is read below
    done = 0
    with _replacing(backend) as write:
        for ids in all_thread_ids():
            write(ids)
            done += len(ids)
            advance(len(ids))
    if not getattr(backend, "writes_in_transaction", False):
        consumers.seek(INDEXER, max(start, consumers.position(INDEXER)))
    return done


@contextmanager
def _replacing(backend):
    """write(ids) for a rebuild: into the backend's atomic replace when it has one (Whoosh),
    else after a clear, each batch read and written in one transaction (database)."""
    if hasattr(backend, "replacing"):
        with backend.replacing() as write:
            yield lambda ids: write(documents(ids))
        return
    backend.clear()
    yield lambda ids: refresh_threads(backend, ids)


@dataclass
class Drift:
    missing: list[int] = field(default_factory=list)   # live in the database, not indexed
    stale: list[int] = field(default_factory=list)     # indexed, but not as it is now
    extra: list[int] = field(default_factory=list)     # indexed, but deleted or gone

    def __bool__(self) -> bool:
        return bool(self.missing or self.stale or self.extra)


def check(backend=None) -> Drift:
    backend = backend or get_backend()
    indexed, drift, seen = backend.indexed(), Drift(), set()
    digest = getattr(backend, "fingerprint", fingerprint)  # what this backend keeps a copy of
    for ids in all_thread_ids():
        for doc in documents(ids):
            seen.add(doc.thread_id)
            have = indexed.get(doc.thread_id)
            if have is None:
                drift.missing.append(doc.thread_id)
            elif have != digest(doc):
                drift.stale.append(doc.thread_id)
    drift.extra = sorted(set(indexed) - seen)
    return drift


def repair(drift: Drift, backend=None) -> None:
    refresh_threads(backend or get_backend(), drift.missing + drift.stale + drift.extra)
