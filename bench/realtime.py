"""Live-update benchmark: N sockets joined to one thread, and the time from an answer's commit
to each of them receiving its message (p50/p99 over every client, and of the last client per
answer), embedded (one gunicorn process serving pages, Socket.IO and the consumers) and scaled
out with Redis (web workers, a Socket.IO process and `events run --loop`, each its own process).

Run: .venv/bin/python bench/realtime.py [--clients 500] [--answers 20] [--mode embedded|redis|both]
     [--redis-url redis://127.0.0.1:6379/N] [--database-url postgresql+psycopg://...]
Only 127.0.0.1 is used; every wait is bounded. Times run from the answer POST's start (the commit
is inside it); the POST's own time is printed too.
"""
import argparse
import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import servers  # noqa: E402
from bench.instances import instance, postgres_url  # noqa: E402

WAIT = 15.0  # seconds an answer may take to reach every client before it counts as lost


def _seed():
    from community import services
    admin = services.register_user("benchadmin", "admin@bench.test", "password123", "admin")
    asker = services.register_user("benchasker", "asker@bench.test", "password123")
    helper = services.register_user("benchhelper", "helper@bench.test", "password123")
    category = services.create_category(admin, "Bench", "bench")
    thread = services.create_thread(asker, "How fast do live updates arrive?",
                                    "A question body long enough to keep.", category.slug)
    return thread.id, services.issue_token(helper)


def _start(name, spec, env, folder, args):
    port = servers.free_port()
    log = folder / f"{name}.log"
    command = [sys.executable, "-m", "gunicorn", *args, "--bind", f"{servers.HOST}:{port}",
               "--error-logfile", str(log), "--log-level", "warning", spec]
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    server = servers.Server(name, proc, port, log)
    try:
        servers._wait_ready(server, "/")
    except BaseException:
        server.stop()
        raise
    return server


class Clients:
    """`count` python-socketio clients joined to one thread; arrival times per post id."""

    def __init__(self, port: int, thread_id: int, count: int):
        self.arrivals: dict[int, list[float]] = {}
        self.lock = threading.Lock()
        self.clients = []
        with ThreadPoolExecutor(max_workers=16) as pool:
            self.clients = list(pool.map(lambda _: self._one(port, thread_id), range(count)))

    def _one(self, port: int, thread_id: int):
        import socketio
        client = socketio.Client(reconnection=False)

        @client.on("update")
        def update(message):
            now = time.perf_counter()
            with self.lock:
                self.arrivals.setdefault(message["post_id"], []).append(now)

        client.connect(f"http://{servers.HOST}:{port}", transports=["websocket"], wait_timeout=30)
        answer = client.call("join_thread", {"thread_id": thread_id}, timeout=30)
        if not answer.get("ok"):
            raise RuntimeError(f"join refused: {answer}")
        return client

    def received(self, post_id: int) -> list[float]:
        with self.lock:
            return list(self.arrivals.get(post_id, ()))

    def close(self):
        with ThreadPoolExecutor(max_workers=16) as pool:
            list(pool.map(lambda c: c.disconnect(), self.clients))


def _post_answer(port: int, thread_id: int, token: str, n: int) -> tuple[int, float, float]:
    body = json.dumps({"body": f"Answer number {n}: a body long enough to keep."})
    conn = http.client.HTTPConnection(servers.HOST, port, timeout=30)
    start = time.perf_counter()
    conn.request("POST", f"/api/v1/threads/{thread_id}/answers", body=body,
                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    response = conn.getresponse()
    payload = response.read()
    done = time.perf_counter()
    conn.close()
    if response.status != 201:
        raise RuntimeError(f"answer POST: HTTP {response.status} {payload[:200]!r}")
    return json.loads(payload)["id"], start, done


def _measure(web_port, socket_port, thread_id, token, clients_n, answers):
    clients = Clients(socket_port, thread_id, clients_n)
    every, lasts, posts, lost = [], [], [], 0
    try:
        _warm_up(web_port, socket_port, thread_id, token, clients)
        for n in range(answers):
            post_id, start, done = _post_answer(web_port, thread_id, token, n)
            posts.append(done - start)
            deadline = time.perf_counter() + WAIT
            while len(clients.received(post_id)) < clients_n and time.perf_counter() < deadline:
                time.sleep(0.005)
            got = clients.received(post_id)
            lost += clients_n - len(got)
            every += [t - start for t in got]
            if got:
                lasts.append(max(got) - start)
            time.sleep(0.2)
    finally:
        clients.close()
    return every, lasts, posts, lost


def _warm_up(web_port, socket_port, thread_id, token, clients) -> None:
    """One answer, not counted, waited for up to a minute: every process is up and listening."""
    post_id, _, _ = _post_answer(web_port, thread_id, token, -1)
    deadline = time.perf_counter() + 60
    while len(clients.received(post_id)) < len(clients.clients):
        if time.perf_counter() > deadline:
            raise RuntimeError("the warm-up answer never reached every client")
        time.sleep(0.05)


def _pct(values, q):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def _report(mode, clients_n, answers, every, lasts, posts, lost):
    print(f"{mode}: {clients_n} sockets on one thread, {answers} answers")
    print(f"  every client  p50 {_pct(every, .5):7.1f} ms   p99 {_pct(every, .99):7.1f} ms")
    print(f"  last client   p50 {_pct(lasts, .5):7.1f} ms   p99 {_pct(lasts, .99):7.1f} ms")
    print(f"  answer POST   p50 {_pct(posts, .5):7.1f} ms (commit inside; times above include it)")
    print(f"  messages lost: {lost} of {clients_n * answers}")


def _env(app, redis_url):
    env = {**os.environ, "COMMONPLACE_INSTANCE_PATH": app.config["INSTANCE_PATH"],
           "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": "bench-secret",
           "RATELIMIT_ENABLED": "false", "SEARCH_SEMANTIC": "off", "CRM_RELAY_THREAD": "false",
           "PYTHONPATH": str(ROOT)}
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def run(mode, args):
    redis_url = args.redis_url if mode == "redis" else None
    threads = str(args.clients * 2 + 50)
    with instance(postgres_url(args.database_url)) as app:
        thread_id, token = _seed()
        from core.consumers import seek
        from core.events import last_id
        seek("realtime", last_id())  # the seed's events are history, not live news
        folder = Path(app.config["INSTANCE_PATH"])
        env = _env(app, redis_url)
        started = []
        try:
            if mode == "embedded":
                env["CONSUMERS_IN_PROCESS_SECONDS"] = "1"
                web = _start("embedded", "wsgi:app", env, folder,
                             ["--workers", "1", "--threads", threads,
                              "--worker-connections", threads])
                started.append(web)
                sockets = web
            else:
                env["CONSUMERS_IN_PROCESS_SECONDS"] = "0"
                web = _start("web", "wsgi:app", env, folder, ["--workers", "2", "--threads", "4"])
                started.append(web)
                sockets = _start("realtime", "realtime_wsgi:app", env, folder,
                                 ["--workers", "1", "--threads", threads,
                                  "--worker-connections", threads])
                started.append(sockets)
                loop = subprocess.Popen(
                    [sys.executable, "-m", "flask", "--app", "wsgi", "events", "run", "--loop",
                     "--consumer", "realtime"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                    stderr=open(folder / "events.log", "wb"), start_new_session=True)
                started.append(loop)
            _report(mode, args.clients, args.answers,
                    *_measure(web.port, sockets.port, thread_id, token, args.clients,
                              args.answers))
        finally:
            for proc in reversed(started):
                if isinstance(proc, subprocess.Popen):
                    proc.send_signal(signal.SIGTERM)
                    proc.wait(timeout=15)
                else:
                    proc.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--answers", type=int, default=20)
    parser.add_argument("--mode", choices=["embedded", "redis", "both"], default="both")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL"))
    parser.add_argument("--database-url", default=None,
                        help="PostgreSQL for the run (its schema is DROPPED); default SQLite")
    args = parser.parse_args()
    modes = ["embedded", "redis"] if args.mode == "both" else [args.mode]
    if "redis" in modes and not args.redis_url:
        parser.error("the redis mode needs --redis-url (or REDIS_URL)")
    for mode in modes:
        run(mode, args)


if __name__ == "__main__":
    main()
