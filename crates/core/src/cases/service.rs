//! Incident cases' service functions for the case record: opening a case (validated, parties
//! resolved, RED's named users resolved, a template's tasks planned, stored in one audited
//! transaction), listing and reading cases through `crate::access::cases`, and a party's status
//! step (checked by `cases::party`, compare-and-set on the status in the store, with a released
//! status-change entry). The timeline and tasks are in `service_timeline.rs`.

use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use crate::Service;
use crate::access::cases::{CaseFilter, EntryFilter, may_read_timeline, may_see, status_side};
use crate::access::{Action, Grant, Principal, UserPrincipal, authorize};
use crate::audit::AuditAction;
use crate::cases::closing::{PartyHistory, Summary, summarise};
use crate::cases::party::StatusInput;
use crate::cases::store::{Case, CaseParty, Entry, PartyStep, Task};
use crate::cases::timeline::{Consent, EntryAudience, EntryBody};
use crate::cases::{CaseId, NewCase, PartyStatus, TaskState, ensure_parties, templates};
use crate::error::{CoreError, Invalid};
use crate::intel::Tlp;
use crate::org::{OrgId, OrgStatus, ShortName};
use crate::user::{Email, UserId, UserStatus};

/// How often a status step is tried again when another one changed the party first.
const STEP_TRIES: usize = 3;

/// A case as one reader sees it: the record, and for a timeline reader how many entries it sees.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseView {
    #[serde(flatten)]
    pub case: Case,
    /// The entries the reader sees (none counted for a reader who may not read the timeline).
    pub entries: Option<u64>,
}

/// The signed-in user acting in a case: the operator has no organisation.
pub(crate) fn case_user(p: &Principal) -> Result<&UserPrincipal, CoreError> {
    p.as_user().ok_or_else(|| {
        CoreError::Forbidden(
            "the operator has no organisation: cases are opened and worked on by users".into(),
        )
    })
}

impl Service {
    /// Opens a case for `p`'s organisation: every field validated; the parties' short names
    /// resolved to active organisations other than the owner's; for TLP:RED the named users
    /// resolved to active users of the owner or a party, the opening user named too; a
    /// template's tasks planned. Stored with the `case.open` entry in one transaction.
    pub async fn open_case(&self, p: &Principal, new: NewCase) -> Result<Case, CoreError> {
        let grant = authorize(p, Action::OpenCase)?;
        let me = case_user(p)?;
        let v = new.validate()?;
        let now = self.now();
        let parties = self.resolve_orgs(&grant, "/parties", &v.parties).await?;
        ensure_parties(me.org.id, &parties)?;
        let named = if v.tlp == Tlp::Red {
            let mut orgs = parties.clone();
            orgs.push(me.org.id);
            let mut named = vec![me.user.id];
            for u in self
                .resolve_users(&grant, "/recipients", &v.recipients, &orgs)
                .await?
            {
                if !named.contains(&u) {
                    named.push(u);
                }
            }
            named.sort();
            named
        } else {
            Vec::new()
        };
        let case = Case {
            id: CaseId::new_random(),
            owner_org: me.org.id,
            title: v.title,
            summary: v.summary,
            severity: v.severity,
            tlp: v.tlp,
            pap: v.pap,
            category: v.category,
            template: v.template,
            created_at: now,
            created_by: p.actor(),
            updated_at: now,
            closed_at: None,
            parties: parties
                .iter()
                .map(|&org| CaseParty {
                    org,
                    status: PartyStatus::Invited,
                    invited_at: now,
                })
                .collect(),
            named,
        };
        let tasks: Vec<Task> = v
            .template
            .map(|t| templates::tasks(t, me.org.id, &parties, now))
            .unwrap_or_default()
            .into_iter()
            .map(|t| Task {
                id: Uuid::new_v4(),
                case: case.id,
                title: t.title,
                details: t.details,
                owner_org: t.owner_org,
                assignee: None,
                due: Some(t.due),
                state: TaskState::Open,
                created_at: now,
                updated_at: now,
            })
            .collect();
        let event = self.event(
            p,
            AuditAction::CaseOpen,
            Some(case.id.to_string()),
            Some(me.org.id),
            json!({
                "severity": case.severity.get(),
                "category": case.category,
                "tlp": case.tlp.label(),
                "parties": case.parties.len(),
                "named": case.named.len(),
                "tasks": tasks.len(),
                "template": case.template,
            }),
        );
        self.store(&grant)
            .insert_case(&case, &[], &tasks, &event)
            .await?;
        Ok(case)
    }

    /// Short names at `path/N` resolved to active organisations.
    pub(crate) async fn resolve_orgs(
        &self,
        grant: &Grant<'_>,
        path: &str,
        names: &[ShortName],
    ) -> Result<Vec<OrgId>, CoreError> {
        let store = self.store(grant);
        let mut out = Vec::with_capacity(names.len());
        for (i, n) in names.iter().enumerate() {
            let org = store
                .get_org_by_short_name(n)
                .await?
                .filter(|o| o.status == OrgStatus::Active)
                .ok_or_else(|| {
                    Invalid::new(
                        format!("{path}/{i}"),
                        format!("no active organisation `{}`", n.as_str()),
                    )
                })?;
            out.push(org.id);
        }
        Ok(out)
    }

    /// E-mail addresses at `path/N` resolved to active users of `orgs`.
    pub(crate) async fn resolve_users(
        &self,
        grant: &Grant<'_>,
        path: &str,
        emails: &[Email],
        orgs: &[OrgId],
    ) -> Result<Vec<UserId>, CoreError> {
        let store = self.store(grant);
        let mut out = Vec::with_capacity(emails.len());
        for (i, e) in emails.iter().enumerate() {
            let u = store
                .get_user_by_email(e)
                .await?
                .filter(|u| u.status == UserStatus::Active && orgs.contains(&u.org_id))
                .ok_or_else(|| {
                    Invalid::new(
                        format!("{path}/{i}"),
                        format!(
                            "`{}` is no active user of the case's organisations",
                            e.as_str()
                        ),
                    )
                })?;
            out.push(u.id);
        }
        Ok(out)
    }

    /// The cases `p` may see, newest first.
    pub async fn list_cases(&self, p: &Principal) -> Result<Vec<Case>, CoreError> {
        let grant = authorize(p, Action::ReadCases)?;
        Ok(self
            .store(&grant)
            .list_cases(&CaseFilter::of(&grant), None, u32::MAX)
            .await?)
    }

    /// The case `id` if `p` may see it; not found otherwise.
    pub(crate) async fn visible_case(
        &self,
        grant: &Grant<'_>,
        p: &Principal,
        id: CaseId,
    ) -> Result<Case, CoreError> {
        self.store(grant)
            .get_case(id)
            .await?
            .filter(|c| may_see(p, &c.facts()))
            .ok_or_else(|| CoreError::NotFound(format!("case {id}")))
    }

    /// A case as `p` sees it, with the number of entries `p` sees (counted in the store by the
    /// reader's filter).
    pub async fn get_case(&self, p: &Principal, id: CaseId) -> Result<CaseView, CoreError> {
        let grant = authorize(p, Action::ReadCases)?;
        let case = self.visible_case(&grant, p, id).await?;
        let entries = match EntryFilter::of(p, &case.facts()) {
            Some(f) => Some(self.store(&grant).count_entries(id, &f).await?),
            None => None,
        };
        Ok(CaseView { case, entries })
    }

    /// Moves `party`'s status as `p`'s side (the party's own users, or the owner's to
    /// re-invite): checked by `cases::party` (a refusal names the allowed steps), stored by
    /// compare-and-set with a status-change entry released to the whole case and the
    /// `case.party` audit entry.
    pub async fn step_party(
        &self,
        p: &Principal,
        id: CaseId,
        party: &ShortName,
        input: StatusInput,
    ) -> Result<Case, CoreError> {
        let grant = authorize(p, Action::ActOnCases)?;
        let me = case_user(p)?;
        let step = input.step()?;
        for _ in 0..STEP_TRIES {
            let case = self.visible_case(&grant, p, id).await?;
            let org = self
                .store(&grant)
                .get_org_by_short_name(party)
                .await?
                .map(|o| o.id)
                .filter(|o| case.parties.iter().any(|x| x.org == *o))
                .ok_or_else(|| CoreError::NotFound(format!("party {}", party.as_str())))?;
            let side = status_side(p, &case.facts(), org).ok_or_else(|| {
                CoreError::Forbidden(
                    "a party's status is moved by its own users or, to re-invite, by the case owner's".into(),
                )
            })?;
            let from = case
                .parties
                .iter()
                .find(|x| x.org == org)
                .map(|x| x.status)
                .unwrap_or(PartyStatus::Invited);
            let to = step.apply(from, side)?;
            let now = self.now();
            let s = PartyStep {
                id: Uuid::new_v4(),
                case: id,
                org,
                at: now,
                actor: p.actor(),
                from,
                to,
                reason: step.reason.clone(),
            };
            let entry = Entry {
                id: Uuid::new_v4(),
                case: id,
                author_org: me.org.id,
                author: me.user.id,
                at: now,
                body: EntryBody::StatusChange {
                    party: org,
                    from,
                    to,
                    reason: step.reason.clone(),
                },
                tlp: case.tlp,
                audience: EntryAudience::Case,
                consent: Consent {
                    released_to_case: true,
                    allowed_parties: Vec::new(),
                },
                passed_to: Vec::new(),
                named: case.named.clone(),
                sha256: None,
            };
            let event = self.event(
                p,
                AuditAction::CaseParty,
                Some(id.to_string()),
                Some(org),
                json!({"from": from, "to": to, "side": side}),
            );
            if self.store(&grant).step_party(&s, &entry, &event).await? {
                let mut done = case;
                if let Some(x) = done.parties.iter_mut().find(|x| x.org == org) {
                    x.status = to;
                }
                done.updated_at = now;
                return Ok(done);
            }
        }
        Err(CoreError::Conflict(format!(
            "case {id} kept changing while the step was taken; read it again and retry"
        )))
    }

    /// The after-action summary of a case, for its timeline readers: per party the time to
    /// acknowledge and to resolve from the stored status steps, and the tasks' counts.
    pub async fn case_summary(&self, p: &Principal, id: CaseId) -> Result<Summary, CoreError> {
        let grant = authorize(p, Action::ReadCases)?;
        let case = self.visible_case(&grant, p, id).await?;
        if !may_read_timeline(p, &case.facts()) {
            return Err(CoreError::NotFound(format!("summary of case {id}")));
        }
        let steps = self.store(&grant).party_steps(id).await?;
        let histories: Vec<PartyHistory> = case
            .parties
            .iter()
            .map(|party| PartyHistory {
                org: party.org,
                steps: std::iter::once((PartyStatus::Invited, party.invited_at))
                    .chain(
                        steps
                            .iter()
                            .filter(|s| s.org == party.org)
                            .map(|s| (s.to, s.at)),
                    )
                    .collect(),
            })
            .collect();
        let tasks = self.store(&grant).list_tasks(id).await?;
        let now = self.now();
        let states: Vec<_> = tasks.iter().map(|t| (t.state, t.due)).collect();
        Ok(summarise(
            case.created_at,
            case.closed_at.unwrap_or(now),
            &histories,
            &states,
        ))
    }
}
