-- simpul's PostgreSQL schema, version 1. Mirrors crates/store-sqlite/migrations/0001_init.sql.
-- Timestamps are TIMESTAMPTZ (microsecond precision, which is what the service writes).

CREATE TABLE simpul_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE organisations (
    id          UUID PRIMARY KEY,
    name        TEXT NOT NULL,
    short_name  TEXT NOT NULL,
    kind        TEXT NOT NULL,
    country     TEXT,
    status      TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE UNIQUE INDEX organisations_short_name ON organisations (lower(short_name));

CREATE TABLE communities (
    id           UUID PRIMARY KEY,
    name         TEXT NOT NULL,
    description  TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    CONSTRAINT communities_name UNIQUE (name)
);

CREATE TABLE community_members (
    community_id  UUID NOT NULL REFERENCES communities (id),
    org_id        UUID NOT NULL REFERENCES organisations (id),
    PRIMARY KEY (community_id, org_id)
);

CREATE INDEX community_members_org ON community_members (org_id);

CREATE TABLE users (
    id             UUID PRIMARY KEY,
    email          TEXT NOT NULL,
    display_name   TEXT NOT NULL,
    org_id         UUID NOT NULL REFERENCES organisations (id),
    role           TEXT NOT NULL,
    status         TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    CONSTRAINT users_email UNIQUE (email),
    CONSTRAINT users_email_lower CHECK (email = lower(email))
);

CREATE INDEX users_org ON users (org_id);

CREATE TABLE api_tokens (
    id            UUID PRIMARY KEY,
    user_id       UUID NOT NULL REFERENCES users (id),
    name          TEXT NOT NULL,
    hash          BYTEA NOT NULL,
    scopes        SMALLINT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    expires_at    TIMESTAMPTZ,
    last_used_at  TIMESTAMPTZ,
    revoked_at    TIMESTAMPTZ,
    CONSTRAINT api_tokens_hash UNIQUE (hash)
);

CREATE INDEX api_tokens_user ON api_tokens (user_id, created_at);

CREATE TABLE sessions (
    hash          BYTEA PRIMARY KEY,
    user_id       UUID NOT NULL REFERENCES users (id),
    csrf_token    TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    last_seen_at  TIMESTAMPTZ NOT NULL
);

CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE login_failures (
    key      TEXT PRIMARY KEY,
    count    INTEGER NOT NULL,
    last_at  TIMESTAMPTZ NOT NULL
);

-- The audit log: append-only and hash-chained (see simpul_core::audit). `details` keeps the exact JSON
-- text that was hashed, so it is TEXT rather than JSONB (which would normalise it). Changing or removing
-- an entry needs dropping the triggers below first, and `simpul audit verify` still finds any change.
CREATE TABLE audit_log (
    seq         BIGINT PRIMARY KEY,
    at          TIMESTAMPTZ NOT NULL,
    actor       TEXT NOT NULL,
    actor_org   UUID,
    source      TEXT,
    action      TEXT NOT NULL,
    target      TEXT,
    target_org  UUID,
    details     TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);

CREATE INDEX audit_log_actor_org ON audit_log (actor_org, seq);
CREATE INDEX audit_log_target_org ON audit_log (target_org, seq);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only (% refused)', TG_OP;
END;
$$;

CREATE TRIGGER audit_log_no_update_or_delete
    BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

CREATE TRIGGER audit_log_no_truncate
    BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
