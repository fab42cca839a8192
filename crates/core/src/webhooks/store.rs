//! What the store keeps for webhooks: the `webhooks` table (the secret sealed) and the delivery
//! log `webhook_deliveries`, which is also the queue.
//!
//! Another domain that emits an event as part of its own change calls its backend's
//! `pub(crate) fn insert_webhook_deliveries(tx, &QueuedEvent)` inside its own transaction instead
//! of [`WebhookStore::queue_webhook_event`]: it reads the organisation's active webhooks in that
//! transaction, keeps those whose patterns match ([`crate::webhooks::wants`]) and inserts one
//! delivery each.

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::audit::AuditEvent;
use crate::org::OrgId;
use crate::store::StoreError;
use crate::webhooks::{
    ClaimedRow, Delivery, DeliveryId, DeliveryUpdate, QueuedEvent, StoredWebhook, Webhook,
    WebhookId,
};

#[async_trait]
pub trait WebhookStore: Send + Sync {
    /// Writes a new webhook with `audit`'s entry.
    async fn insert_webhook(&self, w: &StoredWebhook, audit: &AuditEvent)
    -> Result<(), StoreError>;

    /// An organisation's webhooks, oldest first.
    async fn list_webhooks(&self, org: OrgId) -> Result<Vec<Webhook>, StoreError>;

    /// Deletes `org`'s webhook `id` (and its delivery log) with `audit`'s entry: whether there
    /// was one.
    async fn delete_webhook(
        &self,
        org: OrgId,
        id: WebhookId,
        audit: &AuditEvent,
    ) -> Result<bool, StoreError>;

    /// Queues `event` for each active webhook of its organisation that wants its type (in one
    /// transaction): the new deliveries' ids and webhooks.
    async fn queue_webhook_event(
        &self,
        event: &QueuedEvent,
    ) -> Result<Vec<(DeliveryId, WebhookId)>, StoreError>;

    /// Claims for `holder` until `until` at most `n` deliveries due at `now` — `queued` ones
    /// whose `next_attempt_at` has come and `sending` ones whose claim expired — oldest due
    /// first, marking them `sending`. Two holders never get the same delivery while a claim
    /// lasts; a delivered or failed one is never claimed again.
    async fn claim_webhook_deliveries(
        &self,
        now: OffsetDateTime,
        holder: Uuid,
        until: OffsetDateTime,
        n: u32,
    ) -> Result<Vec<ClaimedRow>, StoreError>;

    /// Writes an attempt's outcome if `holder` still holds the claim (erasing the body when
    /// [`DeliveryUpdate::erases_body`]): whether it did.
    async fn record_webhook_attempt(
        &self,
        id: DeliveryId,
        holder: Uuid,
        update: &DeliveryUpdate,
    ) -> Result<bool, StoreError>;

    /// An organisation's delivery log, newest first, at most `limit`.
    async fn list_webhook_deliveries(
        &self,
        org: OrgId,
        limit: u32,
    ) -> Result<Vec<Delivery>, StoreError>;
}
