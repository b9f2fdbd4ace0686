"""Load generators for `wasteroute bench api`: wrk (C) when available, else a Python one.

Both return the same summary: `{"generator", "requests", "errors", "wall_s", "rps",
"p50_ms", "p90_ms", "p99_ms", "codes"}`.

- `run_wrk`: Debian's wrk (`scripts/install-wrk.sh` fetches it without root). Closed loop
  only: N connections, each sending its next request as soon as it has an answer. A Lua
  `done()` prints the figures from wrk's own histogram (microseconds) as one JSON line, so
  nothing depends on its human-readable units; wrk counts answers >= 400 as status errors
  (it cannot tell a 200 from a 304 without a per-response Lua hook, which costs throughput).
- `run_python`: keep-alive HTTP/1.1 on asyncio streams (uvloop), one process; paces each
  client with `interval_s` (tablets polling) and counts every status code. In a closed loop
  it takes a large share of the cores it shares with the server.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

WRK_MARK = "WRK_RESULT "


def process_tree_cpu_s(pid: int) -> tuple[float, float] | None:
    """(user, system) CPU seconds used so far by a process and its descendants (the
    uvicorn master and its workers); None where /proc is not there."""
    tick = os.sysconf("SC_CLK_TCK")
    user = system = 0.0
    todo = [pid]
    try:
        while todo:
            p = todo.pop()
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            user, system = user + int(fields[11]) / tick, system + int(fields[12]) / tick
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
    except (OSError, ValueError, IndexError):
        return None
    return user, system


def find_wrk(explicit: str | None = None) -> str | None:
    """`explicit`, else `wrk` on PATH, else the copy scripts/install-wrk.sh unpacks."""
    if explicit:
        return explicit if explicit != "none" else None
    on_path = shutil.which("wrk")
    if on_path:
        return on_path
    cache = Path(os.environ.get("WASTEROUTE_CACHE") or Path.home() / ".cache" / "wasteroute")
    unpacked = cache / "wrk" / "bin" / "wrk"
    return str(unpacked) if os.access(unpacked, os.X_OK) else None


def _lua_string(value: str) -> str:
    return json.dumps(value)  # a JSON string literal is a valid Lua string literal here


_LUA_DONE = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '%s{"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,'
    .. '"timeout":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d}\\n',
    MARK, summary.requests, summary.duration, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max))
end
"""

_LUA_STOP_EVENTS = """
local counter, ids = 0, {IDS}
function setup(thread)
  setup_n = (setup_n or 0) + 1
  thread:set("thread_no", setup_n)
end
function init(args)
  math.randomseed(os.time() * 1000 + (thread_no or 0))
  prefix = string.format("%04x%04x", math.random(0, 65535), math.random(0, 65535))
end
function request()
  counter = counter + 1
  local id = string.format("%s-%04x-4%03x-8%03x-%012x", prefix, math.random(0, 65535),
    math.random(0, 4095), math.random(0, 4095), counter)
  local stop = ids[counter % #ids + 1]
  local body = string.format(
    '{"events":[{"event_id":"%s","kind":"emptied","stop_id":%d,"container_id":%d,'
    .. '"occurred_at":"%s","observed_fill_fraction":0.8}]}',
    id, stop[1], stop[2], os.date("!%Y-%m-%dT%H:%M:%SZ"))
  return wrk.format("POST", PATH, nil, body)
end
"""


def wrk_script(method: str, path: str, headers: dict[str, str], stops=None) -> str:
    """The Lua for one scenario: fixed headers; for the stop-event post, a fresh event per
    request (a unique event_id, the route's (stop id, container id) pairs in turn: a driver
    reports only stops of their route)."""
    lines = [f"MARK = {_lua_string(WRK_MARK)}", f"PATH = {_lua_string(path)}"]
    lines.append(f"wrk.method = {_lua_string(method)}")
    lines.append("wrk.path = PATH")
    for name, value in headers.items():
        lines.append(f"wrk.headers[{_lua_string(name)}] = {_lua_string(value)}")
    if stops is not None:
        lines.append('wrk.headers["Content-Type"] = "application/json"')
        pairs = ",".join(f"{{{int(stop)},{int(container)}}}" for stop, container in stops)
        lines.append(_LUA_STOP_EVENTS.replace("{IDS}", "{" + pairs + "}"))
    lines.append(_LUA_DONE)
    return "\n".join(lines)


def run_wrk(
    wrk: str,
    base_url: str,
    script: str,
    *,
    connections: int,
    seconds: float,
    threads: int = 1,
    cpus: set[int] | None = None,
) -> dict:
    """One closed-loop wrk run; its figures (from wrk's histogram, microseconds) in ms."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    try:
        cmd = [
            wrk,
            f"-t{threads}",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "30s",  # a slower answer is still a latency, not a dropped sample
            "-s",
            f.name,
            base_url,
        ]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        out = subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            check=False,
            preexec_fn=(lambda: os.sched_setaffinity(0, cpus)) if cpus else None,
        )
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    finally:
        os.unlink(f.name)
    cpu_s = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    line = next((x for x in out.stdout.splitlines() if x.startswith(WRK_MARK)), None)
    if line is None:
        raise RuntimeError(
            f"wrk gave no result (exit {out.returncode}): {out.stderr or out.stdout}"
        )
    r = json.loads(line.removeprefix(WRK_MARK))
    errors = {k: r[k] for k in ("connect", "read", "write", "timeout", "status") if r[k]}
    wall = r["duration_us"] / 1e6
    return {
        "generator": f"wrk -t{threads} -c{connections}",
        "requests": r["requests"],
        "errors": sum(errors.values()),
        "wall_s": wall,
        "rps": r["requests"] / wall,
        "p50_ms": r["p50_us"] / 1000,
        "p90_ms": r["p90_us"] / 1000,
        "p99_ms": r["p99_us"] / 1000,
        "codes": {"< 400": r["requests"] - r["status"], **errors},
        "generator_cpu_s": cpu_s,
    }


class _Connection:
    """One keep-alive HTTP/1.1 connection on asyncio streams (httpx's pool of 100
    connections in one process cost more CPU per request than the API itself)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, headers: dict, body: bytes | None) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        head = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        head += [f"{k}: {v}" for k, v in headers.items()]
        if body is not None:
            head += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + (body or b""))
        await self.writer.drain()
        raw = await self.reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        fields = {
            k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:] if x)
        }
        if fields.get("transfer-encoding") == "chunked":
            while size := int((await self.reader.readline()).strip() or b"0", 16):
                await self.reader.readexactly(size + 2)
            await self.reader.readline()
        elif status != 304 and status >= 200:
            await self.reader.readexactly(int(fields.get("content-length", "0")))
        if fields.get("connection") == "close":
            self.close()
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def _load(
    url: str,
    make_request: Callable[[int], tuple],
    clients: int,
    total: int,
    seconds: float,
    interval_s: float,
) -> dict:
    host, port = url.removeprefix("http://").split(":")
    latencies: list[float] = []
    errors = 0
    codes: dict[int | str, int] = {}
    sent = 0
    deadline = time.perf_counter() + seconds

    async def worker(n: int) -> None:
        nonlocal errors, sent
        await asyncio.sleep(interval_s * n / clients)  # spread the clients over the interval
        conn = _Connection(host, int(port))
        try:
            while sent < total and time.perf_counter() < deadline:
                sent += 1
                method, path, kwargs = make_request(sent)
                payload = kwargs.get("json")
                body = None if payload is None else json.dumps(payload).encode()
                t0 = time.perf_counter()
                try:
                    code: int | str = await asyncio.wait_for(
                        conn.request(method, path, kwargs.get("headers", {}), body), 30
                    )
                except (OSError, TimeoutError, asyncio.IncompleteReadError) as exc:
                    code = type(exc).__name__  # a timeout counts as an error, not a crash
                    conn.close()
                latencies.append(time.perf_counter() - t0)
                codes[code] = codes.get(code, 0) + 1
                if not isinstance(code, int) or code >= 400:
                    errors += 1
                if interval_s > 0:
                    await asyncio.sleep(max(0.0, interval_s - (time.perf_counter() - t0)))
        finally:
            conn.close()

    began = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(clients)))
    wall = time.perf_counter() - began
    lat = sorted(latencies)
    q = statistics.quantiles(lat, n=100) if len(lat) > 1 else [lat[0]] * 99
    return {
        "generator": "python (asyncio)",
        "requests": len(lat),
        "errors": errors,
        "wall_s": wall,
        "rps": len(lat) / wall,
        "p50_ms": q[49] * 1000,
        "p90_ms": q[89] * 1000,
        "p99_ms": q[98] * 1000,
        "codes": codes,
    }


def run_python(
    base_url: str,
    make_request: Callable[[int], tuple],
    *,
    clients: int,
    total: int,
    seconds: float,
    interval_s: float = 0.0,
) -> dict:
    """The Python generator on uvloop when installed (its own overhead, smaller)."""
    coro = _load(base_url, make_request, clients, total, seconds, interval_s)
    try:
        import uvloop

        return uvloop.run(coro)
    except ImportError:
        return asyncio.run(coro)
