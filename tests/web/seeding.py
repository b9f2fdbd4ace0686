"""Build a small town for the web tests: through the API where it can (fleet, containers),
by SQL for what the ingest would write (readings, container state, alarms)."""

from __future__ import annotations

import math
import random
import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import psycopg

from api.security import hash_password
from storage import users as users_store
from tests.web.conftest import PASSWORD, Tenant

_HASH = hash_password(PASSWORD)
CENTRE = (51.9170, 4.3990)  # Schiedam


def api_login(server_url: str, username: str) -> dict[str, str]:
    r = httpx.post(f"{server_url}/v1/auth/token", data={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def make_user(
    db: psycopg.Connection, tenant_id: str, role: str, vehicle_id: int | None = None
) -> str:
    username = f"{role}-{uuid.uuid4().hex[:8]}"
    for attempt in range(50):
        try:
            users_store.create_user(
                db,
                tenant_id=tenant_id,
                username=username,
                password_hash=_HASH,
                role=role,
                vehicle_id=vehicle_id,
            )
            return username
        except psycopg.errors.ForeignKeyViolation:
            # The API answers 201 a moment before its transaction commits (reported); wait for it.
            if attempt == 49:
                raise
            time.sleep(0.05)
    return username


def _post(client: httpx.Client, path: str, body: dict) -> dict:
    for _ in range(50):
        r = client.post(path, json=body)
        # The API answers 201 a moment before its transaction commits (reported), so an object
        # just created may not be visible yet to the next request: wait for it.
        if r.status_code != 422 or r.json().get("code") != "invalid_reference":
            break
        time.sleep(0.05)
    assert r.status_code == 201, f"{path}: {r.status_code} {r.text}"
    return r.json()


def seed_tenant(
    server_url: str,
    db: psycopg.Connection,
    n_containers: int,
    *,
    n_vehicles: int = 2,
    seed: int = 7,
    alarms: bool = True,
) -> Tenant:
    rng = random.Random(seed)
    tid = f"web-{uuid.uuid4().hex[:10]}"
    db.execute("INSERT INTO tenants (id, name) VALUES (%s, %s)", (tid, f"Web test {tid}"))
    tenant = Tenant(id=tid, planner=make_user(db, tid, "planner"))
    with httpx.Client(
        base_url=server_url, headers=api_login(server_url, tenant.planner), timeout=30
    ) as c:
        depot = _post(
            c, "/v1/depots", {"name": "Depot", "lat": CENTRE[0] + 0.004, "lon": CENTRE[1] - 0.012}
        )
        tenant.sites.append(
            _post(
                c,
                "/v1/disposal-sites",
                {"name": "AVR", "lat": CENTRE[0] - 0.01, "lon": CENTRE[1] - 0.03},
            )
        )
        for i in range(n_vehicles):
            v = _post(
                c,
                "/v1/vehicles",
                {
                    "name": f"WAG-{i + 1:02d}",
                    "depot_id": depot["id"],
                    "capacity_l": 30_000,
                    "capacity_kg": 9_000,
                    "compaction_ratio": 3.0,
                    "shift_start": "06:00:00",
                    "shift_end": "18:00:00",
                },
            )
            tenant.vehicles.append(v)
        for i in range(n_containers):
            angle, radius = 2 * math.pi * i / n_containers, 0.004 + 0.01 * rng.random()
            tenant.containers.append(
                _post(
                    c,
                    "/v1/containers",
                    {
                        "external_id": f"SCH-{i + 1:04d}",
                        "lat": CENTRE[0] + radius * math.sin(angle),
                        "lon": CENTRE[1] + 1.6 * radius * math.cos(angle),
                        "fraction": "residual",
                        "volume_l": 3000,
                        "depth_mm": 1800,
                    },
                )
            )
    for v in tenant.vehicles:
        tenant.drivers[v["id"]] = make_user(db, tid, "driver", v["id"])
    _wait_committed(db, tid, len(tenant.containers))
    _readings(db, tid, tenant.containers, rng, alarms)
    return tenant


def _wait_committed(db: psycopg.Connection, tid: str, n: int) -> None:
    for _ in range(100):
        if (
            db.execute(
                "SELECT count(*) AS n FROM containers WHERE tenant_id = %s", (tid,)
            ).fetchone()["n"]
            == n
        ):
            return
        time.sleep(0.05)
    raise AssertionError(f"the API's containers of {tid} never became visible")


def _readings(
    db: psycopg.Connection, tid: str, containers: list[dict], rng: random.Random, alarms: bool
) -> None:
    """14 days of 3-hourly readings: each container fills at its own speed since an emptying;
    a third end up above 80%, a third near 60%, a third near 25%."""
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    rows, states = [], []
    for k, c in enumerate(containers):
        speed = [0.22, 0.12, 0.05][k % 3] * (0.8 + 0.4 * rng.random())  # per day
        target = [0.92, 0.62, 0.25][k % 3] + rng.uniform(-0.04, 0.04)  # fill now
        emptied = now - timedelta(days=target / speed)
        device = f"web-{tid}-{c['id']}"
        fill = 0.0
        for h in range(14 * 8, -1, -1):
            at = now - timedelta(hours=3 * h)
            days_since = ((at - emptied).total_seconds() / 86_400) % (1.0 / speed)
            fill = min(1.0, max(0.0, days_since * speed + rng.uniform(-0.02, 0.02)))
            rows.append((tid, device, c["id"], at, fill, 80.0, "native"))
        last_emptied = now - timedelta(days=days_since)
        fire = alarms and k == 1
        battery = 8.0 if alarms and k == 2 else 80.0
        states.append((tid, c["id"], now, fill, battery, fire, alarms and k == 4, last_emptied))
    with db.cursor() as cur:
        with cur.copy(
            "COPY readings (tenant_id, device_id, container_id, measured_at, fill_fraction,"
            " battery_pct, source_format) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(row)
        cur.executemany(
            "INSERT INTO container_state (tenant_id, container_id, measured_at, fill_fraction,"
            " battery_pct, fire_alarm, tilt_alarm, date_last_emptying)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (container_id) DO UPDATE SET measured_at = EXCLUDED.measured_at,"
            " fill_fraction = EXCLUDED.fill_fraction, battery_pct = EXCLUDED.battery_pct,"
            " fire_alarm = EXCLUDED.fire_alarm, tilt_alarm = EXCLUDED.tilt_alarm,"
            " date_last_emptying = EXCLUDED.date_last_emptying",
            states,
        )
