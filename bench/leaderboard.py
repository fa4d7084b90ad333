"""Leaderboard latency with 100k ledger rows: p50/p99 per period, overall and per category.

    .venv/bin/python bench/leaderboard.py                     # SQLite in a temporary folder
    DATABASE_URL=postgresql+psycopg://... .venv/bin/python bench/leaderboard.py --reset
        (PostgreSQL: --reset drops and recreates the public schema of THAT database first)

Seeds users, categories and threads with Core inserts, then ledger rows spread over a year;
prints the query plan of each board and the latency of `reputation.leaderboard.gained`.
"""
import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, text  # noqa: E402

REASONS = [("answer_upvoted", 10), ("question_upvoted", 10), ("post_downvoted", -2),
           ("answer_accepted", 15), ("accepter", 2), ("voter_downvote", -1)]


def _seed(db, rows: int, users: int, threads: int, rng: random.Random) -> None:
    from community.models import Category, Thread, User, utcnow
    from reputation.models import ReputationEvent
    now = utcnow()
    with db.engine.begin() as conn:
        conn.execute(insert(User), [dict(id=i, username=f"u{i}", username_key=f"u{i}",
                                         email=f"u{i}@example.com", password_hash="x",
                                         role="member", reputation=1, is_super_user=False,
                                         created_at=now, session_stamp="s")
                                    for i in range(1, users + 1)])
        conn.execute(insert(Category), [dict(id=i, slug=f"c{i}", name=f"Category {i}",
                                             description="", position=i, thread_count=0,
                                             created_at=now) for i in range(1, 6)])
        conn.execute(insert(Thread), [dict(id=i, category_id=1 + i % 5, author_id=1 + i % users,
                                           title=f"Thread {i}", slug=f"thread-{i}",
                                           created_at=now, updated_at=now, last_activity_at=now)
                                      for i in range(1, threads + 1)])
        batch = []
        for n in range(rows):
            reason, delta = rng.choice(REASONS)
            # A few people earn most: a skewed choice of user, as real communities are.
            user = 1 + int(users * rng.random() ** 3)
            batch.append(dict(user_id=user, delta=delta, reason=reason, source=f"b:{n}",
                              capped=reason.endswith("upvoted"), post_id=None,
                              thread_id=rng.randint(1, threads),
                              created_at=now - timedelta(seconds=rng.randint(0, 365 * 86400))))
            if len(batch) == 10_000:
                conn.execute(insert(ReputationEvent), batch)
                batch = []
        if batch:
            conn.execute(insert(ReputationEvent), batch)
        if db.engine.dialect.name == "postgresql":
            conn.execute(text("ANALYZE"))
        else:
            conn.execute(text("ANALYZE"))


def _plan(db, period: str, category) -> str:
    from reputation import leaderboard
    captured = []
    from sqlalchemy import event

    def grab(conn, cursor, statement, parameters, context, executemany):
        if "reputation_events" in statement and not captured:
            captured.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", grab)
    try:
        leaderboard.gained(period, category)
    finally:
        event.remove(db.engine, "before_cursor_execute", grab)
    statement, parameters = captured[0]
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        if db.engine.dialect.name == "postgresql":
            cursor.execute("EXPLAIN " + statement, parameters)
            return "\n".join(f"    {r[0]}" for r in cursor.fetchall())
        cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
        return "\n".join(f"    {r[-1]}" for r in cursor.fetchall())
    finally:
        raw.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=5_000)
    parser.add_argument("--threads", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=100, help="timed calls per board")
    parser.add_argument("--reset", action="store_true",
                        help="PostgreSQL: drop and recreate the schema of DATABASE_URL first")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    with tempfile.TemporaryDirectory() as tmp:
        config = {"INSTANCE_PATH": tmp, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False}
        if url.startswith("postgresql"):
            if not args.reset:
                sys.exit("PostgreSQL: pass --reset (it empties the database in DATABASE_URL)")
            from sqlalchemy import create_engine
            engine = create_engine(url)
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
            engine.dispose()
        else:
            path = Path(os.environ.get("BENCH_SQLITE_FILE") or Path(tmp) / "bench.db")
            config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{path}"
        run(config, args)


def run(config: dict, args) -> None:
    from flask_migrate import upgrade
    from app.factory import create_app
    from core.database import db
    from reputation import leaderboard
    app = create_app(config)
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        _seed(db, args.rows, args.users, args.threads, random.Random(15))
        print(f"{db.engine.dialect.name}: seeded {args.rows:,} ledger rows for {args.users:,} "
              f"users in {time.perf_counter() - started:.1f} s; {args.runs} calls per board")
        print(f"{'board':<22}{'p50 ms':>10}{'p99 ms':>10}")
        for category in (None, 3):
            for period in leaderboard.PERIODS:
                timings = []
                for _ in range(args.runs):
                    start = time.perf_counter()
                    leaderboard.gained(period, category)
                    timings.append((time.perf_counter() - start) * 1000)
                    db.session.rollback()
                timings.sort()
                p99 = timings[min(len(timings) - 1, int(len(timings) * 0.99))]
                name = f"{period}{' / category' if category else ''}"
                print(f"{name:<22}{statistics.median(timings):>10.1f}{p99:>10.1f}")
        for period, category in (("week", None), ("all", 3), ("month", 3)):
            print(f"plan, {period}{' / category' if category else ''}:")
            print(_plan(db, period, category))
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main()
