"""The Socket.IO handlers: who a socket is (the Flask-Login session cookie, its stamp checked
at every event), its own rooms, and `join_thread` asked of the one policy module."""
import threading

from flask import current_app, request
from flask_login import current_user
from flask_socketio import ConnectionRefusedError, join_room, leave_room

from app.extensions import socketio
from app.realtime import STAFF_ROOM, emit_to_room, thread_room, user_room
from app.realtime.fanout import UPDATE, missed
from community.models import Thread
from community.policies import can_view_thread
from core.database import MAX_ID, db, parse_id

HANDLERS = ("connect", "disconnect", "join_thread", "leave_thread")
_open = {"count": 0}
_open_lock = threading.Lock()


def register() -> None:
    """Attach the handlers to the Socket.IO server just made for an app (Flask-SocketIO keeps
    handlers registered after its first init_app on that first server only)."""
    for name in HANDLERS:
        socketio.on_event(name, globals()[name])


def connect(auth=None):
    """Signed-in readers join their own room (and staff the staff room); anonymous ones may
    connect to follow public threads. REALTIME_MAX_CONNECTIONS keeps sockets from taking every
    thread of a process that also serves pages (the embedded default)."""
    cap = current_app.config.get("REALTIME_MAX_CONNECTIONS") or 0
    if cap and _open["count"] >= cap:
        raise ConnectionRefusedError("busy: live updates are paused, reload to see changes")
    if current_user.is_authenticated:
        join_room(user_room(current_user.id))
        if current_user.is_staff:
            join_room(STAFF_ROOM)
    db.session.rollback()
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
    join_room(thread_room(thread_id))
    answer = {"ok": True, "thread_id": thread_id, "replayed": 0}
    if (after := _cursor(data.get("last_event_id"))) is not None:
        backlog = missed(current_user, thread, after)
        if backlog is None:
            answer["resync"] = True
        for item in backlog or ():
            emit_to_room(thread_room(thread_id), UPDATE, item, to_sid=request.sid)
        answer["replayed"] = len(backlog or ())
    db.session.rollback()
    return answer


def leave_thread(data=None):
    thread_id = _as_id(data.get("thread_id")) if isinstance(data, dict) else None
    if thread_id:
        leave_room(thread_room(thread_id))
    return {"ok": bool(thread_id)}
