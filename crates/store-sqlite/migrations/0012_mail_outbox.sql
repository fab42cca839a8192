-- The outbox of outgoing e-mail (P2.1): queued durably, claimed by a sender (`claimed_by`,
-- `claimed_until`: an expired claim is taken again), retried with backoff. `body` may hold a
-- secret and is erased (NULL) once the message is sent or given up; the rest is the record.
CREATE TABLE mail_outbox (
    id              TEXT PRIMARY KEY NOT NULL,
    to_addr         TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT,
    purpose         TEXT NOT NULL,
    ref_id          TEXT,
    created_at      TEXT NOT NULL,
    next_attempt_at TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    status          TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
    claimed_by      TEXT,
    claimed_until   TEXT,
    last_code       INTEGER,
    last_text       TEXT,
    sent_at         TEXT
) STRICT;

CREATE INDEX mail_outbox_due ON mail_outbox (status, next_attempt_at);
CREATE INDEX mail_outbox_created ON mail_outbox (created_at);
CREATE INDEX mail_outbox_ref ON mail_outbox (ref_id) WHERE ref_id IS NOT NULL;
