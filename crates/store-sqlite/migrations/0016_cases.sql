-- Multi-party incident cases (P2.2): the case of one owner organisation, its invited parties
-- (one row per organisation, with the status; every step in `case_party_steps`), the users named
-- in a TLP:RED case, timeline entries (each with its own TLP, audience and consent columns, its
-- organisations in `case_entry_orgs` by role, its named users, an attachment's bytes and sha256)
-- and tasks. Entries and steps are numbered per case by `seq`, in the order written.
CREATE TABLE cases (
    id         TEXT PRIMARY KEY NOT NULL,
    owner_org  TEXT NOT NULL REFERENCES organisations (id),
    title      TEXT NOT NULL,
    summary    TEXT NOT NULL,
    severity   INTEGER NOT NULL CHECK (severity BETWEEN 1 AND 4),
    tlp        TEXT NOT NULL,
    pap        TEXT NOT NULL,
    category   TEXT NOT NULL,
    template   TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    closed_at  TEXT
) STRICT;

CREATE INDEX cases_owner ON cases (owner_org, created_at);
CREATE INDEX cases_created ON cases (created_at);

CREATE TABLE case_parties (
    case_id    TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    org_id     TEXT NOT NULL REFERENCES organisations (id),
    position   INTEGER NOT NULL,
    status     TEXT NOT NULL
               CHECK (status IN ('invited', 'acknowledged', 'investigating', 'resolved', 'not-affected')),
    invited_at TEXT NOT NULL,
    PRIMARY KEY (case_id, org_id)
) STRICT;

CREATE INDEX case_parties_org ON case_parties (org_id);

CREATE TABLE case_named (
    case_id TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id),
    PRIMARY KEY (case_id, user_id)
) STRICT;

CREATE TABLE case_party_steps (
    id          TEXT PRIMARY KEY NOT NULL,
    case_id     TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    org_id      TEXT NOT NULL REFERENCES organisations (id),
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status   TEXT NOT NULL,
    reason      TEXT,
    UNIQUE (case_id, seq)
) STRICT;

CREATE TABLE case_entries (
    id            TEXT PRIMARY KEY NOT NULL,
    case_id       TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    seq           INTEGER NOT NULL,
    author_org    TEXT NOT NULL REFERENCES organisations (id),
    author        TEXT NOT NULL,
    at            TEXT NOT NULL,
    kind          TEXT NOT NULL
                  CHECK (kind IN ('comment', 'status-change', 'stix', 'observable', 'attachment')),
    body          TEXT NOT NULL,
    tlp           TEXT NOT NULL,
    audience_case INTEGER NOT NULL CHECK (audience_case IN (0, 1)),
    released      INTEGER NOT NULL CHECK (released IN (0, 1)),
    attachment    BLOB,
    sha256        TEXT,
    UNIQUE (case_id, seq)
) STRICT;

CREATE TABLE case_entry_orgs (
    entry_id TEXT NOT NULL REFERENCES case_entries (id) ON DELETE CASCADE,
    org_id   TEXT NOT NULL,
    role     TEXT NOT NULL CHECK (role IN ('audience', 'allowed', 'passed')),
    position INTEGER NOT NULL,
    PRIMARY KEY (entry_id, role, org_id)
) STRICT;

CREATE TABLE case_entry_named (
    entry_id TEXT NOT NULL REFERENCES case_entries (id) ON DELETE CASCADE,
    user_id  TEXT NOT NULL,
    PRIMARY KEY (entry_id, user_id)
) STRICT;

CREATE TABLE case_tasks (
    id         TEXT PRIMARY KEY NOT NULL,
    case_id    TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    title      TEXT NOT NULL,
    details    TEXT NOT NULL,
    owner_org  TEXT NOT NULL REFERENCES organisations (id),
    assignee   TEXT REFERENCES users (id),
    due_at     TEXT,
    state      TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (case_id, seq)
) STRICT;
