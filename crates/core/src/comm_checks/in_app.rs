//! In-app acknowledgement for a signed-in user: the checks that ask one of the user's contacts
//! (found by the user's e-mail, `contact_ids_for_email`) and are still open, and acknowledging
//! them with one click. What the user sees of such a check is what its link would show the
//! contact (title, message, deadline): being asked is the reason to see it, as holding a link is.

use time::OffsetDateTime;

use crate::Service;
use crate::access::{Action, Grant, Principal, authorize};
use crate::comm_checks::{Check, CheckId, TargetId};
use crate::contacts::ContactId;
use crate::error::CoreError;

/// A check asking the signed-in user, with how many of the user's targets are still open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingForMe {
    pub check: Check,
    pub open_targets: usize,
}

impl Service {
    /// The user's contact ids (none for a token of the operator or a user with no contact).
    async fn my_contacts(
        &self,
        p: &Principal,
        grant: &Grant<'_>,
    ) -> Result<Vec<ContactId>, CoreError> {
        match p.as_user() {
            Some(u) => self.contact_ids_for_email(grant, &u.user.email).await,
            None => Ok(Vec::new()),
        }
    }

    /// The open checks (deadline not passed) with an unacknowledged target that is one of `p`'s
    /// contacts, newest first.
    pub async fn pending_for_me(&self, p: &Principal) -> Result<Vec<PendingForMe>, CoreError> {
        let grant = authorize(p, Action::ReadDirectory)?;
        let mine = self.my_contacts(p, &grant).await?;
        if mine.is_empty() {
            return Ok(Vec::new());
        }
        let now: OffsetDateTime = self.now();
        let store = self.store(&grant);
        let mut out = Vec::new();
        for check in store.list_checks(None).await? {
            if check.deadline_at < now {
                continue;
            }
            let open_targets = store
                .check_targets(check.id)
                .await?
                .iter()
                .filter(|t| t.acknowledged_at.is_none() && mine.contains(&t.contact.contact_id))
                .count();
            if open_targets > 0 {
                out.push(PendingForMe {
                    check,
                    open_targets,
                });
            }
        }
        Ok(out)
    }

    /// Acknowledges `check` in the app for every one of `p`'s contacts it asks
    /// ([`Service::acknowledge_in_app`]); not found when it asks none of them.
    pub async fn acknowledge_as_me(
        &self,
        p: &Principal,
        check: CheckId,
    ) -> Result<Vec<TargetId>, CoreError> {
        let grant = authorize(p, Action::ReadDirectory)?;
        let mine = self.my_contacts(p, &grant).await?;
        self.acknowledge_in_app(p, check, &mine).await
    }
}
