"""A real webhook receiver on 127.0.0.1 for the tests: verifies Standard Webhooks signatures
with its own code (not the project's), remembers each delivery by webhook-id (processing it
once, as a well-behaved receiver does) and can misbehave on a schedule: answer 500, hang past
the client's timeout after processing, or drop the connection."""
import base64
import hashlib
import hmac
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    def __init__(self, secret: str, hang_seconds: float = 1.0):
        self.secret, self.hang_seconds = secret, hang_seconds
        self.faults: list[str] = []   # consumed one per request: "500", "hang", "drop", "garbage"
        self.down = False  # while True every request is answered 503 (a CRM outage)
        self.attempts: list[dict] = []  # every request: id, type, verified
        self.effects: dict[str, dict] = {}  # webhook-id → the event, processed once
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def __enter__(self):
        # shutdown() waits for the serving loop's next poll (0.5 s by default).
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def _key(self) -> bytes:
        if self.secret.startswith("whsec_"):
            return base64.b64decode(self.secret[len("whsec_"):])
        return self.secret.encode()

    def verified(self, headers, body: bytes) -> bool:
        msg_id, stamp = headers.get("webhook-id", ""), headers.get("webhook-timestamp", "")
        signed = f"{msg_id}.{stamp}.".encode() + body
        expected = base64.b64encode(hmac.new(self._key(), signed, hashlib.sha256).digest()).decode()
        given = [s.split(",", 1)[1] for s in headers.get("webhook-signature", "").split()
                 if s.startswith("v1,")]
        fresh = stamp.isdigit() and abs(time.time() - int(stamp)) < 300
        return fresh and any(hmac.compare_digest(expected, g) for g in given)

    def _handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                ok = receiver.verified(self.headers, body)
                event = json.loads(body)
                with receiver.lock:
                    fault = receiver.faults.pop(0) if receiver.faults else None
                    receiver.attempts.append({"id": self.headers["webhook-id"],
                                              "type": event["type"], "verified": ok,
                                              "fault": fault,
                                              "idempotency_key": self.headers.get("Idempotency-Key")})
                if not ok:
                    return self._reply(401, b"")
                if receiver.down:
                    return self._reply(503, b"down for maintenance")
                if fault == "500":
                    return self._reply(500, b"boom")
                if fault == "drop":
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.close_connection = True
                    return None
                with receiver.lock:
                    receiver.effects.setdefault(self.headers["webhook-id"], event)
                if fault == "hang":  # processed, but the answer comes too late
                    time.sleep(receiver.hang_seconds)
                if fault == "garbage":
                    return self._reply(200, b"<html>not json</html>")
                return self._reply(200, b"")

            def _reply(self, status: int, body: bytes):
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the client gave up waiting

        return Handler

    def of_type(self, prefix: str) -> list[dict]:
        return [e for e in self.effects.values() if e["type"].startswith(prefix)]
