//! The audit log: reads of the hash chain. Appending is [`PostgresStore::audited`]'s alone.

use async_trait::async_trait;
use simpul_core::audit::{AuditEntry, AuditEvent};
use simpul_core::org::OrgId;
use simpul_core::store::rows::AUDIT_COLUMNS;
use simpul_core::store::{AuditStore, StoreError};

use crate::tx::query;
use crate::{PostgresStore, rows};

#[async_trait]
impl AuditStore for PostgresStore {
    async fn append_audit(&self, event: &AuditEvent) -> Result<(), StoreError> {
        // An event that changes nothing else: the change is empty, the entry is the write.
        self.audited(event, |_| Box::pin(async { Ok(()) })).await
    }

    async fn list_audit(
        &self,
        org: Option<OrgId>,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let client = self.client().await?;
        let n = i64::from(limit);
        let rows = match (org, before) {
            (None, None) => {
                query(
                    &client,
                    &format!("SELECT {AUDIT_COLUMNS} FROM audit_log ORDER BY seq DESC LIMIT $1"),
                    &[&n],
                )
                .await?
            }
            (None, Some(before)) => {
                query(
                    &client,
                    &format!(
                        "SELECT {AUDIT_COLUMNS} FROM audit_log WHERE seq < $1
                         ORDER BY seq DESC LIMIT $2"
                    ),
                    &[&before, &n],
                )
                .await?
            }
            (Some(org), before) => {
                query(
                    &client,
                    &format!(
                        "SELECT {AUDIT_COLUMNS} FROM audit_log
                         WHERE (actor_org = $1 OR target_org = $1)
                           AND ($2::bigint IS NULL OR seq < $2)
                         ORDER BY seq DESC LIMIT $3"
                    ),
                    &[&org.0, &before, &n],
                )
                .await?
            }
        };
        rows.iter().map(rows::audit).collect()
    }

    async fn audit_after(&self, after: i64, limit: u32) -> Result<Vec<AuditEntry>, StoreError> {
        let client = self.client().await?;
        let rows = query(
            &client,
            &format!("SELECT {AUDIT_COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2"),
            &[&after, &i64::from(limit)],
        )
        .await?;
        rows.iter().map(rows::audit).collect()
    }
}
