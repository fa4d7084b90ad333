"""A test's app served over real HTTP on 127.0.0.1 in a thread (Werkzeug's threaded server), for
the live-update tests and the browser tests."""
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server


class _ClosesAfterWebSocket(WSGIRequestHandler):
    """Closes the TCP connection once a WebSocket on it has ended, as gunicorn does.

    simple-websocket ends a WebSocket under Werkzeug by raising ConnectionError, which Werkzeug
    passes to `connection_dropped`; by default Werkzeug then keeps the connection open and waits
    on it for another HTTP request (the 101 went out without start_response, so Werkzeug never
    set "Connection: close"). The python-socketio client's disconnect waits up to 3 seconds in
    websocket-client's close() for the server's close frame, which its own reader thread has
    already taken: only the end of the connection lets it go sooner."""

    def connection_dropped(self, error, environ=None) -> None:
        self.close_connection = True


@contextmanager
def serve(app, name: str = "live-server") -> Iterator[BaseWSGIServer]:
    """`app` on a free port (server.server_port) until the block ends."""
    server = make_server("127.0.0.1", 0, app, threaded=True,
                         request_handler=_ClosesAfterWebSocket)
    # shutdown() waits for the serving loop's next poll: a short interval ends a test sooner.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True, name=f"{name}-{server.server_port}")
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
