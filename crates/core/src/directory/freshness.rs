//! The directory's freshness (its health report): contacts not verified for longer than the
//! configured period (a communication check's acknowledgement verifies), OpenPGP keys expired or
//! expiring within 30 days, organisations whose 24/7 duty contacts answered neither of the last
//! two checks that asked them, and member organisations' profiles not saved for a year or never
//! saved. Who reads which organisation's flags is [`health_scope`]'s decision.

use std::collections::{BTreeMap, HashSet};

use serde::Serialize;
use time::{Duration, OffsetDateTime};

use crate::Service;
use crate::access::directory::{CheckResults, health_scope, is_member_kind};
use crate::access::{Action, Principal, authorize};
use crate::comm_checks::{Check, CheckId, Target};
use crate::contacts::store::{ContactQuery, LIST_MAX};
use crate::contacts::{Contact, ContactId, ContactKind, KeyFacts};
use crate::error::CoreError;
use crate::org::{OrgId, OrgStatus};

/// The default period after which a contact counts as not verified: six months.
pub const DEFAULT_VERIFY_AFTER_DAYS: u32 = 183;
/// A profile not saved for this long is stale.
pub const PROFILE_STALE_DAYS: i64 = 365;
/// How many of the newest finished checks the report reads for the 24/7 flag.
const CHECKS_READ: usize = 50;

/// What is wrong with an entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "flag", rename_all = "kebab-case")]
pub enum Problem {
    /// Not verified since `last_verified` (never: added at `since`).
    NotVerified {
        #[serde(with = "time::serde::rfc3339::option")]
        last_verified: Option<OffsetDateTime>,
        #[serde(with = "time::serde::rfc3339")]
        since: OffsetDateTime,
    },
    KeyExpired {
        fingerprint: String,
        #[serde(with = "time::serde::rfc3339")]
        expires: OffsetDateTime,
    },
    KeyExpiresSoon {
        fingerprint: String,
        #[serde(with = "time::serde::rfc3339")]
        expires: OffsetDateTime,
    },
    /// The stored key no longer parses (it was stored before a stricter parser).
    KeyUnreadable { reason: String },
    /// No 24/7 duty contact answered either of these checks (newest first).
    DutyUnanswered { checks: [CheckId; 2] },
    ProfileStale {
        #[serde(with = "time::serde::rfc3339")]
        updated_at: OffsetDateTime,
    },
    /// A member organisation whose team profile was never saved.
    ProfileMissing,
}

/// One flag: the organisation, the contact (for contact flags), the problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Flag {
    pub org_id: OrgId,
    pub org: String,
    pub contact_id: Option<ContactId>,
    pub contact: Option<String>,
    #[serde(flatten)]
    pub problem: Problem,
}

/// The report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Health {
    pub verify_after_days: u32,
    /// By organisation short name, then contact, then problem.
    pub flags: Vec<Flag>,
}

/// The problems of one contact at `now`.
pub fn contact_problems(c: &Contact, now: OffsetDateTime, verify_after: Duration) -> Vec<Problem> {
    let mut out = Vec::new();
    let since = c.last_verified.unwrap_or(c.created_at);
    if now - since > verify_after {
        out.push(Problem::NotVerified {
            last_verified: c.last_verified,
            since,
        });
    }
    if let Some(key) = &c.pgp_key {
        match KeyFacts::parse(key) {
            Ok(k) => match k.expires {
                Some(expires) if k.expired(now) => out.push(Problem::KeyExpired {
                    fingerprint: k.fingerprint,
                    expires,
                }),
                Some(expires) if k.expires_soon(now) => out.push(Problem::KeyExpiresSoon {
                    fingerprint: k.fingerprint,
                    expires,
                }),
                _ => {}
            },
            Err(e) => out.push(Problem::KeyUnreadable {
                reason: e.to_string(),
            }),
        }
    }
    out
}

/// Whether none of `duty` answered the last two finished checks (`checks` newest first) that
/// asked any of them; those two checks.
pub fn duty_unanswered(
    checks: &[(Check, Vec<Target>)],
    duty: &HashSet<ContactId>,
    now: OffsetDateTime,
) -> Option<[CheckId; 2]> {
    let mut asked = checks.iter().filter_map(|(c, targets)| {
        let mine: Vec<&Target> = targets
            .iter()
            .filter(|t| duty.contains(&t.contact.contact_id))
            .collect();
        (c.deadline_at < now && !mine.is_empty()).then(|| {
            let answered = mine.iter().any(|t| t.acknowledged_at.is_some());
            (c.id, answered)
        })
    });
    match (asked.next(), asked.next()) {
        (Some((a, false)), Some((b, false))) => Some([a, b]),
        _ => None,
    }
}

impl Service {
    /// The days after which a contact counts as not verified.
    pub fn verify_after_days(&self) -> u32 {
        self.verify_after_days
    }

    /// The same service with another verification period (at least a day).
    pub fn with_verify_after_days(mut self, days: u32) -> Self {
        self.verify_after_days = days.max(1);
        self
    }

    /// The freshness flags `p` may read ([`health_scope`]: coordinators every active
    /// organisation's, an org-admin their own organisation's).
    pub async fn directory_health(&self, p: &Principal) -> Result<Health, CoreError> {
        let scope = health_scope(p).ok_or_else(|| {
            CoreError::Forbidden(
                "the directory's health is for the regional CERT's coordinators and each \
                 organisation's org-admins"
                    .into(),
            )
        })?;
        let grant = authorize(p, Action::ReadDirectory)?;
        let store = self.store(&grant);
        let now = self.now();
        let listed: Vec<_> = store
            .list_orgs()
            .await?
            .into_iter()
            .filter(|o| o.status == OrgStatus::Active)
            .filter(|o| match scope {
                CheckResults::All => true,
                CheckResults::OwnOrg(own) => o.id == own,
            })
            .collect();
        let members: HashSet<OrgId> = listed
            .iter()
            .filter(|o| is_member_kind(o.kind))
            .map(|o| o.id)
            .collect();
        let orgs: BTreeMap<OrgId, String> = listed
            .into_iter()
            .map(|o| (o.id, o.short_name.as_str().to_owned()))
            .collect();
        let ids: Vec<OrgId> = orgs.keys().copied().collect();
        let mut contacts: Vec<Contact> = Vec::new();
        loop {
            let query = ContactQuery {
                orgs: Some(ids.clone()),
                limit: LIST_MAX,
                offset: contacts.len(),
                ..Default::default()
            };
            let page = store.list_contacts(None, &query).await?;
            let done = page.len() < LIST_MAX;
            contacts.extend(page);
            if done {
                break;
            }
        }
        let verify_after = Duration::days(i64::from(self.verify_after_days));
        let mut flags = Vec::new();
        for c in &contacts {
            let Some(org) = orgs.get(&c.org_id) else {
                continue;
            };
            for problem in contact_problems(c, now, verify_after) {
                flags.push(Flag {
                    org_id: c.org_id,
                    org: org.clone(),
                    contact_id: Some(c.id),
                    contact: Some(c.name.clone()),
                    problem,
                });
            }
        }
        // The 24/7 flag: the newest finished checks with their targets.
        let own = match scope {
            CheckResults::All => None,
            CheckResults::OwnOrg(o) => Some(o),
        };
        let mut checks = Vec::new();
        for c in store.list_checks(own).await? {
            if c.deadline_at >= now {
                continue;
            }
            if checks.len() == CHECKS_READ {
                break;
            }
            let targets = store.check_targets(c.id).await?;
            checks.push((c, targets));
        }
        for (org_id, org) in &orgs {
            let duty: HashSet<ContactId> = contacts
                .iter()
                .filter(|c| c.org_id == *org_id && c.kinds.contains(&ContactKind::Duty24x7))
                .map(|c| c.id)
                .collect();
            if duty.is_empty() {
                continue;
            }
            if let Some(ids) = duty_unanswered(&checks, &duty, now) {
                flags.push(Flag {
                    org_id: *org_id,
                    org: org.clone(),
                    contact_id: None,
                    contact: None,
                    problem: Problem::DutyUnanswered { checks: ids },
                });
            }
        }
        // Every saved profile (saved before tomorrow), to flag the stale and the missing.
        let saved: BTreeMap<OrgId, OffsetDateTime> = store
            .profiles_updated_before(now + Duration::days(1))
            .await?
            .into_iter()
            .collect();
        for (org_id, org) in &orgs {
            let problem = match saved.get(org_id) {
                Some(&updated_at) if now - updated_at > Duration::days(PROFILE_STALE_DAYS) => {
                    Problem::ProfileStale { updated_at }
                }
                None if members.contains(org_id) => Problem::ProfileMissing,
                _ => continue,
            };
            flags.push(Flag {
                org_id: *org_id,
                org: org.clone(),
                contact_id: None,
                contact: None,
                problem,
            });
        }
        flags.sort_by(|a, b| (&a.org, &a.contact).cmp(&(&b.org, &b.contact)));
        Ok(Health {
            verify_after_days: self.verify_after_days,
            flags,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::comm_checks::{Delivery, TargetContact, TargetId};
    use crate::contacts::DirectoryVisibility;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-12-01 12:00 UTC);

    fn contact(created: OffsetDateTime, verified: Option<OffsetDateTime>) -> Contact {
        Contact {
            id: ContactId::new_random(),
            org_id: OrgId::new_random(),
            name: "Duty desk".into(),
            mailbox: true,
            kinds: vec![ContactKind::Duty24x7],
            emails: vec![],
            phones: vec![],
            handles: vec![],
            pgp_key: None,
            languages: vec![],
            availability: None,
            last_verified: verified,
            visibility: DirectoryVisibility::Members,
            created_at: created,
            updated_at: created,
        }
    }

    #[test]
    fn a_contact_is_not_verified_after_the_period_counted_from_its_last_answer() {
        let period = Duration::days(183);
        let fresh = contact(
            datetime!(2026-01-01 0:00 UTC),
            Some(NOW - Duration::days(10)),
        );
        assert_eq!(contact_problems(&fresh, NOW, period), []);
        let stale = contact(NOW - Duration::days(400), Some(NOW - Duration::days(184)));
        assert_eq!(
            contact_problems(&stale, NOW, period),
            [Problem::NotVerified {
                last_verified: Some(NOW - Duration::days(184)),
                since: NOW - Duration::days(184),
            }]
        );
        // Never verified: counted from when it was added.
        let new = contact(NOW - Duration::days(30), None);
        assert_eq!(contact_problems(&new, NOW, period), []);
        let old = contact(NOW - Duration::days(200), None);
        assert!(matches!(
            contact_problems(&old, NOW, period).as_slice(),
            [Problem::NotVerified {
                last_verified: None,
                ..
            }]
        ));
        // A shorter configured period flags the fresh one too.
        assert_eq!(contact_problems(&fresh, NOW, Duration::days(7)).len(), 1);
    }

    #[test]
    fn keys_expired_and_expiring_within_thirty_days() {
        let expiry = datetime!(2026-01-01 12:00 UTC);
        let mut c = contact(datetime!(2025-12-01 0:00 UTC), None);
        c.pgp_key = Some(include_str!("../contacts/testdata/expiring.asc").into());
        let at = |t: OffsetDateTime| {
            let mut c = c.clone();
            c.last_verified = Some(t);
            contact_problems(&c, t, Duration::days(183))
        };
        let fp = "61899FFB8AF1DF82F07FEFFF329E2A6BD524E1AF".to_owned();
        assert_eq!(at(datetime!(2025-06-01 0:00 UTC)), []);
        assert_eq!(
            at(expiry - Duration::days(10)),
            [Problem::KeyExpiresSoon {
                fingerprint: fp.clone(),
                expires: expiry
            }]
        );
        assert_eq!(
            at(expiry + Duration::days(1)),
            [Problem::KeyExpired {
                fingerprint: fp,
                expires: expiry
            }]
        );
        c.pgp_key = Some(include_str!("../contacts/testdata/no-expiry.asc").into());
        c.last_verified = Some(NOW);
        assert_eq!(contact_problems(&c, NOW, Duration::days(183)), []);
    }

    #[test]
    fn a_key_that_cannot_be_read_is_flagged_with_the_reason() {
        let mut c = contact(NOW, Some(NOW));
        c.pgp_key = Some("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nnot a key\n".into());
        let got = contact_problems(&c, NOW, Duration::days(183));
        assert!(
            matches!(got.as_slice(), [Problem::KeyUnreadable { reason }] if !reason.is_empty()),
            "{got:?}"
        );
    }

    fn check(deadline: OffsetDateTime) -> Check {
        Check {
            id: CheckId::new_random(),
            title: "Ping".into(),
            message: String::new(),
            channels: vec![],
            kinds: vec![],
            targets: crate::comm_checks::TargetSpec::AllMembers,
            started_at: deadline - Duration::hours(4),
            started_by: "cli:test".into(),
            deadline_at: deadline,
            schedule: None,
        }
    }

    fn target(c: &Check, contact: ContactId, answered: bool) -> Target {
        Target {
            id: TargetId::new_random(),
            check: c.id,
            contact: TargetContact {
                contact_id: contact,
                org_id: OrgId::new_random(),
                name: "Duty".into(),
                email: "duty@example.org".into(),
            },
            token_hash: [0; 32],
            sent_at: Some(c.started_at),
            delivery: Delivery::Queued,
            acknowledged_at: answered.then_some(c.started_at + Duration::minutes(5)),
            via: None,
        }
    }

    #[test]
    fn duty_unanswered_takes_the_last_two_finished_checks_that_asked_the_duty_contacts() {
        let duty = ContactId::new_random();
        let other = ContactId::new_random();
        let set: HashSet<ContactId> = [duty].into();
        let running = check(NOW + Duration::hours(1));
        let a = check(NOW - Duration::days(1));
        let not_asked = check(NOW - Duration::days(5));
        let b = check(NOW - Duration::days(90));
        let c = check(NOW - Duration::days(180));
        let checks = |answers: [bool; 3]| {
            vec![
                (running.clone(), vec![target(&running, duty, false)]),
                (a.clone(), vec![target(&a, duty, answers[0])]),
                (not_asked.clone(), vec![target(&not_asked, other, false)]),
                (b.clone(), vec![target(&b, duty, answers[1])]),
                (c.clone(), vec![target(&c, duty, answers[2])]),
            ]
        };
        assert_eq!(
            duty_unanswered(&checks([false, false, true]), &set, NOW),
            Some([a.id, b.id])
        );
        assert_eq!(
            duty_unanswered(&checks([true, false, false]), &set, NOW),
            None
        );
        assert_eq!(
            duty_unanswered(&checks([false, true, false]), &set, NOW),
            None
        );
        // Only one finished check asked them: not enough to say.
        assert_eq!(
            duty_unanswered(&checks([false, false, false])[..3], &set, NOW),
            None
        );
    }
}
