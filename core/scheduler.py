"""One scheduler per process for background work (the event-log consumers, flushers, relays):
each named task runs in its own thread, so a slow one never holds back another, and an error
(the database or Redis away) is logged and retried with backoff, never the end of the loop."""
import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from core.database import db

log = logging.getLogger("commonplace.scheduler")
BACKOFF_BASE = 0.5   # seconds before the first retry of a failing task
BACKOFF_CAP = 60.0   # the longest wait between two tries


def backoff(failures: int, base: float = BACKOFF_BASE, cap: float = BACKOFF_CAP) -> float:
    """Exponential backoff with jitter (between half and all of the capped delay)."""
    delay = min(cap, base * 2 ** max(0, failures - 1))
    return delay * random.uniform(0.5, 1.0)


@dataclass
class Task:
    """`step()` does one round of work and says whether there may be more at once."""
    name: str
    step: Callable[[], bool]
    interval: float
    wake: threading.Event = field(default_factory=threading.Event)
    failures: int = 0
    thread: threading.Thread | None = None


class Scheduler:
    """The tasks of one app in this process. `wake()` makes idle tasks look now."""

    def __init__(self, app):
        self.app = app
        self.tasks: dict[str, Task] = {}
        self.stopping = threading.Event()

    def add(self, name: str, step: Callable[[], bool], interval: float) -> Task:
        task = self.tasks[name] = Task(name, step, interval)
        return task

    def start(self) -> "Scheduler":
        for task in self.tasks.values():
            task.thread = threading.Thread(target=self._run, args=(task,), daemon=True,
                                           name=f"commonplace-{task.name}")
            task.thread.start()
        return self

    def wake(self) -> None:
        for task in self.tasks.values():
            task.wake.set()

    def stop(self, timeout: float = 60.0) -> None:
        """Ask every task to stop and wait for its current round to end."""
        self.stopping.set()
        self.wake()
        for task in self.tasks.values():
            if task.thread is not None and task.thread is not threading.current_thread():
                task.thread.join(timeout)

    def run_step(self, task: Task) -> bool | None:
        """One round of `task`: True/False as the step says, None when it failed."""
        try:
            with self.app.app_context():
                try:
                    busy = bool(task.step())
                finally:
                    _forget_session()
        except Exception:  # noqa: BLE001 - any failure is retried; the loop must outlive it
            task.failures += 1
            if task.failures == 1 or task.failures % 20 == 0:
                log.exception("%s failed (%d in a row); retrying with backoff",
                              task.name, task.failures)
            return None
        if task.failures:
            log.warning("%s works again after %d failures", task.name, task.failures)
            task.failures = 0
        return busy

    def _run(self, task: Task) -> None:
        while not self.stopping.is_set():
            busy = self.run_step(task)
            if busy:
                continue
            if busy is None:  # failed: wait out the backoff; a wake does not cut it short
                self.stopping.wait(backoff(task.failures))
                continue
            task.wake.wait(task.interval)
            task.wake.clear()


def _forget_session() -> None:
    """End the thread's session; with the database gone even that may fail, and must not
    escape as the task's failure a second time."""
    try:
        db.session.remove()
    except Exception:  # noqa: BLE001
        log.debug("session cleanup failed", exc_info=True)
