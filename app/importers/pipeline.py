"""Run a generator in a child process and iterate its items here: parsing and sanitising a
dump's posts (CPU in Python) overlaps with the parent's database writes, on two cores."""
import multiprocessing
import queue as queues
from collections.abc import Callable, Iterator

_POLL_SECONDS = 1.0


def _produce(out, fn, args) -> None:
    try:
        for item in fn(*args):
            out.put(("item", item))
        out.put(("done", None))
    except BaseException as exc:  # noqa: BLE001 - handed to the parent, which raises it
        out.put(("error", exc))


def in_child(fn: Callable[..., Iterator], *args, ahead: int = 3) -> Iterator:
    """Yield what `fn(*args)` yields, computed in a spawned process at most `ahead` items in
    advance; its exception is raised here, after the items that came before it."""
    context = multiprocessing.get_context("spawn")  # no inherited database connections
    out = context.Queue(ahead)
    child = context.Process(target=_produce, args=(out, fn, args), daemon=True)
    child.start()
    try:
        while True:
            try:
                kind, item = out.get(timeout=_POLL_SECONDS)
            except queues.Empty:
                if not child.is_alive():
                    raise RuntimeError(f"the reading process died (exit code {child.exitcode})") from None
                continue
            if kind == "done":
                return
            if kind == "error":
                raise item
            yield item
    finally:
        if child.is_alive():
            child.terminate()
        child.join()
        out.close()
