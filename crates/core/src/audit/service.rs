//! The audit log's service functions: reading and verifying it.

use crate::Service;
use crate::access::{Action, Principal, authorize};
use crate::audit::{AuditEntry, ChainBreak, Verifier};
use crate::error::{CoreError, Invalid};
use crate::identity::service::org_scope;
use crate::org::OrgId;

/// The most entries one page of the log holds.
pub const MAX_AUDIT_PAGE: u32 = 1000;

impl Service {
    /// Audit entries, newest first: of `asked`, or of the principal's default scope (all for a
    /// site-admin and the operator, their own organisation's for an org-admin). `limit` is 1 to
    /// [`MAX_AUDIT_PAGE`].
    pub async fn list_audit(
        &self,
        p: &Principal,
        asked: Option<OrgId>,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, CoreError> {
        let org = org_scope(p, asked);
        let grant = authorize(p, Action::ReadAudit(org))?;
        if !(1..=MAX_AUDIT_PAGE).contains(&limit) {
            return Err(
                Invalid::new("limit", format!("must be between 1 and {MAX_AUDIT_PAGE}")).into(),
            );
        }
        Ok(self.store(&grant).list_audit(org, before, limit).await?)
    }

    /// Walks the whole audit chain; the number of entries, or the first that does not verify.
    pub async fn verify_audit(&self, p: &Principal) -> Result<Result<i64, ChainBreak>, CoreError> {
        let grant = authorize(p, Action::ReadAudit(None))?;
        let store = self.store(&grant);
        let mut verifier = Verifier::default();
        let mut after = 0;
        loop {
            let page = store.audit_after(after, MAX_AUDIT_PAGE).await?;
            let Some(last) = page.last() else { break };
            after = last.seq;
            for e in &page {
                if let Err(b) = verifier.check(e) {
                    return Ok(Err(b));
                }
            }
        }
        Ok(Ok(verifier.count()))
    }
}
