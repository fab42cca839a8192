//! `/mail`: the sent-mail record of the outbox (to, subject, times, attempts, outcome; never a
//! body), for site-admins and the regional CERT's coordinators.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use simpul_core::mail::{MailFilter, MailRecord, MailStatus};
use time::OffsetDateTime;
use utoipa::openapi::schema::{Object, ObjectBuilder, Type};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::json::ApiQuery;
use super::{ApiResult, ApiRoute, route, schema};
use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;

pub fn routes() -> Vec<ApiRoute> {
    vec![
        route!(GET "/mail", list_mail)
            .doc(
                "Read the outgoing-mail record, newest first (never a message's body)",
                "site-admin; the regional CERT's coordinators",
            )
            .query::<MailQuery>()
            .returns::<MailList>(StatusCode::OK),
    ]
}

pub const MAX_LIMIT: u32 = MailFilter::MAX_LIMIT;
pub const DEFAULT_LIMIT: u32 = 100;

fn limit_schema() -> Object {
    schema::limit(MAX_LIMIT, DEFAULT_LIMIT)
}

fn status_schema() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(MailStatus::ALL.iter().map(MailStatus::as_str)))
        .build()
}

/// Which messages.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct MailQuery {
    /// Only messages in this state (`queued`, `sending`, `sent`, `failed`: given up).
    #[param(schema_with = status_schema)]
    pub status: Option<String>,
    /// How many messages.
    #[param(schema_with = limit_schema)]
    pub limit: Option<u32>,
}

/// The SMTP server's last answer (or what went wrong without one).
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MailAnswer {
    #[schema(required = true)]
    pub code: Option<u16>,
    pub text: String,
}

/// One message's record.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MailItem {
    pub id: Uuid,
    #[schema(schema_with = schema::email)]
    pub to: String,
    pub subject: String,
    pub purpose: String,
    #[schema(required = true)]
    pub ref_id: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub next_attempt_at: OffsetDateTime,
    pub attempts: u32,
    #[schema(schema_with = status_schema)]
    pub status: String,
    #[schema(required = true)]
    pub last_answer: Option<MailAnswer>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(required = true)]
    pub sent_at: Option<OffsetDateTime>,
}

impl From<MailRecord> for MailItem {
    fn from(m: MailRecord) -> Self {
        Self {
            id: m.id.0,
            to: m.to.to_string(),
            subject: m.subject.as_str().to_owned(),
            purpose: m.purpose.as_str().to_owned(),
            ref_id: m.ref_id,
            created_at: m.created_at,
            next_attempt_at: m.next_attempt_at,
            attempts: m.attempts,
            status: m.status.as_str().to_owned(),
            last_answer: m.last_answer.map(|a| MailAnswer {
                code: a.code,
                text: a.text,
            }),
            sent_at: m.sent_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MailList {
    pub messages: Vec<MailItem>,
}

async fn list_mail(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiQuery(q): ApiQuery<MailQuery>,
) -> ApiResult<Json<MailList>> {
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::invalid_parameter(
            "limit",
            format!("must be between 1 and {MAX_LIMIT} (got {limit})"),
        ));
    }
    let status = q
        .status
        .as_deref()
        .map(str::parse::<MailStatus>)
        .transpose()
        .map_err(|e| ApiError::invalid_parameter("status", e.message))?;
    let messages = s
        .service
        .list_mail(&p, MailFilter { status, limit })
        .await?;
    Ok(Json(MailList {
        messages: messages.into_iter().map(Into::into).collect(),
    }))
}
