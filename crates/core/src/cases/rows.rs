//! The one decoding of stored case columns into domain types: both backends fill these rows and
//! call [`assemble_cases`] / [`assemble_entries`] / [`TaskRow::decode`]. An entry's body is
//! stored as JSON text; its audience, allowance and pass-ons as rows of `case_entry_orgs`
//! (`role` one of [`AUDIENCE`], [`ALLOWED`], [`PASSED`]) so that the reader's filter is SQL.

use std::collections::HashMap;

use time::OffsetDateTime;
use uuid::Uuid;

use crate::cases::store::{Case, CaseParty, Entry, PartyStep, Task};
use crate::cases::timeline::{Consent, EntryAudience, EntryBody};
use crate::cases::{CaseId, Severity};
use crate::org::OrgId;
use crate::store::StoreError;
use crate::user::UserId;

pub const CASE_COLUMNS: &str = "id, owner_org, title, summary, severity, tlp, pap, category, \
     template, created_at, created_by, updated_at, closed_at";
pub const ENTRY_COLUMNS: &str =
    "id, case_id, author_org, author, at, body, tlp, audience_case, released, sha256";
pub const STEP_COLUMNS: &str = "id, case_id, org_id, at, actor, from_status, to_status, reason";
pub const TASK_COLUMNS: &str = "id, case_id, title, details, owner_org, assignee, due_at, state, \
     created_at, updated_at";

pub const AUDIENCE: &str = "audience";
pub const ALLOWED: &str = "allowed";
pub const PASSED: &str = "passed";

fn corrupt(table: &str, what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{table}.{what}: {e}"))
}

/// The columns of `cases`, in [`CASE_COLUMNS`] order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRow {
    pub id: Uuid,
    pub owner_org: Uuid,
    pub title: String,
    pub summary: String,
    pub severity: i64,
    pub tlp: String,
    pub pap: String,
    pub category: String,
    pub template: Option<String>,
    pub created_at: OffsetDateTime,
    pub created_by: String,
    pub updated_at: OffsetDateTime,
    pub closed_at: Option<OffsetDateTime>,
}

impl From<&Case> for CaseRow {
    fn from(c: &Case) -> Self {
        Self {
            id: c.id.0,
            owner_org: c.owner_org.0,
            title: c.title.clone(),
            summary: c.summary.clone(),
            severity: c.severity.get().into(),
            tlp: c.tlp.label().into(),
            pap: c.pap.as_str().into(),
            category: c.category.as_str().into(),
            template: c.template.map(|t| t.as_str().into()),
            created_at: c.created_at,
            created_by: c.created_by.clone(),
            updated_at: c.updated_at,
            closed_at: c.closed_at,
        }
    }
}

/// A row of `case_parties`: `(case, org, status, invited_at)`.
pub type PartyRow = (Uuid, Uuid, String, OffsetDateTime);

/// Cases from their rows, their parties' rows (in invitation order) and named users
/// (`(case, user)`), in the order of `cases`.
pub fn assemble_cases(
    cases: Vec<CaseRow>,
    parties: Vec<PartyRow>,
    named: Vec<(Uuid, Uuid)>,
) -> Result<Vec<Case>, StoreError> {
    let t = "cases";
    let mut by_case: HashMap<Uuid, Vec<CaseParty>> = HashMap::new();
    for (case, org, status, at) in parties {
        by_case.entry(case).or_default().push(CaseParty {
            org: OrgId(org),
            status: status
                .parse()
                .map_err(|e| corrupt("case_parties", "status", e))?,
            invited_at: at,
        });
    }
    let mut names: HashMap<Uuid, Vec<UserId>> = HashMap::new();
    for (case, user) in named {
        names.entry(case).or_default().push(UserId(user));
    }
    cases
        .into_iter()
        .map(|r| {
            let mut named = names.remove(&r.id).unwrap_or_default();
            named.sort();
            Ok(Case {
                id: CaseId(r.id),
                owner_org: OrgId(r.owner_org),
                severity: Severity::parse("severity", r.severity)
                    .map_err(|e| corrupt(t, "severity", e))?,
                tlp: r.tlp.parse().map_err(|_| corrupt(t, "tlp", &r.tlp))?,
                pap: r.pap.parse().map_err(|e| corrupt(t, "pap", e))?,
                category: r.category.parse().map_err(|e| corrupt(t, "category", e))?,
                template: r
                    .template
                    .map(|s| s.parse().map_err(|e| corrupt(t, "template", e)))
                    .transpose()?,
                parties: by_case.remove(&r.id).unwrap_or_default(),
                named,
                title: r.title,
                summary: r.summary,
                created_at: r.created_at,
                created_by: r.created_by,
                updated_at: r.updated_at,
                closed_at: r.closed_at,
            })
        })
        .collect()
}

/// The columns of `case_entries`, in [`ENTRY_COLUMNS`] order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryRow {
    pub id: Uuid,
    pub case_id: Uuid,
    pub author_org: Uuid,
    pub author: Uuid,
    pub at: OffsetDateTime,
    pub body: String,
    pub tlp: String,
    pub audience_case: bool,
    pub released: bool,
    pub sha256: Option<String>,
}

/// An entry's rows: its own, its organisations (`(entry, org, role)`) and named users.
pub type EntryRows = (EntryRow, Vec<(Uuid, Uuid, &'static str)>, Vec<Uuid>);

/// What the store writes for `e`.
pub fn entry_rows(e: &Entry) -> Result<EntryRows, StoreError> {
    let body = serde_json::to_string(&e.body).map_err(|e| StoreError::Backend(e.to_string()))?;
    let mut orgs = Vec::new();
    let audience_case = match &e.audience {
        EntryAudience::Case => true,
        EntryAudience::Orgs(list) => {
            orgs.extend(list.iter().map(|o| (e.id, o.0, AUDIENCE)));
            false
        }
    };
    orgs.extend(
        e.consent
            .allowed_parties
            .iter()
            .map(|o| (e.id, o.0, ALLOWED)),
    );
    orgs.extend(e.passed_to.iter().map(|o| (e.id, o.0, PASSED)));
    let row = EntryRow {
        id: e.id,
        case_id: e.case.0,
        author_org: e.author_org.0,
        author: e.author.0,
        at: e.at,
        body,
        tlp: e.tlp.label().into(),
        audience_case,
        released: e.consent.released_to_case,
        sha256: e.sha256.clone(),
    };
    Ok((row, orgs, e.named.iter().map(|u| u.0).collect()))
}

/// Entries from their rows, their organisations' rows (`(entry, org, role)`, in the order
/// written) and named users (`(entry, user)`), in the order of `entries`.
pub fn assemble_entries(
    entries: Vec<EntryRow>,
    orgs: Vec<(Uuid, Uuid, String)>,
    named: Vec<(Uuid, Uuid)>,
) -> Result<Vec<Entry>, StoreError> {
    let t = "case_entries";
    let mut by_entry: HashMap<Uuid, Vec<(OrgId, String)>> = HashMap::new();
    for (e, o, role) in orgs {
        by_entry.entry(e).or_default().push((OrgId(o), role));
    }
    let mut names: HashMap<Uuid, Vec<UserId>> = HashMap::new();
    for (e, u) in named {
        names.entry(e).or_default().push(UserId(u));
    }
    entries
        .into_iter()
        .map(|r| {
            let orgs = by_entry.remove(&r.id).unwrap_or_default();
            let of = |role: &str| -> Vec<OrgId> {
                orgs.iter()
                    .filter(|(_, x)| x == role)
                    .map(|(o, _)| *o)
                    .collect()
            };
            for (_, role) in &orgs {
                if ![AUDIENCE, ALLOWED, PASSED].contains(&role.as_str()) {
                    return Err(corrupt("case_entry_orgs", "role", role));
                }
            }
            let body: EntryBody =
                serde_json::from_str(&r.body).map_err(|e| corrupt(t, "body", e))?;
            let mut named = names.remove(&r.id).unwrap_or_default();
            named.sort();
            Ok(Entry {
                id: r.id,
                case: CaseId(r.case_id),
                author_org: OrgId(r.author_org),
                author: UserId(r.author),
                at: r.at,
                body,
                tlp: r.tlp.parse().map_err(|_| corrupt(t, "tlp", &r.tlp))?,
                audience: if r.audience_case {
                    EntryAudience::Case
                } else {
                    EntryAudience::Orgs(of(AUDIENCE))
                },
                consent: Consent {
                    released_to_case: r.released,
                    allowed_parties: of(ALLOWED),
                },
                passed_to: of(PASSED),
                named,
                sha256: r.sha256,
            })
        })
        .collect()
}

/// The columns of `case_party_steps`, in [`STEP_COLUMNS`] order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepRow {
    pub id: Uuid,
    pub case_id: Uuid,
    pub org_id: Uuid,
    pub at: OffsetDateTime,
    pub actor: String,
    pub from_status: String,
    pub to_status: String,
    pub reason: Option<String>,
}

impl From<&PartyStep> for StepRow {
    fn from(s: &PartyStep) -> Self {
        Self {
            id: s.id,
            case_id: s.case.0,
            org_id: s.org.0,
            at: s.at,
            actor: s.actor.clone(),
            from_status: s.from.as_str().into(),
            to_status: s.to.as_str().into(),
            reason: s.reason.clone(),
        }
    }
}

impl StepRow {
    pub fn decode(self) -> Result<PartyStep, StoreError> {
        let t = "case_party_steps";
        Ok(PartyStep {
            id: self.id,
            case: CaseId(self.case_id),
            org: OrgId(self.org_id),
            at: self.at,
            actor: self.actor,
            from: self
                .from_status
                .parse()
                .map_err(|e| corrupt(t, "from_status", e))?,
            to: self
                .to_status
                .parse()
                .map_err(|e| corrupt(t, "to_status", e))?,
            reason: self.reason,
        })
    }
}

/// The columns of `case_tasks`, in [`TASK_COLUMNS`] order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskRow {
    pub id: Uuid,
    pub case_id: Uuid,
    pub title: String,
    pub details: String,
    pub owner_org: Uuid,
    pub assignee: Option<Uuid>,
    pub due_at: Option<OffsetDateTime>,
    pub state: String,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

impl From<&Task> for TaskRow {
    fn from(t: &Task) -> Self {
        Self {
            id: t.id,
            case_id: t.case.0,
            title: t.title.clone(),
            details: t.details.clone(),
            owner_org: t.owner_org.0,
            assignee: t.assignee.map(|u| u.0),
            due_at: t.due,
            state: t.state.as_str().into(),
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

impl TaskRow {
    pub fn decode(self) -> Result<Task, StoreError> {
        Ok(Task {
            id: self.id,
            case: CaseId(self.case_id),
            title: self.title,
            details: self.details,
            owner_org: OrgId(self.owner_org),
            assignee: self.assignee.map(UserId),
            due: self.due_at,
            state: self
                .state
                .parse()
                .map_err(|e| corrupt("case_tasks", "state", e))?,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// An attachment's sha256, hex: what the store records beside the bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}
