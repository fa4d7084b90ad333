"""Counters kept off the request path: thread views and API tokens' last use.

A request appends one line to its process's spool (core.spool) under `<instance>/spool/`;
each process's flusher writes the spooled lines in one short transaction every few seconds,
and picks up the spools of processes that died, so a worker restart (even a kill) loses nothing.
"""
import time
from collections import Counter
from datetime import datetime, UTC

from sqlalchemy import update

from community.models import ApiToken, Thread
from core.database import db
from core.spool import Spool
from core.transactions import transactional


def _append(line: str, app=None) -> None:
    _spool.append(line, app)


def record_view(thread_id: int, app=None) -> None:
    """Count a view of the thread (`app`: when called outside an application context)."""
    _append(f"v {int(thread_id)}\n", app)


def record_token_use(token_id: int) -> None:
    _append(f"t {int(token_id)} {int(time.time())}\n")


def _read(lines: list[str]) -> tuple[Counter, dict[int, int]]:
    views, tokens = Counter(), {}
    for line in lines:
        parts = line.split()
        if len(parts) == 2 and parts[0] == "v":
            views[int(parts[1])] += 1
        elif len(parts) == 3 and parts[0] == "t":
            tokens[int(parts[1])] = max(tokens.get(int(parts[1]), 0), int(parts[2]))
    return views, tokens


def flush() -> int:
    """Write every spooled count to the database; returns how many views were written."""
    return _spool.flush() or 0


def _write_lines(lines: list[str]) -> int:
    views, tokens = _read(lines)
    _write(dict(views), tokens)
    return sum(views.values())


@transactional
def _write(views: dict[int, int], tokens: dict[int, int]) -> None:
    for thread_id, count in sorted(views.items()):
        db.session.execute(update(Thread).where(Thread.id == thread_id)
                           .values(view_count=Thread.view_count + count)
                           .execution_options(synchronize_session=False))
    for token_id, stamp in sorted(tokens.items()):
        db.session.execute(update(ApiToken).where(ApiToken.id == token_id)
                           .values(last_used_at=datetime.fromtimestamp(stamp, UTC))
                           .execution_options(synchronize_session=False))


def discard() -> None:
    """Drop spooled counts unwritten (tests start each database from nothing)."""
    _spool.discard()


_spool = Spool("spool", _write_lines, "counters")
_files = _spool.files  # this process's open spool files (a test forgets them to act as a fork)
