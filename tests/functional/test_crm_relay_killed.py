"""A relay process killed with SIGKILL in the middle of a batch loses nothing: the rows it had
claimed come due again when their lease runs out, and the one it was sending when it died is
sent again with the same webhook-id, so the receiver applies it once."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select, update

from core.database import db
from crm import relay
from crm.connectors import reset
from crm.models import OutboxRow
from tests import factories
from tests.functional.webhook_receiver import Receiver

SECRET = "whsec_" + "a2lsbGVkLXJlbGF5LXNlY3JldA=="
ROOT = Path(__file__).resolve().parents[2]


def _relay_process(app, tmp_path, url) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "COMMONPLACE_INSTANCE_PATH": str(tmp_path / "relay-instance"),
           "SECRET_KEY": "relay-test", "CRM_CONNECTOR": "webhook", "CRM_WEBHOOK_URL": url,
           "CRM_WEBHOOK_SECRET": SECRET, "CRM_RELAY_THREAD": "false"}
    flask = str(Path(sys.executable).with_name("flask"))
    return subprocess.Popen([flask, "--app", "wsgi", "crm", "sync", "--loop"], cwd=ROOT,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _wait_for(condition, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    pytest.fail("the relay process did not get that far within the bound")


def test_a_relay_killed_mid_batch_loses_nothing(app, tmp_path):
    for _ in range(3):
        factories.solved_thread()
    total = len(db.session.scalars(select(OutboxRow)).all())
    db.session.rollback()
    with Receiver(SECRET, hang_seconds=3.0) as hooks:
        hooks.faults = [None, None, "hang"]  # the third delivery is received, then held
        process = _relay_process(app, tmp_path, hooks.url)
        try:
            _wait_for(lambda: len(hooks.attempts) >= 3)
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
        in_flight = hooks.attempts[2]["id"]
        db.session.rollback()
        assert db.session.scalar(select(OutboxRow.status)
                                 .where(OutboxRow.idempotency_key == in_flight)) != "delivered"
        db.session.execute(update(OutboxRow).values(leased_until=None))  # the leases run out
        db.session.commit()
        app.config.update(CRM_CONNECTOR="webhook", CRM_WEBHOOK_URL=hooks.url,
                          CRM_WEBHOOK_SECRET=SECRET)
        reset(app)
        try:
            relay.run_once()
        finally:
            reset(app)
        rows = db.session.scalars(select(OutboxRow)).all()
        assert [r.status for r in rows] == ["delivered"] * total
        published = {r.idempotency_key for r in rows if r.kind == "knowledge.publish"}
        assert published == {k for k, e in hooks.effects.items()
                             if e["type"] == "knowledge.published"} and len(published) == 3
        assert [a["id"] for a in hooks.attempts].count(in_flight) == 2
