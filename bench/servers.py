"""Gunicorn processes for the benchmark: start one on a free 127.0.0.1 port, wait until it
answers, fetch a page from it, stop it (and only it) again.
"""
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
# One configuration for the real app and the ceiling alike: two sync workers for two cores.
GUNICORN_ARGS = ["--workers", "2", "--threads", "1"]
READY_SECONDS = 30


@dataclass
class Server:
    name: str
    proc: subprocess.Popen
    port: int
    log: Path

    def stop(self) -> None:
        """SIGTERM the master (it stops its workers); SIGKILL its process group if it lingers."""
        if self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)  # the group this script created for it
            self.proc.wait(timeout=15)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def fetch(port: int, path: str, timeout: float = 10, cookie: str | None = None) -> tuple[int, bytes]:
    """One GET on a fresh connection: (status, body)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def start(name: str, app_spec: str, env: dict, log: Path, ready_path: str = "/") -> Server:
    """Start `gunicorn app_spec` in its own session, and wait until `ready_path` answers 200."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", *GUNICORN_ARGS, "--bind", f"{HOST}:{port}",
               "--error-logfile", str(log), "--log-level", "warning", app_spec]
    with open(os.devnull, "wb") as devnull:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=devnull, stderr=devnull,
                                start_new_session=True)
    server = Server(name, proc, port, log)
    try:
        _wait_ready(server, ready_path)
    except BaseException:
        server.stop()
        raise
    return server


def _wait_ready(server: Server, path: str) -> None:
    deadline = time.monotonic() + READY_SECONDS
    last = "no answer"
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(f"{server.name} exited with {server.proc.returncode}:\n"
                               f"{server.log_tail()}")
        try:
            status, _ = fetch(server.port, path, timeout=5)
            if status == 200:
                return
            last = f"HTTP {status}"
        except OSError as exc:
            last = str(exc)
        time.sleep(0.2)
    raise RuntimeError(f"{server.name} not ready after {READY_SECONDS}s ({last}):\n"
                       f"{server.log_tail()}")


def describe() -> str:
    return "gunicorn " + " ".join(GUNICORN_ARGS) + " (sync workers)"


def _terminate(signum, frame):
    raise SystemExit(128 + signum)


def run_in_instance(run, args, prefix: str) -> int:
    """`run(args, instance, started)` in a temporary instance folder that is removed afterwards,
    stopping every server it started (also on Ctrl-C, SIGTERM or an error)."""
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started with it ignored
    instance = Path(tempfile.mkdtemp(prefix=prefix))
    started: list[Server] = []
    try:
        run(args, instance, started)
        return 0
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    finally:
        for server in started:
            server.stop()
        shutil.rmtree(instance, ignore_errors=True)
