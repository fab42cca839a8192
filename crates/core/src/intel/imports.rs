//! Import jobs: sharing a file of any size (a bundle, a JSON array or JSON lines) into a collection,
//! read in bounded memory and stored a batch per transaction ([`super::ingest`]), with a durable
//! job row that reports progress (read, stored, skipped, failed with the first reasons, warnings)
//! and the end state.
//!
//! A job runs on the node that accepted it (a tokio task; `simpul import` runs one in the
//! foreground). Each batch is stored in the same transaction as the job's progress and heartbeat;
//! a ticker keeps the heartbeat fresh between batches. Every node sweeps, at start-up and
//! periodically, the live jobs whose heartbeat is older than the lease: their node stopped, so they
//! are marked failed, saying how many objects were stored — importing again skips those. No job is
//! left running forever. A job's start and end are audited.

use std::fmt;
use std::io::Read;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::json;
use time::OffsetDateTime;
use tokio::sync::mpsc;
use uuid::Uuid;

use crate::Service;
use crate::access::{Action, Principal, authorize};
use crate::audit::{AuditAction, AuditEvent};
use crate::error::CoreError;
use crate::intel::imports_store::{ImportEnd, ImportProgress};
use crate::intel::ingest::{BATCH_UNITS, Batch, Failure, Markings, ShareOptions, Sharer};
use crate::intel::store::NewObject;
use crate::intel::{CollectionId, Tlp};
use crate::org::{OrgId, string_enum};
use crate::store::StoreError;
use crate::user::UserId;

/// An import job's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ImportId(pub Uuid);

impl fmt::Display for ImportId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

string_enum!(
    /// Where a job is: waiting, reading and storing, done to the end (whatever failed of its
    /// objects), or stopped (unreadable input, the store, an interruption).
    ImportState, "state" {
        Queued => "queued",
        Running => "running",
        Succeeded => "succeeded",
        Failed => "failed",
    }
);

impl ImportState {
    /// Queued or running.
    pub fn is_live(self) -> bool {
        matches!(self, ImportState::Queued | ImportState::Running)
    }
}

/// How many failures a job keeps (its counts cover them all).
pub const MAX_FAILURES: usize = 100;

/// After storing more than this many objects, an import refreshes the planner's statistics.
pub const ANALYZE_AFTER: u64 = 10_000;

/// How long a live job's heartbeat may be silent before the job counts as interrupted.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(60);

/// What a job did so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ImportCounts {
    /// Objects read (each stored, skipped or failed).
    pub read: u64,
    pub stored: u64,
    /// Already held (same id and version).
    pub skipped: u64,
    pub failed: u64,
    /// Stored with a warning (an unknown marking).
    pub warnings: u64,
}

/// An import job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportJob {
    pub id: ImportId,
    pub collection: CollectionId,
    /// Who imports (their organisation is the producer).
    pub user: UserId,
    pub org: OrgId,
    pub state: ImportState,
    /// The TLP asked for unmarked objects (else the collection's default).
    pub tlp: Option<Tlp>,
    /// The input's size, when known.
    pub bytes_total: Option<u64>,
    pub bytes_read: u64,
    pub counts: ImportCounts,
    /// The first [`MAX_FAILURES`] failures.
    pub failures: Vec<Failure>,
    /// Why a failed job stopped.
    pub error: Option<String>,
    pub created_at: OffsetDateTime,
    pub started_at: Option<OffsetDateTime>,
    pub finished_at: Option<OffsetDateTime>,
    pub heartbeat_at: OffsetDateTime,
}

/// The input of an import.
pub type ImportSource = Box<dyn Read + Send + 'static>;

/// The actor of what the sweep of interrupted jobs writes to the audit log.
const SWEEP_ACTOR: &str = "system:imports";

impl Service {
    /// Whether `p` may import into `collection` with `opts` (checked before an upload is read).
    pub async fn check_import(
        &self,
        p: &Principal,
        collection: CollectionId,
        opts: &ShareOptions,
    ) -> Result<(), CoreError> {
        self.sharer(p, collection, opts).await.map(|_| ())
    }

    /// Starts importing `source` into `collection` as `p`, in the background; answers the queued
    /// job at once. `bytes_total` is the input's size, when known.
    pub async fn start_import(
        &self,
        p: &Principal,
        collection: CollectionId,
        opts: &ShareOptions,
        source: ImportSource,
        bytes_total: Option<u64>,
    ) -> Result<ImportJob, CoreError> {
        let sharer = self.import_sharer(p, collection, opts).await?;
        let job = self.new_job(&sharer, opts, bytes_total).await?;
        let svc = self.clone();
        let id = job.id;
        tokio::spawn(async move {
            if let Err(e) = svc.run_job(id, sharer, Input::Stream(source), |_| {}).await {
                tracing::error!(job = %id, error = %e, "import job failed");
            }
        });
        Ok(job)
    }

    /// Imports `source` into `collection` as `p` now (the command line), calling `progress` after
    /// every batch; answers the job as it ended.
    pub async fn import_now(
        &self,
        p: &Principal,
        collection: CollectionId,
        opts: &ShareOptions,
        source: ImportSource,
        bytes_total: Option<u64>,
        progress: impl FnMut(&ImportJob) + Send,
    ) -> Result<ImportJob, CoreError> {
        let sharer = self.import_sharer(p, collection, opts).await?;
        let job = self.new_job(&sharer, opts, bytes_total).await?;
        self.run_job(job.id, sharer, Input::Stream(source), progress)
            .await
    }

    /// Imports the MISP feed directory `dir` (`manifest.json` and an `<uuid>.json` per event)
    /// into `collection` as `p` now, an event at a time, as [`Service::import_now`] does.
    pub async fn import_misp_feed_now(
        &self,
        p: &Principal,
        collection: CollectionId,
        opts: &ShareOptions,
        dir: std::path::PathBuf,
        progress: impl FnMut(&ImportJob) + Send,
    ) -> Result<ImportJob, CoreError> {
        let sharer = self.import_sharer(p, collection, opts).await?;
        let job = self.new_job(&sharer, opts, None).await?;
        self.run_job(job.id, sharer, Input::Feed(dir), progress)
            .await
    }

    /// The sharer of an import: also knows who would see it, for MISP distribution levels.
    async fn import_sharer(
        &self,
        p: &Principal,
        collection: CollectionId,
        opts: &ShareOptions,
    ) -> Result<Sharer, CoreError> {
        let mut sharer = self.sharer(p, collection, opts).await?;
        sharer.misp = Some(std::sync::Arc::new(self.misp_target(&sharer).await?));
        Ok(sharer)
    }

    /// A job `p` may see: their own, their organisation's when they are its org-admin, any for a
    /// site-admin (and the operator). Any other is "not found".
    pub async fn get_import(&self, p: &Principal, id: ImportId) -> Result<ImportJob, CoreError> {
        let grant = authorize(p, Action::ReadIntel)?;
        self.store(&grant)
            .get_import(id)
            .await?
            .filter(|j| crate::access::imports::may_see_import(p, j))
            .ok_or_else(|| CoreError::NotFound(format!("import {id}")))
    }

    /// Marks failed the live jobs whose heartbeat is older than the lease
    /// ([`Service::import_lease`]): their node stopped. Runs at start-up and periodically on every
    /// node ([`Service::sweep_imports`]); answers how many it marked.
    pub async fn fail_interrupted_imports(&self) -> Result<usize, CoreError> {
        let lease = self.import_lease();
        let op = Principal::operator("imports");
        let grant = authorize(&op, Action::ShareIntel)?;
        let store = self.store(&grant);
        let lease = time::Duration::try_from(lease).unwrap_or(time::Duration::MINUTE);
        let before = self.now() - lease;
        let mut marked = 0;
        for job in store.stale_imports(before).await? {
            let error = format!(
                "interrupted (the node stopped); {} objects were stored — import again, stored \
                 objects are skipped",
                job.counts.stored
            );
            let end = ImportEnd {
                state: ImportState::Failed,
                error: Some(error.clone()),
                at: self.now(),
                stale_before: Some(before),
            };
            let mut audit = finish_event(self.now(), &job, &end, job.counts);
            audit.actor = SWEEP_ACTOR.into();
            audit.actor_org = None;
            audit.source = None;
            if store.finish_import(job.id, &end, &audit).await? {
                tracing::warn!(job = %job.id, stored = job.counts.stored, "import interrupted");
                marked += 1;
            }
        }
        Ok(marked)
    }

    /// Sweeps interrupted jobs now and then every half lease, forever (a node's background task).
    pub async fn sweep_imports(self) {
        loop {
            if let Err(e) = self.fail_interrupted_imports().await {
                tracing::warn!(error = %e, "cannot sweep interrupted imports");
            }
            tokio::time::sleep(self.import_lease() / 2).await;
        }
    }

    async fn new_job(
        &self,
        sharer: &Sharer,
        opts: &ShareOptions,
        bytes_total: Option<u64>,
    ) -> Result<ImportJob, CoreError> {
        let p = &sharer.principal;
        let grant = authorize(p, Action::ShareIntel)?;
        let me = crate::service::signed_in(p, "organisation to import as")?;
        let now = self.now();
        let job = ImportJob {
            id: ImportId(Uuid::new_v4()),
            collection: sharer.collection.id,
            user: me.user.id,
            org: me.org.id,
            state: ImportState::Queued,
            tlp: opts.tlp,
            bytes_total,
            bytes_read: 0,
            counts: ImportCounts::default(),
            failures: Vec::new(),
            error: None,
            created_at: now,
            started_at: None,
            finished_at: None,
            heartbeat_at: now,
        };
        let audit = self.event(
            p,
            AuditAction::ImportStart,
            Some(format!("import:{}", job.id)),
            Some(job.org),
            json!({
                "collection": job.collection,
                "tlp": job.tlp.map(Tlp::label),
                "bytes_total": bytes_total,
                "recipients": sharer.named.len(),
            }),
        );
        self.store(&grant).insert_import(&job, &audit).await?;
        Ok(job)
    }

    /// Runs a queued job to its end.
    async fn run_job(
        &self,
        id: ImportId,
        sharer: Sharer,
        input: Input,
        mut progress: impl FnMut(&ImportJob) + Send,
    ) -> Result<ImportJob, CoreError> {
        let p = sharer.principal.clone();
        let grant = authorize(&p, Action::ShareIntel)?;
        let store = self.store(&grant);
        if !store.start_import(id, self.now()).await? {
            return self.reload(id).await;
        }
        let (tx, mut rx) = mpsc::channel::<Batch>(2);
        let reader_sharer = sharer.clone();
        let reader = tokio::task::spawn_blocking(move || {
            let deliver = |b| tx.blocking_send(b).is_ok();
            match input {
                Input::Stream(source) => reader_sharer.read_batches(source, BATCH_UNITS, deliver),
                Input::Feed(dir) => reader_sharer.read_feed(&dir, BATCH_UNITS, deliver),
            }
        });
        let mut run = Run::default();
        let mut markings = Markings::default();
        let mut tick = tokio::time::interval(self.import_lease() / 4);
        tick.tick().await;
        let mut stopped: Option<String> = None;
        loop {
            let batch = tokio::select! {
                b = rx.recv() => match b {
                    Some(b) => b,
                    None => break,
                },
                _ = tick.tick() => {
                    match store.touch_import(id, self.now()).await {
                        Ok(true) => continue,
                        Ok(false) => stopped = Some("no longer running".into()),
                        Err(e) => stopped = Some(e.to_string()),
                    }
                    break;
                }
            };
            match self
                .store_batch(id, &sharer, batch, &mut run, &mut markings)
                .await
            {
                Ok(true) => {}
                Ok(false) => {
                    stopped = Some("no longer running".into());
                    break;
                }
                Err(e) => {
                    stopped = Some(format!("{e}"));
                    break;
                }
            }
            if let Ok(job) = self.reload(id).await {
                progress(&job);
            }
        }
        drop(rx);
        let read = reader
            .await
            .map_err(|e| StoreError::Backend(format!("import reader failed: {e}")))?;
        let error = match (stopped, read) {
            (Some(why), _) => Some(why),
            (None, Err(e)) => Some(if e.path.is_empty() {
                e.message
            } else {
                format!("{}: {}", e.path, e.message)
            }),
            (None, Ok(())) => None,
        };
        let end = ImportEnd {
            state: if error.is_some() {
                ImportState::Failed
            } else {
                ImportState::Succeeded
            },
            error,
            at: self.now(),
            stale_before: None,
        };
        let job = self.reload(id).await?;
        let audit = finish_event(self.now(), &job, &end, job.counts);
        let audit = AuditEvent {
            actor: p.actor(),
            actor_org: p.org_id(),
            source: p.source(),
            ..audit
        };
        store.finish_import(id, &end, &audit).await?;
        if job.counts.stored > ANALYZE_AFTER {
            store.analyze_intel().await?;
        }
        let job = self.reload(id).await?;
        progress(&job);
        Ok(job)
    }

    /// Stores one batch with the job's progress; whether the job goes on.
    async fn store_batch(
        &self,
        id: ImportId,
        sharer: &Sharer,
        mut batch: Batch,
        run: &mut Run,
        markings: &mut Markings,
    ) -> Result<bool, CoreError> {
        let grant = authorize(&sharer.principal, Action::ShareIntel)?;
        let foreign = self.foreign_versions(sharer, &mut batch).await?;
        let warnings = self.check_markings(sharer, &batch, markings).await?;
        run.read += batch.units as u64;
        run.failed += batch.failed.len() as u64;
        run.warnings += (warnings.len() + batch.warnings.len() + foreign.len()) as u64;
        for w in batch
            .warnings
            .iter()
            .chain(foreign.iter().map(|f| &f.warning))
        {
            tracing::warn!(job = %id, path = %w.path, "{}", w.message);
        }
        for f in batch.failed {
            if run.failures.len() < MAX_FAILURES {
                run.failures.push(f);
            }
        }
        run.failures.sort_by_key(|f| f.index);
        let news: Vec<NewObject> = batch.ready.into_iter().map(|r| r.new).collect();
        let progress = ImportProgress {
            read: run.read,
            skipped: foreign.len() as u64,
            failed: run.failed,
            warnings: run.warnings,
            bytes_read: batch.bytes_read,
            failures: run.failures.clone(),
        };
        let (_, live) = self
            .store(&grant)
            .insert_import_batch(id, news, &progress, self.now())
            .await?;
        Ok(live)
    }

    async fn reload(&self, id: ImportId) -> Result<ImportJob, CoreError> {
        let op = Principal::operator("imports");
        let grant = authorize(&op, Action::ReadIntel)?;
        self.store(&grant)
            .get_import(id)
            .await?
            .ok_or_else(|| CoreError::NotFound(format!("import {id}")))
    }
}

/// What a job reads: a stream (STIX or MISP JSON), or a MISP feed directory.
enum Input {
    Stream(ImportSource),
    Feed(std::path::PathBuf),
}

/// The counts of a running job, as this node sees them.
#[derive(Debug, Default)]
struct Run {
    read: u64,
    failed: u64,
    warnings: u64,
    failures: Vec<Failure>,
}

fn finish_event(
    at: OffsetDateTime,
    job: &ImportJob,
    end: &ImportEnd,
    counts: ImportCounts,
) -> AuditEvent {
    AuditEvent {
        at,
        actor: String::new(),
        actor_org: None,
        source: None,
        action: AuditAction::ImportFinish,
        target: Some(format!("import:{}", job.id)),
        target_org: Some(job.org),
        details: json!({
            "collection": job.collection,
            "state": end.state.as_str(),
            "error": end.error,
            "read": counts.read,
            "stored": counts.stored,
            "skipped": counts.skipped,
            "failed": counts.failed,
            "warnings": counts.warnings,
        }),
    }
}
