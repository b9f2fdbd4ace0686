"""Readings of one container for the API: raw pages and date_bin buckets.

`date_bin` is plain PostgreSQL (14+), so the buckets work with and without TimescaleDB.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import psycopg

_RAW = (
    "measured_at, received_at, device_id, fill_fraction, distance_mm, temperature_c,"
    " battery_pct, tilt, rssi_dbm, snr_db, source_format"
)


def raw_readings(
    conn: psycopg.Connection,
    tenant_id: str,
    container_id: int,
    start: datetime,
    end: datetime,
    *,
    limit: int,
    offset: int,
) -> tuple[list[dict[str, Any]], int]:
    """Readings in [start, end), newest first, one page; and how many there are in all."""
    params = (tenant_id, container_id, start, end)
    where = "tenant_id = %s AND container_id = %s AND measured_at >= %s AND measured_at < %s"
    n = conn.execute(f"SELECT count(*) AS n FROM readings WHERE {where}", params).fetchone()["n"]
    rows = conn.execute(
        f"SELECT {_RAW} FROM readings WHERE {where} ORDER BY measured_at DESC LIMIT %s OFFSET %s",
        (*params, limit, offset),
    ).fetchall()
    return rows, n


def bucketed_readings(
    conn: psycopg.Connection,
    tenant_id: str,
    container_id: int,
    start: datetime,
    end: datetime,
    bucket: timedelta,
    *,
    limit: int,
    offset: int,
) -> tuple[list[dict[str, Any]], int]:
    """Fill per time bucket in [start, end), oldest first: avg, min, max, last and count."""
    params = {
        "t": tenant_id,
        "c": container_id,
        "s": start,
        "e": end,
        "b": bucket,
        "limit": limit,
        "offset": offset,
    }
    base = (
        "FROM readings WHERE tenant_id = %(t)s AND container_id = %(c)s"
        " AND measured_at >= %(s)s AND measured_at < %(e)s"
    )
    n = conn.execute(
        f"SELECT count(DISTINCT date_bin(%(b)s, measured_at, %(s)s)) AS n {base}", params
    ).fetchone()["n"]
    rows = conn.execute(
        f"SELECT date_bin(%(b)s, measured_at, %(s)s) AS bucket_start,"
        f" avg(fill_fraction)::float8 AS fill_avg, min(fill_fraction)::float8 AS fill_min,"
        f" max(fill_fraction)::float8 AS fill_max,"
        f" (array_agg(fill_fraction ORDER BY measured_at DESC))[1]::float8 AS fill_last,"
        f" avg(battery_pct)::float8 AS battery_pct_avg,"
        f" avg(temperature_c)::float8 AS temperature_c_avg,"
        f" count(*) AS n_readings {base} GROUP BY 1 ORDER BY 1 LIMIT %(limit)s OFFSET %(offset)s",
        params,
    ).fetchall()
    return rows, n
