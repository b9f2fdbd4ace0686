"""Readings: the batch write of the ingest (idempotent) and small queries on readings.

`write_readings` COPYs a batch (binary) into a per-connection temporary staging table, then
tries the fast path: a binary COPY straight into `readings` (TimescaleDB buffers COPY rows per
chunk; measured about a third cheaper than INSERT ... SELECT). If any row is already stored
(a redelivery) the COPY fails on the unique key, is rolled back to a savepoint, and the slow
path inserts from staging with `ON CONFLICT (device_id, measured_at) DO NOTHING`. Either way
one statement then upserts `container_state` from the rows actually inserted: the latest
reading per container, a fire alarm and a tilt alarm. A redelivered reading adds no row and
does not touch the state. The caller owns the transaction and commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import psycopg

from domain import Reading

_COLUMNS = (
    "tenant_id, device_id, container_id, measured_at, fill_fraction, distance_mm, "
    "temperature_c, battery_pct, tilt, rssi_dbm, snr_db, source_format"
)
_TYPES = [
    "text",
    "text",
    "int8",
    "timestamptz",
    "float4",
    "float4",
    "float4",
    "float4",
    "bool",
    "float4",
    "float4",
    "text",
]

_STAGING = """
CREATE TEMP TABLE IF NOT EXISTS ingest_staging (
    tenant_id text, device_id text, container_id bigint, measured_at timestamptz,
    fill_fraction real, distance_mm real, temperature_c real, battery_pct real, tilt boolean,
    rssi_dbm real, snr_db real, source_format text
) ON COMMIT DELETE ROWS
"""

_STATE_COLUMNS = (
    "tenant_id, container_id, measured_at, fill_fraction, temperature_c, "
    "battery_pct, tilt, rssi_dbm"
)
# The rows inserted: all of staging (fast path, after COPY) or those ON CONFLICT let through.
_COPIED = f"ins AS (SELECT {_STATE_COLUMNS} FROM ingest_staging)"
_INSERTED = f"""ins AS (
    INSERT INTO readings ({_COLUMNS})
    SELECT {_COLUMNS} FROM ingest_staging
    ON CONFLICT (device_id, measured_at) DO NOTHING
    RETURNING {_STATE_COLUMNS})"""

_STATE = """
WITH {ins}, latest AS (
    SELECT DISTINCT ON (container_id) * FROM ins ORDER BY container_id, measured_at DESC
), span AS (
    SELECT container_id, max(temperature_c) AS max_temp, min(temperature_c) AS min_temp
    FROM ins GROUP BY container_id
), state AS (
    INSERT INTO container_state AS s (tenant_id, container_id, measured_at, fill_fraction,
        temperature_c, battery_pct, tilt, rssi_dbm, fire_alarm, tilt_alarm, updated_at)
    SELECT l.tenant_id, l.container_id, l.measured_at, l.fill_fraction, l.temperature_c,
           l.battery_pct, l.tilt, l.rssi_dbm,
           coalesce(p.max_temp > %(fire_c)s
                    OR p.max_temp - coalesce(old.temperature_c, p.min_temp) > %(jump_c)s, false),
           coalesce(l.tilt, false), now()
    FROM latest l JOIN span p USING (container_id)
    LEFT JOIN container_state old USING (container_id)
    ORDER BY l.container_id
    ON CONFLICT (container_id) DO UPDATE SET
        measured_at = excluded.measured_at,
        fill_fraction = excluded.fill_fraction,
        temperature_c = coalesce(excluded.temperature_c, s.temperature_c),
        battery_pct = coalesce(excluded.battery_pct, s.battery_pct),
        tilt = coalesce(excluded.tilt, s.tilt),
        rssi_dbm = coalesce(excluded.rssi_dbm, s.rssi_dbm),
        fire_alarm = excluded.fire_alarm OR (s.fire_alarm AND
                     coalesce(excluded.temperature_c, s.temperature_c, 0) >= %(clear_c)s),
        tilt_alarm = coalesce(excluded.tilt, s.tilt_alarm),
        date_last_emptying = CASE WHEN s.fill_fraction - excluded.fill_fraction >= %(drop)s
                                  THEN excluded.measured_at ELSE s.date_last_emptying END,
        updated_at = now()
    WHERE s.measured_at IS NULL OR excluded.measured_at >= s.measured_at
    RETURNING 1
)
SELECT count(*) FROM ins
"""


@dataclass(frozen=True, slots=True)
class AlarmRules:
    """Fire: the batch's highest temperature above `fire_c`, or more than `jump_c` above the
    previous one; it clears below `clear_c`. A fill drop of `emptied_drop` is an emptying."""

    fire_c: float = 60.0
    jump_c: float = 20.0
    clear_c: float = 45.0
    emptied_drop: float = 0.3


def write_readings(
    conn: psycopg.Connection, readings: Sequence[Reading], rules: AlarmRules = AlarmRules()
) -> int:
    """Insert readings idempotently and update container state; returns the rows inserted.

    Runs in the caller's transaction (the staging table empties at commit).
    """
    if not readings:
        return 0
    rows = [
        (
            r.tenant_id,
            r.device_id,
            r.container_id,
            r.measured_at,
            r.fill_fraction,
            r.distance_mm,
            r.temperature_c,
            r.battery_pct,
            r.tilt,
            r.rssi_dbm,
            r.snr_db,
            r.source_format,
        )
        for r in readings
    ]
    with conn.cursor(row_factory=psycopg.rows.tuple_row) as cur:
        cur.execute(_STAGING)
        _copy(cur, "ingest_staging", rows)
        try:
            with conn.transaction():  # a savepoint: a duplicate undoes only this COPY
                _copy(cur, "readings", rows)
            ins = _COPIED
        except psycopg.errors.UniqueViolation:
            ins = _INSERTED
        cur.execute(
            _STATE.replace("{ins}", ins),
            {
                "fire_c": rules.fire_c,
                "jump_c": rules.jump_c,
                "clear_c": rules.clear_c,
                "drop": rules.emptied_drop,
            },
        )
        row = cur.fetchone()
    return int(row[0]) if row else 0


def _copy(cur: psycopg.Cursor, table: str, rows: list[tuple]) -> None:
    with cur.copy(f"COPY {table} ({_COLUMNS}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(_TYPES)
        for row in rows:
            copy.write_row(row)


def count_readings(conn: psycopg.Connection, tenant_id: str) -> int:
    """How many readings a tenant has."""
    with conn.cursor(row_factory=psycopg.rows.tuple_row) as cur:
        cur.execute("SELECT count(*) FROM readings WHERE tenant_id = %s", (tenant_id,))
        row = cur.fetchone()
    return int(row[0]) if row else 0
