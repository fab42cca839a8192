//! What the audit log keeps: the hash-chained entries.

use async_trait::async_trait;

use crate::audit::{AuditEntry, AuditEvent};
use crate::org::OrgId;
use crate::store::StoreError;

#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Appends an entry on its own, for events that change nothing else (a refused sign-in).
    async fn append_audit(&self, event: &AuditEvent) -> Result<(), StoreError>;
    /// Newest first: entries with `seq < before` (all when `None`), of `org` (as actor or target
    /// organisation) only when given.
    async fn list_audit(
        &self,
        org: Option<OrgId>,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, StoreError>;
    /// Oldest first: entries with `seq > after`, at most `limit` (for verification).
    async fn audit_after(&self, after: i64, limit: u32) -> Result<Vec<AuditEntry>, StoreError>;
}
