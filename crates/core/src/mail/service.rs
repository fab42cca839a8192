//! The outbox's service functions: queue, claim, record, and the read side.

use std::collections::HashMap;

use uuid::Uuid;

use crate::Service;
use crate::access::{Action, Grant, Principal, authorize};
use crate::audit::AuditAction;
use crate::error::CoreError;
use crate::mail::{
    Attempt, ClaimedMail, MailFilter, MailId, MailRecord, NewMail, OutboxEntry, next_state,
};

impl Service {
    /// Queues `mail` for whoever holds a grant that sends mail as part of its action (a
    /// communication check's [`Action::RunCommChecks`], a test mail's [`Action::SendMail`]);
    /// audited as `mail.queue`. Returns its id.
    pub async fn queue_mail(&self, grant: &Grant<'_>, mail: NewMail) -> Result<MailId, CoreError> {
        if !matches!(grant.action(), Action::SendMail | Action::RunCommChecks) {
            return Err(CoreError::Forbidden("this action sends no mail".into()));
        }
        let entry = OutboxEntry::new(mail, self.now());
        let audit = self.event(
            grant.principal(),
            AuditAction::MailQueue,
            Some(entry.id.to_string()),
            None,
            serde_json::json!({
                "to": entry.mail.to.as_str(),
                "purpose": entry.mail.purpose.as_str(),
            }),
        );
        self.store(grant).queue_mail(&entry, &audit).await?;
        Ok(entry.id)
    }

    /// Queues a test message to `to` (`simpul mail test`).
    pub async fn queue_test_mail(
        &self,
        p: &Principal,
        to: crate::user::Email,
    ) -> Result<MailId, CoreError> {
        let grant = authorize(p, Action::SendMail)?;
        let now = self.now();
        let mail = NewMail {
            to,
            subject: crate::mail::Subject::parse("simpul test message")?,
            body: crate::mail::MailBody::parse(&format!(
                "This is a test message from simpul, queued at {now}.\r\n"
            ))?,
            purpose: crate::mail::Purpose::test(),
            ref_id: None,
        };
        self.queue_mail(&grant, mail).await
    }

    /// The sent-mail record, newest first (never a body): site-admins and coordinators.
    pub async fn list_mail(
        &self,
        p: &Principal,
        filter: MailFilter,
    ) -> Result<Vec<MailRecord>, CoreError> {
        let grant = authorize(p, Action::ReadMail)?;
        let filter = MailFilter {
            limit: filter.limit.clamp(1, MailFilter::MAX_LIMIT),
            ..filter
        };
        Ok(self.store(&grant).list_mail(filter).await?)
    }

    /// The delivery outcome of the messages queued with these `ref_id`s (the newest per ref),
    /// for the domain that queued them under `grant`.
    pub async fn delivery_of(
        &self,
        grant: &Grant<'_>,
        ref_ids: &[Uuid],
    ) -> Result<HashMap<Uuid, MailRecord>, CoreError> {
        if !matches!(
            grant.action(),
            Action::SendMail | Action::RunCommChecks | Action::ReadMail
        ) {
            return Err(CoreError::Forbidden("this action reads no mail".into()));
        }
        Ok(newest_per_ref(
            self.store(grant).mail_of_refs(ref_ids).await?,
        ))
    }

    /// Claims at most `n` due messages for `holder` for `lease` (the sender of the binary).
    pub async fn claim_due(
        &self,
        p: &Principal,
        holder: Uuid,
        lease: std::time::Duration,
        n: u32,
    ) -> Result<Vec<ClaimedMail>, CoreError> {
        let grant = authorize(p, Action::SendMail)?;
        let now = self.now();
        let lease = time::Duration::try_from(lease.max(std::time::Duration::from_secs(1)))
            .unwrap_or(time::Duration::HOUR);
        Ok(self
            .store(&grant)
            .claim_mail(now, holder, now + lease, n)
            .await?)
    }

    /// Records what sending a claimed message came to; `jitter` in `[0, 1)` from the caller's
    /// RNG stretches the backoff. `false`: `holder`'s claim had expired and another took it.
    pub async fn record_attempt(
        &self,
        p: &Principal,
        mail: &ClaimedMail,
        holder: Uuid,
        outcome: Attempt,
        jitter: f64,
    ) -> Result<bool, CoreError> {
        let grant = authorize(p, Action::SendMail)?;
        let update = next_state(mail.attempts, outcome, self.now(), jitter);
        Ok(self
            .store(&grant)
            .record_mail_attempt(mail.id, holder, &update)
            .await?)
    }

    /// How many messages wait to be sent (for `/readyz` and the sender's log).
    pub async fn mail_backlog(&self, p: &Principal) -> Result<u64, CoreError> {
        let grant = authorize(p, Action::SendMail)?;
        Ok(self.store(&grant).mail_backlog().await?)
    }
}

/// The newest of `records` per `ref_id` (records without one are left out).
pub(crate) fn newest_per_ref(records: Vec<MailRecord>) -> HashMap<Uuid, MailRecord> {
    let mut out: HashMap<Uuid, MailRecord> = HashMap::new();
    for r in records {
        let Some(k) = r.ref_id else { continue };
        if out.get(&k).is_none_or(|old| old.created_at <= r.created_at) {
            out.insert(k, r);
        }
    }
    out
}
