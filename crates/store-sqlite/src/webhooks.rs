//! Webhooks and their delivery log: `webhooks`, `webhook_deliveries`. SQLite's one writer makes a
//! claim exclusive.

use async_trait::async_trait;
use rusqlite::{Transaction, params};
use simpul_core::audit::AuditEvent;
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
use uuid::Uuid;

use crate::SqliteStore;
use crate::error::Error;
use crate::rows::{Cols, opt_ts, ts};
use crate::tx::query_all;

/// Queues `event` inside `tx` for each active webhook of its organisation that wants its type:
/// for another domain's store method that emits an event as part of its own change (one
/// transaction: the change and its deliveries are durable together, or neither).
pub(crate) fn insert_webhook_deliveries(
    tx: &Transaction<'_>,
    event: &QueuedEvent,
) -> Result<Vec<(DeliveryId, WebhookId)>, Error> {
    let hooks = query_all(
        tx,
        "SELECT id, events FROM webhooks WHERE org_id = ?1 AND active = 1 ORDER BY created_at, id",
        params![event.org.0.to_string()],
        |r| {
            let c = Cols::new(r, "webhooks");
            Ok((c.uuid(0)?, c.get::<String>(1)?))
        },
    )?;
    let mut out = Vec::new();
    for (hook, events) in hooks {
        if !wants(&decode_events(&events)?, &event.event_type) {
            continue;
        }
        let id = DeliveryId::new_random();
        tx.prepare_cached(
            "INSERT INTO webhook_deliveries (id, webhook_id, org_id, event_id, event_type, body,
                 created_at, next_attempt_at, attempts, status)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, 0, 'queued')",
        )?
        .execute(params![
            id.0.to_string(),
            hook.to_string(),
            event.org.0.to_string(),
            event.id.0.to_string(),
            event.event_type.as_str(),
            event.body,
            ts(event.created_at),
        ])?;
        out.push((id, WebhookId(hook)));
    }
    Ok(out)
}

fn webhook(r: &rusqlite::Row<'_>) -> Result<WebhookRow, Error> {
    let c = Cols::new(r, "webhooks");
    Ok(WebhookRow {
        id: c.uuid(0)?,
        org_id: c.uuid(1)?,
        url: c.get(2)?,
        events: c.get(3)?,
        description: c.get(4)?,
        active: c.get::<i64>(5)? != 0,
        created_at: c.ts(6)?,
    })
}

fn delivery(r: &rusqlite::Row<'_>) -> Result<DeliveryRow, Error> {
    let c = Cols::new(r, "webhook_deliveries");
    Ok(DeliveryRow {
        id: c.uuid(0)?,
        webhook_id: c.uuid(1)?,
        org_id: c.uuid(2)?,
        event_id: c.uuid(3)?,
        event_type: c.get(4)?,
        created_at: c.ts(5)?,
        attempts: c.get(6)?,
        status: c.get(7)?,
        last_status: c.get(8)?,
        last_error: c.get(9)?,
        next_attempt_at: c.ts(10)?,
        delivered_at: c.opt_ts(11)?,
    })
}

#[async_trait]
impl WebhookStore for SqliteStore {
    async fn insert_webhook(
        &self,
        w: &StoredWebhook,
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        let w = w.clone();
        self.audited(audit, move |tx| {
            let h = &w.webhook;
            tx.execute(
                "INSERT INTO webhooks (id, org_id, url, events, description, active, secret,
                     created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    h.id.0.to_string(),
                    h.org.0.to_string(),
                    h.url.as_str(),
                    events_json(&h.events),
                    h.description,
                    i64::from(h.active),
                    w.sealed_secret,
                    ts(h.created_at),
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn list_webhooks(&self, org: OrgId) -> Result<Vec<Webhook>, StoreError> {
        let rows = self
            .read(move |c| {
                query_all(
                    c,
                    &format!(
                        "SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE org_id = ?1
                         ORDER BY created_at, id"
                    ),
                    params![org.0.to_string()],
                    webhook,
                )
            })
            .await?;
        rows.into_iter().map(WebhookRow::decode).collect()
    }

    async fn delete_webhook(
        &self,
        org: OrgId,
        id: WebhookId,
        audit: &AuditEvent,
    ) -> Result<bool, StoreError> {
        self.audited(audit, move |tx| {
            let (o, i) = (org.0.to_string(), id.0.to_string());
            tx.execute(
                "DELETE FROM webhook_deliveries WHERE webhook_id = ?1
                     AND EXISTS (SELECT 1 FROM webhooks WHERE id = ?1 AND org_id = ?2)",
                params![i, o],
            )?;
            let n = tx.execute(
                "DELETE FROM webhooks WHERE id = ?1 AND org_id = ?2",
                params![i, o],
            )?;
            Ok(n > 0)
        })
        .await
    }

    async fn queue_webhook_event(
        &self,
        event: &QueuedEvent,
    ) -> Result<Vec<(DeliveryId, WebhookId)>, StoreError> {
        let event = event.clone();
        self.transaction(move |tx| insert_webhook_deliveries(tx, &event))
            .await
    }

    async fn claim_webhook_deliveries(
        &self,
        now: OffsetDateTime,
        holder: Uuid,
        until: OffsetDateTime,
        n: u32,
    ) -> Result<Vec<ClaimedRow>, StoreError> {
        let rows = self
            .transaction(move |tx| {
                let claimed = query_all(
                    tx,
                    "UPDATE webhook_deliveries SET status = 'sending', claimed_by = ?2,
                         claimed_until = ?3
                     WHERE id IN (
                         SELECT id FROM webhook_deliveries
                         WHERE (status = 'queued' AND next_attempt_at <= ?1)
                            OR (status = 'sending' AND claimed_until < ?1)
                         ORDER BY next_attempt_at, id LIMIT ?4)
                     RETURNING id",
                    params![ts(now), holder.to_string(), ts(until), n],
                    |r| Cols::new(r, "webhook_deliveries").get::<String>(0),
                )?;
                let ids = serde_json::Value::from(claimed).to_string();
                let out = query_all(
                    tx,
                    "SELECT d.id, d.webhook_id, w.url, d.event_id, d.event_type, d.body,
                         d.attempts, w.secret, d.next_attempt_at
                     FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
                     WHERE d.id IN (SELECT value FROM json_each(?1))",
                    params![ids],
                    |r| {
                        let c = Cols::new(r, "webhook_deliveries");
                        Ok((
                            ClaimedDbRow {
                                id: c.uuid(0)?,
                                webhook_id: c.uuid(1)?,
                                url: c.get(2)?,
                                event_id: c.uuid(3)?,
                                event_type: c.get(4)?,
                                body: c.get(5)?,
                                attempts: c.get(6)?,
                                sealed_secret: c.get(7)?,
                            },
                            c.ts(8)?,
                        ))
                    },
                )?;
                Ok(out)
            })
            .await?;
        let mut rows = rows;
        rows.sort_by_key(|(r, due)| (*due, r.id));
        rows.into_iter().map(|(r, _)| r.decode()).collect()
    }

    async fn record_webhook_attempt(
        &self,
        id: DeliveryId,
        holder: Uuid,
        u: &DeliveryUpdate,
    ) -> Result<bool, StoreError> {
        let u = u.clone();
        self.transaction(move |tx| {
            let n = tx
                .prepare_cached(
                    "UPDATE webhook_deliveries SET status = ?3, attempts = ?4,
                         next_attempt_at = ?5, last_status = ?6, last_error = ?7,
                         delivered_at = ?8, body = CASE WHEN ?9 THEN NULL ELSE body END,
                         claimed_by = NULL, claimed_until = NULL
                     WHERE id = ?1 AND status = 'sending' AND claimed_by = ?2",
                )?
                .execute(params![
                    id.0.to_string(),
                    holder.to_string(),
                    u.status.as_str(),
                    u.attempts,
                    ts(u.next_attempt_at),
                    u.last_status_code,
                    u.last_error,
                    opt_ts(u.delivered_at),
                    u.erases_body(),
                ])?;
            Ok::<_, Error>(n > 0)
        })
        .await
    }

    async fn list_webhook_deliveries(
        &self,
        org: OrgId,
        limit: u32,
    ) -> Result<Vec<Delivery>, StoreError> {
        let rows = self
            .read(move |c| {
                query_all(
                    c,
                    &format!(
                        "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE org_id = ?1
                         ORDER BY created_at DESC, id LIMIT ?2"
                    ),
                    params![org.0.to_string(), limit],
                    delivery,
                )
            })
            .await?;
        rows.into_iter().map(DeliveryRow::decode).collect()
    }
}
