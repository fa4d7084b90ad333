"""Cold render of the 20-answer thread page, in-process (Flask's test client, no server): the
page cache is emptied before every request, so each one loads the thread and renders it, as the
first reader after a change does. Anonymous, and signed in (the shared rendering plus that
reader's parts). Prints the median and best of --repeat requests; --profile prints where the
time goes. Run: .venv/bin/python bench/cold_render.py [--repeat N] [--profile]
"""
import argparse
import cProfile
import os
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import seed  # noqa: E402
from bench.pages import child_env, signed_in_cookie  # noqa: E402


def timed(client, path: str, repeat: int, cookie: str | None, page_cache) -> list[float]:
    headers = {"Cookie": cookie} if cookie else {}
    times = []
    for _ in range(repeat):
        page_cache.clear()
        began = time.perf_counter()
        response = client.get(path, headers=headers)
        times.append((time.perf_counter() - began) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path} answered {response.status_code}")
    return times


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args(argv)
    instance = Path(tempfile.mkdtemp(prefix="commonplace-render-"))
    try:
        os.environ.update(child_env(instance))
        seed.migrate(child_env(instance))
        seeded = seed.seed(instance, 50)
        cookie = signed_in_cookie(instance)
        from app.factory import create_app
        from app.web import page_cache
        app = create_app({"INSTANCE_PATH": str(instance), "RATELIMIT_ENABLED": False,
                          "CONSUMERS_IN_PROCESS_SECONDS": 0})
        client = app.test_client()
        for label, who in (("anonymous", None), ("signed in", cookie)):
            timed(client, seeded.thread_path, 20, who, page_cache)  # warm imports and pools
            if args.profile:
                profile = cProfile.Profile()
                profile.enable()
            times = timed(client, seeded.thread_path, args.repeat, who, page_cache)
            if args.profile:
                profile.disable()
                pstats.Stats(profile).sort_stats("cumulative").print_stats(35)
            print(f"cold render, {label}: median {statistics.median(times):.2f} ms, best "
                  f"{min(times):.2f} ms over {args.repeat} requests ({seeded.thread_path})")
        return 0
    finally:
        shutil.rmtree(instance, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
