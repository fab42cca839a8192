//! Starting a check from a spec: the targets resolved with the contacts domain
//! (`contacts_for_check`), snapshotted, and one e-mail per target with an address queued in the
//! check's own transaction (`insert_outbox` in each backend's `insert_check_rows`).
//!
//! Each message names the check, carries its message, the deadline in UTC and in the contact's
//! organisation's profile time zone when it has one, and the target's unique link
//! `{public_url}/ack/{token}`.

use std::collections::HashMap;

use async_trait::async_trait;
use time::OffsetDateTime;
use time::macros::format_description;

use crate::Service;
use crate::access::{Action, Grant, Principal, authorize};
use crate::comm_checks::schedules::TargetSource;
use crate::comm_checks::service::TargetToken;
use crate::comm_checks::{Channel, Check, NewCheck, TargetContact, TargetSpec};
use crate::contacts::{Contact, ContactKind};
use crate::error::{CoreError, Invalid};
use crate::mail::{MailBody, NewMail, OutboxEntry, Purpose, Subject};
use crate::org::OrgId;
use crate::tz::TimeZoneName;
use crate::user::Email;

/// What a coordinator asks for when starting a check: title, target spec, kinds, channels,
/// deadline and message.
pub type NewCommCheckRequest = NewCheck;

/// The purpose tag of a check's messages in the outbox.
pub const CHECK_MAIL_PURPOSE: &str = "comm-check-target";

/// The public address links point at, without a trailing `/` (`https://simpul.example.org`).
pub fn normalise_public_url(s: &str) -> Result<String, Invalid> {
    let t = s.trim().trim_end_matches('/');
    let ok = (t.starts_with("http://") || t.starts_with("https://"))
        && t.len() > "https://".len()
        && !t.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(t.to_owned())
    } else {
        Err(Invalid::new(
            "public_url",
            format!("`{t}`: give an http:// or https:// address"),
        ))
    }
}

/// The link a target's message carries.
pub fn ack_link(public_url: &str, token: &str) -> String {
    format!("{public_url}/ack/{token}")
}

fn utc_text(t: OffsetDateTime) -> String {
    let f = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    t.to_offset(time::UtcOffset::UTC)
        .format(f)
        .unwrap_or_else(|_| crate::clock::rfc3339_micros(t))
}

/// One target's message: subject naming the check, body with the message, the deadline (UTC and,
/// when known, the organisation's local time) and the link.
pub fn check_mail(
    check: &Check,
    token: &TargetToken,
    to: Email,
    tz: Option<&TimeZoneName>,
    public_url: &str,
) -> Result<NewMail, Invalid> {
    let subject: String = format!("Communication check: {}", check.title)
        .chars()
        .take(crate::mail::MAX_SUBJECT_CHARS)
        .collect();
    let mut deadline = format!("{} UTC", utc_text(check.deadline_at));
    if let Some(tz) = tz {
        let local = tz.local(check.deadline_at);
        let f = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
        if let Ok(l) = local.format(f) {
            deadline.push_str(&format!(" ({l} {})", tz.as_str()));
        }
    }
    let mut body = format!("Dear {},\n\n", token.contact.name);
    body.push_str(&format!(
        "this is a communication check of the POC network: \"{}\".\n\n",
        check.title
    ));
    if !check.message.trim().is_empty() {
        body.push_str(check.message.trim());
        body.push_str("\n\n");
    }
    body.push_str(&format!(
        "Please acknowledge before {deadline} by opening this link and confirming:\n\n{}\n\n",
        ack_link(public_url, &token.token)
    ));
    body.push_str(
        "The link is yours alone and works once. Opening it does not answer; the confirm button does.\n",
    );
    Ok(NewMail {
        to,
        subject: Subject::parse(&subject).map_err(|e| Invalid::new("/title", e.message))?,
        body: MailBody::parse(&body).map_err(|e| Invalid::new("/message", e.message))?,
        purpose: Purpose::parse(CHECK_MAIL_PURPOSE)?,
        ref_id: Some(token.target.0),
    })
}

fn snapshot(c: Contact) -> TargetContact {
    TargetContact {
        contact_id: c.id,
        org_id: c.org_id,
        name: c.name,
        email: c
            .emails
            .first()
            .map(|e| e.as_str().to_owned())
            .unwrap_or_default(),
    }
}

impl Service {
    /// The same service with links pointing at `url` (see [`normalise_public_url`]).
    pub fn with_public_url(mut self, url: &str) -> Result<Self, Invalid> {
        self.public_url = normalise_public_url(url)?.into();
        Ok(self)
    }

    /// Where the acknowledgement links point.
    pub fn public_url(&self) -> &str {
        &self.public_url
    }

    /// Starts a check from a spec (coordinators): resolves the targets, snapshots them and, in
    /// the check's transaction, queues one e-mail per target with an address when `email` is a
    /// channel. Unknown short names or contact ids are refused with their JSON path; a spec
    /// matching no contact is refused at `/targets`.
    pub async fn start_comm_check(
        &self,
        p: &Principal,
        req: NewCommCheckRequest,
    ) -> Result<(Check, Vec<TargetToken>), CoreError> {
        let grant = authorize(p, Action::RunCommChecks)?;
        req.validate()?;
        let contacts = self
            .resolve_targets(&grant, &req.targets, &req.kinds)
            .await?;
        let started = self.start_check(p, req, contacts).await?;
        Ok((started.check, started.tokens))
    }

    /// The contacts a spec reaches, snapshotted, with the JSON path of an unknown name or id.
    pub(crate) async fn resolve_targets(
        &self,
        grant: &Grant<'_>,
        spec: &TargetSpec,
        kinds: &[ContactKind],
    ) -> Result<Vec<TargetContact>, CoreError> {
        let contacts = match spec {
            TargetSpec::AllMembers => self.contacts_for_check(grant, None, None, kinds).await?,
            TargetSpec::Orgs(shorts) => {
                let mut ids = Vec::with_capacity(shorts.len());
                for (i, s) in shorts.iter().enumerate() {
                    let org = self
                        .store(grant)
                        .get_org_by_short_name(s)
                        .await?
                        .ok_or_else(|| {
                            Invalid::new(
                                format!("/targets/orgs/{i}"),
                                format!("no organisation `{s}`"),
                            )
                        })?;
                    ids.push(org.id);
                }
                self.contacts_for_check(grant, Some(&ids), None, kinds)
                    .await?
            }
            TargetSpec::Contacts(ids) => {
                let found = self.contacts_for_check(grant, None, Some(ids), &[]).await?;
                if let Some(i) = ids.iter().position(|id| !found.iter().any(|c| c.id == *id)) {
                    return Err(Invalid::new(
                        format!("/targets/contacts/{i}"),
                        format!("no contact {}", ids[i]),
                    )
                    .into());
                }
                found
                    .into_iter()
                    .filter(|c| kinds.is_empty() || c.kinds.iter().any(|k| kinds.contains(k)))
                    .collect()
            }
        };
        if contacts.is_empty() {
            return Err(
                Invalid::new("/targets", "no contact matches these targets and kinds").into(),
            );
        }
        Ok(contacts.into_iter().map(snapshot).collect())
    }

    /// The messages of a started check: one per target with an address, when e-mail is a
    /// channel.
    pub(crate) async fn check_mails(
        &self,
        grant: &Grant<'_>,
        check: &Check,
        tokens: &[TargetToken],
    ) -> Result<Vec<OutboxEntry>, CoreError> {
        if !check.channels.contains(&Channel::Email) {
            return Ok(Vec::new());
        }
        let mut zones: HashMap<OrgId, Option<TimeZoneName>> = HashMap::new();
        let mut out = Vec::with_capacity(tokens.len());
        for t in tokens {
            let Ok(to) = Email::parse(&t.contact.email) else {
                continue;
            };
            let org = t.contact.org_id;
            if let std::collections::hash_map::Entry::Vacant(e) = zones.entry(org) {
                let tz = match self.store(grant).get_profile(org).await? {
                    Some(row) => row.decode()?.profile.contact.time_zone,
                    None => None,
                };
                e.insert(tz);
            }
            let tz = zones.get(&org).and_then(Option::as_ref);
            let mail = check_mail(check, t, to, tz, &self.public_url)?;
            out.push(OutboxEntry::new(mail, check.started_at));
        }
        Ok(out)
    }
}

/// Resolves schedules' targets the way a started check does.
pub(crate) struct ContactsSource<'a, 'g> {
    pub(crate) service: &'a Service,
    pub(crate) grant: &'a Grant<'g>,
}

#[async_trait]
impl TargetSource for ContactsSource<'_, '_> {
    async fn targets(
        &self,
        spec: &TargetSpec,
        kinds: &[ContactKind],
    ) -> Result<Vec<TargetContact>, CoreError> {
        self.service.resolve_targets(self.grant, spec, kinds).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::comm_checks::{CheckId, TargetId};
    use crate::contacts::ContactId;
    use time::macros::datetime;
    use uuid::Uuid;

    #[test]
    fn the_message_names_the_check_the_deadline_and_the_link() {
        let check = Check {
            id: CheckId::new_random(),
            title: "Quarterly ping".into(),
            message: "Please confirm you read this.".into(),
            channels: vec![Channel::Email],
            kinds: vec![],
            targets: TargetSpec::AllMembers,
            started_at: datetime!(2026-03-01 08:00 UTC),
            started_by: "user:x".into(),
            deadline_at: datetime!(2026-03-01 12:00 UTC),
            schedule: None,
        };
        let token = TargetToken {
            target: TargetId::new_random(),
            contact: TargetContact {
                contact_id: ContactId::new_random(),
                org_id: OrgId(Uuid::nil()),
                name: "Ana".into(),
                email: "ana@cert.example".into(),
            },
            token: "tok123".into(),
        };
        let tz = TimeZoneName::parse("Asia/Jakarta").unwrap();
        let to = Email::parse("ana@cert.example").unwrap();
        let m = check_mail(&check, &token, to, Some(&tz), "https://simpul.example").unwrap();
        assert_eq!(m.subject.as_str(), "Communication check: Quarterly ping");
        let body = m.body.as_str();
        assert!(body.contains("Please confirm you read this."), "{body}");
        assert!(body.contains("2026-03-01 12:00:00 UTC"), "{body}");
        assert!(
            body.contains("(2026-03-01 19:00:00 Asia/Jakarta)"),
            "{body}"
        );
        assert!(
            body.contains("https://simpul.example/ack/tok123\n"),
            "{body}"
        );
        assert_eq!(m.ref_id, Some(token.target.0));
        assert_eq!(m.purpose.as_str(), CHECK_MAIL_PURPOSE);
    }

    #[test]
    fn public_urls_are_http_without_a_trailing_slash() {
        assert_eq!(
            normalise_public_url(" https://a.example/ ").unwrap(),
            "https://a.example"
        );
        assert!(normalise_public_url("ftp://a").is_err());
        assert!(normalise_public_url("https://").is_err());
    }
}
