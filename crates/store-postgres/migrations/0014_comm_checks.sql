-- Communication checks (P2.1): a check, its targets (each a snapshot of a contact as it was when the
-- check started, with the SHA-256 of its acknowledgement token — never the token) and recurring
-- schedules. A target's contact and organisation ids are not foreign keys: the snapshot outlives
-- the contact.
CREATE TABLE comm_checks (
    id          UUID PRIMARY KEY NOT NULL,
    title       TEXT NOT NULL,
    message     TEXT NOT NULL,
    channels    TEXT NOT NULL,
    kinds       TEXT NOT NULL,
    targets     TEXT NOT NULL,
    started_at  TIMESTAMPTZ NOT NULL,
    started_by  TEXT NOT NULL,
    deadline_at TIMESTAMPTZ NOT NULL,
    schedule_id UUID
);

CREATE INDEX comm_checks_started ON comm_checks (started_at);

CREATE TABLE comm_check_targets (
    id              UUID PRIMARY KEY NOT NULL,
    check_id        UUID NOT NULL REFERENCES comm_checks (id) ON DELETE CASCADE,
    contact_id      UUID NOT NULL,
    org_id          UUID NOT NULL,
    contact_name    TEXT NOT NULL,
    contact_email   TEXT NOT NULL,
    token_hash      BYTEA NOT NULL,
    sent_at         TIMESTAMPTZ,
    delivery        TEXT NOT NULL CHECK (delivery IN ('queued', 'sent', 'undeliverable')),
    delivery_detail TEXT,
    acknowledged_at TIMESTAMPTZ,
    via             TEXT CHECK (via IN ('link', 'in-app')),
    UNIQUE (check_id, contact_id)
);

CREATE UNIQUE INDEX comm_check_targets_token ON comm_check_targets (token_hash);
CREATE INDEX comm_check_targets_org ON comm_check_targets (org_id, check_id);

CREATE TABLE comm_check_schedules (
    id          UUID PRIMARY KEY NOT NULL,
    title       TEXT NOT NULL,
    message     TEXT NOT NULL,
    channels    TEXT NOT NULL,
    kinds       TEXT NOT NULL,
    targets     TEXT NOT NULL,
    deadline    TEXT NOT NULL,
    every_days  BIGINT NOT NULL CHECK (every_days BETWEEN 1 AND 366),
    start_local TEXT NOT NULL,
    time_zone   TEXT NOT NULL,
    next_run_at TIMESTAMPTZ NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE INDEX comm_check_schedules_due ON comm_check_schedules (next_run_at);
