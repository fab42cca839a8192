//! What the store keeps for communication checks: checks, their targets (with the token's hash,
//! never the token) and recurring schedules.

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::audit::AuditEvent;
use crate::comm_checks::schedule::Schedule;
use crate::comm_checks::{AckVia, Check, CheckId, ScheduleId, Target, TargetId};
use crate::mail::OutboxEntry;
use crate::org::OrgId;
use crate::store::StoreError;

#[async_trait]
pub trait CommCheckStore: Send + Sync {
    /// Stores a check with its targets, their queued messages (`mail`, one per target reached by
    /// e-mail, with the target's id as `ref_id`) and `audit`'s entry (`comm_check.start`) in one
    /// transaction: the check and its mail are durable together, or neither.
    async fn insert_check(
        &self,
        check: &Check,
        targets: &[Target],
        mail: &[OutboxEntry],
        audit: &AuditEvent,
    ) -> Result<(), StoreError>;

    /// Checks, newest first: every one (`None`), or those with a target of `org`.
    async fn list_checks(&self, org: Option<OrgId>) -> Result<Vec<Check>, StoreError>;

    async fn get_check(&self, id: CheckId) -> Result<Option<Check>, StoreError>;

    /// A check's targets, by organisation then contact name.
    async fn check_targets(&self, id: CheckId) -> Result<Vec<Target>, StoreError>;

    /// The target whose token has this SHA-256, with its check: a lookup by the unique index on
    /// the hash (the secret itself is never compared, so no timing reveals it).
    async fn target_by_token(&self, hash: &[u8; 32])
    -> Result<Option<(Check, Target)>, StoreError>;

    /// Records an acknowledgement of a target not yet acknowledged, with `audit`'s entry: `false`
    /// (and no entry) when it was acknowledged already.
    async fn acknowledge_target(
        &self,
        target: TargetId,
        at: OffsetDateTime,
        via: AckVia,
        audit: &AuditEvent,
    ) -> Result<bool, StoreError>;

    /// Stores a schedule with `audit`'s entry.
    async fn insert_schedule(&self, s: &Schedule, audit: &AuditEvent) -> Result<(), StoreError>;

    /// Every schedule, by next run.
    async fn list_schedules(&self) -> Result<Vec<Schedule>, StoreError>;

    /// Removes a schedule with `audit`'s entry: `false` (no entry) when there was none. Checks it
    /// started stay.
    async fn delete_schedule(&self, id: ScheduleId, audit: &AuditEvent)
    -> Result<bool, StoreError>;

    /// Schedules whose `next_run_at` is not after `now`.
    async fn due_schedules(&self, now: OffsetDateTime) -> Result<Vec<Schedule>, StoreError>;

    /// Claims a due schedule and starts its check in one transaction: moves `next_run_at` from
    /// `expected` to `next` by compare-and-set and, only if that changed a row, stores the check
    /// and its targets and `mail` with `audit`'s entry. `false`: another node claimed it first (nothing
    /// stored).
    #[allow(
        clippy::too_many_arguments,
        reason = "the claim and the check it starts are one call: one transaction"
    )]
    async fn start_scheduled(
        &self,
        schedule: ScheduleId,
        expected: OffsetDateTime,
        next: OffsetDateTime,
        check: &Check,
        targets: &[Target],
        mail: &[OutboxEntry],
        audit: &AuditEvent,
    ) -> Result<bool, StoreError>;
}
