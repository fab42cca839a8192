//! What the store keeps for outgoing mail: the `mail_outbox` table.
//!
//! Another domain that queues mail as part of its own change (a communication check) calls its
//! backend's `pub(crate) fn insert_outbox(tx, &OutboxEntry)` inside its own transaction instead.

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::audit::AuditEvent;
use crate::mail::{AttemptUpdate, ClaimedMail, MailFilter, MailId, MailRecord, OutboxEntry};
use crate::store::StoreError;

#[async_trait]
pub trait MailStore: Send + Sync {
    /// Queues `entry` (due at its `created_at`) with `audit`'s entry.
    async fn queue_mail(&self, entry: &OutboxEntry, audit: &AuditEvent) -> Result<(), StoreError>;

    /// Records, newest first, at most `filter.limit`.
    async fn list_mail(&self, filter: MailFilter) -> Result<Vec<MailRecord>, StoreError>;

    /// The records of messages queued with these `ref_id`s.
    async fn mail_of_refs(&self, ref_ids: &[Uuid]) -> Result<Vec<MailRecord>, StoreError>;

    /// Claims for `holder` until `until` at most `n` messages due at `now` — `queued` ones whose
    /// `next_attempt_at` has come, and `sending` ones whose claim expired — oldest due first,
    /// marking them `sending`. Two holders never get the same message while a claim lasts.
    async fn claim_mail(
        &self,
        now: OffsetDateTime,
        holder: Uuid,
        until: OffsetDateTime,
        n: u32,
    ) -> Result<Vec<ClaimedMail>, StoreError>;

    /// Writes an attempt's outcome if `holder` still holds the message's claim (and erases the
    /// body when [`AttemptUpdate::erases_body`]): whether it did.
    async fn record_mail_attempt(
        &self,
        id: MailId,
        holder: Uuid,
        update: &AttemptUpdate,
    ) -> Result<bool, StoreError>;

    /// How many messages wait (`queued` or `sending`).
    async fn mail_backlog(&self) -> Result<u64, StoreError>;
}
