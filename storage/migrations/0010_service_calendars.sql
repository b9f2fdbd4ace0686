-- Service calendars (domain.service_calendar): per tenant, a default ('*') and per-fraction
-- calendars: served weekdays, holiday options and rule, shift times, closed dates. The spec
-- is the calendar's JSON form (domain.service_calendar.calendar_to_dict), validated by the
-- domain before it is stored.
CREATE TABLE IF NOT EXISTS service_calendars (
    tenant_id  text        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    fraction   text        NOT NULL DEFAULT '*',
    spec       jsonb       NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, fraction)
);
