"""`wasteroute bench api`: route fetch and stop-event posts under concurrent clients.

Starts the API (`wasteroute api`: uvicorn with uvloop/httptools when installed, `--workers`
processes, default one per core, 127.0.0.1 only) on the database at DATABASE_URL, seeds
a fresh tenant with a published plan whose route has `--stops` stops, logs in a driver, then
runs `--clients` concurrent HTTP clients per scenario and prints a table: requests/s,
p50/p90/p99 latency, the answers, the load generator used and the machine's load average.

The closed loop (the default: each client sends its next request as soon as it has an
answer) uses wrk when it is available (`scripts/install-wrk.sh`), for `--seconds` per
scenario; otherwise, and for paced clients (`--interval-s`, tablets polling), the Python
generator in cli.bench.api_load. Nothing leaves the loopback interface; the generator runs on
the same machine as the API (`--server-cpus`/`--generator-cpus` pin them to separate cores).
The tenant is deleted afterwards unless --keep.
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import subprocess
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta

from cli.bench import api_load
from cli.errors import UserError


def _cpus(text: str) -> set[int]:
    """`0`, `0,1` or `0-1` (as taskset -c) → a set of core numbers."""
    cpus: set[int] = set()
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        cpus.update(range(int(lo), int(hi or lo) + 1))
    return cpus


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("api", help="API: route fetch and stop-event post under load")
    p.add_argument("--database-url", help="defaults to $DATABASE_URL")
    p.add_argument("--clients", type=int, default=100, help="concurrent clients (default 100)")
    p.add_argument(
        "--seconds",
        type=float,
        default=15.0,
        help="duration per scenario (default 15; wrk runs this long, the Python generator "
        "stops at --requests or --seconds, whichever comes first)",
    )
    p.add_argument(
        "--requests",
        type=int,
        default=100_000,
        help="Python generator only: requests per scenario (default 100000)",
    )
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
        "a closed loop measuring throughput; e.g. 2: 100 tablets polling; paced clients "
        "always use the Python generator)",
    )
    p.add_argument(
        "--generator",
        choices=["auto", "wrk", "python"],
        default="auto",
        help="load generator for the closed loop (auto: wrk when found, else python)",
    )
    p.add_argument("--wrk", help="path to wrk (default: on PATH or from scripts/install-wrk.sh)")
    p.add_argument("--generator-threads", type=int, default=1, help="wrk threads (-t, default 1)")
    p.add_argument("--server-cpus", type=_cpus, help="pin the API to these cores, e.g. 0 or 0-1")
    p.add_argument("--generator-cpus", type=_cpus, help="pin the load generator, e.g. 1")
    p.add_argument("--keep", action="store_true", help="keep the bench tenant and its rows")
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
            " SELECT %s, 'B-' || g, 51.90 + (g %% 20) * 0.002, 4.37 + (g / 20) * 0.002,"
            " 'residual', 1100,"
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
    stop_of = {
        r["container_id"]: r["id"]
        for r in conn.execute(
            "SELECT id, container_id FROM plan_stops WHERE plan_id = %s AND kind = 'container'",
            (stored.id,),
        )
    }
    return {
        "plan_id": stored.id,
        "vehicle_id": vehicle.id,
        "container_ids": ids,
        "stop_ids": [stop_of[cid] for cid in ids],
        "site_id": site.id,
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _seed(url: str, n_stops: int, plan_date: date) -> tuple[str, dict, str]:
    """A fresh tenant with a published route and a driver: (tenant id, seeded ids, password)."""
    from api.security import hash_password
    from storage import connect, migrate
    from storage import users as users_store

    tenant_id = f"bench-{uuid.uuid4().hex[:8]}"
    password = secrets.token_urlsafe(16)
    with connect(url, autocommit=True) as conn:
        migrate(conn)
        conn.execute("INSERT INTO tenants (id, name) VALUES (%s, 'API benchmark')", (tenant_id,))
        seeded = seed_route(conn, tenant_id, n_stops, plan_date)
        users_store.create_user(
            conn,
            tenant_id=tenant_id,
            username=f"{tenant_id}-driver",
            password_hash=hash_password(password),
            role="driver",
            vehicle_id=seeded["vehicle_id"],
        )
    return tenant_id, seeded, password


def _start_server(args: argparse.Namespace, url: str, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "API_JWT_SECRET": os.environ.get("API_JWT_SECRET") or secrets.token_urlsafe(48),
        # every worker opens its whole pool (10) at start: growing it one connection at a
        # time under load stalls a burst of requests for seconds on a busy machine
        "API_POOL_MIN_SIZE": os.environ.get("API_POOL_MIN_SIZE", "10"),
        "API_POOL_MAX_SIZE": os.environ.get("API_POOL_MAX_SIZE", "10"),
    }
    cmd = [sys.executable, "-m", "cli.main", "api", "--host", "127.0.0.1", "--port", str(port)]
    cmd += ["--workers", str(args.workers), "--log-level", "warning"]
    cpus = args.server_cpus
    return subprocess.Popen(
        cmd, env=env, preexec_fn=(lambda: os.sched_setaffinity(0, cpus)) if cpus else None
    )


def _wait_ready(base: str) -> None:
    import httpx

    for _ in range(150):
        try:
            if httpx.get(f"{base}/ready", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise UserError("the API did not become ready within 30 s")


def _stop_event(stop: tuple[int, int]) -> dict:
    """One emptied event at (stop id, container id) of the driver's route."""
    event = {
        "event_id": str(uuid.uuid4()),
        "kind": "emptied",
        "stop_id": stop[0],
        "container_id": stop[1],
        "occurred_at": datetime.now(UTC).isoformat(),
        "observed_fill_fraction": 0.8,
    }
    return {"events": [event]}


def _measure(args, wrk: str | None, base: str, method: str, path: str, headers: dict, ids=None):
    """One scenario with the chosen generator, after a short warm-up."""

    def make(i: int) -> tuple:
        if ids is None:
            return method, path, {"headers": headers}
        return method, path, {"headers": headers, "json": _stop_event(ids[i % len(ids)])}

    # the warm-up's status codes show what wrk's answers were (it only counts those >= 400)
    warm = api_load.run_python(base, make, clients=min(args.clients, 10), total=50, seconds=10)
    if wrk is not None and args.interval_s <= 0:
        script = api_load.wrk_script(method, path, headers, ids)
        res = api_load.run_wrk(
            wrk,
            base,
            script,
            connections=args.clients,
            seconds=args.seconds,
            threads=args.generator_threads,
            cpus=args.generator_cpus,
        )
        res["codes"] = {**res["codes"], "warm-up": warm["codes"]}
        return res
    own = os.sched_getaffinity(0)
    if args.generator_cpus:
        os.sched_setaffinity(0, args.generator_cpus)
    try:
        return api_load.run_python(
            base,
            make,
            clients=args.clients,
            total=args.requests,
            seconds=args.seconds,
            interval_s=args.interval_s,
        )
    finally:
        os.sched_setaffinity(0, own)


def _choose_wrk(args) -> str | None:
    if args.generator == "python":
        return None
    wrk = api_load.find_wrk(args.wrk)
    if wrk is None and args.generator == "wrk":
        raise UserError("wrk not found: run scripts/install-wrk.sh or pass --wrk PATH")
    return wrk


def run(args: argparse.Namespace) -> int:
    import httpx

    from cli.commands.db import database_url_from

    url = database_url_from(args)
    wrk = _choose_wrk(args)
    plan_date = date.today()
    tenant_id, seeded, password = _seed(url, args.stops, plan_date)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = _start_server(args, url, port)
    try:
        _wait_ready(base)
        token = httpx.post(
            f"{base}/v1/auth/token", data={"username": f"{tenant_id}-driver", "password": password}
        ).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        route_path = f"/v1/routes?date={plan_date}"
        first = httpx.get(base + route_path, headers={**auth, "Accept-Encoding": "identity"})
        n_stops = sum(len(r["stops"]) for r in first.json()["routes"])
        closed = args.interval_s <= 0
        generator = (
            f"wrk ({wrk}), -t{args.generator_threads} -c{args.clients}"
            if wrk and closed
            else "python (asyncio, uvloop)"
            + (
                "; wrk not found: scripts/install-wrk.sh fetches it"
                if closed and args.generator == "auto"
                else ""
            )
        )
        pins = f", API on cores {sorted(args.server_cpus)}" if args.server_cpus else ""
        pins += f", generator on cores {sorted(args.generator_cpus)}" if args.generator_cpus else ""
        print(
            f"API bench: tenant {tenant_id}, route of {n_stops} stops ({len(first.content)} bytes "
            f"JSON), {args.clients} clients "
            + ("back to back (closed loop)" if closed else f"each every {args.interval_s} s")
            + f", {args.seconds:.0f} s per scenario, {args.workers} worker(s) on "
            f"{os.cpu_count()} cores{pins}\nload generator: {generator}"
        )
        scenarios = [
            (f"route fetch (JSON, {args.stops} stops)", "GET", route_path, auth, None),
            (
                "route fetch, gzip (Accept-Encoding)",
                "GET",
                route_path,
                {**auth, "Accept-Encoding": "gzip"},
                None,
            ),
            (
                "route fetch, If-None-Match (304)",
                "GET",
                route_path,
                {**auth, "If-None-Match": first.headers["ETag"]},
                None,
            ),
            (
                "stop-event post (1 emptied)",
                "POST",
                "/v1/stop-events",
                auth,
                list(zip(seeded["stop_ids"], seeded["container_ids"], strict=True)),
            ),
        ]
        print(
            f"  {'scenario':34s} {'requests':>9s} {'req/s':>7s} {'p50':>9s} {'p90':>9s} "
            f"{'p99':>9s}  answers; load average"
        )
        for name, method, path, headers, ids in scenarios:
            cpu_before = api_load.process_tree_cpu_s(server.pid)
            res = _measure(args, wrk, base, method, path, headers, ids)
            cpu_after = api_load.process_tree_cpu_s(server.pid)
            load = " ".join(f"{x:.2f}" for x in os.getloadavg())
            cpu = ""
            if cpu_before and cpu_after and res["requests"]:
                user, system = (
                    1e6 * (b - a) / res["requests"]
                    for a, b in zip(cpu_before, cpu_after, strict=True)
                )
                cpu = f"; API CPU {user:.0f} us user + {system:.0f} us system per request"
            if res.get("generator_cpu_s") and res["requests"]:
                cpu += f", wrk {1e6 * res['generator_cpu_s'] / res['requests']:.0f} us"
            print(
                f"  {name:34s} {res['requests']:9d} {res['rps']:7.0f} {res['p50_ms']:6.1f} ms "
                f"{res['p90_ms']:6.1f} ms {res['p99_ms']:6.1f} ms  {res['codes']}; "
                f"load {load}{cpu}",
                flush=True,
            )
    finally:
        server.terminate()
        server.wait(timeout=20)
        if not args.keep:
            from storage import connect
            from storage.tenants import delete_tenant

            with connect(url, autocommit=True) as conn:
                delete_tenant(conn, tenant_id)
    return 0
