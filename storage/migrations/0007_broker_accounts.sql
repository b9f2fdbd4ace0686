-- Broker accounts in namespaces of their own (docs/security.md, "Sensors and the MQTT broker").
-- A sensor's broker username is `dev.{tenant}.{device_id}` (it was the bare device id, so a
-- device named like a service account, `wasteroute-ingest`, took that account over); a
-- tenant's network-server integration (The Things Stack, ChirpStack) publishes as
-- `int.{tenant}`. Service accounts (the ingest) are never in these namespaces.
UPDATE device_credentials SET username = 'dev.' || tenant_id || '.' || device_id
 WHERE username IS DISTINCT FROM 'dev.' || tenant_id || '.' || device_id;

-- One integration account per tenant: Mosquitto's PBKDF2-SHA512 hash of its password.
CREATE TABLE IF NOT EXISTS integration_credentials (
    tenant_id      text PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
    password_hash  text NOT NULL,
    rotated_at     timestamptz NOT NULL DEFAULT now()
);
