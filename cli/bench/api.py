"""`wasteroute bench api`: route fetch and stop-event posts under concurrent clients.

Starts the API (`wasteroute api`: uvicorn with uvloop/httptools when installed, `--workers`
processes, default one per core, 127.0.0.1 only) on the database at DATABASE_URL, seeds
a fresh tenant with a published plan whose route has `--stops` stops, logs in a driver, then
runs `--clients` concurrent HTTP clients for `--requests` requests (or `--seconds`, whichever
comes first) per scenario and prints requests/s, p50/p90/p99 latency and the machine's load
average. Nothing leaves the loopback interface; the load generator (one Python process) runs
on the same cores as the API. The numbers are noisy on a shared 2-core machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import socket
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta

from cli.errors import UserError


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("api", help="API: route fetch and stop-event post under load")
    p.add_argument("--database-url", help="defaults to $DATABASE_URL")
    p.add_argument("--clients", type=int, default=100, help="concurrent clients (default 100)")
    p.add_argument(
        "--requests", type=int, default=3000, help="requests per scenario (default 3000)"
    )
    p.add_argument("--seconds", type=float, default=60.0, help="time cap per scenario (default 60)")
    p.add_argument("--stops", type=int, default=300, help="stops on the route (default 300)")
    p.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="uvicorn worker processes (default: one per core)",
    )
    p.add_argument(
        "--interval-s",
        type=float,
        default=0.0,
        help="each client waits this long between its requests (0: back to back, "
        "a closed loop measuring throughput; e.g. 2: 100 tablets polling)",
    )
    p.set_defaults(func=run)


def seed_route(conn, tenant_id: str, n_stops: int, plan_date: date) -> dict:
    """A depot, vehicle, disposal site, `n_stops` containers and a published one-route plan."""
    from domain import DisposalSite, Fraction, GeoPoint, Vehicle
    from storage import fleet
    from storage import plans as plans_store

    depot = fleet.add_depot(conn, tenant_id, "bench depot", GeoPoint(51.92, 4.39))
    vehicle = fleet.add_vehicle(
        conn,
        tenant_id,
        Vehicle(
            id=0,
            tenant_id=tenant_id,
            name="bench truck",
            depot_id=depot.id,
            capacity_l=1e6,
            capacity_kg=1e6,
        ),
    )
    site = fleet.add_disposal_site(
        conn,
        tenant_id,
        DisposalSite(
            id=0,
            tenant_id=tenant_id,
            name="bench site",
            location=GeoPoint(51.91, 4.24),
            fractions=tuple(Fraction),
        ),
    )
    ids = [
        r["id"]
        for r in conn.execute(
            "INSERT INTO containers (tenant_id, external_id, lat, lon, fraction, volume_l, address)"
            " SELECT %s, 'B-' || g, 51.90 + (g %% 20) * 0.002, 4.37 + (g / 20) * 0.002, 'residual', 1100,"
            " 'Benchstraat ' || g FROM generate_series(1, %s) g RETURNING id",
            (tenant_id, n_stops),
        )
    ]
    start = datetime.combine(plan_date, datetime.min.time(), UTC) + timedelta(hours=6)
    stops, load = [], 0.0
    for seq, cid in enumerate(ids, start=1):
        eta = start + timedelta(minutes=seq)
        load += 100.0
        stops.append(
            plans_store.StopRecord(
                route_no=0,
                seq=seq,
                kind="container",
                eta=eta,
                start_at=eta,
                departure_at=eta + timedelta(seconds=50),
                load_l=load,
                load_kg=load * 0.12,
                container_id=cid,
            )
        )
    end = start + timedelta(minutes=len(ids) + 30)
    stops.append(
        plans_store.StopRecord(
            route_no=0,
            seq=len(ids) + 1,
            kind="disposal",
            eta=end,
            start_at=end,
            departure_at=end + timedelta(minutes=15),
            load_l=0,
            load_kg=0,
            disposal_site_id=site.id,
        )
    )
    route = plans_store.RouteRecord(
        route_no=0,
        vehicle_id=vehicle.id,
        start_at=start,
        end_at=end + timedelta(minutes=40),
        distance_m=42_000,
        duration_s=int((end - start).total_seconds()) + 2400,
        n_containers=len(ids),
        n_unloads=1,
    )
    header = plans_store.PlanHeader(
        plan_date=plan_date,
        fraction="residual",
        forecast_at=start,
        containers_seen=len(ids),
        n_must=len(ids),
        n_optional=0,
        n_skipped=0,
        n_served=len(ids),
        vehicles_used=1,
        distance_m=42_000,
        duration_s=route.duration_s,
        objective=42_000,
        solver_status="seeded",
        solve_time_s=0.0,
        trigger="bench",
    )
    stored = plans_store.store_plan(conn, tenant_id, header, [route], stops, [])
    plans_store.publish_plan(conn, tenant_id, stored.id)
    return {
        "plan_id": stored.id,
        "vehicle_id": vehicle.id,
        "container_ids": ids,
        "site_id": site.id,
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Connection:
    """One keep-alive HTTP/1.1 connection on asyncio streams: a load generator light enough
    that 100 of them in one process measure the server, not the client (httpx's pool of 100
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
    url: str, make_request, clients: int, total: int, seconds: float, interval_s: float = 0.0
) -> dict:
    import json

    host, port = url.removeprefix("http://").split(":")
    latencies: list[float] = []
    errors = 0
    codes: dict[int | str, int] = {}
    sent = 0
    deadline = time.perf_counter() + seconds

    async def worker(n: int) -> None:
        nonlocal errors, sent
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

    async def staggered(n: int) -> None:
        await asyncio.sleep(interval_s * n / clients)  # spread the clients over the interval
        await worker(n)

    began = time.perf_counter()
    await asyncio.gather(*(staggered(i) for i in range(clients)))
    wall = time.perf_counter() - began
    lat = sorted(latencies)
    q = statistics.quantiles(lat, n=100) if len(lat) > 1 else [lat[0]] * 99
    return {
        "requests": len(lat),
        "errors": errors,
        "wall_s": wall,
        "rps": len(lat) / wall,
        "p50_ms": q[49] * 1000,
        "p90_ms": q[89] * 1000,
        "p99_ms": q[98] * 1000,
        "codes": codes,
    }


def _run(coro):
    """asyncio.run on uvloop when installed (the generator's own overhead, smaller)."""
    try:
        import uvloop

        return uvloop.run(coro)
    except ImportError:
        return asyncio.run(coro)


def run(args: argparse.Namespace) -> int:
    import httpx

    from cli.commands.db import database_url_from
    from storage import connect, migrate
    from storage import users as users_store

    url = database_url_from(args)
    tenant_id = f"bench-{uuid.uuid4().hex[:8]}"
    plan_date = date.today()
    password = secrets.token_urlsafe(16)
    with connect(url, autocommit=True) as conn:
        migrate(conn)
        conn.execute("INSERT INTO tenants (id, name) VALUES (%s, 'API benchmark')", (tenant_id,))
        seeded = seed_route(conn, tenant_id, args.stops, plan_date)
        from api.security import hash_password

        users_store.create_user(
            conn,
            tenant_id=tenant_id,
            username=f"{tenant_id}-driver",
            password_hash=hash_password(password),
            role="driver",
            vehicle_id=seeded["vehicle_id"],
        )
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "API_JWT_SECRET": os.environ.get("API_JWT_SECRET") or secrets.token_urlsafe(48),
        # every worker opens its whole pool (10) at start: growing it one connection at a
        # time under load stalls a burst of requests for seconds on a busy machine
        "API_POOL_MIN_SIZE": os.environ.get("API_POOL_MIN_SIZE", "10"),
        "API_POOL_MAX_SIZE": os.environ.get("API_POOL_MAX_SIZE", "10"),
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cli.main",
            "api",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(args.workers),
            "--log-level",
            "warning",
        ],
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                if httpx.get(f"{base}/ready", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        else:
            raise UserError("the API did not become ready within 30 s")
        token = httpx.post(
            f"{base}/v1/auth/token", data={"username": f"{tenant_id}-driver", "password": password}
        ).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        route_path = f"/v1/routes?date={plan_date}"
        first = httpx.get(base + route_path, headers=auth)
        n_stops = sum(len(r["stops"]) for r in first.json()["routes"])
        print(
            f"API bench: tenant {tenant_id}, route of {n_stops} stops ({len(first.content)} bytes JSON), "
            f"{args.clients} clients, up to {args.requests} requests or {args.seconds:.0f} s per scenario, "
            f"{args.workers} worker(s), interval {args.interval_s} s per client"
        )
        ids = seeded["container_ids"]
        scenarios = {
            "route fetch (JSON, 300 stops)": lambda i: ("GET", route_path, {"headers": auth}),
            "route fetch, If-None-Match (304)": lambda i: (
                "GET",
                route_path,
                {"headers": {**auth, "If-None-Match": first.headers["ETag"]}},
            ),
            "stop-event post (1 emptied event)": lambda i: (
                "POST",
                "/v1/stop-events",
                {
                    "headers": auth,
                    "json": {
                        "events": [
                            {
                                "event_id": str(uuid.uuid4()),
                                "kind": "emptied",
                                "container_id": ids[i % len(ids)],
                                "occurred_at": datetime.now(UTC).isoformat(),
                                "observed_fill_fraction": 0.8,
                            }
                        ]
                    },
                },
            ),
        }
        for name, make in scenarios.items():
            _run(_load(base, make, min(args.clients, 10), 50, 10))  # warm-up
            res = _run(
                _load(base, make, args.clients, args.requests, args.seconds, args.interval_s)
            )
            load = " ".join(f"{x:.1f}" for x in os.getloadavg())
            print(
                f"  {name:36s} {res['requests']:6d} req  {res['rps']:7.0f} req/s  "
                f"p50 {res['p50_ms']:6.1f} ms  p90 {res['p90_ms']:6.1f} ms  p99 {res['p99_ms']:6.1f} ms  "
                f"status {res['codes']}  load {load}"
            )
    finally:
        server.terminate()
        server.wait(timeout=20)
    return 0
