-- The push retry queue: object versions a peer still failed after a round's own retries, pushed
-- again by later rounds with backoff until the peer accepts them or the attempts run out. One
-- entry per peer, local collection and id (a newer failed version replaces an older one).
CREATE TABLE peer_push_retries (
    peer_id           TEXT NOT NULL REFERENCES peers (id) ON DELETE CASCADE,
    local_collection  TEXT NOT NULL,
    remote_collection TEXT NOT NULL,
    stix_id           TEXT NOT NULL,
    version           TEXT NOT NULL,
    attempts          INTEGER NOT NULL,
    next_at           TEXT NOT NULL,
    last_error        TEXT,
    PRIMARY KEY (peer_id, local_collection, stix_id)
) STRICT;

CREATE INDEX peer_push_retries_due ON peer_push_retries (peer_id, next_at);
