//! Schedules' service functions: coordinators create, list and delete them; the server's own loop
//! runs the due ones ([`Service::run_due_schedules`]) exactly once each, even with several app
//! nodes over one database (see [`crate::comm_checks::schedule`]).

use async_trait::async_trait;
use serde_json::json;
use time::OffsetDateTime;

use crate::Service;
use crate::access::{Action, Grant, Principal, authorize};
use crate::audit::{AuditAction, AuditEvent};
use crate::comm_checks::schedule::{NewSchedule, Schedule, next_occurrence};
use crate::comm_checks::service::{StartedCheck, new_check, prepare, start_details};
use crate::comm_checks::{NewCheck, ScheduleId, TargetContact, TargetSpec};
use crate::contacts::ContactKind;
use crate::error::CoreError;

/// Resolves a target spec into contacts when a scheduled check starts. The contacts domain
/// implements it with `contacts_for_check`; the seam keeps this module free of contacts.
#[async_trait]
pub trait TargetSource: Send + Sync {
    async fn targets(
        &self,
        spec: &TargetSpec,
        kinds: &[ContactKind],
    ) -> Result<Vec<TargetContact>, CoreError>;
}

impl Service {
    /// Creates a schedule (coordinators): its first run is the first occurrence at or after now.
    pub async fn create_schedule(
        &self,
        p: &Principal,
        new: NewSchedule,
    ) -> Result<Schedule, CoreError> {
        let grant = authorize(p, Action::RunCommChecks)?;
        new.validate()?;
        let now = self.now();
        let next_run_at =
            next_occurrence(new.start_local, &new.time_zone, new.every_days, now, true)?;
        let c = new.check;
        let s = Schedule {
            id: ScheduleId::new_random(),
            title: c.title.trim().to_owned(),
            message: c.message,
            channels: c.channels,
            kinds: c.kinds,
            targets: c.targets,
            deadline: c.deadline,
            every_days: new.every_days,
            start_local: new.start_local,
            time_zone: new.time_zone,
            next_run_at,
            created_by: p.actor(),
            created_at: now,
        };
        let event = self.event(
            p,
            AuditAction::CommCheckScheduleCreate,
            Some(s.id.to_string()),
            None,
            json!({"title": s.title, "every_days": s.every_days, "time_zone": s.time_zone}),
        );
        self.store(&grant).insert_schedule(&s, &event).await?;
        Ok(s)
    }

    /// Every schedule, soonest first (coordinators).
    pub async fn list_schedules(&self, p: &Principal) -> Result<Vec<Schedule>, CoreError> {
        let grant = authorize(p, Action::RunCommChecks)?;
        Ok(self.store(&grant).list_schedules().await?)
    }

    /// Removes a schedule (coordinators); the checks it started stay.
    pub async fn delete_schedule(&self, p: &Principal, id: ScheduleId) -> Result<(), CoreError> {
        let grant = authorize(p, Action::RunCommChecks)?;
        let event = self.event(
            p,
            AuditAction::CommCheckScheduleDelete,
            Some(id.to_string()),
            None,
            json!({}),
        );
        if self.store(&grant).delete_schedule(id, &event).await? {
            Ok(())
        } else {
            Err(CoreError::NotFound(format!("schedule {id}")))
        }
    }

    /// Starts each schedule due at `now` once: the claim (compare-and-set of `next_run_at`) and
    /// the check are one transaction, so of several nodes racing exactly one starts it; a node
    /// that loses the claim stores nothing. A schedule missed over several periods runs once and
    /// moves to its first occurrence after `now`. Returns the checks this call started, with
    /// their tokens for the mail wiring.
    pub async fn run_due_schedules(
        &self,
        grant: &Grant<'_>,
        now: OffsetDateTime,
        source: &dyn TargetSource,
    ) -> Result<Vec<StartedCheck>, CoreError> {
        if grant.action() != Action::RunCommChecks {
            return Err(CoreError::Forbidden(
                "running schedules needs the run-communication-checks grant".into(),
            ));
        }
        let now = crate::clock::to_micros(now);
        let store = self.store(grant);
        let mut started = Vec::new();
        for s in store.due_schedules(now).await? {
            // One schedule that cannot start (its targets are gone, say) stays due and is
            // tried again on the next round; it never keeps the others from starting.
            match self.run_schedule(grant, now, source, &s).await {
                Ok(Some(check)) => started.push(check),
                Ok(None) => {}
                Err(e) => tracing::warn!(
                    schedule = %s.id,
                    title = %s.title,
                    error = %e,
                    "a scheduled communication check could not start; it stays due"
                ),
            }
        }
        Ok(started)
    }

    /// Starts one due schedule's check; `None` when another node claimed it first.
    async fn run_schedule(
        &self,
        grant: &Grant<'_>,
        now: OffsetDateTime,
        source: &dyn TargetSource,
        s: &Schedule,
    ) -> Result<Option<StartedCheck>, CoreError> {
        let store = self.store(grant);
        let next = s.following(now)?;
        let contacts = source.targets(&s.targets, &s.kinds).await?;
        let new = NewCheck {
            title: s.title.clone(),
            message: s.message.clone(),
            channels: s.channels.clone(),
            kinds: s.kinds.clone(),
            targets: s.targets.clone(),
            deadline: s.deadline.clone(),
        };
        let check = new_check(new, now, format!("schedule:{}", s.id), Some(s.id));
        let (check, targets, tokens) = prepare(check, contacts)?;
        let p = grant.principal();
        let event = AuditEvent {
            at: now,
            actor: p.actor(),
            actor_org: p.org_id(),
            source: p.source(),
            action: AuditAction::CommCheckStart,
            target: Some(check.id.to_string()),
            target_org: None,
            details: start_details(&check, &targets),
        };
        let mail = self.check_mails(grant, &check, &tokens).await?;
        let won = store
            .start_scheduled(s.id, s.next_run_at, next, &check, &targets, &mail, &event)
            .await?;
        Ok(won.then_some(StartedCheck { check, tokens }))
    }

    /// [`Service::run_due_schedules`] with the targets resolved as a started check's are (the
    /// server's scheduler calls this).
    pub async fn run_due_comm_checks(
        &self,
        grant: &Grant<'_>,
        now: OffsetDateTime,
    ) -> Result<Vec<StartedCheck>, CoreError> {
        let source = crate::comm_checks::start::ContactsSource {
            service: self,
            grant,
        };
        self.run_due_schedules(grant, now, &source).await
    }
}
