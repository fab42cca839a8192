//! `/comm-checks` and `/comm-check-schedules`: communication checks (P2.1) — the checks a reader
//! may see with their per-target results and summary, and the recurring schedules coordinators
//! keep. Starting a check and the signed-in contact's pending checks and acknowledgement are in
//! [`super::comm_checks_start`].

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use simpul_core::comm_checks::rows::parse_local;
use simpul_core::comm_checks::schedule::NewSchedule as CoreNewSchedule;
use simpul_core::comm_checks::service::CheckReport as CoreReport;
use simpul_core::comm_checks::summary::Figures as CoreFigures;
use simpul_core::comm_checks::{CheckDuration, CheckId, NewCheck, ScheduleId, TargetSpec};
use simpul_core::tz::TimeZoneName;
use simpul_core::{Invalid, OrgId};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use super::json::JsonBody;
use super::{ApiResult, ApiRoute, created, route};
use crate::AppState;
use crate::auth::Auth;

pub fn routes() -> Vec<ApiRoute> {
    let mut routes = super::comm_checks_start::routes();
    routes.extend([
        route!(GET "/comm-checks", list_checks)
            .doc(
                "List communication checks: coordinators every one, an organisation those with a target of it",
                "signed in",
            )
            .returns::<CheckList>(StatusCode::OK),
        route!(GET "/comm-checks/{id}", get_check)
            .doc(
                "A communication check with the per-target results the caller may read and their summary",
                "coordinators; an organisation for its own contacts",
            )
            .returns::<CheckReport>(StatusCode::OK),
        route!(GET "/comm-check-schedules", list_schedules)
            .doc("List recurring communication checks", "coordinators")
            .returns::<ScheduleList>(StatusCode::OK),
        route!(POST "/comm-check-schedules", create_schedule)
            .doc(
                "Create a recurring communication check: every N days from a local start time in an IANA time zone",
                "coordinators",
            )
            .request::<NewSchedule>()
            .returns::<Schedule>(StatusCode::CREATED),
        route!(DELETE "/comm-check-schedules/{id}", delete_schedule)
            .doc("Delete a recurring communication check (the checks it started stay)", "coordinators")
            .no_content(),
    ]);
    routes
}

/// A communication check as started.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Check {
    pub id: Uuid,
    pub title: String,
    pub message: String,
    /// `email`, `in-app`.
    pub channels: Vec<String>,
    /// Contact kinds asked; empty: every kind.
    pub kinds: Vec<String>,
    /// As given: `{"all_members": true}`, `{"orgs": [...]}` or `{"contacts": [...]}`.
    #[schema(value_type = Object)]
    pub targets: serde_json::Value,
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    pub started_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub deadline_at: OffsetDateTime,
    #[schema(required = true)]
    pub schedule: Option<Uuid>,
}

impl From<simpul_core::comm_checks::Check> for Check {
    fn from(c: simpul_core::comm_checks::Check) -> Self {
        Self {
            id: c.id.0,
            title: c.title,
            message: c.message,
            channels: c.channels.iter().map(|c| c.as_str().into()).collect(),
            kinds: c.kinds.iter().map(|k| k.as_str().into()).collect(),
            targets: serde_json::to_value(&c.targets).unwrap_or_default(),
            started_at: c.started_at,
            started_by: c.started_by,
            deadline_at: c.deadline_at,
            schedule: c.schedule.map(|s| s.0),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckList {
    pub checks: Vec<Check>,
}

/// One target's result.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetResult {
    pub id: Uuid,
    pub contact_id: Uuid,
    pub org_id: Uuid,
    pub name: String,
    pub email: String,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(required = true)]
    pub sent_at: Option<OffsetDateTime>,
    /// `queued`, `sent` or `undeliverable`.
    pub delivery: String,
    /// The relay's answer, or why the message could not be delivered.
    #[schema(required = true)]
    pub delivery_detail: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(required = true)]
    pub acknowledged_at: Option<OffsetDateTime>,
    /// `link` or `in-app`.
    #[schema(required = true)]
    pub via: Option<String>,
    /// `pending`, `acknowledged`, `late`, `no-answer` or `undeliverable`.
    pub state: String,
    #[schema(required = true)]
    pub response_secs: Option<f64>,
}

/// Counts per state.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct States {
    pub pending: u64,
    pub acknowledged: u64,
    pub late: u64,
    pub no_answer: u64,
    pub undeliverable: u64,
}

/// The figures of a set of targets (percentiles by nearest rank).
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Figures {
    pub targets: u64,
    pub states: States,
    pub share_acknowledged: f64,
    #[schema(required = true)]
    pub median_response_secs: Option<f64>,
    #[schema(required = true)]
    pub p90_response_secs: Option<f64>,
}

impl From<CoreFigures> for Figures {
    fn from(f: CoreFigures) -> Self {
        let s = f.states;
        Self {
            targets: f.targets,
            states: States {
                pending: s.pending,
                acknowledged: s.acknowledged,
                late: s.late,
                no_answer: s.no_answer,
                undeliverable: s.undeliverable,
            },
            share_acknowledged: f.share_acknowledged,
            median_response_secs: f.median_response_secs,
            p90_response_secs: f.p90_response_secs,
        }
    }
}

/// The summary: the whole, and per organisation (by id).
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    pub total: Figures,
    pub per_org: BTreeMap<Uuid, Figures>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckReport {
    pub check: Check,
    pub results: Vec<TargetResult>,
    pub summary: Summary,
}

impl From<CoreReport> for CheckReport {
    fn from(r: CoreReport) -> Self {
        let results = r
            .results
            .into_iter()
            .map(|t| {
                let (delivery, detail) =
                    simpul_core::comm_checks::rows::delivery_columns(&t.delivery);
                TargetResult {
                    id: t.id.0,
                    contact_id: t.contact.contact_id.0,
                    org_id: t.contact.org_id.0,
                    name: t.contact.name,
                    email: t.contact.email,
                    sent_at: t.sent_at,
                    delivery: delivery.into(),
                    delivery_detail: detail,
                    acknowledged_at: t.acknowledged_at,
                    via: t.via.map(|v| v.as_str().into()),
                    state: t.state.as_str().into(),
                    response_secs: t.response_secs,
                }
            })
            .collect();
        Self {
            check: r.check.into(),
            results,
            summary: Summary {
                total: r.summary.total.into(),
                per_org: r
                    .summary
                    .per_org
                    .into_iter()
                    .map(|(OrgId(id), f)| (id, f.into()))
                    .collect(),
            },
        }
    }
}

/// A recurring check.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    pub id: Uuid,
    pub title: String,
    pub message: String,
    pub channels: Vec<String>,
    pub kinds: Vec<String>,
    #[schema(value_type = Object)]
    pub targets: serde_json::Value,
    /// `90s`, `30m`, `4h`, `2d` (10 s to 30 days).
    pub deadline: String,
    pub every_days: u32,
    /// Local date and time of the first run, `YYYY-MM-DDTHH:MM:SS`.
    pub start: String,
    /// IANA time zone name.
    pub time_zone: String,
    #[serde(with = "time::serde::rfc3339")]
    pub next_run_at: OffsetDateTime,
    pub created_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl From<simpul_core::comm_checks::schedule::Schedule> for Schedule {
    fn from(s: simpul_core::comm_checks::schedule::Schedule) -> Self {
        Self {
            id: s.id.0,
            title: s.title,
            message: s.message,
            channels: s.channels.iter().map(|c| c.as_str().into()).collect(),
            kinds: s.kinds.iter().map(|k| k.as_str().into()).collect(),
            targets: serde_json::to_value(&s.targets).unwrap_or_default(),
            deadline: s.deadline.to_string(),
            every_days: s.every_days,
            start: simpul_core::comm_checks::rows::local_text(s.start_local),
            time_zone: s.time_zone.to_string(),
            next_run_at: s.next_run_at,
            created_by: s.created_by,
            created_at: s.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleList {
    pub schedules: Vec<Schedule>,
}

/// A recurring check to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSchedule {
    pub title: String,
    #[serde(default)]
    pub message: String,
    /// `{"all_members": true}`, `{"orgs": [short names]}` or `{"contacts": [ids]}`.
    #[schema(value_type = Object)]
    pub targets: serde_json::Value,
    /// Contact kinds; default every kind.
    #[serde(default)]
    pub kinds: Vec<String>,
    /// Default `["email", "in-app"]`.
    #[serde(default)]
    pub channels: Option<Vec<String>>,
    /// `90s`, `30m`, `4h`, `2d` (10 s to 30 days).
    pub deadline: String,
    /// 1 to 366.
    pub every_days: u32,
    /// Local date and time of the first run, `YYYY-MM-DDTHH:MM:SS`.
    pub start: String,
    /// IANA time zone name, e.g. `Asia/Jakarta`.
    pub time_zone: String,
}

/// Each entry of `items` read by `parse`, with the path `{path}/{i}` of the first it refuses.
fn each<T>(
    path: &str,
    items: &[String],
    parse: impl Fn(&str) -> Result<T, Invalid>,
) -> Result<Vec<T>, Invalid> {
    items
        .iter()
        .enumerate()
        .map(|(i, s)| parse(s).map_err(|e| Invalid::new(format!("{path}/{i}"), e.message)))
        .collect()
}

/// What a check asks, read from a body's fields with the JSON path of the first it refuses:
/// channels default to `email` and `in-app`, kinds to every kind.
pub(super) fn read_check(
    title: String,
    message: String,
    targets: &serde_json::Value,
    kinds: &[String],
    channels: Option<&[String]>,
    deadline: &str,
) -> Result<NewCheck, Invalid> {
    let channels = match channels {
        Some(c) => each("/channels", c, str::parse)?,
        None => simpul_core::comm_checks::Channel::ALL.to_vec(),
    };
    Ok(NewCheck {
        title,
        message,
        channels,
        kinds: each("/kinds", kinds, str::parse)?,
        targets: TargetSpec::from_json("/targets", targets)?,
        deadline: CheckDuration::parse_at("/deadline", deadline)?,
    })
}

impl NewSchedule {
    fn into_core(self) -> Result<CoreNewSchedule, Invalid> {
        Ok(CoreNewSchedule {
            check: read_check(
                self.title,
                self.message,
                &self.targets,
                &self.kinds,
                self.channels.as_deref(),
                &self.deadline,
            )?,
            every_days: self.every_days,
            start_local: parse_local(&self.start).map_err(|_| {
                Invalid::new("/start", "give the local start as YYYY-MM-DDTHH:MM:SS")
            })?,
            time_zone: TimeZoneName::parse_at("/time_zone", &self.time_zone)?,
        })
    }
}

async fn list_checks(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<Json<CheckList>> {
    let checks = s.service.list_checks(&p).await?;
    Ok(Json(CheckList {
        checks: checks.into_iter().map(Check::from).collect(),
    }))
}

async fn get_check(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<CheckReport>> {
    let report = s.service.check_report(&p, CheckId(id)).await?;
    Ok(Json(report.into()))
}

async fn list_schedules(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<Json<ScheduleList>> {
    let schedules = s.service.list_schedules(&p).await?;
    Ok(Json(ScheduleList {
        schedules: schedules.into_iter().map(Schedule::from).collect(),
    }))
}

async fn create_schedule(
    State(s): State<AppState>,
    Auth(p): Auth,
    JsonBody(b): JsonBody<NewSchedule>,
) -> ApiResult<Response> {
    // Who may first: a caller refused learns nothing about their input.
    s.service.list_schedules(&p).await?;
    let new = b.into_core()?;
    let schedule = s.service.create_schedule(&p, new).await?;
    Ok(created(Schedule::from(schedule)))
}

async fn delete_schedule(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<Response> {
    s.service.delete_schedule(&p, ScheduleId(id)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
