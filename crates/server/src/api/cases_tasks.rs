//! `/cases/{id}/tasks` and `/cases/{id}/summary`: a case's tasks (owner organisation, assignee,
//! due time, state; `overdue` from the clock) and its after-action summary (per party the time
//! to acknowledge and to resolve, the tasks' counts), for the case's timeline readers.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use simpul_core::cases::closing::{PartySummary, Summary};
use simpul_core::cases::tasks::NewTask;
use simpul_core::cases::{TaskUpdate, TaskView};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use super::cases::{TIMELINE_READERS, case_id};
use super::json::JsonBody;
use super::{ApiResult, ApiRoute, created, route};
use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;

pub fn routes() -> Vec<ApiRoute> {
    vec![
        route!(GET "/cases/{id}/tasks", list_tasks)
            .doc(
                "A case's tasks, oldest first, each `overdue` when open past its due time",
                TIMELINE_READERS,
            )
            .returns::<TaskList>(StatusCode::OK),
        route!(POST "/cases/{id}/tasks", add_task)
            .doc(
                "Create a task: the owner for any organisation of the case, a party for itself",
                "acting users of the owner and of acknowledged parties (scope write)",
            )
            .request::<NewTaskBody>()
            .returns::<TaskBody>(StatusCode::CREATED),
        route!(PATCH "/cases/{id}/tasks/{task}", patch_task)
            .doc(
                "Move a task (`open`, `in-progress`, `done`, `cancelled`; a refused step is 409 \
                 with `allowed`) and/or assign it to a user of its owner organisation",
                "acting users of the task's owner organisation or of the case's owner (scope \
                 write)",
            )
            .request::<TaskPatch>()
            .returns::<TaskBody>(StatusCode::OK),
        route!(GET "/cases/{id}/summary", summary)
            .doc(
                "The after-action summary: per party the seconds to acknowledge and to resolve, \
                 medians, how the parties finished, the tasks' counts (at the closing time, or \
                 now for an open case)",
                TIMELINE_READERS,
            )
            .returns::<SummaryBody>(StatusCode::OK),
    ]
}

/// A task to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTaskBody {
    #[schema(max_length = 200)]
    pub title: String,
    #[serde(default)]
    pub details: String,
    /// The owner organisation's short name (yours when absent).
    #[serde(default)]
    pub owner: Option<String>,
    /// The e-mail address of a user of the owner organisation.
    #[serde(default)]
    pub assignee: Option<String>,
    /// RFC 3339, in the future.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub due: Option<OffsetDateTime>,
}

/// A task's change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskPatch {
    /// `open`, `in-progress`, `done` or `cancelled`.
    #[serde(default)]
    pub state: Option<String>,
    /// The e-mail address of a user of the task's owner organisation.
    #[serde(default)]
    pub assignee: Option<String>,
}

/// A task.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskBody {
    pub id: Uuid,
    pub case: Uuid,
    pub title: String,
    pub details: String,
    pub owner_org: Uuid,
    #[schema(required = true)]
    pub assignee: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(required = true)]
    pub due: Option<OffsetDateTime>,
    /// `open`, `in-progress`, `done` or `cancelled`.
    pub state: String,
    /// Open past its due time.
    pub overdue: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl From<TaskView> for TaskBody {
    fn from(v: TaskView) -> Self {
        let t = v.task;
        Self {
            id: t.id,
            case: t.case.0,
            title: t.title,
            details: t.details,
            owner_org: t.owner_org.0,
            assignee: t.assignee.map(|u| u.0),
            due: t.due,
            state: t.state.as_str().to_owned(),
            overdue: v.overdue,
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskList {
    pub tasks: Vec<TaskBody>,
}

/// One party in the summary (times in whole seconds).
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartySummaryBody {
    pub org: Uuid,
    pub status: String,
    #[schema(required = true)]
    pub time_to_acknowledge: Option<i64>,
    #[schema(required = true)]
    pub time_to_resolve: Option<i64>,
    pub reinvited: usize,
}

impl From<&PartySummary> for PartySummaryBody {
    fn from(p: &PartySummary) -> Self {
        Self {
            org: p.org.0,
            status: p.status.as_str().to_owned(),
            time_to_acknowledge: p.time_to_acknowledge.map(|d| d.whole_seconds()),
            time_to_resolve: p.time_to_resolve.map(|d| d.whole_seconds()),
            reinvited: p.reinvited,
        }
    }
}

/// The tasks' counts.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskCountsBody {
    pub done: usize,
    pub cancelled: usize,
    pub open: usize,
    pub overdue: usize,
}

/// The after-action summary (times in whole seconds).
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SummaryBody {
    #[serde(with = "time::serde::rfc3339")]
    pub opened_at: OffsetDateTime,
    /// The closing time, or now for an open case.
    #[serde(with = "time::serde::rfc3339")]
    pub closed_at: OffsetDateTime,
    pub parties: Vec<PartySummaryBody>,
    pub resolved: usize,
    pub not_affected: usize,
    pub unfinished: usize,
    pub never_acknowledged: usize,
    #[schema(required = true)]
    pub median_time_to_acknowledge: Option<i64>,
    #[schema(required = true)]
    pub median_time_to_resolve: Option<i64>,
    pub tasks: TaskCountsBody,
}

impl From<Summary> for SummaryBody {
    fn from(s: Summary) -> Self {
        Self {
            opened_at: s.opened_at,
            closed_at: s.closed_at,
            parties: s.parties.iter().map(Into::into).collect(),
            resolved: s.resolved,
            not_affected: s.not_affected,
            unfinished: s.unfinished,
            never_acknowledged: s.never_acknowledged,
            median_time_to_acknowledge: s.median_time_to_acknowledge.map(|d| d.whole_seconds()),
            median_time_to_resolve: s.median_time_to_resolve.map(|d| d.whole_seconds()),
            tasks: TaskCountsBody {
                done: s.tasks.done,
                cancelled: s.tasks.cancelled,
                open: s.tasks.open,
                overdue: s.tasks.overdue,
            },
        }
    }
}

fn task_id(id: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(id).map_err(|_| ApiError::not_found("task not found"))
}

async fn list_tasks(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<TaskList>> {
    let tasks = s.service.case_tasks(&p, case_id(&id)?).await?;
    Ok(Json(TaskList {
        tasks: tasks.into_iter().map(Into::into).collect(),
    }))
}

async fn add_task(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<NewTaskBody>,
) -> ApiResult<Response> {
    let new = NewTask {
        title: b.title,
        details: b.details,
        owner: b.owner,
        assignee: b.assignee,
        due: b.due,
    };
    let t = s.service.add_case_task(&p, case_id(&id)?, new).await?;
    Ok(created(TaskBody::from(t)))
}

async fn patch_task(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path((id, task)): Path<(String, String)>,
    JsonBody(b): JsonBody<TaskPatch>,
) -> ApiResult<Json<TaskBody>> {
    let up = TaskUpdate {
        state: b.state,
        assignee: b.assignee,
    };
    let t = s
        .service
        .update_case_task(&p, case_id(&id)?, task_id(&task)?, up)
        .await?;
    Ok(Json(t.into()))
}

async fn summary(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<SummaryBody>> {
    Ok(Json(
        s.service.case_summary(&p, case_id(&id)?).await?.into(),
    ))
}
