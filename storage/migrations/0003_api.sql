-- wasteroute API: users and roles, API keys, login attempts, stop events, device credentials.
-- Every tenant-owned row carries tenant_id. Hashes only: no password, key or secret is stored.

-- People who log in. Operators run the shared deployment and belong to no tenant; planners and
-- drivers belong to one. A driver is linked to the vehicle whose routes they may see.
CREATE TABLE users (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id      text REFERENCES tenants(id) ON DELETE CASCADE,
    username       text NOT NULL CHECK (username ~ '^[A-Za-z0-9][A-Za-z0-9._@-]{1,99}$'),
    password_hash  text NOT NULL,
    role           text NOT NULL CHECK (role IN ('operator', 'planner', 'driver')),
    vehicle_id     bigint,
    full_name      text,
    active         boolean NOT NULL DEFAULT true,
    created_at     timestamptz NOT NULL DEFAULT now(),
    CHECK ((role = 'operator') = (tenant_id IS NULL)),
    CHECK (role = 'driver' OR vehicle_id IS NULL)
);
CREATE UNIQUE INDEX users_username ON users (lower(username));
CREATE INDEX users_tenant ON users (tenant_id);

-- Machine clients (integrations, the simulator, dashboards). The key is shown once; we keep
-- its public prefix (to find the row) and an argon2 hash of the whole key.
CREATE TABLE api_keys (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id     text REFERENCES tenants(id) ON DELETE CASCADE,
    name          text NOT NULL,
    prefix        text NOT NULL UNIQUE,
    key_hash      text NOT NULL,
    role          text NOT NULL CHECK (role IN ('operator', 'planner', 'driver')),
    vehicle_id    bigint,
    created_at    timestamptz NOT NULL DEFAULT now(),
    revoked_at    timestamptz,
    last_used_at  timestamptz,
    CHECK ((role = 'operator') = (tenant_id IS NULL))
);
CREATE INDEX api_keys_tenant ON api_keys (tenant_id);

-- Every login attempt, for rate limiting (per username and per client address).
CREATE TABLE login_attempts (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username      text NOT NULL,
    client_ip     text NOT NULL,
    succeeded     boolean NOT NULL,
    attempted_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_attempts_user ON login_attempts (lower(username), attempted_at DESC);
CREATE INDEX login_attempts_ip ON login_attempts (client_ip, attempted_at DESC);

-- What drivers report from their tablets. Idempotent: the tablet makes up event_id (a UUID)
-- and a retry with the same id adds nothing.
CREATE TABLE stop_events (
    tenant_id               text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id                uuid NOT NULL,
    kind                    text NOT NULL CHECK (kind IN ('emptied', 'skipped', 'disposal')),
    occurred_at             timestamptz NOT NULL,
    received_at             timestamptz NOT NULL DEFAULT now(),
    user_id                 bigint REFERENCES users(id) ON DELETE SET NULL,
    vehicle_id              bigint,
    plan_id                 bigint,
    stop_id                 bigint,
    container_id            bigint,
    disposal_site_id        bigint,
    observed_fill_fraction  real CHECK (observed_fill_fraction BETWEEN 0 AND 2),
    sensor_fill_fraction    real,
    skip_reason             text CHECK (skip_reason IN ('blocked', 'broken', 'not_out', 'already_empty')),
    weight_kg               real CHECK (weight_kg >= 0),
    note                    text,
    UNIQUE (tenant_id, event_id),
    FOREIGN KEY (tenant_id, container_id) REFERENCES containers (tenant_id, id) ON DELETE CASCADE,
    CHECK (kind <> 'emptied' OR container_id IS NOT NULL),
    CHECK (kind <> 'skipped' OR (container_id IS NOT NULL AND skip_reason IS NOT NULL)),
    CHECK (kind <> 'disposal' OR weight_kg IS NOT NULL)
);
CREATE INDEX stop_events_time ON stop_events (tenant_id, occurred_at DESC);
CREATE INDEX stop_events_container ON stop_events (tenant_id, container_id, occurred_at DESC);

-- Broker credentials of each sensor. The hash is in Mosquitto's own PBKDF2-SHA512 format
-- ($7$...), so `wasteroute devices broker-files` can write a Mosquitto password file from it.
CREATE TABLE device_credentials (
    tenant_id      text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    device_id      text PRIMARY KEY REFERENCES devices(device_id) ON DELETE CASCADE,
    username       text NOT NULL UNIQUE,
    password_hash  text NOT NULL,
    rotated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX device_credentials_tenant ON device_credentials (tenant_id);

-- A driver's vehicle, where the fleet tables exist (0002_fleet_and_plans).
DO $$
BEGIN
    IF to_regclass('vehicles') IS NOT NULL THEN
        ALTER TABLE users ADD FOREIGN KEY (vehicle_id) REFERENCES vehicles(id) ON DELETE SET NULL;
        ALTER TABLE api_keys ADD FOREIGN KEY (vehicle_id) REFERENCES vehicles(id) ON DELETE SET NULL;
    END IF;
END $$;
