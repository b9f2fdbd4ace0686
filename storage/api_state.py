"""Latest state with a simple fill-rate estimate, for the state and map endpoints.

The fill rate is the least-squares slope of the readings since the last emptying within the
last `window` (by default 7 days). The planning forecast (plan_decisions) is richer; where a
plan holds a forecast for the container, the latest one is returned alongside.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import psycopg

from storage.api_containers import _C_COLUMNS, STATE_COLUMNS


def container_states(
    conn: psycopg.Connection,
    tenant_id: str,
    *,
    container_id: int | None = None,
    fraction: str | None = None,
    window: timedelta = timedelta(days=7),
    limit: int | None = None,
    offset: int = 0,
) -> list[dict[str, Any]]:
    where, params = (
        ["c.tenant_id = %(t)s"],
        {"t": tenant_id, "w": window, "limit": limit, "offset": offset},
    )
    if container_id is not None:
        where.append("c.id = %(c)s")
        params["c"] = container_id
    if fraction:
        where.append("c.fraction = %(f)s")
        params["f"] = fraction
    sql = f"""
    SELECT {_C_COLUMNS}, {STATE_COLUMNS},
           rate.slope_per_s, rate.n AS rate_readings,
           fc.forecast_full_at AS plan_forecast_full_at, fc.filling_speed_per_day AS plan_speed_per_day,
           fc.health AS plan_health
      FROM containers c
      LEFT JOIN container_state s ON s.tenant_id = c.tenant_id AND s.container_id = c.id
      LEFT JOIN LATERAL (
          SELECT regr_slope(r.fill_fraction, extract(epoch FROM r.measured_at)) AS slope_per_s,
                 count(*) AS n
            FROM readings r
           WHERE r.tenant_id = c.tenant_id AND r.container_id = c.id
             AND r.measured_at > greatest(coalesce(s.date_last_emptying, '-infinity'),
                                          coalesce(s.measured_at, now()) - %(w)s)
      ) rate ON s.measured_at IS NOT NULL
      LEFT JOIN LATERAL (
          SELECT d.forecast_full_at, d.filling_speed_per_day, d.health
            FROM plan_decisions d JOIN plans p ON p.tenant_id = d.tenant_id AND p.id = d.plan_id
           WHERE d.tenant_id = c.tenant_id AND d.container_id = c.id
           ORDER BY p.forecast_at DESC LIMIT 1
      ) fc ON true
     WHERE {" AND ".join(where)}
     ORDER BY c.id"""  # noqa: E501
    if limit is not None:
        sql += " LIMIT %(limit)s OFFSET %(offset)s"
    return conn.execute(sql, params).fetchall()
