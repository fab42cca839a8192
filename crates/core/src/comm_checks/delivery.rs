//! A target's delivery and `sent_at` as the outbox knows them: each check message is queued with
//! `ref_id` = the target's id, and the mail sender records what the relay answered on the outbox
//! row, so a report reads the outbox rather than a copy. A target without a message (in-app
//! only, no address) keeps what its row says (`queued`, never sent: its response time runs from
//! the check's start).
//!
//! Who may read a target's delivery is who may read its result: the read runs under
//! [`Action::ReadCheckResults`] and only for the targets [`may_read_check_result`] admits, so an
//! organisation reading its own contacts' results sees their delivery and nothing of others'.

use std::collections::HashMap;

use uuid::Uuid;

use crate::Service;
use crate::access::directory::may_read_check_result;
use crate::access::{Action, Grant};
use crate::comm_checks::{Delivery, Target};
use crate::error::CoreError;
use crate::mail::service::newest_per_ref;
use crate::mail::{Answer, MailRecord, MailStatus};

/// The relay's answer as one line: `250 2.0.0 Ok`, or the text alone when no server answered.
fn answer_text(a: Option<&Answer>) -> String {
    match a {
        Some(Answer {
            code: Some(code),
            text,
        }) if text.is_empty() => code.to_string(),
        Some(Answer {
            code: Some(code),
            text,
        }) => format!("{code} {text}"),
        Some(Answer { code: None, text }) => text.clone(),
        None => String::new(),
    }
}

/// What `record` says of its target: queued (also while a sender holds it), sent with the relay's
/// answer at its `sent_at`, or undeliverable with the last answer.
pub fn delivery_of_record(record: &MailRecord) -> (Option<time::OffsetDateTime>, Delivery) {
    let answer = answer_text(record.last_answer.as_ref());
    match record.status {
        MailStatus::Queued | MailStatus::Sending => (None, Delivery::Queued),
        MailStatus::Sent => (record.sent_at, Delivery::Sent { answer }),
        MailStatus::Failed => (None, Delivery::Undeliverable { reason: answer }),
    }
}

/// `target` with its delivery and `sent_at` from `record`, when it has one.
pub(crate) fn overlay(mut target: Target, record: Option<&MailRecord>) -> Target {
    if let Some(r) = record {
        let (sent_at, delivery) = delivery_of_record(r);
        target.sent_at = sent_at;
        target.delivery = delivery;
    }
    target
}

impl Service {
    /// `targets` with their delivery from the outbox, for a reader holding
    /// [`Action::ReadCheckResults`]: only the targets the reader may read the result of are kept
    /// (the callers filtered already; this keeps the mail read from ever going wider).
    pub(crate) async fn with_outbox_delivery(
        &self,
        grant: &Grant<'_>,
        targets: Vec<Target>,
    ) -> Result<Vec<Target>, CoreError> {
        if grant.action() != Action::ReadCheckResults {
            return Err(CoreError::Forbidden(
                "this action reads no check delivery".into(),
            ));
        }
        let p = grant.principal();
        let targets: Vec<Target> = targets
            .into_iter()
            .filter(|t| may_read_check_result(p, t.contact.org_id))
            .collect();
        let ids: Vec<Uuid> = targets.iter().map(|t| t.id.0).collect();
        let records: HashMap<Uuid, MailRecord> = if ids.is_empty() {
            HashMap::new()
        } else {
            newest_per_ref(self.store(grant).mail_of_refs(&ids).await?)
        };
        Ok(targets
            .into_iter()
            .map(|t| {
                let r = records.get(&t.id.0);
                overlay(t, r)
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::{MailId, Purpose, Subject};
    use crate::user::Email;
    use time::macros::datetime;

    fn record(status: MailStatus, answer: Option<Answer>) -> MailRecord {
        MailRecord {
            id: MailId(Uuid::new_v4()),
            to: Email::parse("a@example.org").unwrap(),
            subject: Subject::parse("s").unwrap(),
            purpose: Purpose::parse("comm-check-target").unwrap(),
            ref_id: Some(Uuid::nil()),
            created_at: datetime!(2026-01-01 10:00 UTC),
            next_attempt_at: datetime!(2026-01-01 10:00 UTC),
            attempts: 1,
            status,
            last_answer: answer,
            sent_at: (status == MailStatus::Sent).then_some(datetime!(2026-01-01 10:00:05 UTC)),
        }
    }

    #[test]
    fn outbox_states_map_to_deliveries() {
        let ok = Answer::new(Some(250), "2.0.0 Ok: queued");
        let (at, d) = delivery_of_record(&record(MailStatus::Sent, Some(ok)));
        assert_eq!(at, Some(datetime!(2026-01-01 10:00:05 UTC)));
        assert_eq!(
            d,
            Delivery::Sent {
                answer: "250 2.0.0 Ok: queued".into()
            }
        );
        let bad = Answer::new(Some(550), "no such user");
        let (at, d) = delivery_of_record(&record(MailStatus::Failed, Some(bad)));
        assert_eq!(at, None);
        assert_eq!(
            d,
            Delivery::Undeliverable {
                reason: "550 no such user".into()
            }
        );
        let refused = Answer::new(None, "connection refused");
        let (_, d) = delivery_of_record(&record(MailStatus::Queued, Some(refused)));
        assert_eq!(d, Delivery::Queued);
        let (_, d) = delivery_of_record(&record(MailStatus::Sending, None));
        assert_eq!(d, Delivery::Queued);
    }
}
