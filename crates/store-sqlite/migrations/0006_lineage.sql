-- An object's versions are a lineage per producing organisation: a version is keyed by
-- (collection, id, producer organisation, version), so another organisation posting the same id and
-- version stores its own version instead of being told "already stored" about a row it may not see,
-- and "the newest version" is decided within one producer's lineage (a newer version by another
-- organisation never hides or replaces the producer's).
--
-- SQLite cannot change a UNIQUE constraint in place: the table is rebuilt by its documented
-- procedure (the runner turns foreign key enforcement off around this migration and checks the
-- keys before committing). `seq` values are kept: the side tables and the search text refer to them.

CREATE TABLE objects_lineage (
    seq            INTEGER PRIMARY KEY NOT NULL,
    collection_id  TEXT NOT NULL REFERENCES collections (id),
    stix_id        TEXT NOT NULL,
    stix_type      TEXT NOT NULL,
    -- `modified`, or `created` for objects without it (the TAXII version).
    version        TEXT NOT NULL,
    date_added     TEXT NOT NULL UNIQUE,
    spec_version   TEXT NOT NULL,
    producer_org   TEXT NOT NULL REFERENCES organisations (id),
    producer_user  TEXT NOT NULL REFERENCES users (id),
    tlp            TEXT NOT NULL CHECK (tlp IN ('TLP:CLEAR', 'TLP:GREEN', 'TLP:AMBER', 'TLP:AMBER+STRICT', 'TLP:RED')),
    pap            TEXT,
    revoked        INTEGER NOT NULL CHECK (revoked IN (0, 1)),
    -- Whether `object_recipients` names any user: then they are the object's whole audience.
    has_recipients INTEGER NOT NULL CHECK (has_recipients IN (0, 1)),
    -- Exactly as received.
    json           TEXT NOT NULL,
    -- Also the index of "the newest (oldest) version of this lineage" (`latest_only`,
    -- `match[version]`, changes and the deletion feed).
    UNIQUE (collection_id, stix_id, producer_org, version)
) STRICT;

INSERT INTO objects_lineage (seq, collection_id, stix_id, stix_type, version, date_added,
    spec_version, producer_org, producer_user, tlp, pap, revoked, has_recipients, json)
SELECT seq, collection_id, stix_id, stix_type, version, date_added,
    spec_version, producer_org, producer_user, tlp, pap, revoked, has_recipients, json
FROM objects;

DROP TABLE objects;
ALTER TABLE objects_lineage RENAME TO objects;

-- The indexes of 0002, as they were.
CREATE INDEX objects_collection_added ON objects (collection_id, date_added);
CREATE INDEX objects_type_added ON objects (stix_type, date_added);
CREATE INDEX objects_stix_id ON objects (stix_id, version);
CREATE INDEX objects_producer_added ON objects (producer_org, date_added);

-- The producing organisation of each deleted version, so that the match index drops the version
-- of that lineage only. Unknown (NULL) for deletions recorded before this migration: those
-- versions were already gone from `objects`, so nothing an index loads from `objects` was deleted by them.
ALTER TABLE object_deletions ADD COLUMN producer_org TEXT REFERENCES organisations (id);
