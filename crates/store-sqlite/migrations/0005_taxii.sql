-- TAXII 2.1 (P1.8): deletions of object versions and the status resources of TAXII posts.
--
-- `intel_clock` is the high-water mark of `date_added`: every insert of objects gives its versions
-- times after `last_added` (and after every stored one), so a deletion of the newest objects never
-- lets a later write reuse a `date_added` a reader may already hold as its cursor.
CREATE TABLE intel_clock (
    id          INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    last_added  TEXT
) STRICT;
INSERT INTO intel_clock (id, last_added) SELECT 1, max(date_added) FROM objects;

-- One row per deleted object version, in the order deleted (`seq`): the deletion feed the match
-- index polls so that a deleted indicator stops hitting, on every app node.
CREATE TABLE object_deletions (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    collection_id  TEXT NOT NULL REFERENCES collections (id),
    stix_id        TEXT NOT NULL,
    version        TEXT NOT NULL,
    deleted_at     TEXT NOT NULL
) STRICT;

-- The status resource of each TAXII post, kept for the configured retention (`created_at`), read
-- only by its poster's organisation. `body` is the status as JSON.
CREATE TABLE taxii_status (
    id             TEXT PRIMARY KEY NOT NULL,
    org_id         TEXT NOT NULL REFERENCES organisations (id),
    collection_id  TEXT NOT NULL REFERENCES collections (id),
    created_at     TEXT NOT NULL,
    body           TEXT NOT NULL
) STRICT;
CREATE INDEX taxii_status_created ON taxii_status (created_at);
