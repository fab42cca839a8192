//! The service side of requests' notifications (`notify.rs` says what and to whom): building a
//! change's [`Notices`] — one webhook event per receiving organisation, one mail per address of
//! its duty desk — and the deadline sweep the server runs (`simpul serve`, every
//! [`DEADLINE_SWEEP`]).

use crate::Service;
use crate::access::{Action, Grant, Principal, authorize};
use crate::contacts::ContactKind;
use crate::contacts::store::ContactQuery;
use crate::error::CoreError;
use crate::mail::{MailBody, NewMail, OutboxEntry, Purpose, Subject};
use crate::org::OrgId;
use crate::requests::RequestId;
use crate::requests::notify::{
    Deadline, MAIL_PURPOSE, MAX_MAIL_RECIPIENTS, Notice, Notices, Parties, mail_text, payload,
};
use crate::requests::state::{overdue, warn_at};
use crate::requests::store::Request;
use crate::user::Email;

/// How often `simpul serve` looks for requests whose deadline is near or past.
pub const DEADLINE_SWEEP: std::time::Duration = std::time::Duration::from_secs(30);

/// The most requests one sweep notifies (the next sweep takes the rest).
pub const SWEEP_BATCH: u32 = 200;

/// Which deadline notice `r` is due at `now`, if any (overdue before due soon).
pub fn deadline_due(r: &Request, now: time::OffsetDateTime) -> Option<Deadline> {
    if overdue(r.state, r.due, now) {
        Some(Deadline::Overdue)
    } else if r.state.is_open() && now >= crate::clock::to_micros(warn_at(r.created_at, r.due)) {
        Some(Deadline::DueSoon)
    } else {
        None
    }
}

impl Service {
    /// The addresses `org`'s notice mail goes to: its 24x7-duty contacts', else its technical
    /// POCs', at most [`MAX_MAIL_RECIPIENTS`], each once.
    async fn notice_addresses(
        &self,
        grant: &Grant<'_>,
        org: OrgId,
    ) -> Result<Vec<Email>, CoreError> {
        for kind in [ContactKind::Duty24x7, ContactKind::TechnicalPoc] {
            let q = ContactQuery {
                orgs: Some(vec![org]),
                kinds: vec![kind],
                limit: 100,
                ..ContactQuery::default()
            };
            let mut out: Vec<Email> = Vec::new();
            for c in self.store(grant).list_contacts(None, &q).await? {
                for e in c.emails {
                    if !out.contains(&e) && out.len() < MAX_MAIL_RECIPIENTS {
                        out.push(e);
                    }
                }
            }
            if !out.is_empty() {
                return Ok(out);
            }
        }
        Ok(Vec::new())
    }

    /// What `notice` of `r` sends: the events of its organisations and the mails to their
    /// addresses, built now, for the store to write with the change.
    pub(crate) async fn request_notices(
        &self,
        grant: &Grant<'_>,
        r: &Request,
        notice: &Notice,
    ) -> Result<Notices, CoreError> {
        let store = self.store(grant);
        let short = |id: OrgId| async move {
            store
                .get_org(id)
                .await?
                .map(|o| o.short_name)
                .ok_or_else(|| CoreError::NotFound(format!("organisation {id}")))
        };
        let parties = Parties {
            requester: short(r.requester_org).await?,
            target: short(r.target_org).await?,
        };
        let body = payload(r, &parties, notice);
        let mut out = Notices::default();
        for org in notice.event_orgs(r) {
            out.events
                .push(self.webhook_event(org, notice.event_type(), &body)?);
        }
        let (subject, text) = mail_text(r, &parties, notice, &self.public_url);
        let now = self.now();
        for org in notice.mail_orgs(r) {
            for to in self.notice_addresses(grant, org).await? {
                let mail = NewMail {
                    to,
                    subject: Subject::parse(&subject)?,
                    body: MailBody::parse(&text)?,
                    purpose: Purpose::parse(MAIL_PURPOSE)?,
                    ref_id: Some(r.id.0),
                };
                out.mails.push(OutboxEntry::new(mail, now));
            }
        }
        Ok(out)
    }

    /// One sweep (the server's, as the operator; site-admins): every open request whose
    /// due-soon or overdue notice is due and not sent yet gets it, each once — the store marks the
    /// request by compare-and-set in the notices' transaction, so two nodes never both send it.
    /// The requests notified, at most [`SWEEP_BATCH`].
    pub async fn notify_request_deadlines(
        &self,
        p: &Principal,
    ) -> Result<Vec<(RequestId, Deadline)>, CoreError> {
        let grant = authorize(p, Action::NotifyRequests)?;
        let now = self.now();
        let ids = self
            .store(&grant)
            .requests_due_notice(now, SWEEP_BATCH)
            .await?;
        let mut sent = Vec::new();
        for id in ids {
            let Some(r) = self.store(&grant).get_request(id).await? else {
                continue;
            };
            let Some(d) = deadline_due(&r, now) else {
                continue;
            };
            let notices = self
                .request_notices(&grant, &r, &Notice::Deadline(d))
                .await?;
            if self
                .store(&grant)
                .record_request_notice(id, d, now, &notices)
                .await?
            {
                sent.push((id, d));
            }
        }
        Ok(sent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::requests::RequestState;
    use time::macros::datetime;

    #[test]
    fn the_deadline_notice_due() {
        let created = datetime!(2026-03-01 10:00 UTC);
        let due = datetime!(2026-03-01 14:00 UTC);
        let r = |state| Request {
            state,
            created_at: created,
            due,
            ..crate::requests::notify::sample_request(crate::intel::Tlp::Green)
        };
        let open = r(RequestState::InProgress);
        assert_eq!(
            deadline_due(&open, datetime!(2026-03-01 12:59:59 UTC)),
            None
        );
        assert_eq!(
            deadline_due(&open, datetime!(2026-03-01 13:00 UTC)),
            Some(Deadline::DueSoon)
        );
        assert_eq!(
            deadline_due(&open, datetime!(2026-03-01 14:00 UTC)),
            Some(Deadline::DueSoon),
            "at `due` it is not overdue yet"
        );
        assert_eq!(
            deadline_due(&open, datetime!(2026-03-01 14:00:01 UTC)),
            Some(Deadline::Overdue)
        );
        let closed = r(RequestState::Actioned);
        assert_eq!(deadline_due(&closed, datetime!(2026-03-02 10:00 UTC)), None);
    }
}
