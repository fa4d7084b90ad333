"""Page benchmark: seed a fresh instance, serve it with gunicorn, load home, list and a
20-answer thread page (anonymous and signed in) from 127.0.0.1, and compare each with a bare
Flask+Jinja "ceiling" page of the same size, served the same way, loaded right after it.
Run: .venv/bin/python bench/pages.py [--threads N] [--seconds S] [--concurrency C]
"""
import argparse
import hashlib
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import ceiling_app, load, seed, servers  # noqa: E402

WARMUP_SECONDS = 1.0
ANSWERS_MARK = b"20 answers</h2>"


@dataclass
class Row:
    label: str
    body_bytes: int
    result: load.Result


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=10_000, help="threads to seed (>= 1)")
    parser.add_argument("--seconds", type=float, default=5.0,
                        help="measured seconds per page per round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds over all pages (1-20)")
    parser.add_argument("--concurrency", type=int, default=8, help="connections kept busy")
    parser.add_argument("--warmup", type=float, default=WARMUP_SECONDS,
                        help="seconds per page per round")
    parser.add_argument("--loader", choices=("auto", "wrk", "python"), default="auto",
                        help="auto: wrk when installed, else Python processes")
    args = parser.parse_args(argv)
    if not (1 <= args.threads <= 1_000_000 and 1 <= args.concurrency <= 256
            and 1 <= args.seconds <= 600 and 0 <= args.warmup <= 60 and 1 <= args.rounds <= 20):
        parser.error("need 1 <= --threads <= 1e6, 1 <= --concurrency <= 256, "
                     "1 <= --seconds <= 600, 0 <= --warmup <= 60 and 1 <= --rounds <= 20")
    return args


def child_env(instance: Path) -> dict:
    """The environment gunicorn and flask get: this instance's SQLite, no limits, no Redis."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(COMMONPLACE_INSTANCE_PATH=str(instance), RATELIMIT_ENABLED="false",
               SEARCH_BACKEND="whoosh", PYTHONPATH=str(ROOT))
    return env


def probe(server: servers.Server, path: str, cookie: str | None = None) -> bytes:
    status, body = servers.fetch(server.port, path, cookie=cookie)
    if status != 200:
        raise RuntimeError(f"GET {path} on {server.name} answered {status}:\n{server.log_tail()}")
    return body


def measure(args, server: servers.Server, label: str, path: str, body: bytes, work: Path,
            cookie: str | None = None) -> Row:
    print(f"  {label}: warm-up {args.warmup:g}s, then {args.seconds:g}s ...", flush=True)
    if args.warmup > 0:
        load.run(args.loader, server.port, path, args.warmup, args.concurrency, work, cookie)
    result = load.run(args.loader, server.port, path, args.seconds, args.concurrency, work,
                      cookie)
    return Row(label, len(body), result)


def signed_in_cookie(instance: Path) -> str:
    """A session cookie for the seeded asker, signed with the instance's key (as a login would)."""
    os.environ["COMMONPLACE_INSTANCE_PATH"] = str(instance)
    from app.factory import create_app
    app = create_app({"INSTANCE_PATH": str(instance)})
    serializer = app.session_interface.get_signing_serializer(app)
    with app.app_context():  # sessions carry "<id>:<session stamp>:<sign-in key>"
        from community import services
        from community.models import User
        from core.database import db
        user = db.session.get(User, seed.SIGNED_IN_USER_ID)
        user.sign_in_key = services.open_session(user)
        session_id = user.get_id()
    # As a browser holds it after its first page: the session also keeps the CSRF secret, so
    # pages with forms do not have to make one (and set a new cookie) on every response.
    value = serializer.dumps({"_user_id": session_id, "_fresh": True,
                              "csrf_token": hashlib.sha1(os.urandom(64)).hexdigest()})
    return f"{app.config['SESSION_COOKIE_NAME']}={value}"


def start_servers(args, instance: Path, thread_path: str, started: list):
    """Start the app and the ceiling side by side; returns the pages to load, each with the
    ceiling page of its own size: (label, server, path, body, cookie, ceiling path)."""
    app = servers.start("commonplace", "wsgi:app", child_env(instance),
                        instance / "gunicorn-commonplace.log")
    started.append(app)
    anonymous = [("home (/)", "/", "home"), ("list (/threads)", "/threads", "list"),
                 ("thread (20 answers)", thread_path, "thread")]
    bodies = {path: probe(app, path) for _, path, _ in anonymous}
    if ANSWERS_MARK not in bodies[thread_path]:
        raise RuntimeError(f"{thread_path} does not show 20 answers")
    # A signed-in reader gets a page of their own (vote state, accept buttons), kept per reader.
    cookie = signed_in_cookie(instance)
    signed_in = probe(app, thread_path, cookie)
    if b"Sign out" not in signed_in:
        raise RuntimeError("the signed-in cookie did not sign in")
    folder = instance / "ceiling"
    pages = [(label, app, path, bodies[path], None, name) for label, path, name in anonymous]
    pages.append(("thread, signed in", app, thread_path, signed_in, cookie, "signed-in"))
    ceiling_app.write_template(folder, bodies[thread_path])  # "/", what servers.start probes
    for _, _, _, body, _, name in pages:
        ceiling_app.write_template(folder, body, name)
    env = {**child_env(instance), "BENCH_CEILING_DIR": str(folder)}
    ceiling = servers.start("ceiling", "bench.ceiling_app:app", env,
                            instance / "gunicorn-ceiling.log")
    started.append(ceiling)
    targets = []
    for label, server, path, body, page_cookie, name in pages:
        if probe(ceiling, f"/{name}") != body:
            raise RuntimeError(f"the ceiling page /{name} differs from {label}")
        targets.append((label, server, path, body, page_cookie))
        targets.append((f"  ceiling, {len(body) // 1000} KB", ceiling, f"/{name}", body, None))
    return targets


def measure_rounds(args, targets, instance: Path) -> list[list[Row]]:
    """Each round loads every page, each followed by its ceiling (the same minute); rounds
    repeat to even out drift."""
    rounds = []
    for number in range(1, args.rounds + 1):
        print(f"round {number} of {args.rounds}", flush=True)
        rounds.append([measure(args, server, label, path, body, instance, cookie)
                       for label, server, path, body, cookie in targets])
    return rounds


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def print_ratios(rounds: list[list[Row]]) -> None:
    """Each page's share of a bare Flask+Jinja page of the same size, measured right after it,
    per round and the median of those."""
    print()
    for index in range(0, len(rounds[0]), 2):
        row = rounds[0][index]
        shares = [100 * r[index].result.rps / r[index + 1].result.rps for r in rounds
                  if r[index + 1].result.rps]
        per_round = ", ".join(f"{share:.1f}%" for share in shares)
        print(f"{row.label.split(' (')[0]} / ceiling of its size ({row.body_bytes} bytes): "
              f"median {median(shares):.1f}% (rounds: {per_round})")


def print_table(rows: list[Row]) -> None:
    print(f"\n{'page':<22}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'bytes':>8}"
          f"{'requests':>10}{'non-200':>9}{'errors':>8}")
    for row in rows:
        r = row.result
        print(f"{row.label:<22}{r.rps:>9.1f}{r.p50_ms:>9.2f}{r.p99_ms:>9.2f}{row.body_bytes:>8}"
              f"{r.requests:>10}{sum(r.statuses.values()):>9}{r.errors:>8}")
    for row in rows:
        if row.result.statuses:
            codes = ", ".join(f"{s}: {n}" for s, n in sorted(row.result.statuses.items()))
            print(f"non-200 responses on {row.label}: {codes}")


def run(args, instance: Path, started: list) -> None:
    args.loader = load.loader_name(args.loader)
    print("load average before: {:.2f} {:.2f} {:.2f} (2 cores; figures need a quiet machine)"
          .format(*os.getloadavg()))
    began = time.perf_counter()
    migrate_seconds = seed.migrate(child_env(instance))
    seeded = seed.seed(instance, args.threads)
    print(f"seeded {seeded.threads:,} threads in {time.perf_counter() - began:.1f}s "
          f"(migrations {migrate_seconds:.1f}s; services: users, categories and the 20-answer "
          f"thread {seeded.services_seconds:.1f}s; bulk inserts {seeded.bulk_seconds:.1f}s)")
    print(f"event-log consumers caught up (search index, embeddings, badges) in "
          f"{seed.catch_up(child_env(instance)):.1f}s", flush=True)
    print(f"server: {servers.describe()} on 127.0.0.1; load: {args.loader}, "
          f"{args.concurrency} connections, {args.seconds:g}s per page after {args.warmup:g}s "
          f"warm-up; thread page {seeded.thread_path}", flush=True)
    targets = start_servers(args, instance, seeded.thread_path, started)
    rounds = measure_rounds(args, targets, instance)
    for number, rows in enumerate(rounds, 1):
        print(f"\nround {number}")
        print_table(rows)
    print_ratios(rounds)
    print("load average after: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


def main(argv=None) -> int:
    return servers.run_in_instance(run, parse_args(argv), "commonplace-bench-")


if __name__ == "__main__":
    sys.exit(main())
