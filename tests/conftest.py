"""Fixtures: a real database built by the migrations (SQLite file per test, or the PostgreSQL
named by DATABASE_URL, truncated between tests), the app, clients with CSRF, and a query counter."""
import copy
import os
import re
import shutil
import sqlite3
import threading
import time
from contextlib import closing, contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, text

from app.factory import create_app
from app.web import page_cache
from community import viewcounts
from app.extensions import limiter
from core.database import db

POSTGRES_URL = os.environ.get("DATABASE_URL", "")
USING_POSTGRES = POSTGRES_URL.startswith("postgresql")
SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def _base_config(tmp_path: Path, uri: str) -> dict:
    return {"INSTANCE_PATH": str(tmp_path / "instance"), "SQLALCHEMY_DATABASE_URI": uri,
            "SECRET_KEY": "test-secret",
            "SERVER_NAME": "localhost", "TESTING": True,
            # Tests flush spooled counters themselves (community.viewcounts.flush).
            "COUNTER_FLUSH_SECONDS": 0,
            # Tests run consumers themselves (core.consumers.run_until_caught_up / run_all_once).
            "CONSUMERS_IN_PROCESS_SECONDS": 0,
            # The cheapest Argon2id: still the real algorithm, without production's cost per user.
            "PASSWORD_HASH_TIME_COST": 1, "PASSWORD_HASH_MEMORY_COST": 8,
            "PASSWORD_HASH_PARALLELISM": 1}


def _migrate(uri: str, tmp_path: Path) -> None:
    from flask_migrate import upgrade
    app = create_app(_base_config(tmp_path, uri))
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def database_template(tmp_path_factory):
    """Run `flask db upgrade` once: into a template SQLite file, or into PostgreSQL from scratch."""
    base = tmp_path_factory.mktemp("schema")
    if USING_POSTGRES:
        engine = create_engine(POSTGRES_URL)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        _migrate(POSTGRES_URL, base)
        return POSTGRES_URL
    path = base / "template.db"
    _migrate(f"sqlite:///{path}", base)
    return path


@pytest.fixture(scope="session")
def shared_app(database_template, tmp_path_factory):
    """One app per test worker (making an app and compiling its templates costs more than most
    tests); the `app` fixture gives each test a fresh database, instance folder and config."""
    base = tmp_path_factory.mktemp("app")
    uri = POSTGRES_URL if USING_POSTGRES else f"sqlite:///{base / 'commonplace.db'}"
    application = create_app(_base_config(base, uri))
    _forget_request_globals(application)
    pristine = {"config": dict(application.config), "extensions": dict(application.extensions),
                # The limiter is one object that every create_app re-binds (a test's own app
                # would leave its storage and settings behind): put back the shared app's.
                "limiter": dict(vars(limiter))}
    yield application, pristine
    with application.app_context():
        db.engine.dispose()


def _forget_request_globals(application) -> None:
    """Tests keep one app context open, so `g` would outlive a request: Flask-Login's cached user
    and Flask-WTF's cached token would leak from one browser to the next. Clear them per
    request, as a real server does."""
    from flask import g

    @application.before_request
    def forget_cached_user():
        for name in ("_login_user", "csrf_token"):
            g.pop(name, None)


@pytest.fixture
def app(shared_app, database_template, tmp_path):
    application, pristine = shared_app
    _start_test(application, pristine, database_template, tmp_path)
    with application.app_context():
        # Rate-limit counters live in Redis on the scaled-out run: each test starts from zero.
        limiter.reset()
        page_cache.clear()  # ids restart in every test's database
        viewcounts.discard()
        yield application
        db.session.remove()
        if USING_POSTGRES:
            _truncate()
        else:
            db.engine.dispose()


def _start_test(application, pristine, database_template, tmp_path) -> None:
    """Undo what the last test changed: config, built backends and connectors (they live in
    app.extensions), the instance folder (search index, spools, mail) and the database."""
    from app import mail
    application.config.clear()
    application.config.update(copy.deepcopy(pristine["config"]))
    application.extensions.clear()
    application.extensions.update(pristine["extensions"])
    vars(limiter).update(pristine["limiter"])
    instance = tmp_path / "instance"
    application.config["INSTANCE_PATH"] = application.instance_path = str(instance)
    mail.init_app(application)
    if not USING_POSTGRES:
        # SQLite's backup API replaces the pages under its own locks: safe whatever connection
        # an earlier test's thread may still hold (copying over the file could corrupt it).
        target = application.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
        with closing(sqlite3.connect(database_template)) as source, \
                closing(sqlite3.connect(target, timeout=30)) as copy_:
            copy_.execute("PRAGMA synchronous=OFF")  # a test's copy need not reach the disk
            source.backup(copy_)


def _truncate() -> None:
    tables = ", ".join(t.name for t in db.metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@contextmanager
def app_on(database_template, tmp_path):
    """An app of its own on a fresh copy of the migrated database (the PostgreSQL one truncated
    after), for tests that need one apart from the worker's shared app."""
    if USING_POSTGRES:
        uri = POSTGRES_URL
    else:
        target = tmp_path / "commonplace.db"
        shutil.copy(database_template, target)
        uri = f"sqlite:///{target}"
    application = create_app(_base_config(tmp_path, uri))
    with application.app_context():
        limiter.reset()
        page_cache.clear()
        viewcounts.discard()
        yield application
        db.session.remove()
        if USING_POSTGRES:
            _truncate()
        db.engine.dispose()


def wait_for(condition, seconds: float = 30.0) -> bool:
    """Poll `condition` until it holds (bounded: a loaded machine may be slow)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


@contextmanager
def cli_loop(runner, monkeypatch, args: list[str]):
    """Run a `--loop` command in a thread; on leaving, stop the scheduler it started and wait for
    the command to end. Yields a dict: "scheduler" once started, "result" once ended."""
    from core.scheduler import Scheduler
    seen, real_start = {}, Scheduler.start

    def start(self):
        seen["scheduler"] = self
        return real_start(self)

    monkeypatch.setattr(Scheduler, "start", start)
    cli = threading.Thread(target=lambda: seen.update(result=runner.invoke(args=args)))
    cli.start()
    try:
        yield seen
    finally:
        wait_for(lambda: "scheduler" in seen)
        seen["scheduler"].stop()
        cli.join(30)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class WebClient:
    """A browser-like client: keeps the session cookie and sends the form's CSRF token."""

    def __init__(self, client):
        self.client = client
        self._token = None

    def token(self) -> str:
        if self._token is None:
            page = self.client.get("/login").get_data(as_text=True)
            self._token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        return self._token

    def get(self, url, **kwargs):
        return self.client.get(url, **kwargs)

    def post(self, url, data=None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.token())
        return self.client.post(url, data=data, **kwargs)

    def login(self, login: str, password: str = "password123"):
        response = self.post("/login", {"login": login, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        self._token = None  # a new session after sign-in gets a fresh token
        return response


@pytest.fixture
def web(client):
    return WebClient(client)


class Api:
    """JSON API calls with an optional bearer token."""

    def __init__(self, client):
        self.client = client

    def token_for(self, email: str, password: str = "password123") -> str:
        response = self.client.post("/api/v1/auth/token", json={"email": email, "password": password})
        assert response.status_code == 200, response.json
        return response.json["token"]

    def call(self, method, url, token=None, **kwargs):
        headers = kwargs.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return self.client.open(f"/api/v1{url}", method=method, headers=headers, **kwargs)

    def get(self, url, token=None, **kw):
        return self.call("GET", url, token, **kw)

    def post(self, url, token=None, **kw):
        return self.call("POST", url, token, **kw)

    def patch(self, url, token=None, **kw):
        return self.call("PATCH", url, token, **kw)

    def delete(self, url, token=None, **kw):
        return self.call("DELETE", url, token, **kw)


@pytest.fixture
def api(client):
    return Api(client)


@pytest.fixture
def count_queries(app):
    """Use as `with count_queries() as counter: ...`; counter.count is the number of statements."""
    from contextlib import contextmanager

    @contextmanager
    def counting():
        class Counter:
            count = 0
            statements: list = []

        def before(conn, cursor, statement, parameters, context, executemany):
            Counter.count += 1
            Counter.statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", before)
        try:
            yield Counter
        finally:
            event.remove(db.engine, "before_cursor_execute", before)

    return counting


class Inbox:
    """What a real SMTP server on 127.0.0.1 (aiosmtpd) received, as parsed messages."""

    def __init__(self, port: int):
        self.port = port
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes, policy
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((envelope.rcpt_tos, message))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list:
        return [m for rcpt, m in self.messages if address in rcpt]

    def link(self, address: str, path: str) -> str:
        """The last link to `path` mailed to `address` (a full URL on PUBLIC_URL)."""
        bodies = [m.get_body(("plain",)).get_content() for m in self.to(address)]
        links = [found for body in bodies for found in re.findall(r"https?://\S+", body)
                 if path in found]
        assert links, f"no {path} link was mailed to {address}"
        return links[-1]


@pytest.fixture(scope="session")
def smtp_server():
    import socket
    from aiosmtpd.controller import Controller
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox(port)
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox
    controller.stop()


@pytest.fixture
def mailbox(app, smtp_server):
    """Point the app's mail at the test SMTP server; yields its (emptied) inbox."""
    from app import mail
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port,
                      PUBLIC_URL="http://127.0.0.1:5000")
    mail.init_app(app)
    smtp_server.messages.clear()
    return smtp_server


@pytest.fixture
def quick_backoff(monkeypatch):
    """The scheduler retries a failed task after 0.01 s instead of 0.5 s. Its loop calls the
    module's `backoff`, whose default base was bound when it was defined: setting BACKOFF_BASE
    would change nothing."""
    from core.scheduler import backoff
    monkeypatch.setattr("core.scheduler.backoff", lambda failures: backoff(failures, 0.01))


def shared_path(*parts) -> Path:
    """A file under ../shared/data; tests that need it skip with a reason when it is absent."""
    path = SHARED.joinpath("data", *parts)
    if not path.exists():
        pytest.skip(f"{path} is absent (a fresh clone without ../shared); CI has it")
    return path


# --- the quick loop and the exhaustive run -------------------------------------------------
# `make test` leaves out the tests below (marked `exhaustive`); `make test-all`, which CI runs,
# runs them. Each behaviour stays in the quick loop through a sample: the first SAMPLE values
# of a hostile-input sweep, one browser flow on a phone.
EXHAUSTIVE = (
    "tests/functional/test_naughty_strings.py::test_every_line_through_the_services",
    "tests/functional/test_naughty_strings.py::test_every_line_in_every_markdown_context",
    "tests/functional/test_api_fuzz.py::",
    "tests/unit/community/test_markdown.py::test_the_shared_parser_keeps_nothing",
    "tests/functional/semantic/test_similar_api_and_form.py::test_hostile_strings_never_fail",
    "tests/browser/",
)
QUICK = ("tests/browser/test_flows.py::test_ask_answer_vote_accept_without_javascript[phone]",)
SAMPLED = {  # a sweep's parameter -> how many of its values the quick loop keeps
    "tests/functional/semantic/test_similar.py::test_hostile_titles_never_fail": "title",
    "tests/functional/search/test_backends.py::test_hostile_query_strings_never_raise": "text",
    "tests/unit/community/test_markdown.py::test_pathological_bodies_render_to_bounded_sane": "name",
}
SAMPLE = 3


def pytest_configure(config):
    config.addinivalue_line("markers", "exhaustive: a sweep or browser run left to make test-all")


def pytest_ignore_collect(collection_path, config):
    """The quick loop does not collect a module it would deselect whole: schemathesis builds the
    API fuzzer's cases at collection, seconds in every worker."""
    quick = " ".join((config.getoption("markexpr") or "").split()) == "not exhaustive"
    whole = (prefix.removesuffix("::") for prefix in EXHAUSTIVE if prefix.endswith(".py::"))
    if quick and any(collection_path.match(path) for path in whole):
        return True
    return None


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.nodeid in QUICK:
            continue
        sampled = next((param for prefix, param in SAMPLED.items()
                        if item.nodeid.startswith(prefix)), None)
        if any(item.nodeid.startswith(prefix) for prefix in EXHAUSTIVE) or (
                sampled and item.callspec.indices.get(sampled, 0) >= SAMPLE):
            item.add_marker(pytest.mark.exhaustive)


@pytest.fixture(scope="session", autouse=True)
def shared_encodings():
    """The sentence model is real, but each distinct text is encoded once per test worker
    (many tests embed the same small forum): later calls reuse the first result's rows."""
    import numpy as np
    from search.semantic.encoder import Encoder
    real, memo = Encoder.encode, {}

    def encode(self, texts, *args, **kwargs):
        keys = [(str(self.path), text or "") for text in texts]
        missing = list(dict.fromkeys(key for key in keys if key not in memo))
        if missing:
            for key, row in zip(missing, real(self, [text for _, text in missing], *args, **kwargs)):
                memo[key] = row
        return np.array([memo[key] for key in keys], np.float32).reshape(len(keys), self.dim)

    encode.unshared = real  # for the tests of the encoder itself
    Encoder.encode = encode
    yield
    Encoder.encode = real
