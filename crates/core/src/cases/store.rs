//! What the store keeps for incident cases: the case, its parties (with each status step), the
//! users named in a TLP:RED case, timeline entries (with their own TLP, audience, consent columns,
//! named users and an attachment's bytes) and tasks.
//!
//! Lists take the reader's [`CaseFilter`] / [`EntryFilter`], which each backend compiles into SQL
//! that must agree with their `admits` (so that an unreleased entry is absent from lists and
//! counts, not filtered after reading); a read by id is unfiltered and the service decides.

use async_trait::async_trait;
use serde::Serialize;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::access::cases::{CaseFacts, CaseFilter, EntryFacts, EntryFilter};
use crate::audit::AuditEvent;
use crate::cases::manage::CaseCursor;
use crate::cases::timeline::{Consent, EntryAudience, EntryBody};
use crate::cases::{CaseId, Category, PartyStatus, Severity, TaskState, TemplateKind};
use crate::intel::{Pap, Tlp, tlp_label};
use crate::org::OrgId;
use crate::store::StoreError;
use crate::user::UserId;

/// One invited organisation of a case and where it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseParty {
    pub org: OrgId,
    pub status: PartyStatus,
    #[serde(with = "time::serde::rfc3339")]
    pub invited_at: OffsetDateTime,
}

/// A stored case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Case {
    pub id: CaseId,
    pub owner_org: OrgId,
    pub title: String,
    pub summary: String,
    pub severity: Severity,
    #[serde(with = "tlp_label")]
    pub tlp: Tlp,
    pub pap: Pap,
    pub category: Category,
    pub template: Option<TemplateKind>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub created_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub closed_at: Option<OffsetDateTime>,
    /// In the order invited.
    pub parties: Vec<CaseParty>,
    /// For TLP:RED: the users who may see it.
    pub named: Vec<UserId>,
}

impl Case {
    /// What the access rule reads about it.
    pub fn facts(&self) -> CaseFacts {
        CaseFacts {
            owner_org: self.owner_org,
            tlp: self.tlp,
            parties: self.parties.iter().map(|p| (p.org, p.status)).collect(),
            named: self.named.clone(),
        }
    }
}

/// One step of a party's status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartyStep {
    pub id: Uuid,
    pub case: CaseId,
    pub org: OrgId,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub actor: String,
    pub from: PartyStatus,
    pub to: PartyStatus,
    pub reason: Option<String>,
}

/// A stored timeline entry (an attachment's bytes are read on their own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub id: Uuid,
    pub case: CaseId,
    pub author_org: OrgId,
    pub author: UserId,
    pub at: OffsetDateTime,
    pub body: EntryBody,
    pub tlp: Tlp,
    pub audience: EntryAudience,
    pub consent: Consent,
    pub passed_to: Vec<OrgId>,
    pub named: Vec<UserId>,
    /// An attachment's sha256 (hex), computed by the store.
    pub sha256: Option<String>,
}

impl Entry {
    /// What the access rule reads about it.
    pub fn facts(&self) -> EntryFacts {
        EntryFacts {
            author_org: self.author_org,
            author: self.author,
            tlp: self.tlp,
            audience: self.audience.clone(),
            consent: self.consent.clone(),
            passed_to: self.passed_to.clone(),
            named: self.named.clone(),
        }
    }
}

/// A stored task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Task {
    pub id: Uuid,
    pub case: CaseId,
    pub title: String,
    pub details: String,
    pub owner_org: OrgId,
    pub assignee: Option<UserId>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub due: Option<OffsetDateTime>,
    pub state: TaskState,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

#[async_trait]
pub trait CaseStore: Send + Sync {
    /// Stores a case with its parties, named users, the first `entries` (each party's
    /// `invited` status change) and `tasks`, with `audit`'s entry (`case.open`), in one
    /// transaction.
    async fn insert_case(
        &self,
        case: &Case,
        entries: &[Entry],
        tasks: &[Task],
        audit: &AuditEvent,
    ) -> Result<(), StoreError>;

    /// The cases `filter` admits, newest first (then by id): at most `limit`, after `after` (the
    /// last case of the previous page), paged in SQL.
    async fn list_cases(
        &self,
        filter: &CaseFilter,
        after: Option<&CaseCursor>,
        limit: u32,
    ) -> Result<Vec<Case>, StoreError>;

    /// Rewrites the case record's editable columns (title, summary, severity, TLP, PAP,
    /// `updated_at`, `closed_at`) as `case` has them, adds `new_parties` (which are the last of
    /// `case.parties`), with `audit`'s entry, in one transaction.
    async fn update_case(
        &self,
        case: &Case,
        new_parties: &[CaseParty],
        audit: &AuditEvent,
    ) -> Result<(), StoreError>;

    /// A case by id, whoever may see it (the service decides).
    async fn get_case(&self, id: CaseId) -> Result<Option<Case>, StoreError>;

    /// Every status step of the case's parties, oldest first.
    async fn party_steps(&self, id: CaseId) -> Result<Vec<PartyStep>, StoreError>;

    /// Moves a party from `step.from` to `step.to` by compare-and-set on its status, records the
    /// step, its status-change `entry` and `audit`'s entry in one transaction: `false` (nothing
    /// stored) when the party was not in `step.from` any more.
    async fn step_party(
        &self,
        step: &PartyStep,
        entry: &Entry,
        audit: &AuditEvent,
    ) -> Result<bool, StoreError>;

    /// Stores an entry (with an attachment's `bytes`, whose sha256 the store computes) and
    /// `audit`'s entry.
    async fn insert_entry(
        &self,
        entry: &Entry,
        bytes: Option<&[u8]>,
        audit: &AuditEvent,
    ) -> Result<(), StoreError>;

    /// The case's entries `filter` admits, oldest first.
    async fn list_entries(
        &self,
        case: CaseId,
        filter: &EntryFilter,
    ) -> Result<Vec<Entry>, StoreError>;

    /// How many of the case's entries `filter` admits (counted in SQL, by the same rule).
    async fn count_entries(&self, case: CaseId, filter: &EntryFilter) -> Result<u64, StoreError>;

    /// An entry by id, whoever may see it (the service decides).
    async fn get_entry(&self, id: Uuid) -> Result<Option<Entry>, StoreError>;

    /// An attachment entry's bytes.
    async fn entry_bytes(&self, id: Uuid) -> Result<Option<Vec<u8>>, StoreError>;

    /// Records the author's consent (released, the parties allowed: never taken back) and the
    /// parties the owner passed the entry on to, as `entry` now has them, with `audit`'s entry.
    async fn update_consent(&self, entry: &Entry, audit: &AuditEvent) -> Result<(), StoreError>;

    /// Stores a task with `audit`'s entry.
    async fn insert_task(&self, task: &Task, audit: &AuditEvent) -> Result<(), StoreError>;

    /// The case's tasks, oldest first.
    async fn list_tasks(&self, case: CaseId) -> Result<Vec<Task>, StoreError>;

    /// Moves a task from `from` by compare-and-set on its state (and sets its assignee), with
    /// `audit`'s entry: `false` when it was not in `from` any more.
    async fn update_task(
        &self,
        task: &Task,
        from: TaskState,
        audit: &AuditEvent,
    ) -> Result<bool, StoreError>;
}
