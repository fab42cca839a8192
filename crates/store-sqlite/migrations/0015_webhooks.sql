-- Webhooks (P2.2): an organisation's HTTP endpoints for its events. `secret` is sealed under the
-- federation key (never in clear); `events` is a JSON array of event patterns.
CREATE TABLE webhooks (
    id          TEXT PRIMARY KEY NOT NULL,
    org_id      TEXT NOT NULL REFERENCES organisations (id),
    url         TEXT NOT NULL,
    events      TEXT NOT NULL,
    description TEXT,
    active      INTEGER NOT NULL CHECK (active IN (0, 1)),
    secret      TEXT NOT NULL,
    created_at  TEXT NOT NULL
) STRICT;

CREATE INDEX webhooks_org ON webhooks (org_id, created_at);

-- The delivery log, which is also the queue: claimed by a sender (`claimed_by`, `claimed_until`:
-- an expired claim is taken again), retried with backoff. `body` is the exact JSON sent (and
-- signed) on every attempt, erased (NULL) once delivered or given up.
CREATE TABLE webhook_deliveries (
    id              TEXT PRIMARY KEY NOT NULL,
    webhook_id      TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    org_id          TEXT NOT NULL,
    event_id        TEXT NOT NULL,
    event_type      TEXT NOT NULL,
    body            TEXT,
    created_at      TEXT NOT NULL,
    next_attempt_at TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    status          TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'delivered', 'failed')),
    claimed_by      TEXT,
    claimed_until   TEXT,
    last_status     INTEGER,
    last_error      TEXT,
    delivered_at    TEXT
) STRICT;

CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_org ON webhook_deliveries (org_id, created_at);
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id);
