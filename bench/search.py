"""Search benchmark: for every backend, rebuild throughput (threads/s) and index size, then p50/p99
of 1-3-word queries with snippets (and of candidates()), and the query worker's RSS.
Run: .venv/bin/python bench/search.py [--threads N] [--queries Q] [--database-url URL]
Then runs bench/search_semantic.py and bench/search_quality.py when they exist (their main()).
"""
import argparse
import importlib
import multiprocessing
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.search_corpus import Corpus, instance, make_app  # noqa: E402

OTHER_BENCHES = ("bench.search_semantic", "bench.search_quality")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=100_000, help="synthetic threads")
    parser.add_argument("--queries", type=int, default=500, help="timed queries per backend")
    parser.add_argument("--backends", default="whoosh,database", help="comma-separated")
    parser.add_argument("--database-url", default=None,
                        help="also run the database backend on this PostgreSQL (its public "
                             "schema is dropped: never a shared database)")
    parser.add_argument("--no-sqlite", action="store_true",
                        help="with --database-url, bench only PostgreSQL")
    parser.add_argument("--no-others", action="store_true",
                        help="skip bench/search_semantic.py and bench/search_quality.py")
    return parser.parse_args(argv)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def index_size(app, backend) -> int:
    from core.database import db
    if backend.name == "whoosh":
        return backend.size_bytes()
    if db.engine.dialect.name == "postgresql":
        return db.session.scalar(db.text("SELECT pg_total_relation_size('search_fts') + "
                                         "pg_total_relation_size('search_words')"))
    try:
        return db.session.scalar(db.text("SELECT sum(pgsize) FROM dbstat WHERE name LIKE "
                                         "'search_fts%' OR name LIKE 'sqlite_autoindex_search%'"
                                         " OR name = 'search_words'"))
    except Exception:  # noqa: BLE001 - SQLite built without dbstat
        return 0


def rebuild(app, name: str, total: int) -> tuple[float, int]:
    from search import rebuild as steps
    from search.service import make_backend
    backend = make_backend(app, name)
    app.config["SEARCH_BACKEND"] = name
    app.extensions["commonplace.search_backend"] = backend
    started, cpu, workers = time.perf_counter(), time.process_time(), _children_cpu()
    done = steps.rebuild_lexical(advance=progress(f"{name} rebuild", total), backend=backend)
    seconds = time.perf_counter() - started
    cpu, workers = time.process_time() - cpu, _children_cpu() - workers
    print(f"{name}: rebuilt {done} threads in {seconds:.1f} s; CPU: this process {cpu:.1f} s, "
          f"index workers {workers:.1f} s ({done / max(cpu + workers, 1e-9):.0f} threads per "
          f"CPU second; load average {os.getloadavg()[0]:.1f})", flush=True)
    settle(app)
    return done / seconds, index_size(app, backend)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def settle(app) -> None:
    """On PostgreSQL, what autovacuum does minutes after a bulk load, done now: GIN pending
    lists merged, visibility map and statistics written (else the timed queries would measure
    the first reads of freshly written pages)."""
    from core.database import db
    if db.engine.dialect.name != "postgresql":
        return
    db.session.commit()
    started = time.perf_counter()
    with db.engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
            "VACUUM ANALYZE search_fts, threads")
    print(f"  VACUUM ANALYZE search_fts, threads: {time.perf_counter() - started:.0f} s",
          flush=True)


def progress(label: str, total: int, every: int = 20_000):
    """advance(n) for a long step: a line every `every` items, with the rate so far."""
    started, done, shown = time.perf_counter(), 0, 0

    def advance(n: int) -> None:
        nonlocal done, shown
        done += n
        if done - shown >= every or done == total:
            shown = done
            rate = done / max(time.perf_counter() - started, 1e-9)
            print(f"  {label}: {done}/{total} ({rate:.0f}/s)", flush=True)
    return advance


def query_worker(folder: str, database_url: str | None, name: str, count: int, out) -> None:
    """A fresh process (as a web worker would be): open the backend, time the queries."""
    from search import SearchQuery
    from search.service import make_backend
    app = make_app(Path(folder), database_url, SEARCH_BACKEND=name)
    with app.app_context():
        queries = titled_queries(count + 50)
        backend = make_backend(app, name)
        search_ms, candidate_ms, totals = [], [], []
        for n, text in enumerate(queries):
            started = time.perf_counter()
            result = backend.search(SearchQuery(text))
            elapsed = (time.perf_counter() - started) * 1000
            started = time.perf_counter()
            backend.candidates(text)
            candidates = (time.perf_counter() - started) * 1000
            if n >= 50:  # the first ones warm caches and open the searcher
                search_ms.append(elapsed)
                candidate_ms.append(candidates)
                totals.append(result.total)
    out.send((search_ms, candidate_ms, statistics.median(totals), peak_rss_mb()))


def peak_rss_mb() -> float:
    """This process's peak resident memory since its exec (VmHWM; getrusage's maxrss would
    count the parent's memory at the fork)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def titled_queries(count: int, seed: int = 11) -> list[str]:
    """1-3 consecutive words of random threads' titles, skipping the 30 commonest words: what a
    customer types who has the problem a thread describes (so most queries find something)."""
    import random
    from core.database import db
    rng, common = random.Random(seed), set(Corpus().vocabulary[:30])
    titles = db.session.scalars(db.text("SELECT title FROM threads ORDER BY id")).all()
    queries = []
    while len(queries) < count:
        words = [w for w in rng.choice(titles).lower().split() if w not in common]
        if words:
            size = min(len(words), rng.choice((1, 2, 2, 3)))
            start = rng.randrange(len(words) - size + 1)
            queries.append(" ".join(words[start:start + size]))
    return queries


def measure_queries(folder: Path, database_url, name: str, count: int):
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    worker = context.Process(target=query_worker,
                             args=(str(folder), database_url, name, count, send))
    worker.start()
    found = receive.recv()
    worker.join()
    return found


def run_backends(args, folder: Path, database_url: str | None, label: str) -> list[str]:
    rows = []
    started = time.perf_counter()
    with instance(folder, args.threads, database_url) as app:
        from core.database import db
        db.session.remove()  # read what the bulk insert committed
        seeded = time.perf_counter() - started
        print(f"{label}: seeded {args.threads} threads in {seeded:.0f} s", flush=True)
        names = args.backends.split(",") if not database_url else ["database"]
        for name in names:
            rate, size = rebuild(app, name, args.threads)
            search_ms, candidate_ms, median_total, rss = measure_queries(
                folder, database_url, name, args.queries)
            rows.append(f"{name + ' (' + label + ')':<22} {rate:>9.0f} {size / 2**20:>9.1f} "
                        f"{percentile(search_ms, 50):>8.2f} {percentile(search_ms, 99):>8.2f} "
                        f"{percentile(candidate_ms, 50):>8.2f} {percentile(candidate_ms, 99):>8.2f}"
                        f" {median_total:>8.0f} {rss:>8.0f}")
            print(rows[-1], flush=True)
    return rows


def main(argv=None) -> int:
    args = parse_args(argv)
    header = (f"{'backend':<22} {'thread/s':>9} {'index MB':>9} {'p50 ms':>8} {'p99 ms':>8} "
              f"{'cand p50':>8} {'cand p99':>8} {'hits':>8} {'RSS MB':>8}")
    print(f"search bench: {args.threads} threads, {args.queries} queries of 1-3 words "
          f"(search with snippets; candidates without), 2 CPUs shared", flush=True)
    print(header)
    rows = []
    folder = Path(tempfile.mkdtemp(prefix="search-bench-"))
    try:
        if not (args.no_sqlite and args.database_url):
            rows += run_backends(args, folder / "sqlite", None, "SQLite")
        if args.database_url:
            rows += run_backends(args, folder / "pg", args.database_url, "PostgreSQL")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print("\n" + header + "\n" + "\n".join(rows))
    if not args.no_others:
        run_others(args)
    return 0


def run_others(args) -> None:
    for module_name in OTHER_BENCHES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError:
            continue
        print(f"\n== {module_name} ==", flush=True)
        argv = ["--threads", str(args.threads)]
        if module_name == "bench.search_semantic":
            # Its lexical side from a backend benched here (a Whoosh rebuild of 100k threads
            # is not what --backends database asked to wait for).
            argv += ["--backend", "whoosh" if "whoosh" in args.backends.split(",") else "database"]
        module.main(argv)


if __name__ == "__main__":
    sys.exit(main())
