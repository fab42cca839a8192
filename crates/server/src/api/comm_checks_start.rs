//! Starting a communication check (`POST /comm-checks`, coordinators), and the signed-in
//! contact's side: the open checks asking them (`GET /comm-checks/pending`) and acknowledging one
//! in the app (`POST /comm-checks/{id}/acknowledge`). `/comm-checks/pending` is a fixed segment,
//! so it is matched before `/comm-checks/{id}`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use simpul_core::CoreError;
use simpul_core::access::{Action, authorize};
use simpul_core::comm_checks::CheckId;
use utoipa::ToSchema;
use uuid::Uuid;

use super::comm_checks::{Check, read_check};
use super::json::JsonBody;
use super::{ApiResult, ApiRoute, created, route};
use crate::AppState;
use crate::auth::Auth;

pub fn routes() -> Vec<ApiRoute> {
    vec![
        route!(POST "/comm-checks", start_check)
            .doc(
                "Start a communication check: one message per target contact (e-mail with a single-use link, and/or in the app), answered by the deadline",
                "coordinators (the regional CERT's users other than read-only)",
            )
            .request::<NewCommCheck>()
            .returns::<StartedCheck>(StatusCode::CREATED),
        route!(GET "/comm-checks/pending", pending)
            .doc(
                "The open checks (deadline not passed) asking the caller: those with an unacknowledged target whose contact has the caller's e-mail",
                "signed in",
            )
            .returns::<PendingList>(StatusCode::OK),
        route!(POST "/comm-checks/{id}/acknowledge", acknowledge)
            .doc(
                "Acknowledge a check in the app for every one of the caller's contacts it asks (also after the deadline: the answer then counts as late). 404: the check asks none of the caller's contacts; 409: they have all acknowledged already",
                "signed in, a target of the check",
            )
            .returns::<AckResult>(StatusCode::OK),
    ]
}

/// A check to start.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCommCheck {
    /// 1 to 200 characters.
    pub title: String,
    /// Up to 4000 characters, put in each message.
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
}

/// A started check and how many contacts it asks.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartedCheck {
    pub check: Check,
    pub target_count: usize,
}

/// A check asking the caller, with how many of the caller's targets are still open.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PendingCheck {
    pub check: Check,
    pub open_targets: usize,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PendingList {
    pub checks: Vec<PendingCheck>,
}

/// What an acknowledgement recorded.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AckResult {
    pub check_id: Uuid,
    /// The caller's targets acknowledged by this request.
    pub acknowledged: Vec<Uuid>,
}

async fn start_check(
    State(s): State<AppState>,
    Auth(p): Auth,
    JsonBody(b): JsonBody<NewCommCheck>,
) -> ApiResult<Response> {
    // Who may first: a caller refused learns nothing about their input.
    authorize(&p, Action::RunCommChecks).map_err(CoreError::from)?;
    let new = read_check(
        b.title,
        b.message,
        &b.targets,
        &b.kinds,
        b.channels.as_deref(),
        &b.deadline,
    )?;
    let (check, tokens) = s.service.start_comm_check(&p, new).await?;
    Ok(created(StartedCheck {
        check: check.into(),
        target_count: tokens.len(),
    }))
}

async fn pending(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<Json<PendingList>> {
    let list = s.service.pending_for_me(&p).await?;
    Ok(Json(PendingList {
        checks: list
            .into_iter()
            .map(|m| PendingCheck {
                check: m.check.into(),
                open_targets: m.open_targets,
            })
            .collect(),
    }))
}

async fn acknowledge(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<AckResult>> {
    let done = s.service.acknowledge_as_me(&p, CheckId(id)).await?;
    if done.is_empty() {
        return Err(CoreError::Conflict(format!(
            "communication check {id}: already acknowledged for each of your contacts it asks"
        ))
        .into());
    }
    Ok(Json(AckResult {
        check_id: id,
        acknowledged: done.into_iter().map(|t| t.0).collect(),
    }))
}
