"""Migrations: ordered, recorded, idempotent; readings is a hypertable on TimescaleDB."""

from storage import applied_versions, available_migrations, has_timescaledb, migrate


def test_migrating_twice_is_a_no_op(db):
    """A second migrate applies nothing and every shipped version is recorded."""
    assert migrate(db) == []
    assert applied_versions(db) == [m.version for m in available_migrations()]


def test_readings_is_a_hypertable_on_timescaledb(db):
    """The test database is TimescaleDB, and readings became a hypertable."""
    assert has_timescaledb(db)
    rows = db.execute("SELECT hypertable_name FROM timescaledb_information.hypertables").fetchall()
    assert {"hypertable_name": "readings"} in rows


def test_every_tenant_owned_table_has_tenant_id(db):
    """All our tables carry tenant_id, except the migration log, tenants, login attempts and
    throttling counters (per username and address, before anyone is known) and procrastinate's
    own job-queue tables."""
    tables = {
        r["table_name"]
        for r in db.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
            " AND table_type = 'BASE TABLE'"
        )
    }
    exempt = {"schema_migrations", "tenants", "login_attempts", "login_throttle"}
    exempt |= {t for t in tables if t.startswith("procrastinate_")}
    with_tenant = {
        r["table_name"]
        for r in db.execute(
            "SELECT table_name FROM information_schema.columns WHERE table_schema = 'public'"
            " AND column_name = 'tenant_id'"
        )
    }
    assert tables - exempt - with_tenant == set()


def test_duplicate_reading_is_refused_by_the_unique_key(db, tenant_id):
    """readings is unique on (device_id, measured_at)."""
    row = db.execute(
        "INSERT INTO containers (tenant_id, external_id, lat, lon, fraction, volume_l)"
        " VALUES (%s, 'c1', 52, 4.4, 'residual', 3000) RETURNING id",
        (tenant_id,),
    ).fetchone()
    sql = (
        "INSERT INTO readings (tenant_id, device_id, container_id, measured_at, fill_fraction,"
        " source_format) VALUES (%s, 'd1', %s, '2026-11-25T06:00Z', 0.5, 'native')"
        " ON CONFLICT DO NOTHING"
    )
    first = db.execute(sql, (tenant_id, row["id"])).rowcount
    second = db.execute(sql, (tenant_id, row["id"])).rowcount
    assert (first, second) == (1, 0)
