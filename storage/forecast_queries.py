"""Reading history and latest state, shaped for the forecast.

Every function takes `tenant_id` and filters on it. Histories come back as numpy arrays per
container (epoch seconds, fill fraction), aggregated in the database into binary strings
numpy reads directly, so 2,000 containers with four weeks of hourly readings are one row each.

Public API: `ReadingHistory`, `fetch_reading_histories`, `ContainerState`,
`fetch_container_states`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import psycopg

from domain import Fraction


@dataclass(frozen=True, slots=True)
class ReadingHistory:
    """One container's readings in a window, oldest first."""

    container_id: int
    times_s: np.ndarray  # float64 epoch seconds (UTC)
    fill: np.ndarray  # float64, 0..1
    battery_pct: float | None  # the latest reported, if any


@dataclass(frozen=True, slots=True)
class ContainerState:
    """The latest known state of a container (kept by the ingest and the drivers' reports)."""

    container_id: int
    measured_at: datetime | None
    fill_fraction: float | None
    battery_pct: float | None
    fire_alarm: bool
    tilt_alarm: bool
    report_alarm: bool
    date_last_emptying: datetime | None


def fetch_reading_histories(conn: psycopg.Connection, tenant_id: str, since: datetime,
                            until: datetime, *, fraction: Fraction | None = None
                            ) -> dict[int, ReadingHistory]:
    """Readings with `since <= measured_at < until` per container (only containers that have
    some). With `fraction`, only that fraction's containers.

    Each container's series is aggregated in the database into two binary strings (float8
    epoch seconds, float4 fills) that numpy reads as they are: one row per container, no
    Python object per reading."""
    join, params = "", []
    if fraction is not None:
        join = (" JOIN containers c ON c.tenant_id = r.tenant_id AND c.id = r.container_id"
                " AND c.fraction = %s")
        params.append(str(fraction))
    where = " WHERE r.tenant_id = %s AND r.measured_at >= %s AND r.measured_at < %s"
    params += [tenant_id, since, until]
    rows = conn.execute(
        "SELECT r.container_id,"
        " string_agg(float8send(extract(epoch FROM r.measured_at)::float8), ''::bytea"
        "   ORDER BY r.measured_at) AS t,"
        " string_agg(float4send(r.fill_fraction), ''::bytea ORDER BY r.measured_at) AS f"
        " FROM readings r" + join + where + " GROUP BY r.container_id", params)
    out: dict[int, ReadingHistory] = {}
    for row in rows:
        cid = row["container_id"]
        out[cid] = ReadingHistory(
            container_id=cid, times_s=np.frombuffer(row["t"], dtype=">f8").astype(np.float64),
            fill=np.frombuffer(row["f"], dtype=">f4").astype(np.float64), battery_pct=None)
    # The latest battery in a second, index-friendly query (cheaper than aggregating it above).
    for cid, pct in _latest_battery(conn, tenant_id, join, where, params).items():
        if cid in out:
            h = out[cid]
            out[cid] = ReadingHistory(cid, h.times_s, h.fill, pct)
    return out


def _latest_battery(conn, tenant_id, join, where, params) -> dict[int, float]:
    rows = conn.execute(
        "SELECT DISTINCT ON (r.container_id) r.container_id, r.battery_pct FROM readings r"
        + join + where + " AND r.battery_pct IS NOT NULL"
        " ORDER BY r.container_id, r.measured_at DESC", params)
    return {r["container_id"]: float(r["battery_pct"]) for r in rows}


def fetch_container_states(conn: psycopg.Connection, tenant_id: str, *,
                           fraction: Fraction | None = None) -> dict[int, ContainerState]:
    sql = ("SELECT s.container_id, s.measured_at, s.fill_fraction, s.battery_pct, s.fire_alarm,"
           " s.tilt_alarm, s.report_alarm, s.date_last_emptying FROM container_state s")
    params: list = []
    if fraction is not None:
        sql += (" JOIN containers c ON c.tenant_id = s.tenant_id AND c.id = s.container_id"
                " AND c.fraction = %s")
        params.append(str(fraction))
    sql += " WHERE s.tenant_id = %s"
    params.append(tenant_id)
    return {r["container_id"]: ContainerState(**r) for r in conn.execute(sql, params)}
