"""Live-update fixtures: the test's app served over HTTP on 127.0.0.1 in a thread (Socket.IO over
WebSocket through simple-websocket, as in production) and real python-socketio clients.

The server uses whatever the suite is configured with: in-process Socket.IO by default, the
Redis message queue when REDIS_URL is set (the scaled-out run), so every test runs both ways.
"""
import queue
from types import SimpleNamespace

import pytest
import socketio

from core.consumers import run_until_caught_up
from core.database import db
from tests.live_server import serve

WAIT = 10  # seconds a client waits for a message before the test fails


@pytest.fixture
def live(app):
    """The app on http://127.0.0.1:<free port>; yields url and `deliver()` (runs the realtime
    consumer, as the consumer thread or `flask events run` does after a commit)."""
    def deliver():
        run_until_caught_up("realtime")

    try:
        with serve(app, "realtime-server") as server:
            yield SimpleNamespace(url=f"http://127.0.0.1:{server.server_port}", deliver=deliver)
    finally:
        db.session.remove()


class Reader:
    """One real Socket.IO client; every message it receives is kept in order."""

    def __init__(self, url: str, cookie: str | None = None):
        self.messages: queue.Queue = queue.Queue()
        self.sio = socketio.Client(reconnection=False)
        for name in ("update", "thread_gone", "signed_out", "sentinel", "notice", "notifications"):
            self.sio.on(name, self._keeper(name))
        headers = {"Cookie": cookie} if cookie else {}
        self.sio.connect(url, headers=headers, transports=["websocket"], wait_timeout=WAIT)

    def _keeper(self, name):
        return lambda data=None: self.messages.put((name, data))

    def join(self, thread_id, **extra) -> dict:
        return self.sio.call("join_thread", {"thread_id": thread_id, **extra}, timeout=WAIT)

    def next(self) -> tuple[str, dict]:
        return self.messages.get(timeout=WAIT)

    def until(self, name: str) -> list[tuple[str, dict]]:
        """Every message up to and including the first called `name`."""
        seen = []
        while not seen or seen[-1][0] != name:
            seen.append(self.next())
        return seen

    def close(self):
        self.sio.disconnect()


@pytest.fixture
def readers(live):
    """Factory: reader(user=None) connects a client, signed in as `user` when given. What
    happened before it connects has been delivered already (to nobody)."""
    made = []

    def make(user=None):
        live.deliver()
        reader = Reader(live.url, session_cookie(user) if user is not None else None)
        made.append(reader)
        return reader

    yield make
    for reader in made:
        reader.close()


def session_cookie(user) -> str:
    """The cookie a browser gets from signing in: Flask's signed session naming
    "<id>:<stamp>:<sign-in key>", with the key's sign-in row opened as a sign-in does."""
    from flask import current_app
    from community import services
    app = current_app._get_current_object()
    if not getattr(user, "sign_in_key", None):
        user.sign_in_key = services.open_session(user)
    value = app.session_interface.get_signing_serializer(app).dumps(
        {"_user_id": user.get_id(), "_fresh": True})
    return f"{app.config['SESSION_COOKIE_NAME']}={value}"
