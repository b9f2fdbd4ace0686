"""Seeding a small tenant for planning tests: a depot, two trucks, a disposal site and
containers with hourly readings written straight into the real TimescaleDB."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import numpy as np
import pytest

from domain import Container, DisposalSite, Fraction, GeoPoint, Vehicle
from storage import containers as containers_store
from storage import fleet

NOW = datetime(2026, 11, 24, 4, 0, tzinfo=UTC)  # Tuesday 05:00 in Amsterdam
PLAN_DATE = NOW.date()


def write_readings(db, tenant_id: str, container_id: int, times: list[datetime],
                   fills: list[float], battery: float = 80.0) -> None:
    with db.cursor() as cur, cur.copy(
            "COPY readings (tenant_id, device_id, container_id, measured_at, fill_fraction,"
            " battery_pct, source_format) FROM STDIN") as copy:
        for t, f in zip(times, fills, strict=False):
            copy.write_row([tenant_id, f"{tenant_id}-dev-{container_id}", container_id, t,
                            float(f), battery, "native"])


def seed_tenant(db, tenant_id: str, n: int = 24, seed: int = 1) -> dict[int, float]:
    """Containers whose fill now spreads 0.1..0.95; returns container id -> fill now."""
    rng = np.random.default_rng(seed)
    depot = fleet.add_depot(db, tenant_id, "Depot", GeoPoint(52.07, 4.30))
    for k in range(2):
        fleet.add_vehicle(db, tenant_id, Vehicle(
            id=0, tenant_id=tenant_id, name=f"truck-{k}", depot_id=depot.id,
            capacity_l=20_000, capacity_kg=10_000, compaction_ratio=4.0,
            shift_start=time(7), shift_end=time(15, 30)))
    fleet.add_disposal_site(db, tenant_id, DisposalSite(
        id=0, tenant_id=tenant_id, name="AVR", location=GeoPoint(52.06, 4.35)))
    fills = {}
    hours = [NOW - timedelta(hours=h) for h in range(14 * 24, 0, -1)]
    for i in range(n):
        c = containers_store.add_container(db, tenant_id, Container(
            id=0, tenant_id="", external_id=f"c{i}", fraction=Fraction.RESIDUAL, volume_l=4000,
            location=GeoPoint(52.06 + rng.uniform(0, 0.03), 4.28 + rng.uniform(0, 0.05))))
        rate = 0.12  # per day
        now_fill = 0.1 + 0.85 * i / (n - 1)
        series = [max(0.0, now_fill - rate * (NOW - t).total_seconds() / 86400) for t in hours]
        series = [min(1.0, max(0.0, f + rng.normal(0, 0.01))) for f in series]
        write_readings(db, tenant_id, c.id, hours, series)
        fills[c.id] = now_fill
    return fills


@pytest.fixture
def seeded(db, tenant_id):
    return seed_tenant(db, tenant_id)
