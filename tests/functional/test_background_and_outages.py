"""Background work that heals and outages that are a clear 503 or a wait: consumers run each on
their own under one scheduler, outlive errors, commit nothing while idle; a database that cannot
be reached is a 503 with Retry-After until it is back; Redis away leaves rate limits in memory."""
import shutil
import socket
import threading
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from core import consumers
from core import events as log
from core.database import db
from core.scheduler import Scheduler, backoff
from tests import factories
from tests.conftest import USING_POSTGRES, WebClient, _base_config, cli_loop, wait_for


@pytest.fixture
def two_consumers(app):
    """A consumer that fails its first two batches (as with the database away) or blocks until
    released, beside one that just records."""
    state = {"fail": 2, "release": threading.Event(), "block": False, "seen": [], "slow": []}

    def flaky(batch):
        if state["fail"]:
            state["fail"] -= 1
            raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))
        if state["block"]:
            state["release"].wait(30)
        state["slow"].extend(e.id for e in batch)

    consumers.consumer("test-flaky")(flaky)
    consumers.consumer("test-quick")(lambda batch: state["seen"].extend(e.id for e in batch))
    yield state
    state["release"].set()
    consumers.unregister("test-flaky")
    consumers.unregister("test-quick")


def _newest() -> int:
    newest = log.last_id()
    db.session.rollback()
    return newest


def test_a_failing_consumer_is_retried_and_never_ends_its_loop(app, two_consumers,
                                                              quick_backoff):
    factories.thread()
    newest = _newest()
    scheduler = consumers.scheduler_for(app, 0.05, ["test-flaky", "test-quick"]).start()
    try:
        assert wait_for(lambda: newest in two_consumers["slow"])
        assert two_consumers["fail"] == 0  # it failed twice, and went on
        assert all(task.thread.is_alive() for task in scheduler.tasks.values())
    finally:
        scheduler.stop()


def test_a_slow_consumer_does_not_hold_back_the_others(app, two_consumers):
    two_consumers.update(fail=0, block=True)
    factories.thread()
    scheduler = consumers.scheduler_for(app, 0.05, ["test-flaky", "test-quick"]).start()
    try:
        first = _newest()
        assert wait_for(lambda: first in two_consumers["seen"])
        factories.answer(factories.thread())  # more work while the slow one is still busy
        consumers.wake()
        later = _newest()
        assert wait_for(lambda: later in two_consumers["seen"])
        assert two_consumers["slow"] == []  # still inside its first batch
    finally:
        two_consumers["release"].set()
        scheduler.stop()
    assert first in two_consumers["slow"]


def test_a_step_that_raises_is_counted_and_backed_off(app):
    calls = []
    scheduler = Scheduler(app)
    task = scheduler.add("boom", lambda: calls.append(1) or 1 / 0, 1.0)
    assert scheduler.run_step(task) is None and task.failures == 1
    assert scheduler.run_step(task) is None and task.failures == 2
    task.step = lambda: False
    assert scheduler.run_step(task) is False and task.failures == 0
    assert 0 < backoff(1, 1.0, 60.0) <= 1.0 and 30.0 <= backoff(20, 1.0, 60.0) <= 60.0


def test_idle_consumers_commit_nothing(app, count_queries):
    """With nothing new in the log, a consumer's round is one plain read: no lease, no write."""
    factories.thread()
    consumers.run_all_once()
    with count_queries() as counter:
        assert all(count == 0 for count in consumers.run_all_once().values())
    writes = [s for s in counter.statements if s.split(None, 1)[0].upper() in (
        "INSERT", "UPDATE", "DELETE") or s.upper().startswith("BEGIN IMMEDIATE")]
    reads = [s for s in counter.statements if s.lstrip().upper().startswith("SELECT")]
    assert writes == [] and len(reads) == len(consumers.registered())


def test_the_cli_loop_outlives_errors(app, runner, two_consumers, quick_backoff, monkeypatch):
    """`flask events run --loop` runs the same scheduler: stopped from outside, it ends cleanly."""
    factories.thread()
    newest = _newest()
    with cli_loop(runner, monkeypatch, ["events", "run", "--loop", "--interval", "0.05",
                                        "--consumer", "test-flaky"]) as loop:
        assert wait_for(lambda: newest in two_consumers["slow"])
    assert loop["result"].exit_code == 0, loop["result"].output


# --- the database away: a 503 that says when to come back, then healed ---------------------

class Proxy:
    """A TCP forwarder to PostgreSQL that can be cut (every connection dropped, new ones
    refused) and restored, as a network outage would."""

    def __init__(self, port: int):
        self.target, self.conns, self.up = port, [], True
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            if not self.up:
                client.close()
                continue
            upstream = socket.create_connection(("127.0.0.1", self.target))
            self.conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a, b):
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self):
        self.up = False
        for conn in self.conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.conns = []

    def restore(self):
        self.up = True


def _outage_app(tmp_path, uri):
    from app.factory import create_app
    return create_app({**_base_config(tmp_path, uri), "WTF_CSRF_ENABLED": False})


def _assert_503_then_healed(application, cut, restore):
    thread = factories.thread()
    client = application.test_client()
    page = client.get(f"/t/{thread.id}").headers["Location"]
    assert client.get(page).status_code == 200
    cut()
    for url in (f"{page}?fresh=1", f"/api/v1/threads/{thread.id}"):
        response = client.get(url)
        assert response.status_code == 503, response.get_data(as_text=True)[:300]
        assert int(response.headers["Retry-After"]) > 0
    assert client.get("/api/v1/threads").get_json()["status"] == 503  # problem+json
    restore()
    assert client.get(f"/api/v1/threads/{thread.id}").status_code == 200
    assert client.get(f"{page}?again=1").status_code == 200


@pytest.mark.skipif(not USING_POSTGRES, reason="cuts PostgreSQL's connections (the SQLite "
                    "variant below takes the file away)")
def test_postgresql_cut_off_is_a_503_and_heals(app, tmp_path):
    from sqlalchemy.engine import make_url
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    proxy = Proxy(url.port or 5432)
    proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    application = _outage_app(tmp_path, proxied)
    with application.app_context():
        try:
            _assert_503_then_healed(application, proxy.cut, proxy.restore)
        finally:
            db.session.remove()
            db.engine.dispose()


@pytest.mark.skipif(USING_POSTGRES, reason="the PostgreSQL variant above cuts its connections")
def test_sqlite_file_gone_is_a_503_and_heals(app, tmp_path):
    path = Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
    aside = path.with_name("aside.db")

    def cut():
        db.session.remove()
        db.engine.dispose()  # open connections would keep the old file
        path.rename(aside)
        path.mkdir()  # a directory where the file was: "unable to open database file"

    def restore():
        shutil.rmtree(path)
        aside.rename(path)

    _assert_503_then_healed(app, cut, restore)


def test_redis_away_keeps_rate_limits_in_memory(app, tmp_path, caplog):
    """Limiter storage that cannot be reached: writes still answer (no 500) and the limit
    still holds, counted in this process."""
    from app.factory import create_app
    with socket.socket() as probe:  # a port with nothing listening
        probe.bind(("127.0.0.1", 0))
        dead = probe.getsockname()[1]
    application = create_app({**_base_config(tmp_path, app.config["SQLALCHEMY_DATABASE_URI"]),
                              "RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{dead}/0"})
    factories.user(username="limited")
    web = WebClient(application.test_client())
    web.login("limited")
    category = factories.category()
    statuses = [web.post("/ask", {"title": "x", "category": category.slug}).status_code
                for _ in range(21)]
    assert statuses[:20] == [422] * 20 and statuses[20] == 429
    assert "falling back to in-memory storage" in caplog.text
