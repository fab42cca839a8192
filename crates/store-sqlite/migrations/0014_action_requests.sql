-- Cross-border action requests (P2.2): a request from one organisation to another (a country is
-- routed to its national CERT when the request is created, and the organisation is stored), its
-- observables by canonical key (indexed: a request shows the intelligence with the same keys),
-- the users named in a TLP:RED request, its personal data (a table of its own, so that purging it
-- leaves the request), its transitions and comments (numbered per request by `seq`, in the order
-- they were written).
CREATE TABLE action_requests (
    id            TEXT PRIMARY KEY NOT NULL,
    kind          TEXT NOT NULL
                  CHECK (kind IN ('takedown', 'block', 'freeze', 'victim-notification', 'information')),
    requester_org TEXT NOT NULL REFERENCES organisations (id),
    target_org    TEXT NOT NULL REFERENCES organisations (id),
    to_country    TEXT,
    summary       TEXT NOT NULL,
    details       TEXT NOT NULL,
    legal_basis   TEXT NOT NULL,
    urgency       TEXT NOT NULL CHECK (urgency IN ('critical', 'high', 'normal', 'low')),
    tlp           TEXT NOT NULL,
    case_id       TEXT,
    state         TEXT NOT NULL
                  CHECK (state IN ('submitted', 'acknowledged', 'in-progress', 'actioned', 'declined', 'withdrawn')),
    due_at        TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    outcome       TEXT,
    CHECK (requester_org <> target_org)
) STRICT;

CREATE INDEX action_requests_requester ON action_requests (requester_org, created_at);
CREATE INDEX action_requests_target ON action_requests (target_org, created_at);
CREATE INDEX action_requests_created ON action_requests (created_at);
CREATE INDEX action_requests_due ON action_requests (state, due_at);

CREATE TABLE request_observables (
    request_id TEXT NOT NULL REFERENCES action_requests (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    type       TEXT NOT NULL,
    value      TEXT NOT NULL,
    key        TEXT NOT NULL,
    personal   INTEGER NOT NULL CHECK (personal IN (0, 1)),
    PRIMARY KEY (request_id, position),
    UNIQUE (request_id, key)
) STRICT;

CREATE INDEX request_observables_key ON request_observables (key);

CREATE TABLE request_named (
    request_id TEXT NOT NULL REFERENCES action_requests (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users (id),
    PRIMARY KEY (request_id, user_id)
) STRICT;

CREATE TABLE request_personal_data (
    request_id TEXT NOT NULL REFERENCES action_requests (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('victim', 'account-holder', 'other')),
    name       TEXT,
    identifier TEXT,
    PRIMARY KEY (request_id, position)
) STRICT;

CREATE TABLE request_transitions (
    id         TEXT PRIMARY KEY NOT NULL,
    request_id TEXT NOT NULL REFERENCES action_requests (id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    actor_org  TEXT,
    party      TEXT NOT NULL CHECK (party IN ('requester', 'target')),
    from_state TEXT NOT NULL,
    to_state   TEXT NOT NULL,
    reason     TEXT,
    UNIQUE (request_id, seq)
) STRICT;

CREATE TABLE request_comments (
    id         TEXT PRIMARY KEY NOT NULL,
    request_id TEXT NOT NULL REFERENCES action_requests (id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    actor_org  TEXT,
    body       TEXT NOT NULL,
    UNIQUE (request_id, seq)
) STRICT;
