"""The Socket.IO handlers: who a socket is (the Flask-Login session cookie, its stamp checked
at every event), its own rooms, and `join_thread` asked of the one policy module."""
import threading

from flask import current_app, request
from flask_login import current_user
from socketio.exceptions import ConnectionRefusedError

from app.realtime import NAMESPACE, STAFF_ROOM, emit_to_room, server, thread_room, user_room
from app.realtime.fanout import UPDATE, missed
from community.models import Thread
from community.policies import can_view_thread
from core.database import MAX_ID, db, parse_id

HANDLERS = ("connect", "disconnect", "join_thread", "leave_thread")
_open = {"count": 0}
_open_lock = threading.Lock()


def register(sio) -> None:
    """Attach the handlers to one app's Socket.IO server. Each runs in a request context built
    from the socket's handshake (its cookies: Flask-Login's session), as a page view does; this
    does not lean on Flask-SocketIO's process-wide server, which is the last app's."""
    for name in HANDLERS:
        sio.on(name, _in_request(sio, globals()[name]), namespace=NAMESPACE)


def _in_request(sio, handler):
    def run(sid, *args):
        environ = sio.get_environ(sid, namespace=NAMESPACE)
        if not environ:
            return None  # a socket this server no longer knows
        if handler is connect:
            args = args[1:2]  # (environ, auth) → (auth,)
        with environ["flask.app"].request_context(environ):
            request.sid = sid
            try:
                return handler(*args[:1])
            finally:
                db.session.remove()
    return run


def _enter(room: str) -> None:
    server().enter_room(request.sid, room, namespace=NAMESPACE)


def connect(auth=None):
    """Signed-in readers join their own room (and staff the staff room); anonymous ones may
    connect to follow public threads. REALTIME_MAX_CONNECTIONS keeps sockets from taking every
    thread of a process that also serves pages (the embedded default)."""
    cap = current_app.config.get("REALTIME_MAX_CONNECTIONS") or 0
    if cap and _open["count"] >= cap:
        raise ConnectionRefusedError("busy: live updates are paused, reload to see changes")
    if current_user.is_authenticated:
        _enter(user_room(current_user.id))
        if current_user.is_staff:
            _enter(STAFF_ROOM)
    with _open_lock:  # counted once accepted: only an accepted socket is ever disconnected
        _open["count"] += 1


def disconnect(reason=None):
    with _open_lock:
        _open["count"] = max(0, _open["count"] - 1)


def _refusal(status: int, error: str) -> dict:
    return {"ok": False, "status": status, "error": error}


def _as_id(value) -> int | None:
    """A positive id given as a JSON number or a string of digits, else None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 0 < value <= MAX_ID else None
    return parse_id(value) or None


def _cursor(value) -> int | None:
    """The last event id a reconnecting reader saw (0 and up), else None (no replay)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 0 <= value <= MAX_ID else None
    return parse_id(value)


def join_thread(data=None):
    """{thread_id, last_event_id?} → {ok, thread_id, replayed}; the `update`s after
    last_event_id the reader may see are sent first (a reconnect misses nothing), or the answer
    says {resync: true} when there are too many (reload the page). Refused: {ok: false,
    status: 400|403|404, error}."""
    data = data if isinstance(data, dict) else {}
    thread_id = _as_id(data.get("thread_id"))
    if not thread_id:
        return _refusal(400, "thread_id must be a thread's id.")
    thread = db.session.get(Thread, thread_id)
    if thread is None:
        return _refusal(404, f"Thread {thread_id} does not exist.")
    decision = can_view_thread(current_user, thread)
    if not decision:
        return _refusal(403, decision.reason)
    _enter(thread_room(thread_id))
    answer = {"ok": True, "thread_id": thread_id, "replayed": 0}
    if (after := _cursor(data.get("last_event_id"))) is not None:
        backlog = missed(current_user, thread, after)
        if backlog is None:
            answer["resync"] = True
        for item in backlog or ():
            emit_to_room(thread_room(thread_id), UPDATE, item, to_sid=request.sid)
        answer["replayed"] = len(backlog or ())
    return answer


def leave_thread(data=None):
    thread_id = _as_id(data.get("thread_id")) if isinstance(data, dict) else None
    if thread_id:
        server().leave_room(request.sid, thread_room(thread_id), namespace=NAMESPACE)
    return {"ok": bool(thread_id)}
