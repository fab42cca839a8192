//! `import_jobs`: import jobs with their progress; a batch of objects and its job's progress are one
//! immediate transaction on the writer.

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, params};
use simpul_core::audit::AuditEvent;
use simpul_core::intel::imports::{ImportId, ImportJob};
use simpul_core::intel::imports_store::{
    IMPORT_COLUMNS, ImportEnd, ImportProgress, ImportRow, ImportStore, failures_json, stored_count,
};
use simpul_core::intel::store::{Inserted, NewObject};
use simpul_core::store::StoreError;
use time::OffsetDateTime;

use super::objects;
use crate::SqliteStore;
use crate::error::Error;
use crate::rows::{Cols, opt_ts, ts};
use crate::tx::query_all;

fn row(r: &rusqlite::Row<'_>) -> Result<ImportRow, Error> {
    let c = Cols::new(r, "import_jobs");
    Ok(ImportRow {
        id: c.uuid(0)?,
        collection_id: c.uuid(1)?,
        user_id: c.uuid(2)?,
        org_id: c.uuid(3)?,
        state: c.get(4)?,
        tlp: c.get(5)?,
        bytes_total: c.get(6)?,
        bytes_read: c.get(7)?,
        read: c.get(8)?,
        stored: c.get(9)?,
        skipped: c.get(10)?,
        failed: c.get(11)?,
        warnings: c.get(12)?,
        failures: c.get(13)?,
        error: c.get(14)?,
        created_at: c.ts(15)?,
        started_at: c.opt_ts(16)?,
        finished_at: c.opt_ts(17)?,
        heartbeat_at: c.ts(18)?,
    })
}

fn decode(r: &rusqlite::Row<'_>) -> Result<ImportJob, Error> {
    Ok(row(r)?.decode()?)
}

/// The progress of a running job after a batch that stored `stored` and skipped `skipped`; whether
/// it was running.
fn progress(
    tx: &Connection,
    id: ImportId,
    p: &ImportProgress,
    stored: u64,
    skipped: u64,
    now: OffsetDateTime,
) -> Result<bool, Error> {
    let n = tx
        .prepare_cached(
            "UPDATE import_jobs SET read = ?2, stored = stored + ?3, skipped = skipped + ?4,
                 failed = ?5, warnings = ?6, bytes_read = ?7, failures = ?8, heartbeat_at = ?9
             WHERE id = ?1 AND state = 'running'",
        )?
        .execute(params![
            id.to_string(),
            stored_count(p.read),
            stored_count(stored),
            stored_count(skipped),
            stored_count(p.failed),
            stored_count(p.warnings),
            stored_count(p.bytes_read),
            failures_json(&p.failures),
            ts(now),
        ])?;
    Ok(n == 1)
}

#[async_trait]
impl ImportStore for SqliteStore {
    async fn insert_import(&self, job: &ImportJob, audit: &AuditEvent) -> Result<(), StoreError> {
        let r = ImportRow::from(job);
        self.audited(audit, move |tx| {
            let placeholders: Vec<String> = (1..=19).map(|i| format!("?{i}")).collect();
            tx.execute(
                &format!(
                    "INSERT INTO import_jobs ({IMPORT_COLUMNS}) VALUES ({})",
                    placeholders.join(", ")
                ),
                params![
                    r.id.to_string(),
                    r.collection_id.to_string(),
                    r.user_id.to_string(),
                    r.org_id.to_string(),
                    r.state,
                    r.tlp,
                    r.bytes_total,
                    r.bytes_read,
                    r.read,
                    r.stored,
                    r.skipped,
                    r.failed,
                    r.warnings,
                    r.failures,
                    r.error,
                    ts(r.created_at),
                    opt_ts(r.started_at),
                    opt_ts(r.finished_at),
                    ts(r.heartbeat_at),
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn get_import(&self, id: ImportId) -> Result<Option<ImportJob>, StoreError> {
        self.read(move |c| {
            let sql = format!("SELECT {IMPORT_COLUMNS} FROM import_jobs WHERE id = ?1");
            let r = c
                .query_row(&sql, [id.to_string()], |r| Ok(decode(r)))
                .optional()?;
            r.transpose()
        })
        .await
    }

    async fn start_import(&self, id: ImportId, now: OffsetDateTime) -> Result<bool, StoreError> {
        self.write(move |c| {
            let n = c.execute(
                "UPDATE import_jobs SET state = 'running', started_at = ?2, heartbeat_at = ?2
                 WHERE id = ?1 AND state = 'queued'",
                params![id.to_string(), ts(now)],
            )?;
            Ok(n == 1)
        })
        .await
    }

    async fn touch_import(&self, id: ImportId, now: OffsetDateTime) -> Result<bool, StoreError> {
        self.write(move |c| {
            let n = c.execute(
                "UPDATE import_jobs SET heartbeat_at = ?2
                 WHERE id = ?1 AND state IN ('queued', 'running')",
                params![id.to_string(), ts(now)],
            )?;
            Ok(n == 1)
        })
        .await
    }

    async fn insert_import_batch(
        &self,
        id: ImportId,
        objects: Vec<NewObject>,
        p: &ImportProgress,
        now: OffsetDateTime,
    ) -> Result<(Vec<Inserted>, bool), StoreError> {
        let p = p.clone();
        self.transaction(move |tx| {
            let running: Option<i64> = tx
                .query_row(
                    "SELECT 1 FROM import_jobs WHERE id = ?1 AND state = 'running'",
                    [id.to_string()],
                    |r| r.get(0),
                )
                .optional()?;
            if running.is_none() {
                return Ok((vec![Inserted::AlreadyStored; objects.len()], false));
            }
            let results = if objects.is_empty() {
                Vec::new()
            } else {
                objects::insert(tx, &objects, now)?
            };
            let stored = results
                .iter()
                .filter(|r| matches!(r, Inserted::Stored(_)))
                .count() as u64;
            let skipped = results.len() as u64 - stored + p.skipped;
            let live = progress(tx, id, &p, stored, skipped, now)?;
            Ok((results, live))
        })
        .await
    }

    async fn finish_import(
        &self,
        id: ImportId,
        end: &ImportEnd,
        audit: &AuditEvent,
    ) -> Result<bool, StoreError> {
        let end = end.clone();
        self.audited(audit, move |tx| {
            let n = tx.execute(
                "UPDATE import_jobs SET state = ?2, error = ?3, finished_at = ?4, heartbeat_at = ?4
                 WHERE id = ?1 AND state IN ('queued', 'running')
                   AND (?5 IS NULL OR heartbeat_at < ?5)",
                params![
                    id.to_string(),
                    end.state.as_str(),
                    end.error,
                    ts(end.at),
                    opt_ts(end.stale_before),
                ],
            )?;
            Ok(n == 1)
        })
        .await
    }

    async fn stale_imports(&self, before: OffsetDateTime) -> Result<Vec<ImportJob>, StoreError> {
        self.read(move |c| {
            let sql = format!(
                "SELECT {IMPORT_COLUMNS} FROM import_jobs
                 WHERE state IN ('queued', 'running') AND heartbeat_at < ?1
                 ORDER BY heartbeat_at LIMIT 100"
            );
            query_all(c, &sql, [ts(before)], decode)
        })
        .await
    }

    async fn analyze_intel(&self) -> Result<(), StoreError> {
        self.write(|c| {
            // Sampled (`analysis_limit`): the statistics of a large table in bounded time.
            c.execute_batch(
                "PRAGMA analysis_limit = 1000; ANALYZE objects; ANALYZE object_observables;",
            )?;
            Ok(())
        })
        .await
    }
}
