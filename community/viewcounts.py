"""Counters kept off the request path: thread views and API tokens' last use.

A request appends one line to its process's spool file under `<instance>/spool/` (no database
work, so reading a page stays a read); a background flusher in each process writes the spooled
lines in one short transaction every few seconds, and picks up the spools of processes that
died, so a worker restart (even a kill) loses nothing.
"""
import atexit
import logging
import os
import threading
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

from flask import current_app
from sqlalchemy import update

from community.models import ApiToken, Thread
from core.database import db
from core.transactions import transactional

log = logging.getLogger("commonplace.counters")
_lock = threading.Lock()
_flushing = threading.Lock()        # one flush at a time in a process
_files: dict[Path, int] = {}        # spool directory -> this process's open file descriptor
_flushers: set[int] = set()         # ids of the apps whose flusher thread runs in this process


def _directory() -> Path:
    path = Path(current_app.instance_path) / "spool"
    path.mkdir(mode=0o700, exist_ok=True)
    return path


def _append(line: str) -> None:
    directory = _directory()
    with _lock:
        fd = _files.get(directory)
        if fd is None:
            fd = os.open(directory / f"{os.getpid()}.spool",
                         os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            _files[directory] = fd
        os.write(fd, line.encode())
    _ensure_flusher()


def record_view(thread_id: int) -> None:
    _append(f"v {int(thread_id)}\n")


def record_token_use(token_id: int) -> None:
    _append(f"t {int(token_id)} {int(time.time())}\n")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _owner(path: Path) -> int:
    head = path.name.split(".", 1)[0].split("-", 1)[0]
    return int(head) if head.isdigit() else 0


def _take(directory: Path) -> list[Path]:
    """Rotate this process's spool, and claim the spools of processes that are gone.

    A claimed batch is renamed `<claimer pid>-<spool>.flushing`; a batch whose flush failed
    stays so and is retried by its claimer, or by anyone once the claimer is gone.
    """
    me = os.getpid()
    with _lock:
        fd = _files.pop(directory, None)
        if fd is not None:
            os.close(fd)
        for path in sorted(directory.glob("*.spool")):
            if _owner(path) == me or not _alive(_owner(path)):
                try:
                    path.rename(path.with_name(f"{me}-{path.stem}.{time.time_ns()}.flushing"))
                except FileNotFoundError:
                    continue  # another process claimed it first
        for path in sorted(directory.glob("*.flushing")):
            if _owner(path) != me and not _alive(_owner(path)):
                try:
                    path.rename(path.with_name(f"{me}-{path.name}"))
                except FileNotFoundError:
                    continue
    return sorted(p for p in directory.glob("*.flushing") if _owner(p) == me)


def _read(paths: list[Path]) -> tuple[Counter, dict[int, int]]:
    views, tokens = Counter(), {}
    for path in paths:
        for line in path.read_text().splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[0] == "v":
                views[int(parts[1])] += 1
            elif len(parts) == 3 and parts[0] == "t":
                tokens[int(parts[1])] = max(tokens.get(int(parts[1]), 0), int(parts[2]))
    return views, tokens


def flush() -> int:
    """Write every spooled count to the database; returns how many views were written."""
    directory = _directory()
    with _flushing:
        paths = _take(directory)
        if not paths:
            return 0
        views, tokens = _read(paths)
        _write(dict(views), tokens)
        for path in paths:
            path.unlink(missing_ok=True)
    return sum(views.values())


@transactional
def _write(views: dict[int, int], tokens: dict[int, int]) -> None:
    for thread_id, count in sorted(views.items()):
        db.session.execute(update(Thread).where(Thread.id == thread_id)
                           .values(view_count=Thread.view_count + count)
                           .execution_options(synchronize_session=False))
    for token_id, stamp in sorted(tokens.items()):
        db.session.execute(update(ApiToken).where(ApiToken.id == token_id)
                           .values(last_used_at=datetime.fromtimestamp(stamp, timezone.utc))
                           .execution_options(synchronize_session=False))


def discard() -> None:
    """Drop spooled counts unwritten (tests start each database from nothing)."""
    directory = _directory()
    with _flushing:
        for path in _take(directory):
            path.unlink(missing_ok=True)


def _ensure_flusher() -> None:
    app = current_app._get_current_object()
    seconds = app.config.get("COUNTER_FLUSH_SECONDS", 5)
    if not seconds or id(app) in _flushers:
        return
    with _lock:
        if id(app) in _flushers:
            return
        _flushers.add(id(app))
    thread = threading.Thread(target=_flush_forever, args=(app, seconds), daemon=True,
                              name="commonplace-counters")
    thread.start()
    atexit.register(_flush_once, app)


def _flush_once(app) -> None:
    with app.app_context():
        try:
            flush()
        except Exception:  # noqa: BLE001 - the spool stays for the next flush
            log.exception("flushing counters failed; the spool is kept")
        finally:
            db.session.remove()


def _flush_forever(app, seconds: float) -> None:
    while True:
        time.sleep(seconds)
        _flush_once(app)
