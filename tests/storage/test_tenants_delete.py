"""Deleting a tenant removes everything it owns, and nothing of another tenant."""

from __future__ import annotations

import uuid
from datetime import date

from cli.bench.api import seed_route
from storage.tenants import delete_tenant

OWNED = (
    "containers",
    "devices",
    "readings",
    "rejected_messages",
    "depots",
    "vehicles",
    "plans",
    "plan_routes",
    "plan_stops",
    "users",
)


def _counts(db, tenant_id: str) -> dict[str, int]:
    return {
        t: db.execute(
            f"SELECT count(*) AS n FROM {t} WHERE tenant_id = %s", (tenant_id,)
        ).fetchone()["n"]
        for t in OWNED
    }


def _populated_tenant(db) -> str:
    """A tenant with a published plan of 5 stops (as `wasteroute bench api` seeds it), a
    device with a reading, and a rejected message."""
    tid = f"t-{uuid.uuid4().hex[:12]}"
    db.execute("INSERT INTO tenants (id, name) VALUES (%s, 'doomed')", (tid,))
    seeded = seed_route(db, tid, 5, date(2026, 11, 26))
    container = seeded["container_ids"][0]
    db.execute(
        "INSERT INTO devices (tenant_id, device_id, container_id) VALUES (%s, %s, %s)",
        (tid, f"{tid}-dev", container),
    )
    db.execute(
        "INSERT INTO readings (tenant_id, container_id, device_id, measured_at, "
        "fill_fraction, source_format) VALUES (%s, %s, %s, now(), 0.5, 'native')",
        (tid, container, f"{tid}-dev"),
    )
    db.execute(
        "INSERT INTO rejected_messages (tenant_id, topic, reason, payload) "
        "VALUES (%s, 'x', 'malformed', '')",
        (tid,),
    )
    db.execute(
        "INSERT INTO users (tenant_id, username, password_hash, role) "
        "VALUES (%s, %s, 'x', 'driver')",
        (tid, f"{tid}-driver"),
    )
    return tid


def test_delete_tenant_removes_every_row_it_owns_and_no_other(db):
    doomed, kept = _populated_tenant(db), _populated_tenant(db)
    before = _counts(db, doomed)
    assert all(n > 0 for n in before.values()), before
    delete_tenant(db, doomed)
    assert _counts(db, doomed) == dict.fromkeys(OWNED, 0)
    assert (
        db.execute("SELECT count(*) AS n FROM tenants WHERE id = %s", (doomed,)).fetchone()["n"]
        == 0
    )
    assert _counts(db, kept) == before  # the other tenant has the same rows, untouched
