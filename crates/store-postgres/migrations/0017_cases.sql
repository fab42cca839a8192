-- Multi-party incident cases (P2.2): the case of one owner organisation, its invited parties
-- (one row per organisation, with the status; every step in `case_party_steps`), the users named
-- in a TLP:RED case, timeline entries (each with its own TLP, audience and consent columns, its
-- organisations in `case_entry_orgs` by role, its named users, an attachment's bytes and sha256)
-- and tasks. Entries and steps are numbered per case by `seq`, in the order written.
CREATE TABLE cases (
    id         UUID PRIMARY KEY NOT NULL,
    owner_org  UUID NOT NULL REFERENCES organisations (id),
    title      TEXT NOT NULL,
    summary    TEXT NOT NULL,
    severity   BIGINT NOT NULL CHECK (severity BETWEEN 1 AND 4),
    tlp        TEXT NOT NULL,
    pap        TEXT NOT NULL,
    category   TEXT NOT NULL,
    template   TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    closed_at  TIMESTAMPTZ
);

CREATE INDEX cases_owner ON cases (owner_org, created_at);
CREATE INDEX cases_created ON cases (created_at);

CREATE TABLE case_parties (
    case_id    UUID NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    org_id     UUID NOT NULL REFERENCES organisations (id),
    position   BIGINT NOT NULL,
    status     TEXT NOT NULL
               CHECK (status IN ('invited', 'acknowledged', 'investigating', 'resolved', 'not-affected')),
    invited_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (case_id, org_id)
);

CREATE INDEX case_parties_org ON case_parties (org_id);

CREATE TABLE case_named (
    case_id UUID NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    user_id UUID NOT NULL REFERENCES users (id),
    PRIMARY KEY (case_id, user_id)
);

CREATE TABLE case_party_steps (
    id          UUID PRIMARY KEY NOT NULL,
    case_id     UUID NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    seq         BIGINT NOT NULL,
    org_id      UUID NOT NULL REFERENCES organisations (id),
    at          TIMESTAMPTZ NOT NULL,
    actor       TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status   TEXT NOT NULL,
    reason      TEXT,
    UNIQUE (case_id, seq)
);

CREATE TABLE case_entries (
    id            UUID PRIMARY KEY NOT NULL,
    case_id       UUID NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    seq           BIGINT NOT NULL,
    author_org    UUID NOT NULL REFERENCES organisations (id),
    author        UUID NOT NULL,
    at            TIMESTAMPTZ NOT NULL,
    kind          TEXT NOT NULL
                  CHECK (kind IN ('comment', 'status-change', 'stix', 'observable', 'attachment')),
    body          TEXT NOT NULL,
    tlp           TEXT NOT NULL,
    audience_case BOOLEAN NOT NULL,
    released      BOOLEAN NOT NULL,
    attachment    BYTEA,
    sha256        TEXT,
    UNIQUE (case_id, seq)
);

CREATE TABLE case_entry_orgs (
    entry_id UUID NOT NULL REFERENCES case_entries (id) ON DELETE CASCADE,
    org_id   UUID NOT NULL,
    role     TEXT NOT NULL CHECK (role IN ('audience', 'allowed', 'passed')),
    position BIGINT NOT NULL,
    PRIMARY KEY (entry_id, role, org_id)
);

CREATE TABLE case_entry_named (
    entry_id UUID NOT NULL REFERENCES case_entries (id) ON DELETE CASCADE,
    user_id  UUID NOT NULL,
    PRIMARY KEY (entry_id, user_id)
);

CREATE TABLE case_tasks (
    id         UUID PRIMARY KEY NOT NULL,
    case_id    UUID NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    seq        BIGINT NOT NULL,
    title      TEXT NOT NULL,
    details    TEXT NOT NULL,
    owner_org  UUID NOT NULL REFERENCES organisations (id),
    assignee   UUID REFERENCES users (id),
    due_at     TIMESTAMPTZ,
    state      TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (case_id, seq)
);
