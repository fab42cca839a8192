-- RFC 2350 team profiles (P2.1): one per organisation, the validated document as JSON; `publish`
-- (whether nobody signed in may read it) and `updated_at` are columns for the queries that need them.
CREATE TABLE team_profiles (
    org_id     UUID PRIMARY KEY NOT NULL REFERENCES organisations (id),
    document   JSONB NOT NULL,
    publish    BOOLEAN NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    updated_by TEXT NOT NULL
);

CREATE INDEX team_profiles_updated_at ON team_profiles (updated_at);
