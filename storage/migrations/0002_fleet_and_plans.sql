-- wasteroute fleet and plans: depots, vehicles, disposal sites, the selection policy, the
-- daily planning schedule, and versioned plans (plans -> plan_routes -> plan_stops, plus the
-- selection decision for every container seen). Documented in docs/schema.md and
-- docs/planning.md. Every tenant-owned row carries tenant_id.

CREATE TABLE depots (
    tenant_id   text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL,
    lat         double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lon         double precision NOT NULL CHECK (lon BETWEEN -180 AND 180),
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, name),
    UNIQUE (tenant_id, id)
);

CREATE TABLE vehicles (
    tenant_id             text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name                  text NOT NULL,
    depot_id              bigint NOT NULL,
    capacity_l            double precision NOT NULL CHECK (capacity_l > 0),
    capacity_kg           double precision NOT NULL CHECK (capacity_kg > 0),
    compaction_ratio      double precision NOT NULL DEFAULT 1.0 CHECK (compaction_ratio >= 1),
    shift_start           time NOT NULL DEFAULT '07:00',
    shift_end             time NOT NULL DEFAULT '15:30',
    break_start_earliest  time DEFAULT '11:30',
    break_start_latest    time DEFAULT '12:30',
    break_duration_s      integer NOT NULL DEFAULT 1800 CHECK (break_duration_s >= 0),
    max_stops             integer CHECK (max_stops > 0),
    max_load_kg_per_day   double precision CHECK (max_load_kg_per_day > 0),
    fractions             text[] NOT NULL DEFAULT '{}',  -- empty: every fraction
    active                boolean NOT NULL DEFAULT true,
    created_at            timestamptz NOT NULL DEFAULT now(),
    CHECK (shift_end > shift_start),
    UNIQUE (tenant_id, name),
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, depot_id) REFERENCES depots (tenant_id, id)
);

CREATE TABLE disposal_sites (
    tenant_id      text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name           text NOT NULL,
    lat            double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lon            double precision NOT NULL CHECK (lon BETWEEN -180 AND 180),
    unload_time_s  integer NOT NULL DEFAULT 900 CHECK (unload_time_s >= 0),
    fractions      text[] NOT NULL DEFAULT '{}',  -- empty: every fraction
    created_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, name),
    UNIQUE (tenant_id, id)
);

-- The selection policy per tenant and fraction; fraction '*' is the tenant's default.
-- Absent rows mean the built-in defaults (planning.SelectionPolicy).
CREATE TABLE selection_policies (
    tenant_id            text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    fraction             text NOT NULL,
    must_level           real NOT NULL DEFAULT 0.8 CHECK (must_level > 0 AND must_level <= 1.5),
    skip_level           real NOT NULL DEFAULT 0.5 CHECK (skip_level >= 0),
    collection_weekdays  smallint[] NOT NULL DEFAULT '{1,2,3,4,5}',  -- ISO: 1 = Monday
    prize_m              integer NOT NULL DEFAULT 20000 CHECK (prize_m >= 0),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, fraction),
    CHECK (skip_level < must_level)
);

-- When the daily plan runs, in the tenant's own time zone (tenants.timezone).
CREATE TABLE plan_schedules (
    tenant_id     text PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
    local_time    time NOT NULL DEFAULT '05:00',
    day_offset    smallint NOT NULL DEFAULT 0 CHECK (day_offset BETWEEN 0 AND 7),  -- 0: plan today
    time_limit_s  real NOT NULL DEFAULT 30 CHECK (time_limit_s > 0),
    auto_publish  boolean NOT NULL DEFAULT false,
    enabled       boolean NOT NULL DEFAULT true,
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- One row per tenant and plan date once the scheduler queued that day's jobs (idempotent).
CREATE TABLE plan_schedule_runs (
    tenant_id   text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    plan_date   date NOT NULL,
    queued_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, plan_date)
);

-- A plan for one tenant, day and fraction. Re-planning adds a version; nothing is replaced.
-- Status: draft -> published -> superseded (when a newer version is published). The content
-- of a plan (its routes, stops and decisions) is written once and never updated.
CREATE TABLE plans (
    tenant_id        text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    plan_date        date NOT NULL,
    fraction         text NOT NULL,
    version          integer NOT NULL CHECK (version > 0),
    status           text NOT NULL DEFAULT 'draft'
                     CHECK (status IN ('draft', 'published', 'superseded')),
    trigger          text NOT NULL DEFAULT 'cli',  -- cli | schedule | api
    forecast_at      timestamptz NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    published_at     timestamptz,
    containers_seen  integer NOT NULL,
    n_must           integer NOT NULL,
    n_optional       integer NOT NULL,
    n_skipped        integer NOT NULL,
    n_served         integer NOT NULL,
    vehicles_used    integer NOT NULL,
    distance_m       bigint NOT NULL,
    duration_s       bigint NOT NULL,
    objective        bigint NOT NULL,
    solver_status    text NOT NULL,
    solve_time_s     real NOT NULL,
    first_feasible_s real,
    total_time_s     real,
    params           jsonb NOT NULL DEFAULT '{}',
    UNIQUE (tenant_id, plan_date, fraction, version),
    UNIQUE (tenant_id, id)
);
CREATE INDEX plans_tenant_date ON plans (tenant_id, plan_date DESC, fraction);
CREATE UNIQUE INDEX plans_one_published ON plans (tenant_id, plan_date, fraction)
    WHERE status = 'published';

CREATE TABLE plan_routes (
    tenant_id       text NOT NULL,
    id              bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    plan_id         bigint NOT NULL,
    route_no        integer NOT NULL,
    vehicle_id      bigint NOT NULL,
    start_at        timestamptz NOT NULL,
    end_at          timestamptz NOT NULL,
    break_start_at  timestamptz,
    distance_m      bigint NOT NULL,
    duration_s      bigint NOT NULL,
    n_containers    integer NOT NULL,
    n_unloads       integer NOT NULL,
    PRIMARY KEY (plan_id, route_no),
    FOREIGN KEY (tenant_id, plan_id) REFERENCES plans (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, vehicle_id) REFERENCES vehicles (tenant_id, id)
);
CREATE INDEX plan_routes_vehicle ON plan_routes (tenant_id, vehicle_id);

-- The stops of a route in order: a container to empty, or an unload at a disposal site.
-- Loads are on board after the stop (0 after an unload).
CREATE TABLE plan_stops (
    tenant_id         text NOT NULL,
    id                bigint GENERATED ALWAYS AS IDENTITY UNIQUE,  -- stop_events.stop_id
    plan_id           bigint NOT NULL,
    route_no          integer NOT NULL,
    seq               integer NOT NULL,
    kind              text NOT NULL CHECK (kind IN ('container', 'disposal')),
    container_id      bigint,
    disposal_site_id  bigint,
    eta               timestamptz NOT NULL,  -- arrival
    start_at          timestamptz NOT NULL,  -- service start (after any wait)
    departure_at      timestamptz NOT NULL,
    load_l            double precision NOT NULL,
    load_kg           double precision NOT NULL,
    PRIMARY KEY (plan_id, route_no, seq),
    FOREIGN KEY (plan_id, route_no) REFERENCES plan_routes (plan_id, route_no) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, container_id) REFERENCES containers (tenant_id, id),
    FOREIGN KEY (tenant_id, disposal_site_id) REFERENCES disposal_sites (tenant_id, id),
    CHECK ((kind = 'container') = (container_id IS NOT NULL)),
    CHECK ((kind = 'disposal') = (disposal_site_id IS NOT NULL))
);
CREATE INDEX plan_stops_container ON plan_stops (tenant_id, container_id);

-- Why each container seen was (or was not) put in the plan, with its forecast and health.
CREATE TABLE plan_decisions (
    tenant_id            text NOT NULL,
    plan_id              bigint NOT NULL,
    container_id         bigint NOT NULL,
    decision             text NOT NULL CHECK (decision IN ('must', 'optional', 'skip')),
    reason               text NOT NULL,
    prize_m              integer NOT NULL DEFAULT 0,
    fill_now             real,
    fill_at_service      real,
    fill_at_next_chance  real,
    filling_speed_per_day real,      -- uCIFI averageFillingSpeed, as a fraction per day
    forecast_full_at     timestamptz, -- uCIFI forecastFullDate
    forecast_method      text NOT NULL,
    health               text[] NOT NULL DEFAULT '{}',
    served               boolean NOT NULL,
    unserved_reason      text,
    PRIMARY KEY (plan_id, container_id),
    FOREIGN KEY (tenant_id, plan_id) REFERENCES plans (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, container_id) REFERENCES containers (tenant_id, id) ON DELETE CASCADE
);

-- A plan's content never changes; its status only moves forward.
CREATE FUNCTION plans_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF to_jsonb(NEW) - 'status' - 'published_at' IS DISTINCT FROM
       to_jsonb(OLD) - 'status' - 'published_at' THEN
        RAISE EXCEPTION 'plan % is immutable; re-plan to make a new version', OLD.id;
    END IF;
    IF NOT ((OLD.status = NEW.status)
            OR (OLD.status = 'draft' AND NEW.status = 'published')
            OR (OLD.status = 'published' AND NEW.status = 'superseded')) THEN
        RAISE EXCEPTION 'plan %: status cannot go from % to %', OLD.id, OLD.status, NEW.status;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER plans_guard BEFORE UPDATE ON plans FOR EACH ROW EXECUTE FUNCTION plans_guard();

CREATE FUNCTION plan_content_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% rows are written once with their plan and never updated', TG_TABLE_NAME;
END $$;
CREATE TRIGGER plan_routes_guard BEFORE UPDATE ON plan_routes
    FOR EACH ROW EXECUTE FUNCTION plan_content_guard();
CREATE TRIGGER plan_stops_guard BEFORE UPDATE ON plan_stops
    FOR EACH ROW EXECUTE FUNCTION plan_content_guard();
CREATE TRIGGER plan_decisions_guard BEFORE UPDATE ON plan_decisions
    FOR EACH ROW EXECUTE FUNCTION plan_content_guard();
