"""Support-case benchmark: escalation requests (p50/p99; they never wait on the CRM), relay
deliveries of cases to the fake Salesforce over HTTPS, and signed inbound case events per second.

Run: .venv/bin/python bench/cases.py [--cases 200]
Everything lives in a temporary folder (SQLite, its own instance); only 127.0.0.1 is used.
"""
import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SECRET = "whsec_YmVuY2gtc2VjcmV0LWtleQ=="


def _app(folder: Path, fake):
    from flask_migrate import upgrade

    from app.factory import create_app
    from core.database import db
    app = create_app({"INSTANCE_PATH": str(folder), "SECRET_KEY": "bench",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.db'}",
                      "PASSWORD_HASH_TIME_COST": 1, "PASSWORD_HASH_MEMORY_COST": 8,
                      "PASSWORD_HASH_PARALLELISM": 1, "RATELIMIT_ENABLED": False,
                      "CRM_CONNECTOR": "salesforce", "SALESFORCE_INSTANCE_URL": fake.url,
                      "SALESFORCE_SESSION_ID": fake.SESSION, "SALESFORCE_CA_BUNDLE": fake.cert,
                      "CRM_WEBHOOK_SECRET": SECRET, "SERVER_NAME": "localhost",
                      # this script runs the relay itself; counters are not what it measures
                      "CRM_RELAY_THREAD": False, "COUNTER_FLUSH_SECONDS": 0})
    with app.app_context():
        upgrade()
        db.session.remove()
    return app


def _ms(samples: list[float]) -> str:
    cuts = statistics.quantiles(samples, n=100)
    return f"p50 {cuts[49] * 1000:.1f} ms, p99 {cuts[98] * 1000:.1f} ms"


def main(count: int) -> None:
    from community import services
    from crm import relay, signing
    from tests.fakes.salesforce import FakeSalesforce
    with tempfile.TemporaryDirectory() as tmp:
        fake = FakeSalesforce().start(tmp)
        app = _app(Path(tmp), fake)
        with app.app_context():
            admin = services.register_user("benchadmin", "admin@bench.test", "password123",
                                           "admin")
            agent = services.register_user("agent", "agent@bench.test", "password123", "support")
            category = services.create_category(admin, "Bench", "bench")
            threads = [services.create_thread(admin, f"Bench question {i} needing an agent",
                                              "A question body long enough.", category.slug).id
                       for i in range(count)]
            relay.run_once()  # the sign-ups' contacts, out of the way
            client = app.test_client()
            token = services.issue_token(agent)
            took = []
            for thread_id in threads:
                start = time.perf_counter()
                response = client.post(f"/api/v1/threads/{thread_id}/escalate",
                                       json={"reason": "Bench", "priority": "high"},
                                       headers={"Authorization": f"Bearer {token}"})
                took.append(time.perf_counter() - start)
                assert response.status_code == 201, response.json
            print(f"POST /threads/{{id}}/escalate x{count}: {_ms(took)} (no CRM call inside)")
            start = time.perf_counter()
            counts = relay.run_once()
            elapsed = time.perf_counter() - start
            print(f"relay: {counts.get('delivered', 0)} cases upserted in Salesforce (fake, "
                  f"HTTPS, an upsert and a read each) in {elapsed:.2f} s: "
                  f"{counts.get('delivered', 0) / elapsed:.0f} cases/s")
            refs = [c["Id"] for c in fake.records("Case")]
            start = time.perf_counter()
            for n, ref in enumerate(refs):
                raw = json.dumps({"type": "case.updated", "case_ref": ref, "status": "closed",
                                  "resolution": "Hold *reset* for ten seconds."}).encode()
                response = client.post("/api/v1/crm/events", data=raw,
                                       content_type="application/json",
                                       headers=signing.headers(SECRET, f"msg_{n}", raw))
                assert response.status_code == 204, response.get_data(as_text=True)
            elapsed = time.perf_counter() - start
            print(f"POST /crm/events: {len(refs)} signed updates, each a draft answer, in "
                  f"{elapsed:.2f} s: {len(refs) / elapsed:.0f} events/s")
        fake.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200)
    main(parser.parse_args().cases)
