//! `import_jobs`: import jobs with their progress. A batch of objects and its job's progress are one
//! transaction, which locks the job's row first (so the sweep of another node cannot mark it failed
//! half-way) and then the `intel_clock` row as every insert of objects does.

use async_trait::async_trait;
use simpul_core::audit::AuditEvent;
use simpul_core::intel::imports::{ImportId, ImportJob};
use simpul_core::intel::imports_store::{
    IMPORT_COLUMNS, ImportEnd, ImportProgress, ImportRow, ImportStore, failures_json, stored_count,
};
use simpul_core::intel::store::{Inserted, NewObject};
use simpul_core::store::StoreError;
use time::OffsetDateTime;
use tokio_postgres::Row;

use super::objects;
use crate::error::map_err;
use crate::tx::{execute, query, query_opt};
use crate::{PostgresStore, rows};

fn decode(r: &Row) -> Result<ImportJob, StoreError> {
    let t = "import_jobs";
    ImportRow {
        id: rows::value(r, t, "id")?,
        collection_id: rows::value(r, t, "collection_id")?,
        user_id: rows::value(r, t, "user_id")?,
        org_id: rows::value(r, t, "org_id")?,
        state: rows::value(r, t, "state")?,
        tlp: rows::value(r, t, "tlp")?,
        bytes_total: rows::value(r, t, "bytes_total")?,
        bytes_read: rows::value(r, t, "bytes_read")?,
        read: rows::value(r, t, "read")?,
        stored: rows::value(r, t, "stored")?,
        skipped: rows::value(r, t, "skipped")?,
        failed: rows::value(r, t, "failed")?,
        warnings: rows::value(r, t, "warnings")?,
        failures: rows::value(r, t, "failures")?,
        error: rows::value(r, t, "error")?,
        created_at: rows::value(r, t, "created_at")?,
        started_at: rows::value(r, t, "started_at")?,
        finished_at: rows::value(r, t, "finished_at")?,
        heartbeat_at: rows::value(r, t, "heartbeat_at")?,
    }
    .decode()
}

#[async_trait]
impl ImportStore for PostgresStore {
    async fn insert_import(&self, job: &ImportJob, audit: &AuditEvent) -> Result<(), StoreError> {
        let r = ImportRow::from(job);
        self.audited(audit, move |tx| {
            Box::pin(async move {
                let placeholders: Vec<String> = (1..=19).map(|i| format!("${i}")).collect();
                execute(
                    tx,
                    &format!(
                        "INSERT INTO import_jobs ({IMPORT_COLUMNS}) VALUES ({})",
                        placeholders.join(", ")
                    ),
                    &[
                        &r.id,
                        &r.collection_id,
                        &r.user_id,
                        &r.org_id,
                        &r.state,
                        &r.tlp,
                        &r.bytes_total,
                        &r.bytes_read,
                        &r.read,
                        &r.stored,
                        &r.skipped,
                        &r.failed,
                        &r.warnings,
                        &r.failures,
                        &r.error,
                        &r.created_at,
                        &r.started_at,
                        &r.finished_at,
                        &r.heartbeat_at,
                    ],
                )
                .await
                .map(drop)
            })
        })
        .await
    }

    async fn get_import(&self, id: ImportId) -> Result<Option<ImportJob>, StoreError> {
        let client = self.client().await?;
        query_opt(
            &client,
            &format!("SELECT {IMPORT_COLUMNS} FROM import_jobs WHERE id = $1"),
            &[&id.0],
        )
        .await?
        .as_ref()
        .map(decode)
        .transpose()
    }

    async fn start_import(&self, id: ImportId, now: OffsetDateTime) -> Result<bool, StoreError> {
        let client = self.client().await?;
        let n = execute(
            &client,
            "UPDATE import_jobs SET state = 'running', started_at = $2, heartbeat_at = $2
             WHERE id = $1 AND state = 'queued'",
            &[&id.0, &now],
        )
        .await?;
        Ok(n == 1)
    }

    async fn touch_import(&self, id: ImportId, now: OffsetDateTime) -> Result<bool, StoreError> {
        let client = self.client().await?;
        let n = execute(
            &client,
            "UPDATE import_jobs SET heartbeat_at = $2
             WHERE id = $1 AND state IN ('queued', 'running')",
            &[&id.0, &now],
        )
        .await?;
        Ok(n == 1)
    }

    async fn insert_import_batch(
        &self,
        id: ImportId,
        objects: Vec<NewObject>,
        p: &ImportProgress,
        now: OffsetDateTime,
    ) -> Result<(Vec<Inserted>, bool), StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        let running = query_opt(
            &tx,
            "SELECT 1 FROM import_jobs WHERE id = $1 AND state = 'running' FOR UPDATE",
            &[&id.0],
        )
        .await?
        .is_some();
        if !running {
            tx.rollback().await.map_err(map_err)?;
            return Ok((vec![Inserted::AlreadyStored; objects.len()], false));
        }
        let results = if objects.is_empty() {
            Vec::new()
        } else {
            objects::insert_in(&tx, &objects, now).await?
        };
        let stored = results
            .iter()
            .filter(|r| matches!(r, Inserted::Stored(_)))
            .count() as u64;
        let skipped = results.len() as u64 - stored + p.skipped;
        execute(
            &tx,
            "UPDATE import_jobs SET read = $2, stored = stored + $3, skipped = skipped + $4,
                 failed = $5, warnings = $6, bytes_read = $7, failures = $8, heartbeat_at = $9
             WHERE id = $1",
            &[
                &id.0,
                &stored_count(p.read),
                &stored_count(stored),
                &stored_count(skipped),
                &stored_count(p.failed),
                &stored_count(p.warnings),
                &stored_count(p.bytes_read),
                &failures_json(&p.failures),
                &now,
            ],
        )
        .await?;
        tx.commit().await.map_err(map_err)?;
        Ok((results, true))
    }

    async fn finish_import(
        &self,
        id: ImportId,
        end: &ImportEnd,
        audit: &AuditEvent,
    ) -> Result<bool, StoreError> {
        let end = end.clone();
        self.audited(audit, move |tx| {
            Box::pin(async move {
                let n = execute(
                    tx,
                    "UPDATE import_jobs SET state = $2, error = $3, finished_at = $4,
                         heartbeat_at = $4
                     WHERE id = $1 AND state IN ('queued', 'running')
                       AND ($5::timestamptz IS NULL OR heartbeat_at < $5)",
                    &[
                        &id.0,
                        &end.state.as_str(),
                        &end.error,
                        &end.at,
                        &end.stale_before,
                    ],
                )
                .await?;
                Ok(n == 1)
            })
        })
        .await
    }

    async fn stale_imports(&self, before: OffsetDateTime) -> Result<Vec<ImportJob>, StoreError> {
        let client = self.client().await?;
        query(
            &client,
            &format!(
                "SELECT {IMPORT_COLUMNS} FROM import_jobs
                 WHERE state IN ('queued', 'running') AND heartbeat_at < $1
                 ORDER BY heartbeat_at LIMIT 100"
            ),
            &[&before],
        )
        .await?
        .iter()
        .map(decode)
        .collect()
    }

    async fn analyze_intel(&self) -> Result<(), StoreError> {
        let client = self.client().await?;
        client
            .batch_execute("ANALYZE objects, object_observables, object_recipients")
            .await
            .map_err(map_err)
    }
}
