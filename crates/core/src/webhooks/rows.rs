//! The one decoding of `webhooks` and `webhook_deliveries` rows, which both backends fill.

use std::fmt;

use time::OffsetDateTime;
use uuid::Uuid;

use super::{
    ClaimedRow, Delivery, DeliveryId, EventId, EventPattern, EventType, Webhook, WebhookId,
    WebhookUrl,
};
use crate::org::OrgId;
use crate::store::StoreError;

fn corrupt(column: &str, e: impl fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{column}: {e}"))
}

/// The columns of `webhooks` a [`WebhookRow`] reads, in order.
pub const WEBHOOK_COLUMNS: &str = "id, org_id, url, events, description, active, created_at";

/// The columns of `webhook_deliveries` a [`DeliveryRow`] reads, in order.
pub const DELIVERY_COLUMNS: &str = "id, webhook_id, org_id, event_id, event_type, created_at, \
     attempts, status, last_status, last_error, next_attempt_at, delivered_at";

/// The stored form of a webhook's subscribed patterns: a JSON array of strings.
pub fn events_json(events: &[EventPattern]) -> String {
    serde_json::Value::from(events.iter().map(EventPattern::as_str).collect::<Vec<_>>()).to_string()
}

/// The patterns of [`events_json`] read back.
pub fn decode_events(text: &str) -> Result<Vec<EventPattern>, StoreError> {
    serde_json::from_str(text).map_err(|e| corrupt("webhooks.events", e))
}

/// One `webhooks` row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookRow {
    pub id: Uuid,
    pub org_id: Uuid,
    pub url: String,
    pub events: String,
    pub description: Option<String>,
    pub active: bool,
    pub created_at: OffsetDateTime,
}

impl WebhookRow {
    pub fn decode(self) -> Result<Webhook, StoreError> {
        Ok(Webhook {
            id: WebhookId(self.id),
            org: OrgId(self.org_id),
            url: WebhookUrl::parse(&self.url).map_err(|e| corrupt("webhooks.url", e))?,
            events: decode_events(&self.events)?,
            description: self.description,
            active: self.active,
            created_at: self.created_at,
        })
    }
}

/// One `webhook_deliveries` row (without its body).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRow {
    pub id: Uuid,
    pub webhook_id: Uuid,
    pub org_id: Uuid,
    pub event_id: Uuid,
    pub event_type: String,
    pub created_at: OffsetDateTime,
    pub attempts: i64,
    pub status: String,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub next_attempt_at: OffsetDateTime,
    pub delivered_at: Option<OffsetDateTime>,
}

impl DeliveryRow {
    pub fn decode(self) -> Result<Delivery, StoreError> {
        let t = "webhook_deliveries";
        Ok(Delivery {
            id: DeliveryId(self.id),
            webhook: WebhookId(self.webhook_id),
            org: OrgId(self.org_id),
            event_id: EventId(self.event_id),
            event_type: EventType::parse(&self.event_type)
                .map_err(|e| corrupt(&format!("{t}.event_type"), e))?,
            created_at: self.created_at,
            attempts: u32::try_from(self.attempts)
                .map_err(|e| corrupt(&format!("{t}.attempts"), e))?,
            status: self
                .status
                .parse()
                .map_err(|e| corrupt(&format!("{t}.status"), e))?,
            last_status_code: self
                .last_status
                .map(u16::try_from)
                .transpose()
                .map_err(|e| corrupt(&format!("{t}.last_status"), e))?,
            last_error: self.last_error,
            next_attempt_at: self.next_attempt_at,
            delivered_at: self.delivered_at,
        })
    }
}

/// A claimed delivery joined with its webhook, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedDbRow {
    pub id: Uuid,
    pub webhook_id: Uuid,
    pub url: String,
    pub event_id: Uuid,
    pub event_type: String,
    pub body: Option<String>,
    pub attempts: i64,
    pub sealed_secret: String,
}

impl ClaimedDbRow {
    pub fn decode(self) -> Result<ClaimedRow, StoreError> {
        Ok(ClaimedRow {
            id: DeliveryId(self.id),
            webhook: WebhookId(self.webhook_id),
            url: WebhookUrl::parse(&self.url).map_err(|e| corrupt("webhooks.url", e))?,
            event_id: EventId(self.event_id),
            event_type: EventType::parse(&self.event_type)
                .map_err(|e| corrupt("webhook_deliveries.event_type", e))?,
            body: self
                .body
                .ok_or_else(|| corrupt("webhook_deliveries.body", "missing while due"))?,
            attempts: u32::try_from(self.attempts)
                .map_err(|e| corrupt("webhook_deliveries.attempts", e))?,
            sealed_secret: self.sealed_secret,
        })
    }
}
