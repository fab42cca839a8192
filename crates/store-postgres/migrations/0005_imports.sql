-- Import jobs (P1.7): one row per job with its state, counts, first failures and heartbeat. A job's
-- batches are stored in the same transaction as its progress, so its counts are what is stored.
-- A live job (queued or running) whose heartbeat is older than the lease is swept as interrupted
-- by whichever app node looks first (the update is conditional, so only one marks it).

CREATE TABLE import_jobs (
    id             UUID PRIMARY KEY,
    collection_id  UUID NOT NULL REFERENCES collections (id),
    user_id        UUID NOT NULL REFERENCES users (id),
    org_id         UUID NOT NULL REFERENCES organisations (id),
    state          TEXT NOT NULL,
    -- The TLP label asked for unmarked objects (else the collection's default).
    tlp            TEXT,
    bytes_total    BIGINT,
    bytes_read     BIGINT NOT NULL,
    read           BIGINT NOT NULL,
    stored         BIGINT NOT NULL,
    skipped        BIGINT NOT NULL,
    failed         BIGINT NOT NULL,
    warnings       BIGINT NOT NULL,
    -- The first failures, a JSON array of {index, id, path, message} (as text, read back as is).
    failures       TEXT NOT NULL,
    error          TEXT,
    created_at     TIMESTAMPTZ NOT NULL,
    started_at     TIMESTAMPTZ,
    finished_at    TIMESTAMPTZ,
    heartbeat_at   TIMESTAMPTZ NOT NULL,
    CONSTRAINT import_jobs_state CHECK (state IN ('queued', 'running', 'succeeded', 'failed'))
);

-- The sweep of interrupted jobs reads the live ones by heartbeat.
CREATE INDEX import_jobs_live ON import_jobs (heartbeat_at) WHERE state IN ('queued', 'running');
