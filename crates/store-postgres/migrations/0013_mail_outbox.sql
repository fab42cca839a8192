-- The outbox of outgoing e-mail (P2.1): queued durably, claimed by a sender (`claimed_by`,
-- `claimed_until`: an expired claim is taken again; claims skip rows another node has locked),
-- retried with backoff. `body` may hold a secret and is erased (NULL) once the message is sent or
-- given up; the rest is the record.
CREATE TABLE mail_outbox (
    id              UUID PRIMARY KEY NOT NULL,
    to_addr         TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT,
    purpose         TEXT NOT NULL,
    ref_id          UUID,
    created_at      TIMESTAMPTZ NOT NULL,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    status          TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
    claimed_by      UUID,
    claimed_until   TIMESTAMPTZ,
    last_code       BIGINT,
    last_text       TEXT,
    sent_at         TIMESTAMPTZ
);

CREATE INDEX mail_outbox_due ON mail_outbox (status, next_attempt_at);
CREATE INDEX mail_outbox_created ON mail_outbox (created_at);
CREATE INDEX mail_outbox_ref ON mail_outbox (ref_id) WHERE ref_id IS NOT NULL;
