//! The audit log's table: `audit_log`, append-only (triggers refuse changes). Entries are appended
//! only by `tx::audited`; this file reads them.

use async_trait::async_trait;
use rusqlite::params;
use simpul_core::audit::{AuditEntry, AuditEvent};
use simpul_core::org::OrgId;
use simpul_core::store::rows::AUDIT_COLUMNS;
use simpul_core::store::{AuditStore, StoreError};

use crate::SqliteStore;
use crate::error::Error;
use crate::rows;
use crate::tx::query_all;

fn entry(row: &rusqlite::Row<'_>) -> Result<AuditEntry, Error> {
    Ok(rows::audit(row)?.decode())
}

#[async_trait]
impl AuditStore for SqliteStore {
    async fn append_audit(&self, event: &AuditEvent) -> Result<(), StoreError> {
        // An event that changes nothing else: the change is empty, the entry is the write.
        self.audited(event, |_| Ok(())).await
    }

    async fn list_audit(
        &self,
        org: Option<OrgId>,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        self.read(move |c| {
            query_all(
                c,
                &format!(
                    "SELECT {AUDIT_COLUMNS} FROM audit_log
                     WHERE (?1 IS NULL OR actor_org = ?1 OR target_org = ?1) AND (?2 IS NULL OR seq < ?2)
                     ORDER BY seq DESC LIMIT ?3"
                ),
                params![org.map(|o| o.0.to_string()), before, i64::from(limit)],
                entry,
            )
        })
        .await
    }

    async fn audit_after(&self, after: i64, limit: u32) -> Result<Vec<AuditEntry>, StoreError> {
        self.read(move |c| {
            query_all(
                c,
                &format!(
                    "SELECT {AUDIT_COLUMNS} FROM audit_log WHERE seq > ?1 ORDER BY seq LIMIT ?2"
                ),
                params![after, i64::from(limit)],
                entry,
            )
        })
        .await
    }
}
