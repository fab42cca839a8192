//! What the store keeps of import jobs: one row per job with its state, counts, first failures and
//! heartbeat; a batch of objects is stored in the same transaction as the job's progress, so the
//! counts a job reports are exactly what is stored.

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::audit::AuditEvent;
use crate::intel::imports::{ImportCounts, ImportId, ImportJob, ImportState};
use crate::intel::ingest::Failure;
use crate::intel::store::{Inserted, NewObject};
use crate::intel::{CollectionId, Tlp};
use crate::org::OrgId;
use crate::store::StoreError;
use crate::user::UserId;

/// Where a job stands after a batch: every count but `stored` and `skipped`, which the store adds
/// from what the batch's insert did (to `skipped`, the batch's objects left out before it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportProgress {
    pub read: u64,
    /// Objects of the batch skipped before the insert (another organisation's versions).
    pub skipped: u64,
    pub failed: u64,
    pub warnings: u64,
    pub bytes_read: u64,
    /// The first failures (at most [`crate::intel::imports::MAX_FAILURES`]).
    pub failures: Vec<Failure>,
}

/// How a job ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportEnd {
    /// `Succeeded` or `Failed`.
    pub state: ImportState,
    pub error: Option<String>,
    pub at: OffsetDateTime,
    /// Only if the job's heartbeat is older than this (the sweep of interrupted jobs).
    pub stale_before: Option<OffsetDateTime>,
}

#[async_trait]
pub trait ImportStore: Send + Sync {
    /// Records a new job (with the audit entry of its start).
    async fn insert_import(&self, job: &ImportJob, audit: &AuditEvent) -> Result<(), StoreError>;

    async fn get_import(&self, id: ImportId) -> Result<Option<ImportJob>, StoreError>;

    /// A queued job is running from `now` (its heartbeat too); `false` when it was not queued.
    async fn start_import(&self, id: ImportId, now: OffsetDateTime) -> Result<bool, StoreError>;

    /// A live (queued or running) job's heartbeat is `now`; `false` when it is no longer live.
    async fn touch_import(&self, id: ImportId, now: OffsetDateTime) -> Result<bool, StoreError>;

    /// Stores `objects` as [`crate::intel::store::IntelStore::insert_objects`] does and, in the
    /// same transaction, the running job's progress (adding what was stored and skipped) and
    /// heartbeat. `false` with the answers when the job is no longer running (then nothing is
    /// stored).
    async fn insert_import_batch(
        &self,
        id: ImportId,
        objects: Vec<NewObject>,
        progress: &ImportProgress,
        now: OffsetDateTime,
    ) -> Result<(Vec<Inserted>, bool), StoreError>;

    /// Ends a live job (with the audit entry of its end); `false` (nothing written) when it was no
    /// longer live, or not stale when `end.stale_before` asks for that.
    async fn finish_import(
        &self,
        id: ImportId,
        end: &ImportEnd,
        audit: &AuditEvent,
    ) -> Result<bool, StoreError>;

    /// The live jobs whose heartbeat is older than `before`, oldest first (at most 100).
    async fn stale_imports(&self, before: OffsetDateTime) -> Result<Vec<ImportJob>, StoreError>;

    /// Refreshes the planner's statistics of the intelligence tables (after a large import).
    async fn analyze_intel(&self) -> Result<(), StoreError>;
}

/// `import_jobs`, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRow {
    pub id: Uuid,
    pub collection_id: Uuid,
    pub user_id: Uuid,
    pub org_id: Uuid,
    pub state: String,
    /// The TLP label asked for unmarked objects.
    pub tlp: Option<String>,
    pub bytes_total: Option<i64>,
    pub bytes_read: i64,
    pub read: i64,
    pub stored: i64,
    pub skipped: i64,
    pub failed: i64,
    pub warnings: i64,
    /// The first failures, as a JSON array.
    pub failures: String,
    pub error: Option<String>,
    pub created_at: OffsetDateTime,
    pub started_at: Option<OffsetDateTime>,
    pub finished_at: Option<OffsetDateTime>,
    pub heartbeat_at: OffsetDateTime,
}

/// The columns of [`ImportRow`] in `import_jobs`, in its field order.
pub const IMPORT_COLUMNS: &str = "id, collection_id, user_id, org_id, state, tlp, bytes_total, \
    bytes_read, read, stored, skipped, failed, warnings, failures, error, created_at, started_at, \
    finished_at, heartbeat_at";

fn count(column: &str, n: i64) -> Result<u64, StoreError> {
    u64::try_from(n).map_err(|_| StoreError::Corrupt(format!("import_jobs.{column}: {n}")))
}

/// A count as the stores keep it.
pub fn stored_count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The first failures as stored.
pub fn failures_json(failures: &[Failure]) -> String {
    serde_json::to_string(failures).unwrap_or_else(|_| "[]".into())
}

impl ImportRow {
    pub fn decode(self) -> Result<ImportJob, StoreError> {
        let state = self
            .state
            .parse::<ImportState>()
            .map_err(|e| StoreError::Corrupt(format!("import_jobs.state: {}", e.message)))?;
        let tlp = match self.tlp {
            None => None,
            Some(l) => Some(Tlp::from_label(&l).ok_or_else(|| {
                StoreError::Corrupt(format!("import_jobs.tlp: unknown TLP label `{l}`"))
            })?),
        };
        let failures: Vec<Failure> = serde_json::from_str(&self.failures)
            .map_err(|e| StoreError::Corrupt(format!("import_jobs.failures: {e}")))?;
        Ok(ImportJob {
            id: ImportId(self.id),
            collection: CollectionId(self.collection_id),
            user: UserId(self.user_id),
            org: OrgId(self.org_id),
            state,
            tlp,
            bytes_total: self
                .bytes_total
                .map(|n| count("bytes_total", n))
                .transpose()?,
            bytes_read: count("bytes_read", self.bytes_read)?,
            counts: ImportCounts {
                read: count("read", self.read)?,
                stored: count("stored", self.stored)?,
                skipped: count("skipped", self.skipped)?,
                failed: count("failed", self.failed)?,
                warnings: count("warnings", self.warnings)?,
            },
            failures,
            error: self.error,
            created_at: self.created_at,
            started_at: self.started_at,
            finished_at: self.finished_at,
            heartbeat_at: self.heartbeat_at,
        })
    }
}

impl From<&ImportJob> for ImportRow {
    fn from(j: &ImportJob) -> Self {
        Self {
            id: j.id.0,
            collection_id: j.collection.0,
            user_id: j.user.0,
            org_id: j.org.0,
            state: j.state.as_str().to_owned(),
            tlp: j.tlp.map(|t| t.label().to_owned()),
            bytes_total: j.bytes_total.map(stored_count),
            bytes_read: stored_count(j.bytes_read),
            read: stored_count(j.counts.read),
            stored: stored_count(j.counts.stored),
            skipped: stored_count(j.counts.skipped),
            failed: stored_count(j.counts.failed),
            warnings: stored_count(j.counts.warnings),
            failures: failures_json(&j.failures),
            error: j.error.clone(),
            created_at: j.created_at,
            started_at: j.started_at,
            finished_at: j.finished_at,
            heartbeat_at: j.heartbeat_at,
        }
    }
}
