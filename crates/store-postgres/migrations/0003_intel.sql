-- The intelligence exchange (P1.7): collections and every stored version of every shared STIX object,
-- with the facts the sharing policy reads (simpul_core::access::sharing), its named recipients and the
-- canonical observables it yields.
--
-- Sets of organisations and users (audiences, read-only organisations, recipients) hold each id once
-- and are read back ordered by id, as simpul_core::store::rows has them.
-- TLP is stored as its TLP 2.0 label (`TLP:AMBER+STRICT`), PAP as its name (`amber`).

CREATE TABLE collections (
    id            UUID PRIMARY KEY,
    title         TEXT NOT NULL,
    alias         TEXT,
    description   TEXT NOT NULL,
    -- Who the objects are shared with: a community (`community_id`), the organisations in
    -- collection_orgs, or the users in collection_users.
    audience      TEXT NOT NULL,
    community_id  UUID REFERENCES communities (id),
    default_tlp   TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    -- NULLs are distinct: any number of collections may have no alias.
    CONSTRAINT collections_alias UNIQUE (alias),
    CONSTRAINT collections_audience CHECK (audience IN ('community', 'orgs', 'users')),
    CONSTRAINT collections_community CHECK ((audience = 'community') = (community_id IS NOT NULL))
);

CREATE INDEX collections_community ON collections (community_id);

-- The organisations of an `orgs` audience (no rows for other kinds).
CREATE TABLE collection_orgs (
    collection_id  UUID NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
    org_id         UUID NOT NULL REFERENCES organisations (id),
    PRIMARY KEY (collection_id, org_id)
);

CREATE INDEX collection_orgs_org ON collection_orgs (org_id, collection_id);

-- The named users of a `users` audience (no rows for other kinds).
CREATE TABLE collection_users (
    collection_id  UUID NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
    user_id        UUID NOT NULL REFERENCES users (id),
    PRIMARY KEY (collection_id, user_id)
);

CREATE INDEX collection_users_user ON collection_users (user_id, collection_id);

-- Organisations of the audience that may read but not write.
CREATE TABLE collection_read_only_orgs (
    collection_id  UUID NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
    org_id         UUID NOT NULL REFERENCES organisations (id),
    PRIMARY KEY (collection_id, org_id)
);

-- Every object version. `seq` and `date_added` are both assigned under the intel_clock lock, so they
-- grow together. `json` keeps the exact text received (TEXT: JSONB would normalise it). `search` is the
-- text search vector of the search text (intel_search_document below: `bank-login-verify.example` is
-- found by `login` and by itself; no stemming and no stop words, CERTs write in many languages).
CREATE TABLE objects (
    seq             BIGSERIAL PRIMARY KEY,
    collection_id   UUID NOT NULL REFERENCES collections (id),
    stix_id         TEXT NOT NULL,
    stix_type       TEXT NOT NULL,
    version         TIMESTAMPTZ NOT NULL,
    date_added      TIMESTAMPTZ NOT NULL,
    spec_version    TEXT NOT NULL,
    producer_org    UUID NOT NULL REFERENCES organisations (id),
    producer_user   UUID NOT NULL REFERENCES users (id),
    tlp             TEXT NOT NULL,
    pap             TEXT,
    revoked         BOOLEAN NOT NULL,
    -- Whether object_recipients holds rows for it: then they are its whole audience.
    has_recipients  BOOLEAN NOT NULL,
    json            TEXT NOT NULL,
    search          TSVECTOR NOT NULL,
    CONSTRAINT objects_date_added UNIQUE (date_added),
    CONSTRAINT objects_version UNIQUE (collection_id, stix_id, version),
    CONSTRAINT objects_tlp CHECK (
        tlp IN ('TLP:CLEAR', 'TLP:GREEN', 'TLP:AMBER', 'TLP:AMBER+STRICT', 'TLP:RED'))
);

-- TAXII: a collection's objects by date_added (added_after, paging); by id (match[id], versions);
-- by type; by spec_version. REST: newest first overall (objects_date_added), by type, by producer.
-- The one tokenisation of search text, for the stored document and the reader's query alike: ASCII
-- and other punctuation becomes a space, then the `simple` configuration lower-cases words. The query
-- is read as plain words, all of which must occur (plainto_tsquery): operators in it are just text,
-- so no input is a syntax error.
CREATE FUNCTION intel_search_document(body TEXT) RETURNS TSVECTOR
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT to_tsvector('simple', regexp_replace(body, '[[:punct:]]+', ' ', 'g')) $$;

CREATE FUNCTION intel_search_query(words TEXT) RETURNS TSQUERY
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT plainto_tsquery('simple', regexp_replace(words, '[[:punct:]]+', ' ', 'g')) $$;

CREATE INDEX objects_collection_added ON objects (collection_id, date_added);
CREATE INDEX objects_stix_id ON objects (stix_id, version);
CREATE INDEX objects_type_added ON objects (stix_type, date_added);
CREATE INDEX objects_spec_version ON objects (spec_version, date_added);
CREATE INDEX objects_producer_added ON objects (producer_org, date_added);
CREATE INDEX objects_search ON objects USING GIN (search);

-- The users a producer named on an object version.
CREATE TABLE object_recipients (
    object_seq  BIGINT NOT NULL REFERENCES objects (seq) ON DELETE CASCADE,
    user_id     UUID NOT NULL REFERENCES users (id),
    PRIMARY KEY (object_seq, user_id)
);

CREATE INDEX object_recipients_user ON object_recipients (user_id, object_seq);

-- The canonical observable keys (`type|key`) an object version yields: correlation, search by value and
-- the match index read them by key.
CREATE TABLE object_observables (
    object_seq  BIGINT NOT NULL REFERENCES objects (seq) ON DELETE CASCADE,
    key         TEXT NOT NULL,
    PRIMARY KEY (object_seq, key)
);

CREATE INDEX object_observables_key ON object_observables (key, object_seq);

-- The clock of date_added: one row, locked (SELECT … FOR UPDATE) by every insert of objects, so that
-- writers on every app node are serialised, each batch's date_added follow the last one committed, and
-- a later commit never carries an earlier date_added. `last_added` survives deletions of objects.
CREATE TABLE intel_clock (
    id          SMALLINT PRIMARY KEY CHECK (id = 1),
    last_added  TIMESTAMPTZ
);

INSERT INTO intel_clock (id, last_added) VALUES (1, NULL);
