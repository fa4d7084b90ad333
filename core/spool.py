"""Per-process spool files: a request appends a line (no database work, so a read stays a read)
and a background thread in each process hands the spooled lines to a writer in batches.

Each spool is a directory under the instance folder. A flush claims this process's file and the
files of processes that died, so a worker restart (even a kill) loses nothing; a claimed batch
whose write failed stays and is retried by its claimer, or by anyone once the claimer is gone.
"""
import atexit
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from flask import current_app

from core.database import db

log = logging.getLogger("commonplace.spool")


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


class Spool:
    """A named spool: `append(line)` on the request path, `flush()` writes with `write(lines)`."""

    def __init__(self, folder: str, write: Callable[[list[str]], object], label: str):
        self.folder, self.write, self.label = folder, write, label
        self.lock = threading.Lock()
        self.flushing = threading.Lock()      # one flush at a time in a process
        self.files: dict[Path, int] = {}      # spool directory -> this process's open fd
        self.flushers: set[int] = set()       # ids of the apps whose flusher runs here
        self.paths: dict[str, Path] = {}      # instance folder -> this spool's directory

    def directory(self, make: bool = True, app=None) -> Path:
        root = (app or current_app).instance_path
        path = self.paths.get(root)
        if path is None:  # made once per instance folder: appends are on every page view
            path = self.paths[root] = Path(root) / self.folder
        if make:
            path.mkdir(mode=0o700, parents=True, exist_ok=True)
        return path

    def append(self, line: str, app=None) -> None:
        """Spool one line for `app` (the current app unless given: the front of the WSGI stack
        has no application context)."""
        app = app or current_app._get_current_object()
        directory = self.directory(make=False, app=app)  # made when this process opens its file
        with self.lock:
            fd = self.files.get(directory)
            if fd is None:
                self.directory(app=app)
                fd = os.open(directory / f"{os.getpid()}.spool",
                             os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                self.files[directory] = fd
            os.write(fd, line.encode())
        self._ensure_flusher(app)

    def _take(self, directory: Path) -> list[Path]:
        """Rotate this process's spool and claim those of processes that are gone."""
        me = os.getpid()
        with self.lock:
            fd = self.files.pop(directory, None)
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

    def flush(self):
        """Hand every spooled line to the writer; returns what the writer returned (None if idle)."""
        directory = self.directory()
        with self.flushing:
            paths = self._take(directory)
            if not paths:
                return None
            lines = [line for path in paths for line in path.read_text().splitlines()]
            result = self.write(lines)
            for path in paths:
                path.unlink(missing_ok=True)
        return result

    def discard(self) -> None:
        """Drop spooled lines unwritten (tests start each database from nothing)."""
        directory = self.directory()
        with self.flushing:
            for path in self._take(directory):
                path.unlink(missing_ok=True)

    def _ensure_flusher(self, app) -> None:
        seconds = app.config.get("COUNTER_FLUSH_SECONDS", 5)
        if not seconds or id(app) in self.flushers:
            return
        with self.lock:
            if id(app) in self.flushers:
                return
            self.flushers.add(id(app))
        threading.Thread(target=self._flush_forever, args=(app, seconds), daemon=True,
                         name=f"commonplace-{self.label}").start()
        atexit.register(self._flush_once, app)

    def _flush_once(self, app) -> None:
        with app.app_context():
            try:
                self.flush()
            except Exception:  # noqa: BLE001 - the spool stays for the next flush
                log.exception("flushing the %s spool failed; it is kept", self.label)
            finally:
                db.session.remove()

    def _flush_forever(self, app, seconds: float) -> None:
        while True:
            time.sleep(seconds)
            self._flush_once(app)
