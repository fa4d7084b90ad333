"""Pages as readers really browse: import a real Stack Exchange dump (by default Beer Stack
Exchange, CC BY-SA, from ../shared/data), serve it with gunicorn, and load it from 127.0.0.1
against a bare Flask+Jinja page of the same mean size served the same way, in one run:
anonymous readers crawling every thread (each request a different thread from the one before),
signed-in readers each opening threads they have not opened before (no (reader, thread) twice),
and one hot anonymous thread (the same page over and over).
Run: .venv/bin/python bench/browse.py [--readers N] [--seconds S] [--concurrency C]
"""
import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import ceiling_app, load, seed, servers  # noqa: E402
from bench.pages import child_env, median  # noqa: E402

DUMP = ROOT.parent / "shared" / "data" / "stackexchange" / "beer"
# Readers' reputations, as a community has them: most new, some with voting and flagging,
# a few trusted to edit and close (their pages show different controls).
REPUTATIONS = [1] * 12 + [20] * 5 + [120] * 2 + [3500]


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dump", type=Path, default=DUMP, help="a Stack Exchange dump folder")
    parser.add_argument("--site-url", default="https://beer.stackexchange.com")
    parser.add_argument("--readers", type=int, default=500, help="signed-in readers (1-5000)")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per run")
    parser.add_argument("--rounds", type=int, default=3, help="rounds over the modes (1-20)")
    parser.add_argument("--concurrency", type=int, default=16, help="connections kept busy")
    parser.add_argument("--warmup", type=float, default=30.0,
                        help="seconds of anonymous, then of signed-in browsing before measuring")
    parser.add_argument("--loader", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--redis-url", default=None,
                        help="share rendered pages between the workers through this Redis")
    args = parser.parse_args(argv)
    if not (1 <= args.readers <= 5000 and 1 <= args.seconds <= 600 and 1 <= args.rounds <= 20
            and 1 <= args.concurrency <= 256):
        parser.error("need 1 <= --readers <= 5000, 1 <= --seconds <= 600, 1 <= --rounds <= 20, "
                     "1 <= --concurrency <= 256")
    if not (args.dump / "Posts.xml").is_file():
        parser.error(f"no Stack Exchange dump at {args.dump} (Posts.xml missing)")
    return args


def prepare(args, instance: Path) -> tuple[list[str], list[str], str]:
    """Migrate, import the dump, catch the consumers up, make the readers: (thread paths,
    reader cookies, the hot thread's path)."""
    env = child_env(instance)
    began = time.perf_counter()
    seed.migrate(env)
    seed._flask(env, "import", "stackexchange", str(args.dump), "--site-url", args.site_url,
                timeout=1800)
    print(f"imported {args.dump.name} in {time.perf_counter() - began:.1f}s", flush=True)
    print(f"event-log consumers caught up in {seed.catch_up(env):.1f}s", flush=True)
    os.environ["COMMONPLACE_INSTANCE_PATH"] = str(instance)
    from app.factory import create_app
    app = create_app({"INSTANCE_PATH": str(instance), "RATELIMIT_ENABLED": False})
    with app.app_context():
        paths, hot = _threads()
        cookies = _readers(app, args.readers)
    return paths, cookies, hot


def _threads() -> tuple[list[str], str]:
    from sqlalchemy import select

    from community.models import Thread
    from core.database import db
    rows = db.session.execute(select(Thread.id, Thread.slug, Thread.answer_count)
                              .where(Thread.is_deleted.is_(False)).order_by(Thread.id)).all()
    paths = [f"/t/{row.id}/{row.slug}" for row in rows]
    hot = max(rows, key=lambda row: (row.answer_count, -row.id))
    return paths, f"/t/{hot.id}/{hot.slug}"


def _readers(app, count: int) -> list[str]:
    """`count` members with reputations spread as REPUTATIONS, each with a signed-in browser."""
    import hashlib

    from sqlalchemy import select, update

    from community import services
    from community.models import User
    from core.database import db
    serializer = app.session_interface.get_signing_serializer(app)
    first = services.register_user("reader0000", "reader0000@example.com", seed.PASSWORD)
    # The others share the first one's password hash: Argon2 on purpose costs time per hash.
    db.session.add_all(User(username=f"reader{n:04d}", username_key=f"reader{n:04d}",
                            email=f"reader{n:04d}@example.com",
                            password_hash=first.password_hash) for n in range(1, count))
    db.session.commit()
    readers = db.session.scalars(select(User).where(User.username_key.like("reader%"))
                                 .order_by(User.id)).all()
    cookies = []
    for number, user in enumerate(readers):
        db.session.execute(update(User).where(User.id == user.id).values(
            reputation=REPUTATIONS[number % len(REPUTATIONS)]))
        db.session.commit()
        user.sign_in_key = services.open_session(user)
        value = serializer.dumps({"_user_id": user.get_id(), "_fresh": True,
                                  "csrf_token": hashlib.sha1(os.urandom(64)).hexdigest()})
        cookies.append(f"{app.config['SESSION_COOKIE_NAME']}={value}")
    return cookies


def signed_in_requests(paths: list[str], cookies: list[str], seed_value: int = 7) -> list:
    """Every (reader, thread) pair once, in a random order."""
    pairs = [(path, cookie) for cookie in cookies for path in paths]
    random.Random(seed_value).shuffle(pairs)
    return pairs


def crawl(paths: list[str], seed_value: int = 11) -> list:
    order = list(paths)
    random.Random(seed_value).shuffle(order)
    return [(path, None) for path in order]


def mean_page(server, requests: list) -> bytes:
    """The fetched page whose size is nearest the mean of a sample of these requests."""
    bodies = [servers.fetch(server.port, path, cookie=cookie)[1] for path, cookie in requests]
    mean = statistics.fmean(len(b) for b in bodies)
    return min(bodies, key=lambda b: abs(len(b) - mean))


def run(args, instance: Path, started: list) -> None:
    args.loader = load.loader_name(args.loader)
    print("load average before: {:.2f} {:.2f} {:.2f} (2 cores; figures need a quiet machine)"
          .format(*os.getloadavg()))
    paths, cookies, hot = prepare(args, instance)
    if len(paths) < 500:
        raise RuntimeError(f"only {len(paths)} threads: browsing needs at least 500")
    pairs = signed_in_requests(paths, cookies)
    anonymous = crawl(paths)
    env = child_env(instance) | ({"REDIS_URL": args.redis_url} if args.redis_url else {})
    app = servers.start("commonplace", "wsgi:app", env, instance / "gunicorn-commonplace.log")
    started.append(app)
    # The ceiling pages: a real page of each mode's mean size (sampled before anything else,
    # so the sample also takes the cold renders; the sampled pairs are not measured again).
    sample = random.Random(3).sample(paths, 60)
    pages = {"browse": mean_page(app, [(p, None) for p in sample]),
             "signed-in": mean_page(app, pairs[:60]), "hot": mean_page(app, [(hot, None)])}
    pairs = pairs[60:]
    if b"Sign out" not in pages["signed-in"]:
        raise RuntimeError("the readers' cookies did not sign in")
    folder = instance / "ceiling"
    ceiling_app.write_template(folder, pages["browse"])
    for name, body in pages.items():
        ceiling_app.write_template(folder, body, name)
    ceiling = servers.start("ceiling", "bench.ceiling_app:app", child_env(instance) | {
        "BENCH_CEILING_DIR": str(folder)}, instance / "gunicorn-ceiling.log")
    started.append(ceiling)
    print(f"{len(paths)} threads, {len(cookies)} readers; server: {servers.describe()}"
          f"{', pages shared through Redis' if args.redis_url else ''}; load: "
          f"{args.loader}, {args.concurrency} connections, {args.seconds:g}s per run", flush=True)
    # A site in its steady state: the warm-up browses as the measured runs do (its pairs are
    # not measured again), and its figures are the cold ones (every page rendered first).
    warm = int(args.warmup * 3000)  # more pairs than the warm-up can send
    for label, requests in (("anonymous", anonymous), ("signed-in", pairs[:warm])):
        cold = load.run_list(args.loader, app.port, requests, args.warmup, args.concurrency,
                             instance)
        print(f"warm-up, {label} browsing from cold caches: {cold.rps:.0f} req/s, p50 "
              f"{cold.p50_ms:.1f} ms, p99 {cold.p99_ms:.1f} ms", flush=True)
    measure(args, app, ceiling, anonymous, pairs[warm:], hot, pages, instance)


def measure(args, app, ceiling, anonymous, pairs, hot, pages, instance) -> None:
    used = 0
    shares: dict[str, list[float]] = {"anonymous browsing": [], "signed-in browsing": [],
                                      "hot anonymous thread": []}
    print(f"\n{'round / mode':<34}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'non-200':>9}"
          f"{'errors':>8}")
    for number in range(1, args.rounds + 1):
        budget = int(args.seconds * 5000)  # more pairs than any run can send
        fresh, used = pairs[used:used + budget], used + budget
        if len(fresh) < budget:
            raise RuntimeError("not enough unseen (reader, thread) pairs: raise --readers")
        runs = (("anonymous browsing", lambda: load.run_list(
                    args.loader, app.port, anonymous, args.seconds, args.concurrency, instance),
                 "/browse"),
                ("signed-in browsing", lambda: load.run_list(
                    args.loader, app.port, fresh, args.seconds, args.concurrency, instance),
                 "/signed-in"),
                ("hot anonymous thread", lambda: load.run(
                    args.loader, app.port, hot, args.seconds, args.concurrency, instance), "/hot"))
        for label, measured, ceiling_path in runs:
            mine = measured()
            bare = load.run(args.loader, ceiling.port, ceiling_path, args.seconds,
                            args.concurrency, instance)
            for name, result in ((f"{number}: {label}", mine), (f"{number}:   ceiling", bare)):
                print(f"{name:<34}{result.rps:>9.0f}{result.p50_ms:>9.2f}{result.p99_ms:>9.2f}"
                      f"{sum(result.statuses.values()):>9}{result.errors:>8}", flush=True)
            shares[label].append(mine.rps / bare.rps if bare.rps else 0.0)
    print()
    for label, values in shares.items():
        size = len(pages[{"anonymous browsing": "browse", "signed-in browsing": "signed-in",
                          "hot anonymous thread": "hot"}[label]])
        print(f"{label} / ceiling of {size:,} bytes: median {median(values):.2f} "
              f"(rounds: {', '.join(f'{v:.2f}' for v in values)})")
    print("load average after: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


def main(argv=None) -> int:
    return servers.run_in_instance(run, parse_args(argv), "commonplace-browse-")


if __name__ == "__main__":
    sys.exit(main())
