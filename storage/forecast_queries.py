"""Reading history and latest state, shaped for the forecast.

Every function takes `tenant_id` and filters on it. Histories come back as numpy arrays per
container (epoch seconds, fill fraction), aggregated in the database (`array_agg`), so a
tenant of 2,000 containers with four weeks of hourly readings is one round trip.

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
    some). With `fraction`, only that fraction's containers."""
    sql = ("SELECT r.container_id,"
           " array_agg(extract(epoch FROM r.measured_at)::float8 ORDER BY r.measured_at) AS t,"
           " array_agg(r.fill_fraction::float8 ORDER BY r.measured_at) AS f,"
           " (array_agg(r.battery_pct ORDER BY r.measured_at DESC)"
           "   FILTER (WHERE r.battery_pct IS NOT NULL))[1] AS battery"
           " FROM readings r")
    params: list = []
    if fraction is not None:
        sql += (" JOIN containers c ON c.tenant_id = r.tenant_id AND c.id = r.container_id"
                " AND c.fraction = %s")
        params.append(str(fraction))
    sql += (" WHERE r.tenant_id = %s AND r.measured_at >= %s AND r.measured_at < %s"
            " GROUP BY r.container_id")
    params += [tenant_id, since, until]
    out = {}
    for row in conn.execute(sql, params):
        out[row["container_id"]] = ReadingHistory(
            container_id=row["container_id"], times_s=np.asarray(row["t"], dtype=np.float64),
            fill=np.asarray(row["f"], dtype=np.float64),
            battery_pct=None if row["battery"] is None else float(row["battery"]))
    return out


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
