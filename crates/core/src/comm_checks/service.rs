//! Communication checks' service functions: starting a check (coordinators), reading checks and
//! their results (each reader what [`crate::access::directory`] allows), and acknowledging by link
//! (anonymous: the link is the credential) or in the app. Schedules are in `schedules.rs`.
//!
//! Seams for the parts that arrive later: targets are resolved by the caller (the contacts domain's
//! `contacts_for_check`) and given as [`TargetContact`]s; the caller's contact ids for an in-app
//! acknowledgement likewise (`contact_ids_for_email`); the tokens [`Service::start_check`] returns
//! are what the mail wiring puts in each message.

use serde::Serialize;
use serde_json::json;
use time::OffsetDateTime;

use crate::Service;
use crate::access::directory::{CheckResults, check_results_of, may_read_check_result};
use crate::access::{Action, Principal, authorize};
use crate::audit::{AuditAction, AuditEvent};
use crate::comm_checks::ack::{self, AckError, AckPreview, Acknowledged, LinkHolder};
use crate::comm_checks::delivery::overlay;
use crate::comm_checks::summary::{Summary, summarise};
use crate::comm_checks::{
    AckVia, Check, CheckId, Delivery, NewCheck, ScheduleId, Target, TargetContact, TargetId,
    TargetState,
};
use crate::contacts::ContactId;
use crate::error::{CoreError, Invalid};
use crate::mail::service::newest_per_ref;

/// The most targets one check has.
pub const MAX_TARGETS: usize = 20_000;

/// A started check and, once, each target's acknowledgement token (for its message).
#[derive(Debug, Clone)]
pub struct StartedCheck {
    pub check: Check,
    pub tokens: Vec<TargetToken>,
}

/// One target's token, returned once to whoever queues its message; only its hash is stored.
#[derive(Debug, Clone)]
pub struct TargetToken {
    pub target: TargetId,
    pub contact: TargetContact,
    pub token: String,
}

/// One target's result as a reader sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetResult {
    pub id: TargetId,
    #[serde(flatten)]
    pub contact: TargetContact,
    #[serde(with = "time::serde::rfc3339::option")]
    pub sent_at: Option<OffsetDateTime>,
    pub delivery: Delivery,
    #[serde(with = "time::serde::rfc3339::option")]
    pub acknowledged_at: Option<OffsetDateTime>,
    pub via: Option<AckVia>,
    pub state: TargetState,
    /// Seconds from sending (or the start) to the acknowledgement.
    pub response_secs: Option<f64>,
}

/// A check with the results the reader may see and their summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckReport {
    pub check: Check,
    pub results: Vec<TargetResult>,
    pub summary: Summary,
}

/// A check and its targets, each with a fresh token: what starting stores.
pub(crate) fn prepare(
    check: Check,
    contacts: Vec<TargetContact>,
) -> Result<(Check, Vec<Target>, Vec<TargetToken>), CoreError> {
    if contacts.len() > MAX_TARGETS {
        return Err(Invalid::new(
            "/targets",
            format!("a check reaches at most {MAX_TARGETS} contacts"),
        )
        .into());
    }
    let mut seen = std::collections::HashSet::new();
    let mut targets = Vec::with_capacity(contacts.len());
    let mut tokens = Vec::with_capacity(contacts.len());
    for contact in contacts {
        if !seen.insert(contact.contact_id) {
            continue;
        }
        let (token, token_hash) = crate::secret::new_ack_token();
        let id = TargetId::new_random();
        targets.push(Target {
            id,
            check: check.id,
            contact: contact.clone(),
            token_hash,
            sent_at: None,
            delivery: Delivery::Queued,
            acknowledged_at: None,
            via: None,
        });
        tokens.push(TargetToken {
            target: id,
            contact,
            token,
        });
    }
    Ok((check, targets, tokens))
}

/// The check a [`NewCheck`] starts at `now` by `by`.
pub(crate) fn new_check(
    new: NewCheck,
    now: OffsetDateTime,
    by: String,
    schedule: Option<ScheduleId>,
) -> Check {
    Check {
        id: CheckId::new_random(),
        deadline_at: now + new.deadline.as_duration(),
        title: new.title.trim().to_owned(),
        message: new.message,
        channels: new.channels,
        kinds: new.kinds,
        targets: new.targets,
        started_at: now,
        started_by: by,
        schedule,
    }
}

/// The audit details of a started check.
pub(crate) fn start_details(check: &Check, targets: &[Target]) -> serde_json::Value {
    json!({
        "title": check.title,
        "targets": targets.len(),
        "deadline_at": crate::clock::rfc3339_micros(check.deadline_at),
        "schedule": check.schedule,
    })
}

impl Service {
    /// Starts a check of `targets` (resolved by the caller from `new.targets` and `new.kinds`;
    /// [`Service::start_comm_check`] resolves them from the spec): coordinators only. Stores the
    /// check, its targets, their messages (when e-mail is a channel) and the `comm_check.start`
    /// entry in one transaction, and returns each target's token once.
    pub async fn start_check(
        &self,
        p: &Principal,
        new: NewCheck,
        targets: Vec<TargetContact>,
    ) -> Result<StartedCheck, CoreError> {
        let grant = authorize(p, Action::RunCommChecks)?;
        new.validate()?;
        let check = new_check(new, self.now(), p.actor(), None);
        let (check, targets, tokens) = prepare(check, targets)?;
        let event = self.event(
            p,
            AuditAction::CommCheckStart,
            Some(check.id.to_string()),
            None,
            start_details(&check, &targets),
        );
        let mail = self.check_mails(&grant, &check, &tokens).await?;
        self.store(&grant)
            .insert_check(&check, &targets, &mail, &event)
            .await?;
        Ok(StartedCheck { check, tokens })
    }

    /// The checks `p` may see, newest first: coordinators every one, an organisation those with
    /// a target of it.
    pub async fn list_checks(&self, p: &Principal) -> Result<Vec<Check>, CoreError> {
        let grant = authorize(p, Action::ReadCheckResults)?;
        let org = match check_results_of(p) {
            CheckResults::All => None,
            CheckResults::OwnOrg(org) => Some(org),
        };
        Ok(self.store(&grant).list_checks(org).await?)
    }

    /// A check with the results `p` may read and the summary over them; a check `p` sees no
    /// result of is not found. Each target's delivery and `sent_at` come from the outbox
    /// ([`super::delivery`]).
    pub async fn check_report(&self, p: &Principal, id: CheckId) -> Result<CheckReport, CoreError> {
        let grant = authorize(p, Action::ReadCheckResults)?;
        let store = self.store(&grant);
        let not_found = || CoreError::NotFound(format!("communication check {id}"));
        let check = store.get_check(id).await?.ok_or_else(not_found)?;
        let targets: Vec<Target> = store
            .check_targets(id)
            .await?
            .into_iter()
            .filter(|t| may_read_check_result(p, t.contact.org_id))
            .collect();
        if targets.is_empty() && check_results_of(p) != CheckResults::All {
            return Err(not_found());
        }
        let targets = self.with_outbox_delivery(&grant, targets).await?;
        let now = self.now();
        let summary = summarise(&check, &targets, now);
        let results = targets
            .into_iter()
            .map(|t| TargetResult {
                id: t.id,
                state: t.state(check.deadline_at, now),
                response_secs: t
                    .response_time(check.started_at)
                    .map(|d| d.as_seconds_f64()),
                contact: t.contact,
                sent_at: t.sent_at,
                delivery: t.delivery,
                acknowledged_at: t.acknowledged_at,
                via: t.via,
            })
            .collect();
        Ok(CheckReport {
            check,
            results,
            summary,
        })
    }

    /// The check and target of a link's token (anonymous: the token is the credential).
    async fn by_token(&self, token: &str) -> Result<(Check, Target, LinkHolder), AckError> {
        let holder = LinkHolder::of(token).ok_or(AckError::Invalid)?;
        let hash = crate::secret::secret_hash(token);
        let (check, target) = self
            .store(&holder)
            .target_by_token(&hash)
            .await?
            .ok_or(AckError::Invalid)?;
        Ok((check, target, holder))
    }

    /// What the confirmation page of a link shows. Records nothing: a mail scanner opening the
    /// link does not answer for the contact.
    pub async fn ack_preview(&self, token: &str) -> Result<AckPreview, AckError> {
        let (check, target, holder) = self.by_token(token).await?;
        // The organisation's name is directory data the link's holder may see for its own target.
        let org_name = self
            .store(&holder)
            .get_org(target.contact.org_id)
            .await?
            .map_or_else(|| target.contact.org_id.to_string(), |o| o.name);
        Ok(AckPreview {
            check_id: check.id,
            title: check.title,
            message: check.message,
            org_id: target.contact.org_id,
            org_name,
            contact_name: target.contact.name,
            deadline_at: check.deadline_at,
            acknowledged_at: target.acknowledged_at,
        })
    }

    /// Confirms a link: once, not after the deadline. Records the time (the clock's) with
    /// `via = link` and the `comm_check.acknowledge` entry (`source`: the client address).
    pub async fn acknowledge_by_link(
        &self,
        token: &str,
        source: Option<String>,
    ) -> Result<Acknowledged, AckError> {
        let (check, target, holder) = self.by_token(token).await?;
        let now = self.now();
        ack::may_confirm(&check, &target, now)?;
        let event = AuditEvent {
            at: now,
            actor: format!("contact:{}", target.contact.contact_id),
            actor_org: Some(target.contact.org_id),
            source,
            action: AuditAction::CommCheckAcknowledge,
            target: Some(check.id.to_string()),
            target_org: Some(target.contact.org_id),
            details: json!({"target": target.id, "via": AckVia::Link}),
        };
        let recorded = self
            .store(&holder)
            .acknowledge_target(target.id, now, AckVia::Link, &event)
            .await?;
        if !recorded {
            // Confirmed a moment ago by another request with the same link.
            let at = self.by_token(token).await?.1.acknowledged_at.unwrap_or(now);
            return Err(AckError::Used { at });
        }
        // Answering proves the contact reachable: it is verified at the acknowledgement's time.
        self.mark_contact_verified(&holder, target.contact.contact_id, now, &event.actor)
            .await?;
        // The response time runs from when the relay took the message (the link holder reads its
        // own target's message record only).
        let record = self.store(&holder).mail_of_refs(&[target.id.0]).await?;
        let record = newest_per_ref(record).remove(&target.id.0);
        let mut done = overlay(target, record.as_ref());
        done.acknowledged_at = Some(now);
        Ok(Acknowledged {
            check_id: check.id,
            title: check.title,
            acknowledged_at: now,
            response_secs: done
                .response_time(check.started_at)
                .map_or(0, |d| d.whole_seconds()),
        })
    }

    /// Acknowledges `check` in the app for the signed-in user's contacts (`contact_ids`, which
    /// the contacts wiring finds by the user's e-mail): the targets acknowledged now. After the
    /// deadline an in-app answer is still recorded (it counts as `late`).
    pub async fn acknowledge_in_app(
        &self,
        p: &Principal,
        check_id: CheckId,
        contact_ids: &[ContactId],
    ) -> Result<Vec<TargetId>, CoreError> {
        let grant = authorize(p, Action::ReadDirectory)?;
        let store = self.store(&grant);
        let not_found = || CoreError::NotFound(format!("communication check {check_id}"));
        store.get_check(check_id).await?.ok_or_else(not_found)?;
        let mine: Vec<Target> = store
            .check_targets(check_id)
            .await?
            .into_iter()
            .filter(|t| contact_ids.contains(&t.contact.contact_id))
            .collect();
        if mine.is_empty() {
            return Err(not_found());
        }
        let now = self.now();
        let mut done = Vec::new();
        for t in mine.into_iter().filter(|t| t.acknowledged_at.is_none()) {
            let event = self.event(
                p,
                AuditAction::CommCheckAcknowledge,
                Some(check_id.to_string()),
                Some(t.contact.org_id),
                json!({"target": t.id, "via": AckVia::InApp}),
            );
            if store
                .acknowledge_target(t.id, now, AckVia::InApp, &event)
                .await?
            {
                // Late or not, an answer proves the contact reachable.
                self.mark_contact_verified(&grant, t.contact.contact_id, now, &event.actor)
                    .await?;
                done.push(t.id);
            }
        }
        Ok(done)
    }
}
