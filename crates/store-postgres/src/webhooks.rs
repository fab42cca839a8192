//! Webhooks and their delivery log: `webhooks`, `webhook_deliveries`. Claims take due rows with
//! `FOR UPDATE SKIP LOCKED`, so app nodes over one database never claim the same delivery.

use async_trait::async_trait;
use deadpool_postgres::{GenericClient, Transaction};
use simpul_core::audit::AuditEvent;
use simpul_core::clock::to_micros;
use simpul_core::org::OrgId;
use simpul_core::store::StoreError;
use simpul_core::webhooks::rows::{
    ClaimedDbRow, DELIVERY_COLUMNS, DeliveryRow, WEBHOOK_COLUMNS, WebhookRow, decode_events,
    events_json,
};
use simpul_core::webhooks::store::WebhookStore;
use simpul_core::webhooks::{
    ClaimedRow, Delivery, DeliveryId, DeliveryUpdate, QueuedEvent, StoredWebhook, Webhook,
    WebhookId, wants,
};
use time::OffsetDateTime;
use tokio_postgres::Row;
use uuid::Uuid;

use crate::error::map_err;
use crate::tx::{execute, query};
use crate::{PostgresStore, rows};

/// Queues `event` inside `tx` for each active webhook of its organisation that wants its type:
/// for another domain's store method that emits an event as part of its own change (one
/// transaction: the change and its deliveries are durable together, or neither).
pub(crate) async fn insert_webhook_deliveries(
    tx: &Transaction<'_>,
    event: &QueuedEvent,
) -> Result<Vec<(DeliveryId, WebhookId)>, StoreError> {
    insert(tx, event).await
}

async fn insert(
    c: &impl GenericClient,
    event: &QueuedEvent,
) -> Result<Vec<(DeliveryId, WebhookId)>, StoreError> {
    let t = "webhooks";
    let hooks = query(
        c,
        "SELECT id, events FROM webhooks WHERE org_id = $1 AND active ORDER BY created_at, id",
        &[&event.org.0],
    )
    .await?;
    let mut out = Vec::new();
    for h in &hooks {
        let hook: Uuid = rows::value(h, t, "id")?;
        let events: String = rows::value(h, t, "events")?;
        if !wants(&decode_events(&events)?, &event.event_type) {
            continue;
        }
        let id = DeliveryId::new_random();
        execute(
            c,
            "INSERT INTO webhook_deliveries (id, webhook_id, org_id, event_id, event_type, body,
                 created_at, next_attempt_at, attempts, status)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7, 0, 'queued')",
            &[
                &id.0,
                &hook,
                &event.org.0,
                &event.id.0,
                &event.event_type.as_str(),
                &event.body,
                &to_micros(event.created_at),
            ],
        )
        .await?;
        out.push((id, WebhookId(hook)));
    }
    Ok(out)
}

fn webhook(r: &Row) -> Result<Webhook, StoreError> {
    let t = "webhooks";
    WebhookRow {
        id: rows::value(r, t, "id")?,
        org_id: rows::value(r, t, "org_id")?,
        url: rows::value(r, t, "url")?,
        events: rows::value(r, t, "events")?,
        description: rows::value(r, t, "description")?,
        active: rows::value(r, t, "active")?,
        created_at: rows::value(r, t, "created_at")?,
    }
    .decode()
}

fn delivery(r: &Row) -> Result<Delivery, StoreError> {
    let t = "webhook_deliveries";
    DeliveryRow {
        id: rows::value(r, t, "id")?,
        webhook_id: rows::value(r, t, "webhook_id")?,
        org_id: rows::value(r, t, "org_id")?,
        event_id: rows::value(r, t, "event_id")?,
        event_type: rows::value(r, t, "event_type")?,
        created_at: rows::value(r, t, "created_at")?,
        attempts: rows::value(r, t, "attempts")?,
        status: rows::value(r, t, "status")?,
        last_status: rows::value(r, t, "last_status")?,
        last_error: rows::value(r, t, "last_error")?,
        next_attempt_at: rows::value(r, t, "next_attempt_at")?,
        delivered_at: rows::value(r, t, "delivered_at")?,
    }
    .decode()
}

#[async_trait]
impl WebhookStore for PostgresStore {
    async fn insert_webhook(
        &self,
        w: &StoredWebhook,
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        let w = w.clone();
        self.audited(audit, move |tx| {
            Box::pin(async move {
                let h = &w.webhook;
                execute(
                    tx,
                    "INSERT INTO webhooks (id, org_id, url, events, description, active, secret,
                         created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    &[
                        &h.id.0,
                        &h.org.0,
                        &h.url.as_str(),
                        &events_json(&h.events),
                        &h.description,
                        &h.active,
                        &w.sealed_secret,
                        &to_micros(h.created_at),
                    ],
                )
                .await
                .map(drop)
            })
        })
        .await
    }

    async fn list_webhooks(&self, org: OrgId) -> Result<Vec<Webhook>, StoreError> {
        let client = self.client().await?;
        query(
            &client,
            &format!(
                "SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE org_id = $1 ORDER BY created_at, id"
            ),
            &[&org.0],
        )
        .await?
        .iter()
        .map(webhook)
        .collect()
    }

    async fn delete_webhook(
        &self,
        org: OrgId,
        id: WebhookId,
        audit: &AuditEvent,
    ) -> Result<bool, StoreError> {
        self.audited(audit, move |tx| {
            Box::pin(async move {
                execute(
                    tx,
                    "DELETE FROM webhook_deliveries WHERE webhook_id = $1
                         AND EXISTS (SELECT 1 FROM webhooks WHERE id = $1 AND org_id = $2)",
                    &[&id.0, &org.0],
                )
                .await?;
                let n = execute(
                    tx,
                    "DELETE FROM webhooks WHERE id = $1 AND org_id = $2",
                    &[&id.0, &org.0],
                )
                .await?;
                Ok(n > 0)
            })
        })
        .await
    }

    async fn queue_webhook_event(
        &self,
        event: &QueuedEvent,
    ) -> Result<Vec<(DeliveryId, WebhookId)>, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        let out = insert_webhook_deliveries(&tx, event).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(out)
    }

    async fn claim_webhook_deliveries(
        &self,
        now: OffsetDateTime,
        holder: Uuid,
        until: OffsetDateTime,
        n: u32,
    ) -> Result<Vec<ClaimedRow>, StoreError> {
        let client = self.client().await?;
        let rows = query(
            &client,
            "WITH due AS (
                 SELECT id FROM webhook_deliveries
                 WHERE (status = 'queued' AND next_attempt_at <= $1)
                    OR (status = 'sending' AND claimed_until < $1)
                 ORDER BY next_attempt_at, id LIMIT $4
                 FOR UPDATE SKIP LOCKED),
             claimed AS (
                 UPDATE webhook_deliveries d SET status = 'sending', claimed_by = $2,
                     claimed_until = $3
                 FROM due WHERE d.id = due.id
                 RETURNING d.id, d.webhook_id, d.event_id, d.event_type, d.body, d.attempts,
                     d.next_attempt_at)
             SELECT c.id, c.webhook_id, w.url, c.event_id, c.event_type, c.body, c.attempts,
                 w.secret, c.next_attempt_at
             FROM claimed c JOIN webhooks w ON w.id = c.webhook_id
             ORDER BY c.next_attempt_at, c.id",
            &[&to_micros(now), &holder, &to_micros(until), &i64::from(n)],
        )
        .await?;
        let t = "webhook_deliveries";
        rows.iter()
            .map(|r| {
                ClaimedDbRow {
                    id: rows::value(r, t, "id")?,
                    webhook_id: rows::value(r, t, "webhook_id")?,
                    url: rows::value(r, t, "url")?,
                    event_id: rows::value(r, t, "event_id")?,
                    event_type: rows::value(r, t, "event_type")?,
                    body: rows::value(r, t, "body")?,
                    attempts: rows::value(r, t, "attempts")?,
                    sealed_secret: rows::value(r, t, "secret")?,
                }
                .decode()
            })
            .collect()
    }

    async fn record_webhook_attempt(
        &self,
        id: DeliveryId,
        holder: Uuid,
        u: &DeliveryUpdate,
    ) -> Result<bool, StoreError> {
        let client = self.client().await?;
        Ok(execute(
            &client,
            "UPDATE webhook_deliveries SET status = $3, attempts = $4, next_attempt_at = $5,
                 last_status = $6, last_error = $7, delivered_at = $8,
                 body = CASE WHEN $9 THEN NULL ELSE body END,
                 claimed_by = NULL, claimed_until = NULL
             WHERE id = $1 AND status = 'sending' AND claimed_by = $2",
            &[
                &id.0,
                &holder,
                &u.status.as_str(),
                &i64::from(u.attempts),
                &to_micros(u.next_attempt_at),
                &u.last_status_code.map(i64::from),
                &u.last_error,
                &u.delivered_at.map(to_micros),
                &u.erases_body(),
            ],
        )
        .await?
            > 0)
    }

    async fn list_webhook_deliveries(
        &self,
        org: OrgId,
        limit: u32,
    ) -> Result<Vec<Delivery>, StoreError> {
        let client = self.client().await?;
        query(
            &client,
            &format!(
                "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE org_id = $1
                 ORDER BY created_at DESC, id LIMIT $2"
            ),
            &[&org.0, &i64::from(limit)],
        )
        .await?
        .iter()
        .map(delivery)
        .collect()
    }
}
