"""CRM relay benchmark: deliveries per second from the outbox to a local webhook receiver, and
the time from an accept to its signed delivery (p50/p99) with the relay running in process.

Run: .venv/bin/python bench/crm.py [--items 300] [--accepts 100] [--interval 0.05]
Everything lives in a temporary folder (SQLite, its own instance); only 127.0.0.1 is used.
"""
import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SECRET = "whsec_YmVuY2gtc2VjcmV0LWtleQ=="


class Receiver:
    """Verifies each signature and notes when each knowledge item's delivery arrived."""

    def __init__(self):
        from crm import signing
        self.arrived: dict[int, float] = {}
        self.count = self.bad = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as a real receiver behind a proxy

            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                ok = signing.verify(SECRET, self.headers["webhook-id"],
                                    self.headers["webhook-timestamp"],
                                    self.headers["webhook-signature"], body)
                event = json.loads(body)
                receiver.count += 1
                receiver.bad += not ok
                if event["type"].startswith("knowledge."):
                    receiver.arrived.setdefault(event["data"]["item"]["id"], time.perf_counter())
                self.send_response(200 if ok else 401)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def _app(folder: Path, url: str):
    from flask_migrate import upgrade

    from app.factory import create_app
    from core.database import db
    app = create_app({"INSTANCE_PATH": str(folder), "SECRET_KEY": "bench",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.db'}",
                      "PASSWORD_HASH_TIME_COST": 1, "PASSWORD_HASH_MEMORY_COST": 8,
                      "PASSWORD_HASH_PARALLELISM": 1, "RATELIMIT_ENABLED": False,
                      "CRM_CONNECTOR": "webhook", "CRM_WEBHOOK_URL": url,
                      "CRM_WEBHOOK_SECRET": SECRET, "CRM_HTTP_TIMEOUT": 5,
                      # The relay alone on the process's scheduler: the figures are the relay's,
                      # not those of the event-log consumers (embedder, index) beside it.
                      "CONSUMERS_IN_PROCESS_SECONDS": 0})
    with app.app_context():
        upgrade()
        db.session.remove()
    return app


def _people(n: int = 10):
    from community import services
    def make(i, role):
        return services.register_user(f"bench{role}{i}", f"{role}{i}@bench.test", "password123")
    category = services.create_category(services.register_user(
        "benchadmin", "admin@bench.test", "password123", "admin"), "Bench", "bench")
    return [make(i, "a") for i in range(n)], [make(i, "b") for i in range(n)], category


def _unsolved(askers, answerers, category, count: int):
    from community import services
    out = []
    for i in range(count):
        asker = askers[i % len(askers)]
        thread = services.create_thread(asker, f"Bench question number {i} about relays",
                                        "A question body long enough to keep.", category.slug)
        answer = services.create_answer(answerers[i % len(answerers)], thread.id,
                                        "An answer body that solves the question.")
        out.append((asker, thread.id, answer.id))
    return out


def _throughput(app, receiver, items: int) -> None:
    from community import services
    from crm import relay
    with app.app_context():
        askers, answerers, category = _people()
        for asker, thread_id, answer_id in _unsolved(askers, answerers, category, items):
            services.accept_answer(asker, thread_id, answer_id)
        relay.run_once()  # the contact rows of the people above, out of the way
    print(f"relay throughput: {items} knowledge items queued")
    with app.app_context():
        from sqlalchemy import update

        from core.database import db
        from crm.models import OutboxRow
        db.session.execute(update(OutboxRow).where(OutboxRow.kind == "knowledge.publish")
                           .values(status="pending", attempts=0, delivered_at=None))
        db.session.commit()
        start, before = time.perf_counter(), receiver.count
        counts = relay.run_once()
        elapsed = time.perf_counter() - start
    sent = receiver.count - before
    print(f"  delivered {counts.get('delivered', 0)} rows ({sent} POSTs) in {elapsed:.2f} s: "
          f"{counts.get('delivered', 0) / elapsed:.0f} deliveries/s, one relay, SQLite")


def _latency(app, receiver, accepts: int, interval: float) -> None:
    from community import services
    from community.knowledge import item_for_thread
    from core import consumers
    from crm import relay, relay_in_process
    accepted: dict[int, float] = {}
    with app.app_context():
        askers, answerers, category = _people_again()
        pending = _unsolved(askers, answerers, category, accepts)
        relay.run_once()
        relay_in_process(app, interval)  # as in a serving process: a task of its scheduler
        consumers.ensure_runner(app)
        for asker, thread_id, answer_id in pending:
            services.accept_answer(asker, thread_id, answer_id)
            accepted[item_for_thread(thread_id).id] = time.perf_counter()
            time.sleep(0.01)
    deadline = time.perf_counter() + 30
    while not all(i in receiver.arrived for i in accepted) and time.perf_counter() < deadline:
        time.sleep(0.05)
    consumers.stop_runner(app)
    waits = sorted((receiver.arrived[i] - t) * 1000 for i, t in accepted.items()
                   if i in receiver.arrived)
    p99 = waits[min(len(waits) - 1, int(len(waits) * 0.99))]
    print(f"accept → delivery with the in-process relay polling every {interval * 1000:.0f} ms "
          f"({len(waits)}/{len(accepted)} arrived): p50 {statistics.median(waits):.0f} ms, "
          f"p99 {p99:.0f} ms, max {waits[-1]:.0f} ms")


def _people_again():
    from sqlalchemy import select

    from community.models import Category, User
    from core.database import db
    users = db.session.scalars(select(User).where(User.username.like("bench%"))
                               .order_by(User.id)).all()
    askers = [u for u in users if u.username.startswith("bencha") and u.role == "member"]
    answerers = [u for u in users if u.username.startswith("benchb")]
    return askers, answerers, db.session.scalar(select(Category).where(Category.slug == "bench"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=300)
    parser.add_argument("--accepts", type=int, default=100)
    parser.add_argument("--interval", type=float, default=0.05, help="relay poll, seconds")
    args = parser.parse_args()
    receiver = Receiver()
    with tempfile.TemporaryDirectory(prefix="cp-bench-crm-") as folder:
        app = _app(Path(folder), receiver.url)
        _throughput(app, receiver, args.items)
        _latency(app, receiver, args.accepts, args.interval)
    print(f"signatures verified: {receiver.count - receiver.bad} of {receiver.count}")
    receiver.server.shutdown()


if __name__ == "__main__":
    main()
