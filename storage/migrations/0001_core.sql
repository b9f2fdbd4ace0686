-- wasteroute core schema: tenants, containers, devices, readings, latest state, rejected messages.
-- Every tenant-owned row carries tenant_id. Documented in docs/schema.md.

CREATE TABLE tenants (
    id          text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
    name        text NOT NULL,
    timezone    text NOT NULL DEFAULT 'Europe/Amsterdam',
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE containers (
    tenant_id       text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    external_id     text NOT NULL,
    lat             double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lon             double precision NOT NULL CHECK (lon BETWEEN -180 AND 180),
    fraction        text NOT NULL,
    volume_l        double precision NOT NULL CHECK (volume_l > 0),
    depth_mm        double precision CHECK (depth_mm > 0),
    model           text,
    service_time_s  integer NOT NULL DEFAULT 120 CHECK (service_time_s >= 0),
    open_from       time,
    open_until      time,
    address         text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, external_id),
    UNIQUE (tenant_id, id)
);
CREATE INDEX containers_tenant_fraction ON containers (tenant_id, fraction);

-- A sensor. device_id and dev_eui are unique across the deployment, because LoRaWAN network
-- servers identify a device by them without our tenant.
CREATE TABLE devices (
    tenant_id     text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    device_id     text PRIMARY KEY,
    dev_eui       text UNIQUE CHECK (dev_eui = lower(dev_eui)),
    container_id  bigint NOT NULL,
    model         text,
    active        boolean NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (tenant_id, container_id) REFERENCES containers (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX devices_container ON devices (tenant_id, container_id);

-- Every accepted reading. A TimescaleDB hypertable where the extension exists (see below).
-- Unique on (device_id, measured_at): a redelivered reading adds no row.
CREATE TABLE readings (
    tenant_id      text NOT NULL,
    device_id      text NOT NULL,
    container_id   bigint NOT NULL,
    measured_at    timestamptz NOT NULL,
    received_at    timestamptz NOT NULL DEFAULT now(),
    fill_fraction  real NOT NULL CHECK (fill_fraction BETWEEN 0 AND 1),
    distance_mm    real,
    temperature_c  real,
    battery_pct    real,
    tilt           boolean,
    rssi_dbm       real,
    snr_db         real,
    source_format  text NOT NULL
);
CREATE UNIQUE INDEX readings_device_time ON readings (device_id, measured_at);
CREATE INDEX readings_container_time ON readings (tenant_id, container_id, measured_at DESC);

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb')
       AND current_setting('shared_preload_libraries', true) LIKE '%timescaledb%' THEN
        CREATE EXTENSION IF NOT EXISTS timescaledb;
        PERFORM create_hypertable('readings', 'measured_at',
                                  chunk_time_interval => interval '7 days',
                                  migrate_data => true);
    END IF;
END $$;

-- The latest known state of each container, kept by the ingest (and reset by emptyings).
CREATE TABLE container_state (
    tenant_id            text NOT NULL,
    container_id         bigint PRIMARY KEY,
    measured_at          timestamptz,
    fill_fraction        real,
    temperature_c        real,
    battery_pct          real,
    tilt                 boolean,
    rssi_dbm             real,
    fire_alarm           boolean NOT NULL DEFAULT false,
    tilt_alarm           boolean NOT NULL DEFAULT false,
    report_alarm         boolean NOT NULL DEFAULT false,
    date_last_emptying   timestamptz,
    updated_at           timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (tenant_id, container_id) REFERENCES containers (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX container_state_tenant ON container_state (tenant_id);

-- Messages the ingest could not accept, with the reason and the (truncated) raw payload.
CREATE TABLE rejected_messages (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id    text,
    received_at  timestamptz NOT NULL DEFAULT now(),
    topic        text NOT NULL,
    reason       text NOT NULL,
    detail       text,
    payload      bytea NOT NULL
);
CREATE INDEX rejected_messages_time ON rejected_messages (received_at DESC);
CREATE INDEX rejected_messages_tenant ON rejected_messages (tenant_id, received_at DESC);
