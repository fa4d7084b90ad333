"""Thread view counts, buffered in memory and written in batches, so reading a page stays a read."""
import threading
import time
from collections import Counter

from sqlalchemy import update

from core.database import db
from community.models import Thread
from core.transactions import transactional

FLUSH_EVERY_SECONDS = 10
FLUSH_EVERY_VIEWS = 200

_lock = threading.Lock()
_pending: Counter = Counter()
_pending_total = 0
_last_flush = time.monotonic()


def record_view(thread_id: int) -> None:
    global _last_flush, _pending_total
    with _lock:
        _pending[thread_id] += 1
        _pending_total += 1
        due = (_pending_total >= FLUSH_EVERY_VIEWS
               or time.monotonic() - _last_flush >= FLUSH_EVERY_SECONDS)
        if not due:
            return
        batch = _take()
        _last_flush = time.monotonic()
    flush(batch)


def _take() -> dict[int, int]:
    """Empty the buffer and return what it held (the caller holds the lock)."""
    global _pending_total
    batch = dict(_pending)
    _pending.clear()
    _pending_total = 0
    return batch


def flush(batch: dict[int, int] | None = None) -> None:
    """Write buffered counts (all of them when called with no batch) in one short transaction."""
    if batch is None:
        with _lock:
            batch = _take()
    if batch:
        _write(batch)


@transactional
def _write(batch: dict[int, int]) -> None:
    for thread_id, count in batch.items():
        db.session.execute(update(Thread).where(Thread.id == thread_id)
                           .values(view_count=Thread.view_count + count)
                           .execution_options(synchronize_session=False))


def discard() -> None:
    """Drop buffered counts unwritten (tests start each database from nothing)."""
    with _lock:
        _take()
