"""`wasteroute bench ingest-faults`: the partitioned ingest under faults, on real services.

A private Mosquitto (config/mosquitto.conf, on a port of its own, so the shared test broker is
never restarted), the real TimescaleDB behind a TCP proxy the bench can cut, and real worker
processes (`wasteroute ingest --workers W --partitions P`). Scenarios:
- `broker-restart`: a QoS 1 stream is running; Mosquitto is stopped (SIGTERM) and started
  again, and right after it is back a burst of readings is published as fast as the broker
  takes them (the case where shared subscriptions lost thousands);
- `sigkill`: a worker process is SIGKILLed mid-stream (the supervisor restarts it);
- `db-outage`: the database is cut off for `--outage-s` mid-stream.
Each run reports readings lost (published and acknowledged by the broker, not stored),
stored twice, the time from the broker or database coming back to the first reading written,
and the longest time any partition went without a write. See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from cli.errors import UserError

SCENARIOS = ("broker-restart", "sigkill", "db-outage")


@dataclass(frozen=True)
class RunResult:
    scenario: str
    workers: int
    published: int
    stored: int
    duplicated: int
    # broker back → first reading published after it written; database back → first write
    flow_s: float  # NaN: not applicable (SIGKILL)
    stall_s: float  # longest time a partition went without a write

    @property
    def lost(self) -> int:
        return self.published - (self.stored - self.duplicated)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "ingest-faults",
        help="partitioned ingest under broker restarts, SIGKILL and a database outage",
    )
    p.add_argument("--scenario", choices=[*SCENARIOS, "all"], default="all")
    p.add_argument("--workers", default="2,4", help="worker counts to try, comma-separated")
    p.add_argument(
        "--partitions",
        type=int,
        default=4,
        help="0: the workers on one shared subscription (what loses readings on Mosquitto 2.0)",
    )
    p.add_argument("--runs", type=int, default=10, help="broker restarts per worker count")
    p.add_argument("--kill-runs", type=int, default=3, help="SIGKILL runs per worker count")
    p.add_argument("--devices", type=int, default=200)
    p.add_argument("--stream", type=int, default=3000, help="readings streamed per run")
    p.add_argument("--rate", type=float, default=1000.0, help="stream readings/s")
    p.add_argument("--burst", type=int, default=20000, help="readings in the post-restart burst")
    p.add_argument("--outage-s", type=float, default=10.0)
    p.add_argument("--outage-runs", type=int, default=2, help="database outages per worker count")
    p.add_argument("--database-url", help="defaults to $DATABASE_URL")
    p.add_argument("--metrics-port", type=int, default=19600)
    p.add_argument("--keep", action="store_true", help="keep the bench tenant's rows")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from cli.bench.fault_services import DatabaseProxy, PrivateMosquitto
    from cli.bench.ingest import _create_devices, _machine
    from ingest import IngestSettings
    from storage import connect, migrate
    from storage.tenants import delete_tenant

    db_url = args.database_url or IngestSettings().database_url  # type: ignore[call-arg]
    if not db_url:
        raise UserError("no database: set DATABASE_URL or pass --database-url")
    try:
        worker_counts = [int(w) for w in args.workers.split(",")]
    except ValueError as exc:
        raise UserError(f"--workers must be numbers separated by commas: {exc}") from exc
    tenant = f"faults-{uuid.uuid4().hex[:8]}"
    with connect(db_url, autocommit=True) as conn:
        migrate(conn)
        devices = _create_devices(conn, tenant, args.devices)
    scenarios = SCENARIOS if args.scenario == "all" else (args.scenario,)
    print(
        f"bench ingest-faults: {', '.join(scenarios)}; workers {worker_counts}; "
        f"{args.partitions} partitions; tenant {tenant}"
    )
    print(f"machine: {_machine()}")
    work = Path(tempfile.mkdtemp(prefix="wasteroute-faults-"))
    broker = PrivateMosquitto(work / "mosquitto")
    broker.start()
    proxy = DatabaseProxy(db_url)
    results: list[RunResult] = []
    try:
        for workers in worker_counts:
            bench = FaultBench(args, db_url, proxy, broker, tenant, devices, workers, work)
            try:
                results += bench.run_scenarios(scenarios)
            finally:
                bench.close()
    finally:
        proxy.close()
        broker.stop()
        if not args.keep:
            with connect(db_url, autocommit=True) as conn:
                delete_tenant(conn, tenant)
    _summary(results)
    print(f"machine after: {_machine()}; logs in {work}")
    return 0 if all(r.lost == 0 and r.duplicated == 0 for r in results) else 1


class FaultBench:
    """One worker count: an ingest started once, then the scenarios' runs one after another."""

    def __init__(self, args, db_url, proxy, broker, tenant, devices, workers, work) -> None:
        from cli.bench.fault_cluster import Ingest
        from ingest.partitions import partition_of

        self.args, self.db_url, self.proxy, self.broker = args, db_url, proxy, broker
        self.tenant, self.workers = tenant, workers
        half = len(devices) // 2  # the stream and the burst on different devices: no key clash
        self.stream_devices, self.burst_devices = devices[:half], devices[half:]
        self.groups = {d: partition_of(d, max(1, args.partitions)) for d in devices}
        self.ingest = Ingest(
            workers,
            args.partitions,
            proxy.url,
            broker.url,
            tenant,
            args.metrics_port + 10 * workers,
            work / f"ingest-w{workers}.log",
        )
        self.ingest.wait_ready()

    def close(self) -> None:
        code = self.ingest.stop()
        print(f"  ingest with {self.workers} workers stopped with exit code {code}")

    def run_scenarios(self, scenarios) -> list[RunResult]:
        out: list[RunResult] = []
        plan = {
            "broker-restart": (self.broker_restart, self.args.runs),
            "sigkill": (self.sigkill, self.args.kill_runs),
            "db-outage": (self.db_outage, self.args.outage_runs),
        }
        for name in scenarios:
            method, runs = plan[name]
            for i in range(runs):
                self.ingest.wait_ready()
                result = method()
                out.append(result)
                print(
                    f"  {name:14s} W={self.workers} run {i + 1:2d}: published "
                    f"{result.published:6,} lost {result.lost:4,} stored twice "
                    f"{result.duplicated} flow {result.flow_s:5.2f} s "
                    f"longest stall {result.stall_s:5.2f} s",
                    flush=True,
                )
        return out

    def _result(
        self, name, since, published, back_at: float | None = None, published_after=False
    ) -> RunResult:
        """Wait for the run's rows, then measure (the flow time only once all are written)."""
        from cli.bench.fault_cluster import first_commit_after, longest_stall, wait_stored

        stored = wait_stored(self.db_url, self.tenant, since, published)
        stall = longest_stall(self.db_url, self.tenant, since, self.groups)
        flow_s = float("nan")
        if back_at is not None:
            flow_s = first_commit_after(self.db_url, self.tenant, back_at, published_after)
        return RunResult(
            name, self.workers, published, stored.rows, stored.rows - stored.distinct, flow_s, stall
        )

    def broker_restart(self) -> RunResult:
        from cli.bench.fault_cluster import StreamPublisher
        from cli.bench.ingest_publish import publish_main

        since = time.time()
        pub = StreamPublisher(self.broker.url, self.tenant, self.stream_devices)
        streaming = pub.stream(self.args.stream, self.args.rate)
        time.sleep(self.args.stream / self.args.rate / 2)
        back_at = self.broker.restart()
        counter, go = multiprocessing.Value("q", 0), threading.Event()
        go.set()
        burst = threading.Thread(
            target=publish_main,
            args=(self.broker.url, self.tenant, self.burst_devices, self.args.burst, counter, go),
            daemon=True,
        )
        burst.start()
        streaming.join()
        burst.join(300)
        pub.wait_acked()
        pub.close()
        published = pub.acked + self.args.burst
        return self._result("broker-restart", since, published, back_at, published_after=True)

    def sigkill(self) -> RunResult:
        import os
        import signal

        from cli.bench.fault_cluster import StreamPublisher

        since = time.time()
        pub = StreamPublisher(self.broker.url, self.tenant, self.stream_devices)
        n = int(self.args.rate * 6)
        streaming = pub.stream(n, self.args.rate)
        time.sleep(2)
        os.kill(self.ingest.worker_pids()[0], signal.SIGKILL)
        streaming.join()
        pub.wait_acked()
        pub.close()
        return self._result("sigkill", since, pub.acked)

    def db_outage(self) -> RunResult:
        from cli.bench.fault_cluster import StreamPublisher

        since = time.time()
        pub = StreamPublisher(self.broker.url, self.tenant, self.stream_devices)
        n = int(self.args.rate * (self.args.outage_s + 6))
        streaming = pub.stream(n, self.args.rate)
        time.sleep(2)
        self.proxy.cut()
        time.sleep(self.args.outage_s)
        back_at = time.time()
        self.proxy.restore()
        streaming.join()
        pub.wait_acked()
        pub.close()
        return self._result("db-outage", since, pub.acked, back_at)


def _summary(results: list[RunResult]) -> None:
    print("summary:")
    keys = sorted({(r.scenario, r.workers) for r in results}, key=lambda k: (k[0], k[1]))
    for scenario, workers in keys:
        rs = [r for r in results if (r.scenario, r.workers) == (scenario, workers)]
        flows = [r.flow_s for r in rs if r.flow_s == r.flow_s]
        flow = (
            f"flow again after {min(flows):.2f}-{max(flows):.2f} s "
            f"(median {statistics.median(flows):.2f})"
            if flows
            else "flow: n/a"
        )
        print(
            f"  {scenario:14s} W={workers}: {len(rs)} runs, published "
            f"{sum(r.published for r in rs):,}, lost {[r.lost for r in rs]}, stored twice "
            f"{sum(r.duplicated for r in rs)}, {flow}, longest partition stall "
            f"{max(r.stall_s for r in rs):.2f} s"
        )
