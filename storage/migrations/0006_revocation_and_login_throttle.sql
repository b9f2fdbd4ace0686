-- Revocation that takes effect at once, and a login limiter that holds (issue 17, items 4, 7).

-- Each user's tokens carry its token_version (the JWT's `ver`); the API accepts a token only
-- while it equals the user's current one. Any change to who the user is or what it may do
-- (password, role, vehicle, active, tenant, username) bumps it, whoever makes the change: the
-- API, the CLI, plain SQL, or ON DELETE SET NULL when its vehicle is deleted.
ALTER TABLE users ADD COLUMN token_version integer NOT NULL DEFAULT 1;

CREATE FUNCTION users_bump_token_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.password_hash IS DISTINCT FROM OLD.password_hash
       OR NEW.role IS DISTINCT FROM OLD.role
       OR NEW.vehicle_id IS DISTINCT FROM OLD.vehicle_id
       OR NEW.active IS DISTINCT FROM OLD.active
       OR NEW.tenant_id IS DISTINCT FROM OLD.tenant_id
       OR lower(NEW.username) IS DISTINCT FROM lower(OLD.username) THEN
        NEW.token_version := OLD.token_version + 1;
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER users_token_version BEFORE UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION users_bump_token_version();

-- Every API process LISTENs on this channel and drops what it remembers of a user or key
-- the moment a change to it commits ('user:<id>' or 'key:<id>').
CREATE FUNCTION users_notify_credentials() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR NEW.token_version <> OLD.token_version THEN
        PERFORM pg_notify('wasteroute_credentials', 'user:' || OLD.id);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER users_credentials_changed AFTER UPDATE OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION users_notify_credentials();

-- An API key belongs to a user (its owner): the planner who made it, or the driver it was made
-- for. It works only while the owner exists, is active and may still do what the key does
-- (storage/api_keys.py has the rule). Keys made before this migration have no owner and stop
-- working: make new ones.
ALTER TABLE api_keys ADD COLUMN owner_id bigint REFERENCES users(id) ON DELETE SET NULL;
CREATE INDEX api_keys_owner ON api_keys (owner_id);

CREATE FUNCTION api_keys_notify_credentials() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE'
       OR NEW.revoked_at IS DISTINCT FROM OLD.revoked_at
       OR NEW.owner_id IS DISTINCT FROM OLD.owner_id
       OR NEW.role IS DISTINCT FROM OLD.role
       OR NEW.vehicle_id IS DISTINCT FROM OLD.vehicle_id THEN
        PERFORM pg_notify('wasteroute_credentials', 'key:' || OLD.id);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER api_keys_credentials_changed AFTER UPDATE OR DELETE ON api_keys
    FOR EACH ROW EXECUTE FUNCTION api_keys_notify_credentials();

-- Login throttling: one row per counted subject, updated by a single INSERT ... ON CONFLICT
-- DO UPDATE ... RETURNING, so parallel attempts are counted one by one (storage/login_throttle.py).
-- scope: 'user_ip' (username + client address), 'ip' (client address), 'user' (username).
CREATE TABLE login_throttle (
    scope              text NOT NULL CHECK (scope IN ('user_ip', 'ip', 'user')),
    subject            text NOT NULL,
    failures           integer NOT NULL DEFAULT 0,
    window_started_at  timestamptz NOT NULL DEFAULT now(),
    last_success_at    timestamptz,
    PRIMARY KEY (scope, subject)
);
