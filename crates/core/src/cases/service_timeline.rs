//! A case's timeline and tasks: writing an entry (validated with the author's region, its
//! organisations resolved to those of the case, an attachment's bytes bounded by the configured
//! maximum), reading the timeline through the reader's [`EntryFilter`] compiled into SQL, the
//! author's consent (release, allowing parties), the owner's pass-on, an attachment's bytes, and
//! tasks (create, list with `overdue` from the clock, a state step and assignment). Every change
//! is audited with counts and states only.

use serde::{Deserialize, Serialize};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::Service;
use crate::access::cases::{
    EntryFilter, may_give_consent, may_pass_on, may_read_timeline, may_see_entry, may_work_on_task,
    may_write,
};
use crate::access::{Action, Grant, Principal, authorize};
use crate::audit::AuditAction;
use crate::cases::service::case_user;
use crate::cases::store::{Case, Entry, Task};
use crate::cases::tasks::{NewTask, check, overdue};
use crate::cases::timeline::{Consent, EntryAudience, EntryBody, NewEntry, pass_on};
use crate::cases::{CaseId, TaskState};
use crate::error::{CoreError, Invalid};
use crate::intel::service::observable_context;
use crate::org::{OrgId, ShortName};
use crate::user::UserId;

/// An entry as the timeline shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntryView {
    pub id: Uuid,
    pub case: CaseId,
    pub author_org: OrgId,
    pub author: UserId,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    #[serde(flatten)]
    pub body: EntryBody,
    #[serde(with = "crate::intel::tlp_label")]
    pub tlp: crate::intel::Tlp,
    /// `null`: the whole case.
    pub audience: Option<Vec<OrgId>>,
    pub released_to_case: bool,
    pub allowed_parties: Vec<OrgId>,
    pub passed_to: Vec<OrgId>,
    pub sha256: Option<String>,
}

impl From<Entry> for EntryView {
    fn from(e: Entry) -> Self {
        Self {
            id: e.id,
            case: e.case,
            author_org: e.author_org,
            author: e.author,
            at: e.at,
            body: e.body,
            tlp: e.tlp,
            audience: match e.audience {
                EntryAudience::Case => None,
                EntryAudience::Orgs(list) => Some(list),
            },
            released_to_case: e.consent.released_to_case,
            allowed_parties: e.consent.allowed_parties,
            passed_to: e.passed_to,
            sha256: e.sha256,
        }
    }
}

/// The body of `POST /api/v1/cases/{id}/timeline/{entry}/release`: release it to the case and
/// allow parties the owner may pass it on to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentInput {
    #[serde(default)]
    pub allow: Vec<String>,
    /// The owner's pass-on: parties to pass the entry on to (only those the author allowed).
    #[serde(default)]
    pub pass_to: Vec<String>,
}

/// The body of `PATCH /api/v1/cases/{id}/tasks/{task}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskUpdate {
    /// A task state as written (`in-progress`); read after the caller's right to the task is
    /// checked, so that a caller without it learns nothing from a malformed body.
    #[serde(default)]
    pub state: Option<String>,
    /// The e-mail address of a user of the task's owner organisation.
    #[serde(default)]
    pub assignee: Option<String>,
}

/// A task as it is listed: with `overdue` at the time of reading.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaskView {
    #[serde(flatten)]
    pub task: Task,
    pub overdue: bool,
}

impl TaskView {
    fn of(task: Task, now: OffsetDateTime) -> Self {
        Self {
            overdue: overdue(task.state, task.due, now),
            task,
        }
    }
}

fn organisations(case: &Case) -> Vec<OrgId> {
    std::iter::once(case.owner_org)
        .chain(case.parties.iter().map(|p| p.org))
        .collect()
}

impl Service {
    /// A case `p` reads the timeline of; not found otherwise.
    async fn timeline_case(
        &self,
        grant: &Grant<'_>,
        p: &Principal,
        id: CaseId,
    ) -> Result<Case, CoreError> {
        let case = self.visible_case(grant, p, id).await?;
        if !may_read_timeline(p, &case.facts()) {
            return Err(CoreError::NotFound(format!("timeline of case {id}")));
        }
        Ok(case)
    }

    /// Short names at `path/N` resolved to organisations of `case`.
    async fn case_orgs(
        &self,
        grant: &Grant<'_>,
        case: &Case,
        path: &str,
        names: &[ShortName],
    ) -> Result<Vec<OrgId>, CoreError> {
        let orgs = self.resolve_orgs(grant, path, names).await?;
        let members = organisations(case);
        if let Some(i) = orgs.iter().position(|o| !members.contains(o)) {
            return Err(
                Invalid::new(format!("{path}/{i}"), "is no organisation of the case").into(),
            );
        }
        Ok(orgs)
    }

    /// Writes `p`'s entry to the case's timeline (an acting member that has acknowledged): its
    /// audience and allowance resolved to organisations of the case, for TLP:RED the named users
    /// to their users; an attachment's `bytes` (required for one, refused otherwise) of the size
    /// it declares and at most the configured maximum. Stored with the `case.entry` entry.
    pub async fn add_case_entry(
        &self,
        p: &Principal,
        id: CaseId,
        new: NewEntry,
        bytes: Option<Vec<u8>>,
    ) -> Result<EntryView, CoreError> {
        let grant = authorize(p, Action::ActOnCases)?;
        let me = case_user(p)?;
        let case = self.timeline_case(&grant, p, id).await?;
        if !may_write(p, &case.facts()) {
            return Err(CoreError::Forbidden(
                "only acting users of the case's organisations write to its timeline".into(),
            ));
        }
        let by_owner = me.org.id == case.owner_org;
        let v = new.validate(case.tlp, by_owner, &observable_context(&me.org))?;
        match (&v.body, &bytes) {
            (EntryBody::Attachment { size, .. }, Some(b)) => {
                if b.len() as u64 != *size {
                    return Err(Invalid::new(
                        "/size",
                        format!("says {size} bytes, the attachment has {}", b.len()),
                    )
                    .into());
                }
                if *size > self.case_attachment_max {
                    return Err(CoreError::TooLarge {
                        path: "/size".into(),
                        max: self.case_attachment_max,
                    });
                }
            }
            (EntryBody::Attachment { .. }, None) => {
                return Err(
                    Invalid::new("/content", "an attachment entry carries its bytes").into(),
                );
            }
            (_, Some(_)) => {
                return Err(
                    Invalid::new("/content", "only an attachment entry carries bytes").into(),
                );
            }
            _ => {}
        }
        let audience = match &v.audience {
            None => EntryAudience::Case,
            Some(names) => EntryAudience::Orgs(
                self.case_orgs(&grant, &case, "/audience/orgs", names)
                    .await?,
            ),
        };
        let allowed = self.case_orgs(&grant, &case, "/allow", &v.allow).await?;
        let named = if v.recipients.is_empty() {
            Vec::new()
        } else {
            self.resolve_users(&grant, "/recipients", &v.recipients, &organisations(&case))
                .await?
        };
        let entry = Entry {
            id: Uuid::new_v4(),
            case: id,
            author_org: me.org.id,
            author: me.user.id,
            at: self.now(),
            body: v.body,
            tlp: v.tlp,
            audience,
            consent: Consent {
                released_to_case: v.released_to_case,
                allowed_parties: allowed,
            },
            passed_to: Vec::new(),
            named,
            sha256: None,
        };
        let event = self.event(
            p,
            AuditAction::CaseEntry,
            Some(id.to_string()),
            Some(case.owner_org),
            json!({
                "entry": entry.id,
                "kind": entry.body.kind(),
                "tlp": entry.tlp.label(),
                "released": entry.consent.released_to_case,
                "bytes": bytes.as_ref().map(Vec::len),
            }),
        );
        self.store(&grant)
            .insert_entry(&entry, bytes.as_deref(), &event)
            .await?;
        self.store(&grant)
            .get_entry(entry.id)
            .await?
            .map(EntryView::from)
            .ok_or_else(|| CoreError::NotFound(format!("entry {}", entry.id)))
    }

    /// The entries of the case `p` sees, oldest first (filtered in the store).
    pub async fn case_timeline(
        &self,
        p: &Principal,
        id: CaseId,
    ) -> Result<Vec<EntryView>, CoreError> {
        let grant = authorize(p, Action::ReadCases)?;
        let case = self.timeline_case(&grant, p, id).await?;
        let filter = EntryFilter::of(p, &case.facts())
            .ok_or_else(|| CoreError::NotFound(format!("timeline of case {id}")))?;
        Ok(self
            .store(&grant)
            .list_entries(id, &filter)
            .await?
            .into_iter()
            .map(EntryView::from)
            .collect())
    }

    /// An entry of the case that `p` sees; not found otherwise.
    async fn visible_entry(
        &self,
        grant: &Grant<'_>,
        p: &Principal,
        case: &Case,
        entry: Uuid,
    ) -> Result<Entry, CoreError> {
        self.store(grant)
            .get_entry(entry)
            .await?
            .filter(|e| e.case == case.id && may_see_entry(p, &case.facts(), &e.facts()))
            .ok_or_else(|| CoreError::NotFound(format!("entry {entry}")))
    }

    /// The author's consent (an acting user of the author's organisation releases the entry to
    /// the case and allows parties) and the owner's pass-on (only to parties the author allowed),
    /// with the `case.consent` entry. Neither is ever taken back.
    pub async fn case_entry_consent(
        &self,
        p: &Principal,
        id: CaseId,
        entry: Uuid,
        input: ConsentInput,
    ) -> Result<EntryView, CoreError> {
        let grant = authorize(p, Action::ActOnCases)?;
        let case = self.timeline_case(&grant, p, id).await?;
        let mut e = self.visible_entry(&grant, p, &case, entry).await?;
        let facts = case.facts();
        let allow = crate::cases::short_names("/allow", &input.allow, None, 50)?;
        let pass = crate::cases::short_names("/pass_to", &input.pass_to, None, 50)?;
        let author_side = may_give_consent(p, &facts, &e.facts());
        if pass.is_empty() || !allow.is_empty() {
            if !author_side {
                return Err(CoreError::Forbidden(
                    "only the author's organisation releases an entry and allows parties".into(),
                ));
            }
            let allow = self.case_orgs(&grant, &case, "/allow", &allow).await?;
            e.consent.release();
            e.consent.allow(&allow);
        }
        let pass = self.case_orgs(&grant, &case, "/pass_to", &pass).await?;
        for (i, to) in pass.iter().enumerate() {
            if !may_pass_on(p, &facts, *to) {
                return Err(CoreError::Forbidden(
                    "only the case owner's acting users pass entries on, to parties of the case"
                        .into(),
                ));
            }
            pass_on(
                &e.consent,
                &e.audience,
                case.owner_org,
                e.author_org,
                &mut e.passed_to,
                *to,
            )
            .map_err(|r| Invalid::new(format!("/pass_to/{i}"), r.to_string()))?;
        }
        let event = self.event(
            p,
            AuditAction::CaseConsent,
            Some(id.to_string()),
            Some(e.author_org),
            json!({
                "entry": e.id,
                "released": e.consent.released_to_case,
                "allowed": e.consent.allowed_parties.len(),
                "passed_to": e.passed_to.len(),
            }),
        );
        self.store(&grant).update_consent(&e, &event).await?;
        Ok(EntryView::from(e))
    }

    /// An attachment entry's metadata and bytes, for a reader who sees the entry.
    pub async fn case_attachment(
        &self,
        p: &Principal,
        id: CaseId,
        entry: Uuid,
    ) -> Result<(EntryView, Vec<u8>), CoreError> {
        let grant = authorize(p, Action::ReadCases)?;
        let case = self.timeline_case(&grant, p, id).await?;
        let e = self.visible_entry(&grant, p, &case, entry).await?;
        let bytes = match e.body {
            EntryBody::Attachment { .. } => self.store(&grant).entry_bytes(entry).await?,
            _ => None,
        }
        .ok_or_else(|| CoreError::NotFound(format!("attachment of entry {entry}")))?;
        Ok((EntryView::from(e), bytes))
    }

    /// Creates a task in the case (the owner for any organisation of the case, a party for
    /// itself), its assignee a user of the task's owner organisation, with the `case.task` entry.
    pub async fn add_case_task(
        &self,
        p: &Principal,
        id: CaseId,
        new: NewTask,
    ) -> Result<TaskView, CoreError> {
        let grant = authorize(p, Action::ActOnCases)?;
        let me = case_user(p)?;
        let case = self.timeline_case(&grant, p, id).await?;
        let now = self.now();
        let v = new.validate(now)?;
        let owner = match &v.owner {
            Some(n) => {
                self.case_orgs(&grant, &case, "/owner", std::slice::from_ref(n))
                    .await?[0]
            }
            None => me.org.id,
        };
        if !may_work_on_task(p, &case.facts(), owner) {
            return Err(CoreError::Forbidden(
                "the owner creates tasks for any organisation of the case, a party for itself"
                    .into(),
            ));
        }
        let assignee = match &v.assignee {
            Some(e) => Some(
                self.resolve_users(&grant, "/assignee", std::slice::from_ref(e), &[owner])
                    .await?[0],
            ),
            None => None,
        };
        let task = Task {
            id: Uuid::new_v4(),
            case: id,
            title: v.title,
            details: v.details,
            owner_org: owner,
            assignee,
            due: v.due,
            state: TaskState::Open,
            created_at: now,
            updated_at: now,
        };
        let event = self.event(
            p,
            AuditAction::CaseTask,
            Some(id.to_string()),
            Some(owner),
            json!({"task": task.id, "state": task.state, "assigned": assignee.is_some()}),
        );
        self.store(&grant).insert_task(&task, &event).await?;
        Ok(TaskView::of(task, now))
    }

    /// The case's tasks for a timeline reader, with `overdue` from the clock.
    pub async fn case_tasks(&self, p: &Principal, id: CaseId) -> Result<Vec<TaskView>, CoreError> {
        let grant = authorize(p, Action::ReadCases)?;
        self.timeline_case(&grant, p, id).await?;
        let now = self.now();
        Ok(self
            .store(&grant)
            .list_tasks(id)
            .await?
            .into_iter()
            .map(|t| TaskView::of(t, now))
            .collect())
    }

    /// Moves a task's state (checked by `cases::tasks`) and/or assigns it, by compare-and-set on
    /// its state, with the `case.task` entry.
    pub async fn update_case_task(
        &self,
        p: &Principal,
        id: CaseId,
        task: Uuid,
        up: TaskUpdate,
    ) -> Result<TaskView, CoreError> {
        let grant = authorize(p, Action::ActOnCases)?;
        let case = self.timeline_case(&grant, p, id).await?;
        let mut t = self
            .store(&grant)
            .list_tasks(id)
            .await?
            .into_iter()
            .find(|t| t.id == task)
            .ok_or_else(|| CoreError::NotFound(format!("task {task}")))?;
        if !may_work_on_task(p, &case.facts(), t.owner_org) {
            return Err(CoreError::Forbidden(
                "a task is worked on by its owner organisation or the case owner".into(),
            ));
        }
        let from = t.state;
        if let Some(to) = &up.state {
            let to: TaskState = to
                .trim()
                .parse()
                .map_err(|e: Invalid| Invalid::new("/state", e.message))?;
            check(from, to)?;
            t.state = to;
        }
        if let Some(a) = &up.assignee {
            let email = crate::user::Email::parse(a.trim())
                .map_err(|e| Invalid::new("/assignee", e.message))?;
            t.assignee = Some(
                self.resolve_users(&grant, "/assignee", &[email], &[t.owner_org])
                    .await?[0],
            );
        }
        let now = self.now();
        t.updated_at = now;
        let event = self.event(
            p,
            AuditAction::CaseTask,
            Some(id.to_string()),
            Some(t.owner_org),
            json!({"task": t.id, "from": from, "to": t.state, "assigned": t.assignee.is_some()}),
        );
        if !self.store(&grant).update_task(&t, from, &event).await? {
            return Err(CoreError::Conflict(format!(
                "task {task} changed while the step was taken; read it again and retry"
            )));
        }
        Ok(TaskView::of(t, now))
    }
}
