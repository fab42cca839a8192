-- Federation (P1.10): peers with their sealed credentials and status, the resumable cursors of
-- their collections, and the provenance of object versions that arrived from a peer.

-- `sealed_auth` is the peer's credentials sealed under the federation key (which is never stored
-- here: it is in the configuration or a key file of the data directory).
CREATE TABLE peers (
    id             TEXT PRIMARY KEY NOT NULL,
    name           TEXT NOT NULL UNIQUE,
    url            TEXT NOT NULL,
    auth_kind      TEXT NOT NULL CHECK (auth_kind IN ('token', 'basic')),
    sealed_auth    TEXT NOT NULL,
    direction      TEXT NOT NULL CHECK (direction IN ('pull', 'push', 'both')),
    maps           TEXT NOT NULL,
    interval_secs  INTEGER NOT NULL,
    act_as         TEXT NOT NULL REFERENCES users (id),
    created_at     TEXT NOT NULL,
    last_sync      TEXT,
    last_success   TEXT,
    objects_in     INTEGER NOT NULL DEFAULT 0,
    objects_out    INTEGER NOT NULL DEFAULT 0,
    refused        INTEGER NOT NULL DEFAULT 0,
    errors         INTEGER NOT NULL DEFAULT 0,
    last_error     TEXT,
    lease_until    TEXT
) STRICT;

-- One cursor per peer, direction and collection (the remote collection id for pulls, the local
-- one for pushes).
CREATE TABLE peer_cursors (
    peer_id     TEXT NOT NULL REFERENCES peers (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('pull', 'push')),
    collection  TEXT NOT NULL,
    value       TEXT NOT NULL,
    PRIMARY KEY (peer_id, kind, collection)
) STRICT;

-- Where a version (collection, id, producing organisation, version) came from: the peer that
-- delivered it (kept when the peer is removed) and its original producer.
CREATE TABLE object_provenance (
    collection_id  TEXT NOT NULL REFERENCES collections (id),
    stix_id        TEXT NOT NULL,
    producer_org   TEXT NOT NULL REFERENCES organisations (id),
    version        TEXT NOT NULL,
    peer_id        TEXT NOT NULL,
    origin         TEXT NOT NULL,
    PRIMARY KEY (collection_id, stix_id, producer_org, version)
) STRICT;
