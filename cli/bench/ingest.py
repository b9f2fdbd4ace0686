"""`wasteroute bench ingest`: end-to-end ingest throughput on the real broker and database.

Publishes N QoS 1 readings from separate processes to the broker, runs W ingest worker
processes on P partitions (`--partitions`, default 4; 0: one shared subscription), and
reports readings/s, publish-to-write latency percentiles, lost readings and redeliveries.
See docs/benchmarks.md, section Ingest.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import re
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from cli.errors import UserError

ROOT = Path(__file__).resolve().parents[2]


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("ingest", help="MQTT → TimescaleDB ingest throughput and latency")
    p.add_argument("--readings", type=int, default=100_000, help="readings to publish (N)")
    p.add_argument("--workers", type=int, default=2, help="ingest worker processes (W)")
    p.add_argument("--publishers", type=int, default=1, help="publishing processes")
    p.add_argument("--devices", type=int, default=1000, help="devices (and containers)")
    p.add_argument(
        "--rate",
        type=float,
        default=0.0,
        help="publish at most this many readings/s in total (default: as fast as "
        "the broker takes them); use it to measure latency below saturation",
    )
    p.add_argument("--batch-size", type=int, default=2000)
    p.add_argument(
        "--partitions",
        type=int,
        default=4,
        help="partitions of the ingest (0: all workers on one shared subscription)",
    )
    p.add_argument("--metrics-port", type=int, default=19400, help="first worker's /metrics port")
    p.add_argument("--database-url", help="defaults to $DATABASE_URL")
    p.add_argument("--mqtt-url", help="defaults to $MQTT_URL")
    p.add_argument("--keep", action="store_true", help="keep the bench tenant's rows")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ingest import IngestSettings
    from storage import connect, migrate

    settings = IngestSettings()  # type: ignore[call-arg]  # from the environment
    db_url = args.database_url or settings.database_url
    mqtt_url = args.mqtt_url or settings.mqtt_url or "mqtt://127.0.0.1:1883"
    if not db_url:
        raise UserError("no database: set DATABASE_URL or pass --database-url")
    tenant = f"bench-{uuid.uuid4().hex[:8]}"
    with connect(db_url, autocommit=True) as conn:
        migrate(conn)
        devices = _create_devices(conn, tenant, args.devices)
    print(
        f"bench ingest: {args.readings:,} readings, {args.workers} workers, {args.partitions} "
        f"partitions, {args.publishers} publishers, {args.devices} devices, "
        f"rate {args.rate or 'unlimited'}; tenant {tenant}"
    )
    print(f"machine: {_machine()}")
    workers = _start_workers(args, db_url, mqtt_url, tenant)
    try:
        _wait_connected(args)
        t0 = time.time()
        publishers, published = _start_publishers(args, mqtt_url, tenant, devices)
        stored = _follow(db_url, tenant, args.readings, published, t0)
        for p in publishers:
            p.join(10)
        redelivered = sum(
            _metric(args.metrics_port + i, "ingest_readings_duplicate_total")
            for i in range(args.workers)
        )
    finally:
        workers.send_signal(signal.SIGTERM)
        workers.wait(60)
    _report(db_url, tenant, args.readings, stored, redelivered)
    if not args.keep:
        from storage.tenants import delete_tenant

        with connect(db_url, autocommit=True) as conn:
            delete_tenant(conn, tenant)
    return 0


def _create_devices(conn, tenant: str, n: int) -> list[str]:
    conn.execute("INSERT INTO tenants (id, name) VALUES (%s, 'ingest benchmark')", (tenant,))
    with conn.cursor() as cur:
        with cur.copy(
            "COPY containers (tenant_id, external_id, lat, lon, fraction, volume_l, depth_mm)"
            " FROM STDIN"
        ) as copy:
            for i in range(n):
                copy.write_row((tenant, f"c{i}", 51.9, 4.4, "residual", 1100, 1200))
        cur.execute(
            "INSERT INTO devices (tenant_id, device_id, container_id) "
            "SELECT tenant_id, %s || external_id, id FROM containers WHERE tenant_id = %s",
            (f"{tenant}-", tenant),
        )
    return [f"{tenant}-c{i}" for i in range(n)]


def _start_workers(args, db_url: str, mqtt_url: str, tenant: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "MQTT_URL": mqtt_url,
        "INGEST_SESSION_EXPIRY_S": "300",
        "PYTHONPATH": str(ROOT),
    }
    cmd = [
        sys.executable,
        "-m",
        "cli.main",
        "ingest",
        "--workers",
        str(args.workers),
        "--client-id",
        tenant,
        "--share-group",
        tenant,
        "--partitions",
        str(args.partitions),
        "--metrics-port",
        str(args.metrics_port),
        "--batch-size",
        str(args.batch_size),
        "--topic",
        f"wasteroute/v1/{tenant}/devices/+/up",
    ]
    return subprocess.Popen(cmd, cwd=ROOT, env=env)


def _wait_connected(args) -> None:
    """Every worker subscribed; partitioned: every partition held and subscribed, spread."""
    deadline = time.monotonic() + 60
    ports = [args.metrics_port + i for i in range(args.workers)]
    while time.monotonic() < deadline:
        if args.partitions:
            counts = [_metric(port, "ingest_partitions_subscribed") for port in ports]
            spread = min(args.workers, args.partitions)
            if sum(c for c in counts if c == c) == args.partitions and (
                sum(1 for c in counts if c >= 1) == spread
            ):
                return
        elif all(_metric(port, "ingest_connected") == 1 for port in ports):
            return
        time.sleep(0.2)
    raise UserError("the ingest workers did not subscribe within 60 s (is the broker up?)")


def _start_publishers(args, mqtt_url: str, tenant: str, devices: list[str]):
    from cli.bench.ingest_publish import publish_main

    ctx = multiprocessing.get_context("spawn")
    published = ctx.Value("q", 0)
    go = ctx.Event()
    procs = []
    for p in range(args.publishers):
        share = args.readings // args.publishers + (1 if p < args.readings % args.publishers else 0)
        proc = ctx.Process(
            target=publish_main,
            args=(
                mqtt_url,
                tenant,
                devices[p :: args.publishers],
                share,
                published,
                go,
                args.rate / args.publishers,
            ),
            daemon=True,
        )
        proc.start()
        procs.append(proc)
    time.sleep(1.0)  # let publishers connect before the clock matters
    go.set()
    return procs, published


def _follow(db_url: str, tenant: str, n: int, published, t0: float) -> int:
    from storage import connect
    from storage.readings import count_readings

    last, last_change = -1, time.monotonic()
    with connect(db_url, autocommit=True) as conn:
        while True:
            time.sleep(2)
            stored = count_readings(conn, tenant)
            print(
                f"  {time.time() - t0:6.1f} s  published {published.value:>10,}"
                f"  stored {stored:>10,}",
                flush=True,
            )
            if stored != last:
                last, last_change = stored, time.monotonic()
            if stored >= n or time.monotonic() - last_change > 30:
                return stored


def _report(db_url: str, tenant: str, n: int, stored: int, redelivered: float) -> None:
    from storage import connect

    with connect(db_url, autocommit=True) as conn:
        row: Any = conn.execute(
            "SELECT count(*) AS rows, count(DISTINCT (device_id, measured_at)) AS distinct_rows,"
            " extract(epoch FROM max(received_at) - min(measured_at)) AS span_s,"
            " percentile_cont(ARRAY[0.5, 0.99]) WITHIN GROUP"
            "   (ORDER BY extract(epoch FROM received_at - measured_at)) AS lat"
            " FROM readings WHERE tenant_id = %s",
            (tenant,),
        ).fetchone()
    span = float(row["span_s"] or 0) or float("nan")
    p50, p99 = row["lat"] or (float("nan"), float("nan"))
    print(
        f"result: {row['rows']:,} of {n:,} readings stored in {span:.1f} s = "
        f"{row['rows'] / span:,.0f} readings/s end to end"
    )
    print(f"latency publish → write: p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms")
    print(
        f"lost {n - row['rows']:,}, duplicate rows {row['rows'] - row['distinct_rows']:,}, "
        f"redeliveries absorbed {int(redelivered):,}"
    )


def _metric(port: int, name: str) -> float:
    try:
        text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2).read().decode()
    except OSError:
        return float("nan")
    match = re.search(rf"^{name} (\S+)$", text, re.M)
    return float(match[1]) if match else float("nan")


def _machine() -> str:
    cpu = "unknown CPU"
    try:
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in open("/proc/cpuinfo")
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        pass
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{os.cpu_count()} CPUs ({cpu}), {platform.python_implementation()} "
        f"{platform.python_version()}, load {load}"
    )
