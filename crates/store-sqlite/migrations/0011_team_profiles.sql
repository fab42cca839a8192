-- RFC 2350 team profiles (P2.1): one per organisation, the validated document as JSON; `publish`
-- (whether nobody signed in may read it) and `updated_at` are columns for the queries that need them.
CREATE TABLE team_profiles (
    org_id     TEXT PRIMARY KEY NOT NULL REFERENCES organisations (id),
    document   TEXT NOT NULL CHECK (json_valid(document)),
    publish    INTEGER NOT NULL CHECK (publish IN (0, 1)),
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
) STRICT;

CREATE INDEX team_profiles_updated_at ON team_profiles (updated_at);
