"""Network-server applications (The Things Stack, ChirpStack) registered to a tenant.

The ingest reads them all (a few per tenant) to decide the tenant of a LoRaWAN uplink from its
topic; the CLI adds, lists and removes them (`wasteroute applications`).
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg


@dataclass(frozen=True, slots=True)
class IngestApplication:
    """`application` of `source_format` ("tts-v3" or "chirpstack-v4") belongs to `tenant_id`."""

    source_format: str
    application: str
    tenant_id: str


def all_applications(conn: psycopg.Connection) -> list[IngestApplication]:
    """Every registered application, of every tenant (the ingest's lookup table)."""
    with conn.cursor(row_factory=psycopg.rows.tuple_row) as cur:
        cur.execute("SELECT source_format, application, tenant_id FROM ingest_applications")
        return [IngestApplication(r[0], r[1], r[2]) for r in cur.fetchall()]


def tenant_applications(conn: psycopg.Connection, tenant_id: str) -> list[IngestApplication]:
    """A tenant's registered applications."""
    with conn.cursor(row_factory=psycopg.rows.tuple_row) as cur:
        cur.execute(
            "SELECT source_format, application, tenant_id FROM ingest_applications"
            " WHERE tenant_id = %s ORDER BY source_format, application",
            (tenant_id,),
        )
        return [IngestApplication(r[0], r[1], r[2]) for r in cur.fetchall()]


def add_application(conn: psycopg.Connection, app: IngestApplication) -> bool:
    """Register an application; False if it is already registered (to this or another
    tenant: the caller must not say which)."""
    with conn.cursor() as cur:
        cur.execute(
            "INSERT INTO ingest_applications (source_format, application, tenant_id)"
            " VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
            (app.source_format, app.application, app.tenant_id),
        )
        return cur.rowcount == 1


def remove_application(conn: psycopg.Connection, app: IngestApplication) -> bool:
    """Unregister a tenant's application; False if the tenant has no such application."""
    with conn.cursor() as cur:
        cur.execute(
            "DELETE FROM ingest_applications"
            " WHERE source_format = %s AND application = %s AND tenant_id = %s",
            (app.source_format, app.application, app.tenant_id),
        )
        return cur.rowcount == 1
