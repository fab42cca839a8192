-- Import jobs (P1.7): one row per job with its state, counts, first failures and heartbeat. A job's
-- batches are stored in the same transaction as its progress, so its counts are what is stored.
-- A live job (queued or running) whose heartbeat is older than the lease is swept as interrupted.

CREATE TABLE import_jobs (
    id            TEXT PRIMARY KEY NOT NULL,
    collection_id TEXT NOT NULL REFERENCES collections (id),
    user_id       TEXT NOT NULL REFERENCES users (id),
    org_id        TEXT NOT NULL REFERENCES organisations (id),
    state         TEXT NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed')),
    -- The TLP label asked for unmarked objects (else the collection's default).
    tlp           TEXT,
    bytes_total   INTEGER,
    bytes_read    INTEGER NOT NULL,
    read          INTEGER NOT NULL,
    stored        INTEGER NOT NULL,
    skipped       INTEGER NOT NULL,
    failed        INTEGER NOT NULL,
    warnings      INTEGER NOT NULL,
    -- The first failures, a JSON array of {index, id, path, message}.
    failures      TEXT NOT NULL,
    error         TEXT,
    created_at    TEXT NOT NULL,
    started_at    TEXT,
    finished_at   TEXT,
    heartbeat_at  TEXT NOT NULL
) STRICT;
-- The sweep of interrupted jobs reads the live ones by heartbeat.
CREATE INDEX import_jobs_live ON import_jobs (heartbeat_at) WHERE state IN ('queued', 'running');
