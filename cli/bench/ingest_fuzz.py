"""`wasteroute bench ingest-fuzz`: N hostile messages through the real batch writer.

Generates N messages in the three formats (cli.bench.ingest_fuzz_messages: valid skeletons
with mutated fields, random types, huge and deep values, random bytes; every 50th a repeat of
a recent one, as a redelivery), queues them for a real
`BatchWriter` thread (batches as the ingest makes them: decode → validate → write on a real
database connection, no broker), and checks that no exception escaped, the writer is alive at
the end, and every message is accounted for: stored + duplicate + status + rejected = N, with
stored and rejected checked against the rows in the database. See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field

from cli.errors import UserError


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "ingest-fuzz", help="hostile messages through the real ingest writer: none may stop it"
    )
    p.add_argument("--messages", type=int, default=100_000, help="messages to generate (N)")
    p.add_argument("--seed", type=int, default=1, help="generator seed (same seed, same messages)")
    p.add_argument("--batch-size", type=int, default=2000)
    p.add_argument("--devices", type=int, default=20, help="devices per tenant (two tenants)")
    p.add_argument(
        "--redeliver-every", type=int, default=50, help="every k-th message repeats a recent one"
    )
    p.add_argument("--database-url", help="defaults to $DATABASE_URL")
    p.add_argument("--keep", action="store_true", help="keep the bench tenants and rejections")
    p.set_defaults(func=run)


@dataclass(slots=True)
class FuzzReport:
    """What N fuzzed messages became, from the writer's metrics and from the database."""

    messages: int
    seconds: float
    stored: int
    duplicates: int
    statuses: int
    rejected: Counter = field(default_factory=Counter)
    stored_in_db: int = 0
    rejected_in_db: int = 0
    batches: int = 0
    fallback_batches: int = 0  # batches written one message at a time
    writer_deaths: int = 0
    writer_error: str | None = None

    @property
    def accounted(self) -> int:
        return self.stored + self.duplicates + self.statuses + sum(self.rejected.values())

    def problems(self) -> list[str]:
        out = []
        if self.writer_deaths:
            out.append(f"the writer died: {self.writer_error}")
        if self.accounted != self.messages:
            out.append(f"{self.accounted} of {self.messages} messages accounted for")
        if self.stored_in_db != self.stored:
            out.append(f"{self.stored_in_db} readings in the database, {self.stored} counted")
        if self.rejected_in_db != sum(self.rejected.values()):
            out.append(
                f"{self.rejected_in_db} rejected rows in the database, "
                f"{sum(self.rejected.values())} counted"
            )
        return out


@dataclass(slots=True)
class _Message:
    """What the writer takes from the network loop: a paho message's fields."""

    topic: str
    payload: bytes
    mid: int
    qos: int = 1


def run(args: argparse.Namespace) -> int:
    from cli.commands.db import database_url_from

    if args.messages < 1:
        raise UserError("--messages must be at least 1")
    url = database_url_from(args)
    report = fuzz(
        url,
        args.messages,
        seed=args.seed,
        batch_size=args.batch_size,
        per_tenant=args.devices,
        redeliver_every=args.redeliver_every,
        keep=args.keep,
        progress=_progress,
    )
    _print(report)
    return 1 if report.problems() else 0


def fuzz(
    database_url: str,
    n: int,
    *,
    seed: int = 1,
    batch_size: int = 2000,
    per_tenant: int = 20,
    redeliver_every: int = 50,
    keep: bool = False,
    progress: Callable[[int, int, float], None] | None = None,
) -> FuzzReport:
    """Run `n` generated messages through a real `BatchWriter`; the report says what became of
    them. Every `redeliver_every`-th message is a copy of a recent one (0: none). Creates two
    tenants (one with registered applications) and deletes them after."""
    from cli.bench.ingest_fuzz_messages import RandomDraw, fuzz_world, message
    from ingest.metrics import Metrics
    from ingest.settings import IngestSettings
    from ingest.writer import BatchWriter
    from storage import connect, migrate

    settings = IngestSettings(  # type: ignore[call-arg]  # pydantic-settings: env defaults
        database_url=database_url, mqtt_url="mqtt://unused:1883", batch_size=batch_size
    )
    tag = uuid.uuid4().hex[:8]
    tenants = [f"fuzz-{tag}-a", f"fuzz-{tag}-b"]
    world = fuzz_world(tenants, per_tenant)
    with connect(database_url, autocommit=True) as conn:
        migrate(conn)
        _create(conn, world)
        first_reject_id = _scalar(conn, "SELECT coalesce(max(id), 0) FROM rejected_messages")

    metrics = Metrics()
    queue: deque = deque()
    acks: deque = deque()
    writer = BatchWriter(settings, queue, acks, metrics, name="fuzz-writer")
    results = _record_batches(writer)
    draw = RandomDraw(seed)
    started = time.perf_counter()
    writer.start()
    recent: deque = deque(maxlen=5000)
    for i in range(n):
        if redeliver_every and i % redeliver_every == redeliver_every - 1 and recent:
            m = draw.pick(recent)  # a redelivery (or a sensor's resend) of a recent message
        else:
            m = message(draw, world)
            recent.append(m)
        queue.append((0, _Message(m.topic, m.payload, i % 65535 + 1)))
        while len(queue) >= settings.queue_size and writer.is_alive():
            time.sleep(0.002)
        if not writer.is_alive():
            break
        if progress and i % 50_000 == 0 and i:
            progress(i, n, time.perf_counter() - started)
        if len(acks) > 1000:
            acks.clear()
    alive_at_end = writer.is_alive()
    writer.finish.set()
    writer.join(120)
    seconds = time.perf_counter() - started

    report = FuzzReport(
        messages=n,
        seconds=seconds,
        stored=int(_metric(metrics, "ingest_readings_stored_total")),
        duplicates=int(_metric(metrics, "ingest_readings_duplicate_total")),
        statuses=int(_metric(metrics, "ingest_status_updates_total")),
        batches=len(results),
        fallback_batches=sum(r.one_by_one for r in results),
        writer_deaths=0 if alive_at_end and writer.error is None else 1,
        writer_error=None if writer.error is None else repr(writer.error)[:500],
    )
    for sample in list(metrics.rejected.collect())[0].samples:
        if sample.name.endswith("_total") and sample.value:
            report.rejected[sample.labels["reason"]] = int(sample.value)
    with connect(database_url, autocommit=True) as conn:
        report.stored_in_db = _scalar(
            conn, "SELECT count(*) FROM readings WHERE tenant_id = ANY(%s)", (tenants,)
        )
        report.rejected_in_db = _scalar(
            conn, "SELECT count(*) FROM rejected_messages WHERE id > %s", (first_reject_id,)
        )
        if not keep:
            _delete(conn, tenants, first_reject_id)
    return report


def _scalar(conn, sql: str, params: tuple = ()) -> int:
    from psycopg.rows import tuple_row

    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute(sql, params)
        row = cur.fetchone()
    return int(row[0]) if row else 0


def _record_batches(writer) -> list:
    """Keep each batch's `BatchResult` (wraps the writer's own processor)."""
    results: list = []
    process = writer.processor.process

    def recording(conn, messages):
        result = process(conn, messages)
        results.append(result)
        return result

    writer.processor.process = recording
    return results


def _create(conn, world) -> None:
    from storage.ingest_applications import IngestApplication, add_application

    for t in world.tenants:
        conn.execute("INSERT INTO tenants (id, name) VALUES (%s, 'ingest fuzz')", (t,))
    for i, d in enumerate(world.devices):
        depth = None if i % 10 == 9 else 1200.0  # some containers without a depth
        cid = _scalar(
            conn,
            "INSERT INTO containers (tenant_id, external_id, lat, lon, fraction, volume_l,"
            " depth_mm) VALUES (%s, %s, 51.9, 4.4, 'residual', 1100, %s) RETURNING id",
            (d.tenant_id, d.device_id, depth),
        )
        conn.execute(
            "INSERT INTO devices (tenant_id, device_id, dev_eui, container_id)"
            " VALUES (%s, %s, %s, %s)",
            (d.tenant_id, d.device_id, d.dev_eui, cid),
        )
    a = world.tenants[0]  # tenant a registers its applications; tenant b does not
    add_application(conn, IngestApplication("tts-v3", f"app-{a}@ttn", a))
    add_application(conn, IngestApplication("chirpstack-v4", f"cs-{a}", a))


def _delete(conn, tenants: list[str], first_reject_id: int) -> None:
    from storage.tenants import delete_tenant

    for t in tenants:
        delete_tenant(conn, t)
    conn.execute("DELETE FROM rejected_messages WHERE id > %s", (first_reject_id,))


def _metric(metrics, name: str) -> float:
    value = metrics.registry.get_sample_value(name)
    return float(value or 0.0)


def _progress(done: int, n: int, seconds: float) -> None:
    print(f"  {done:,} of {n:,} messages queued, {done / seconds:,.0f}/s", flush=True)


def _print(r: FuzzReport) -> None:
    cores = len(os.sched_getaffinity(0))
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"ingest-fuzz: {r.messages:,} messages in {r.seconds:.1f} s "
        f"({r.messages / r.seconds:,.0f} messages/s) on {platform.node()}, {cores} cores, "
        f"load average {load}"
    )
    print(
        f"  stored {r.stored:,} (database: {r.stored_in_db:,}), duplicates {r.duplicates:,}, "
        f"status updates {r.statuses:,}, rejected {sum(r.rejected.values()):,} "
        f"(database: {r.rejected_in_db:,})"
    )
    for reason, count in r.rejected.most_common():
        print(f"    {reason:22} {count:>10,}")
    print(
        f"  accounted for: {r.accounted:,} of {r.messages:,}; batches {r.batches:,} "
        f"({r.fallback_batches} written one message at a time); writer deaths "
        f"{r.writer_deaths}; writer alive at the end: {r.writer_deaths == 0}"
    )
    for problem in r.problems():
        print(f"  PROBLEM: {problem}")
    if not r.problems():
        print("  OK: no exception escaped, every message accounted for, the writer alive")
