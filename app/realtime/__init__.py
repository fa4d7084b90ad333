"""Live updates over Socket.IO: the room names, the per-app Socket.IO server and the emits every
other package uses (`emit_to_user`); the socket handlers live in app.realtime.sockets and the
`realtime` consumer of the event log in app.realtime.fanout."""
import hashlib

from flask import current_app

from app.extensions import socketio

NAMESPACE = "/"
STAFF_ROOM = "staff"
SERVER = "commonplace.realtime"


def thread_room(thread_id: int) -> str:
    return f"thread:{thread_id}"


def user_room(user_id: int) -> str:
    return f"user:{user_id}"


def channel(config) -> str:
    """The Redis channel of this site's emits: two communities on one Redis never hear each
    other (channels ignore the db number)."""
    site = config["SQLALCHEMY_DATABASE_URI"].encode()
    return f"commonplace-socketio:{hashlib.sha256(site).hexdigest()[:16]}"


def init_app(app) -> None:
    """Keep this app's own Socket.IO server (the extension object is shared by every app made in
    one process) and register the handlers and the consumer."""
    app.extensions[SERVER] = socketio.server
    from core.events import last_id
    app.jinja_env.globals["live_cursor"] = last_id  # the thread page's replay starting point
    from app.realtime import fanout, sockets  # noqa: F401  (the consumer registers)
    sockets.register(socketio.server)
    from app.notifications.consumer import on_created
    if _bell not in on_created:
        on_created.append(_bell)


def _bell(user_id: int, unread: int) -> None:
    """A reader's unread count changed: their open pages update the bell."""
    emit_to_user(user_id, "notifications", {"unread": unread})


def server():
    """This app's Socket.IO server: with REDIS_URL its emits go through the Redis message queue
    to whichever socket process holds the room's members."""
    return current_app.extensions[SERVER]


def emit_to_room(room: str, event: str, data: dict, to_sid: str | None = None) -> None:
    server().emit(event, data, to=to_sid or room, namespace=NAMESPACE)


def emit_to_user(user_id: int, event: str, data: dict) -> None:
    """Send `event` to every open socket of one signed-in user (the bell count, for one)."""
    emit_to_room(user_room(user_id), event, data)


def close_room(room: str) -> None:
    server().close_room(room, namespace=NAMESPACE)
