-- Network-server applications of a tenant (The Things Stack, ChirpStack), so the topic of an
-- uplink decides its tenant as well as its device (docs/ingest.md, "Tenants of LoRaWAN
-- uplinks"). `application` is the topic level that names it: TTS `{app}@{tts-tenant}` of
-- `v3/{app}@{tts-tenant}/devices/...`, ChirpStack the application id of
-- `application/{id}/device/...`. An application belongs to at most one tenant.
CREATE TABLE IF NOT EXISTS ingest_applications (
    source_format  text NOT NULL CHECK (source_format IN ('tts-v3', 'chirpstack-v4')),
    application    text NOT NULL CHECK (length(application) BETWEEN 1 AND 128),
    tenant_id      text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source_format, application)
);
CREATE INDEX IF NOT EXISTS ingest_applications_tenant ON ingest_applications (tenant_id);
