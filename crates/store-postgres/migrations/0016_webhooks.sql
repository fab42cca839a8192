-- Webhooks (P2.2): an organisation's HTTP endpoints for its events. `secret` is sealed under the
-- federation key (never in clear); `events` is a JSON array of event patterns.
CREATE TABLE webhooks (
    id          UUID PRIMARY KEY NOT NULL,
    org_id      UUID NOT NULL REFERENCES organisations (id),
    url         TEXT NOT NULL,
    events      TEXT NOT NULL,
    description TEXT,
    active      BOOLEAN NOT NULL,
    secret      TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE INDEX webhooks_org ON webhooks (org_id, created_at);

-- The delivery log, which is also the queue: claimed by a sender (`claimed_by`, `claimed_until`:
-- an expired claim is taken again; claims skip rows another node has locked), retried with
-- backoff. `body` is the exact JSON sent (and signed) on every attempt, erased (NULL) once
-- delivered or given up.
CREATE TABLE webhook_deliveries (
    id              UUID PRIMARY KEY NOT NULL,
    webhook_id      UUID NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    org_id          UUID NOT NULL,
    event_id        UUID NOT NULL,
    event_type      TEXT NOT NULL,
    body            TEXT,
    created_at      TIMESTAMPTZ NOT NULL,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    status          TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'delivered', 'failed')),
    claimed_by      UUID,
    claimed_until   TIMESTAMPTZ,
    last_status     BIGINT,
    last_error      TEXT,
    delivered_at    TIMESTAMPTZ
);

CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_org ON webhook_deliveries (org_id, created_at);
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id);
