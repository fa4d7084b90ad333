"""Thread view counts, buffered in memory and written in batches, so reading a page stays a read."""
import threading
import time
from collections import Counter

from sqlalchemy import update

from app.extensions import db
from community.models import Thread

FLUSH_EVERY_SECONDS = 10
FLUSH_EVERY_VIEWS = 200

_lock = threading.Lock()
_pending: Counter = Counter()
_last_flush = time.monotonic()


def record_view(thread_id: int) -> None:
    global _last_flush
    with _lock:
        _pending[thread_id] += 1
        due = (sum(_pending.values()) >= FLUSH_EVERY_VIEWS
               or time.monotonic() - _last_flush >= FLUSH_EVERY_SECONDS)
        if not due:
            return
        batch = dict(_pending)
        _pending.clear()
        _last_flush = time.monotonic()
    flush(batch)


def flush(batch: dict[int, int] | None = None) -> None:
    """Write buffered counts (all of them when called with no batch) in one short transaction."""
    if batch is None:
        with _lock:
            batch = dict(_pending)
            _pending.clear()
    if not batch:
        return
    from community.transactions import transactional

    @transactional
    def write():
        for thread_id, count in batch.items():
            db.session.execute(update(Thread).where(Thread.id == thread_id)
                               .values(view_count=Thread.view_count + count)
                               .execution_options(synchronize_session=False))
    write()


def discard() -> None:
    """Drop buffered counts unwritten (tests start each database from nothing)."""
    with _lock:
        _pending.clear()
