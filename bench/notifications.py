"""Notification consumer benchmark: events handled per second by the `notifications` consumer.

Seeds askers, watchers of one category and answerers, writes N answers and N up-votes through
the services (each answer notifies its asker and the thread's watchers; votes coalesce), then
times `run_until_caught_up("notifications")` over that backlog. Prints figures only.
Run: .venv/bin/python bench/notifications.py [--threads N] [--watchers W] [--database-url URL]
"""
import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.instances import instance  # noqa: E402


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=300)
    parser.add_argument("--watchers", type=int, default=20, help="readers watching the category")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args(argv)
    with instance(args.database_url, PASSWORD_HASH_TIME_COST=1, PASSWORD_HASH_MEMORY_COST=8,
                  PASSWORD_HASH_PARALLELISM=1, CONSUMERS_IN_PROCESS_SECONDS=0):
        from app.notifications import service as notifications
        from community import services
        from core import consumers
        from core import events as log
        from core.database import db
        admin = services.register_user("boss", "boss@example.com", "password123", "admin")
        category = services.create_category(admin, "Help", "help")
        people = [services.register_user(f"reader{i}", f"reader{i}@example.com", "password123", "member")
                  for i in range(args.watchers + 2)]
        asker, answerer, watchers = people[0], people[1], people[2:]
        for reader in watchers:
            notifications.set_watch(reader, "category", category.slug, "watching")
        consumers.run_until_caught_up("notifications")  # the set-up's own events
        start_id = log.last_id()
        for i in range(args.threads):
            thread = services.create_thread(asker, f"Question {i} about invoices and exports",
                                            "A body long enough to be a question.", "help", [])
            answer = services.create_answer(answerer, thread.id, "An answer long enough to help.")
            services.cast_vote(admin, answer.id, 1)
        events = log.last_id() - start_id
        db.session.rollback()
        began = time.perf_counter()
        consumers.run_until_caught_up("notifications")
        seconds = time.perf_counter() - began
        rows = db.session.execute(db.text("SELECT count(*) FROM notifications")).scalar()
        print(f"notifications consumer: {events} events in {seconds:.2f} s = "
              f"{events / seconds:.0f} events/s; {rows} notification rows "
              f"({args.threads} threads, {args.watchers} category watchers, "
              f"{db.engine.dialect.name})")


if __name__ == "__main__":
    main()
