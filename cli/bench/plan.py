"""`wasteroute bench plan`: a tenant of N containers, end to end from the database to a stored
plan, at the default solver limit.

It loads a fresh tenant into DATABASE_URL: the first N residual containers of Den Haag's open
data (or generated locations), a depot, a disposal site and a fleet, and four weeks of hourly
readings from the forecast bench's ground-truth generator (noisy, outliers, 5% faulty sensors)
by COPY, then VACUUM ANALYZE (as autovacuum would have done by the morning). Loading is not
timed. Then it times `api.planning.plan_day` (read, forecast, select,
solve, check, store) and prints the summary. The tenant is deleted afterwards unless --keep.
"""

from __future__ import annotations

import argparse
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

DENHAAG = Path("/work/shared/realdata/denhaag-containers/afvalcontainers.geojson")


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("plan", help="plan a 2,000-container tenant end to end (DB)")
    p.add_argument("--database-url", help="defaults to $DATABASE_URL")
    p.add_argument("--containers", type=int, default=2000)
    p.add_argument("--vehicles", type=int, default=12)
    p.add_argument("--time-limit", type=float, default=None,
                   help="solver seconds (default: the service default)")
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--file", default=str(DENHAAG), help="GeoJSON/CSV of container locations")
    p.add_argument("--keep", action="store_true", help="keep the bench tenant")
    p.add_argument("--dump-problem", help="pickle the optimizer Problem here (for the solver)")
    p.set_defaults(func=run)


def _load(conn, tenant_id: str, args) -> datetime:
    from cli.bench.forecast import generate
    from domain import Container, DisposalSite, Fraction, GeoPoint, Vehicle
    from planning.container_files import read_container_file
    from storage import fleet
    from storage.containers import list_containers, upsert_containers
    from storage.tenants import add_tenant

    add_tenant(conn, tenant_id, f"Bench {tenant_id}")
    gt = generate(n=args.containers, days=29, seed=11)
    try:
        found = [c for c in read_container_file(args.file) if c.fraction == Fraction.RESIDUAL]
    except OSError:
        found = []
    chosen = found[: args.containers] if len(found) >= args.containers else gt.containers
    upsert_containers(conn, tenant_id, [Container(
        id=0, tenant_id="", external_id=c.external_id, location=c.location,
        fraction=Fraction.RESIDUAL, volume_l=float(gt.containers[i].volume_l))
        for i, c in enumerate(chosen)])
    ids = [c.id for c in list_containers(conn, tenant_id)]
    lat = sum(c.location.lat for c in chosen) / len(chosen)
    lon = sum(c.location.lon for c in chosen) / len(chosen)
    depot = fleet.add_depot(conn, tenant_id, "Depot", GeoPoint(lat - 0.01, lon + 0.02))
    fleet.add_disposal_site(conn, tenant_id, DisposalSite(
        id=0, tenant_id="", name="Transfer", location=GeoPoint(lat + 0.01, lon - 0.03)))
    for k in range(args.vehicles):
        fleet.add_vehicle(conn, tenant_id, Vehicle(
            id=0, tenant_id="", name=f"truck-{k + 1}", depot_id=depot.id, capacity_l=20_000,
            capacity_kg=10_000, compaction_ratio=4.0))
    with conn.cursor() as cur, cur.copy(
            "COPY readings (tenant_id, device_id, container_id, measured_at, fill_fraction,"
            " battery_pct, source_format) FROM STDIN") as copy:
        for i, cid in enumerate(ids):
            times, fills = gt.readings[i]
            battery = float(gt.battery[i])
            for t, f in zip(times.tolist(), fills.tolist(), strict=False):
                copy.write_row([tenant_id, f"{tenant_id}-{cid}", cid,
                                datetime.fromtimestamp(t, UTC), f, battery, "native"])
    # As autovacuum would have by the morning: statistics and hint bits for the new rows.
    conn.execute("VACUUM ANALYZE readings")
    return datetime.fromtimestamp(gt.hours_s[-1], UTC)


def run(args: argparse.Namespace) -> int:
    from api.planning import PlanSettings, plan_day
    from cli.commands.db import database_url_from
    from cli.commands.plan import summary
    from storage import connect, migrate

    tenant_id = f"bench-{uuid.uuid4().hex[:8]}"
    with connect(database_url_from(args), autocommit=True) as conn:
        migrate(conn)  # a database from an older version: bring its schema up to date first
        began = time.perf_counter()
        now = _load(conn, tenant_id, args)
        n_readings = conn.execute("SELECT count(*) AS n FROM readings WHERE tenant_id = %s",
                                  (tenant_id,)).fetchone()["n"]
        print(f"loaded {args.containers} containers, {args.vehicles} vehicles, {n_readings} "
              f"readings in {time.perf_counter() - began:.1f} s (not timed)")
        settings = PlanSettings(workers=args.workers)
        if args.time_limit is not None:
            settings = PlanSettings(time_limit_s=args.time_limit, workers=args.workers)
        began = time.perf_counter()
        try:
            [outcome] = plan_day(conn, tenant_id, now.date(), None, settings, now=now,
                                 trigger="bench")
            wall = time.perf_counter() - began
            print(summary(outcome))
            if args.dump_problem and outcome.routing is not None:
                import pickle

                with open(args.dump_problem, "wb") as fh:
                    pickle.dump(outcome.routing.problem, fh)
                print(f"problem written to {args.dump_problem}")
            print(f"END TO END (DB -> stored plan): {wall:.1f} s wall, solver limit "
                  f"{settings.time_limit_s:g} s")
        finally:
            if not args.keep:
                from storage.tenants import delete_tenant

                delete_tenant(conn, tenant_id)
    return 0
