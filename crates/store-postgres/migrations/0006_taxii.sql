-- TAXII 2.1 (P1.8): deletions of object versions and the status resources of TAXII posts.
-- (`intel_clock.last_added` already survives deletions: 0003.)

-- One row per deleted object version. `seq` is taken under the intel_clock lock (deletions queue on
-- it like inserts), so it grows in commit order: the deletion feed the match index polls so that a
-- deleted indicator stops hitting, on every app node.
CREATE TABLE object_deletions (
    seq            BIGSERIAL PRIMARY KEY,
    collection_id  UUID NOT NULL REFERENCES collections (id),
    stix_id        TEXT NOT NULL,
    version        TIMESTAMPTZ NOT NULL,
    deleted_at     TIMESTAMPTZ NOT NULL
);

-- The status resource of each TAXII post, kept for the configured retention (`created_at`), read
-- only by its poster's organisation. `body` is the status as JSON text.
CREATE TABLE taxii_status (
    id             UUID PRIMARY KEY,
    org_id         UUID NOT NULL REFERENCES organisations (id),
    collection_id  UUID NOT NULL REFERENCES collections (id),
    created_at     TIMESTAMPTZ NOT NULL,
    body           TEXT NOT NULL
);
CREATE INDEX taxii_status_created ON taxii_status (created_at);
