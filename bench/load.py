"""Closed-loop HTTP load against 127.0.0.1 for a fixed time and concurrency: wrk when it is
installed, else Python processes with keep-alive http.client connections.
"""
import http.client
import multiprocessing
import re
import shutil
import signal
import subprocess
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

HOST = "127.0.0.1"
MAX_REQUESTS_PER_CONNECTION = 2_000_000  # a bound on every loop besides the clock
MAX_ERRORS_PER_CONNECTION = 1_000


@dataclass
class Result:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    statuses: Counter = field(default_factory=Counter)  # non-200 responses by status
    errors: int = 0  # connection, read, write and time-out errors

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def loader_name(choice: str) -> str:
    """'wrk' or 'python': `auto` picks wrk when it is on PATH."""
    if choice == "auto":
        return "wrk" if shutil.which("wrk") else "python"
    if choice == "wrk" and not shutil.which("wrk"):
        raise RuntimeError("--loader wrk, but wrk is not installed (apt-get install -y wrk)")
    return choice


def run(loader: str, port: int, path: str, seconds: float, concurrency: int,
        workdir: Path, cookie: str | None = None) -> Result:
    """`cookie`, when given, is sent on every request (a signed-in reader)."""
    if loader == "wrk":
        return _run_wrk(port, path, seconds, concurrency, workdir, cookie)
    return _run_python(port, [(path, cookie)], seconds, concurrency)


def run_list(loader: str, port: int, requests: list[tuple[str, str | None]], seconds: float,
             concurrency: int, workdir: Path) -> Result:
    """Requests taken in turn from `requests` ((path, cookie or None) each), never the same one
    twice while the list lasts: connection k of n sends k, k + n, k + 2n, ... (wrk: each of its
    threads strides the list the same way). The list wraps only when it runs out."""
    if loader == "wrk":
        return _run_wrk_list(port, requests, seconds, concurrency, workdir)
    return _run_python(port, requests, seconds, concurrency)


# --- wrk ---------------------------------------------------------------------------------

_WRK_ONE = r"""
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) non200 = 0; codes = {} end
"""
_WRK_REPORT = r"""
function response(status, headers, body)
  if status ~= 200 then non200 = non200 + 1; codes[status] = (codes[status] or 0) + 1 end
end
function done(summary, latency, requests)
  local bad, codes = 0, ""
  for _, t in ipairs(threads) do
    bad = bad + t:get("non200")
    for status, n in pairs(t:get("codes")) do codes = codes .. status .. ":" .. n .. " " end
  end
  local e = summary.errors
  io.write(string.format("BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d non200=%d errors=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), bad,
    e.connect + e.read + e.write + e.timeout))
  io.write("BENCH_CODES " .. codes .. "\n")
end
"""
_WRK_SCRIPT = _WRK_ONE + _WRK_REPORT


# Each wrk thread reads the list and takes every n-th request from its own offset.
_WRK_LIST = r"""
local threads = {}
local counter = 0
function setup(thread)
  thread:set("offset", counter)
  counter = counter + 1
  table.insert(threads, thread)
end
function init(args)
  non200 = 0; codes = {}; list = {}; turn = 0
  for line in io.lines(LIST_FILE) do
    local path, cookie = line:match("^([^\t]*)\t?(.*)$")
    table.insert(list, {path, cookie})
  end
end
function request()
  local index = (offset + turn * STRIDE) % #list + 1
  turn = turn + 1
  local item = list[index]
  if item[2] ~= "" then
    return wrk.format("GET", item[1], {["Cookie"] = item[2]})
  end
  return wrk.format("GET", item[1])
end
"""


def _run_wrk(port: int, path: str, seconds: float, concurrency: int, workdir: Path,
             cookie: str | None = None, script_text: str = _WRK_SCRIPT) -> Result:
    script = workdir / "bench.lua"
    script.write_text(script_text)
    command = ["wrk", f"--threads={min(2, concurrency)}", f"--connections={concurrency}",
               f"--duration={max(1, round(seconds))}s", "--timeout=10s", f"--script={script}",
               *(["--header", f"Cookie: {cookie}"] if cookie else []),
               f"http://{HOST}:{port}{path}"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    match = re.search(r"BENCH requests=(\d+) duration_us=(\d+) p50_us=(\d+) p99_us=(\d+) "
                      r"non200=(\d+) errors=(\d+)", done.stdout)
    if done.returncode != 0 or not match:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    requests, duration, p50, p99, _, errors = (int(g) for g in match.groups())
    codes = re.search(r"BENCH_CODES (.*)", done.stdout)
    statuses = Counter()
    for item in codes.group(1).split() if codes else []:
        status, count = item.split(":")
        statuses[int(status)] += int(count)
    return Result(requests, duration / 1e6, p50 / 1e3, p99 / 1e3, statuses, errors)


def _run_wrk_list(port: int, requests: list, seconds: float, concurrency: int,
                  workdir: Path) -> Result:
    listing = workdir / "requests.tsv"
    listing.write_text("".join(f"{path}\t{cookie or ''}\n" for path, cookie in requests))
    threads = min(2, concurrency)
    head = f"LIST_FILE = {str(listing)!r}\nSTRIDE = {threads}\n"
    return _run_wrk(port, requests[0][0], seconds, concurrency, workdir,
                    script_text=head + _WRK_LIST + _WRK_REPORT)


# --- Python processes ----------------------------------------------------------------------

def _connection_loop(port: int, requests: list, start_at: float, seconds: float, offset: int = 0,
                     stride: int = 1):
    """One client process: requests back to back on one keep-alive connection until time is up,
    taking requests[offset], requests[offset + stride], ... in turn."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # on Ctrl-C the parent terminates the pool
    while time.time() < start_at:
        time.sleep(min(0.01, max(0.0, start_at - time.time())))
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    latencies, statuses, errors = [], Counter(), 0
    mine = requests[offset::stride] or requests
    turn = 0
    began = time.perf_counter()
    deadline = began + seconds
    while len(latencies) < MAX_REQUESTS_PER_CONNECTION and errors < MAX_ERRORS_PER_CONNECTION:
        sent = time.perf_counter()
        if sent >= deadline:
            break
        path, cookie = mine[turn % len(mine)]
        turn += 1
        try:
            # reconnects by itself after a "Connection: close"
            conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
            response = conn.getresponse()
            response.read()
        except (OSError, http.client.HTTPException):
            errors += 1
            conn.close()
            time.sleep(0.01)
            continue
        latencies.append(time.perf_counter() - sent)
        if response.status != 200:
            statuses[response.status] += 1
    conn.close()
    return latencies, statuses, errors, time.perf_counter() - began


def _percentile(ordered: list[float], pct: float) -> float:
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(len(ordered) * pct / 100))]


def _run_python(port: int, requests: list, seconds: float, concurrency: int) -> Result:
    context = multiprocessing.get_context("fork")
    start_at = time.time() + 0.5  # every process starts sending at the same moment
    with context.Pool(concurrency) as pool:
        pending = pool.starmap_async(_connection_loop, [
            (port, requests, start_at, seconds, k, concurrency) for k in range(concurrency)])
        parts = pending.get(timeout=seconds + 60)
    latencies = sorted(x for part in parts for x in part[0])
    statuses = sum((part[1] for part in parts), Counter())
    elapsed = max(part[3] for part in parts)
    return Result(len(latencies), elapsed, _percentile(latencies, 50) * 1e3,
                  _percentile(latencies, 99) * 1e3, statuses, sum(part[2] for part in parts))
