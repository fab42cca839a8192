-- The intelligence exchange: collections and every version of every shared STIX object, with the
-- facts the sharing policy reads (producer, TLP, recipients, the collection's audience), the
-- canonical observables each yields, and its search text.
--
-- TLP levels are their TLP 2.0 labels (`TLP:AMBER+STRICT`), timestamps RFC 3339 text with six
-- fractional digits in UTC (they sort as text), ids hyphenated uuid text.

CREATE TABLE collections (
    id            TEXT PRIMARY KEY NOT NULL,
    title         TEXT NOT NULL,
    -- Unique when present (SQLite lets several rows have none).
    alias         TEXT UNIQUE,
    description   TEXT NOT NULL,
    audience_kind TEXT NOT NULL CHECK (audience_kind IN ('community', 'orgs', 'users')),
    community_id  TEXT REFERENCES communities (id),
    default_tlp   TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    CHECK ((audience_kind = 'community') = (community_id IS NOT NULL))
) STRICT;
CREATE INDEX collections_title ON collections (title, id);
CREATE INDEX collections_community ON collections (community_id) WHERE community_id IS NOT NULL;

-- The organisations of an `orgs` audience.
CREATE TABLE collection_orgs (
    collection_id TEXT NOT NULL REFERENCES collections (id),
    org_id        TEXT NOT NULL REFERENCES organisations (id),
    PRIMARY KEY (collection_id, org_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX collection_orgs_org ON collection_orgs (org_id);

-- The users of a `users` audience.
CREATE TABLE collection_users (
    collection_id TEXT NOT NULL REFERENCES collections (id),
    user_id       TEXT NOT NULL REFERENCES users (id),
    PRIMARY KEY (collection_id, user_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX collection_users_user ON collection_users (user_id);

-- Organisations of the audience that may read but not write.
CREATE TABLE collection_read_only_orgs (
    collection_id TEXT NOT NULL REFERENCES collections (id),
    org_id        TEXT NOT NULL REFERENCES organisations (id),
    PRIMARY KEY (collection_id, org_id)
) STRICT, WITHOUT ROWID;

-- One row per stored object version. `seq` is the rowid (the key of the side tables and of the
-- search text); `date_added` is strictly increasing across the store, so it orders and pages
-- (TAXII `added_after` and `next`, REST cursors) with the same order as `seq`.
CREATE TABLE objects (
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
    UNIQUE (collection_id, stix_id, version)
) STRICT;
-- A collection's objects in `date_added` order (TAXII's object and manifest endpoints).
CREATE INDEX objects_collection_added ON objects (collection_id, date_added);
-- By type across collections, newest first (REST `type=`), and every version of an id.
CREATE INDEX objects_type_added ON objects (stix_type, date_added);
CREATE INDEX objects_stix_id ON objects (stix_id, version);
-- By producing organisation (REST `org=`).
CREATE INDEX objects_producer_added ON objects (producer_org, date_added);

-- The users the producer named on an object version.
CREATE TABLE object_recipients (
    object  INTEGER NOT NULL REFERENCES objects (seq),
    user_id TEXT NOT NULL REFERENCES users (id),
    PRIMARY KEY (object, user_id)
) STRICT, WITHOUT ROWID;

-- The canonical observable keys (`type|key`) each object version yields: correlation, search by
-- value and the match index read them by key.
CREATE TABLE object_observables (
    object INTEGER NOT NULL REFERENCES objects (seq),
    key    TEXT NOT NULL,
    PRIMARY KEY (object, key)
) STRICT, WITHOUT ROWID;
CREATE INDEX object_observables_key ON object_observables (key, object);

-- Search text (names, descriptions, patterns, values), its rowid the object's `seq`. Contentless:
-- the text is only searched, never read back; rows can still be deleted.
CREATE VIRTUAL TABLE object_text USING fts5 (
    text,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);
