//! `/audit`: the hash-chained audit log.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use simpul_core::OrgId;
use time::OffsetDateTime;
use utoipa::openapi::schema::Object;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::json::ApiQuery;
use super::{ApiResult, ApiRoute, route, schema};
use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;

pub fn routes() -> Vec<ApiRoute> {
    vec![
        route!(GET "/audit", list_audit)
            .doc(
                "Read the audit log, newest first",
                "site-admin (all); org-admin (own organisation)",
            )
            .query::<AuditQuery>()
            .returns::<AuditList>(StatusCode::OK),
    ]
}

/// The most entries one page holds.
pub const MAX_LIMIT: u32 = simpul_core::audit::service::MAX_AUDIT_PAGE;
/// The entries one page holds when `limit` is not given.
pub const DEFAULT_LIMIT: u32 = 100;

fn limit_schema() -> Object {
    schema::limit(MAX_LIMIT, DEFAULT_LIMIT)
}

/// Which page of the log.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// The organisation (default: your own; a site-admin without it gets everything).
    #[param(schema_with = schema::uuid)]
    pub org: Option<Uuid>,
    /// Only entries with a sequence number below this one (the previous page's last `seq`).
    #[param(schema_with = schema::int64)]
    pub before: Option<i64>,
    /// How many entries.
    #[param(schema_with = limit_schema)]
    pub limit: Option<u32>,
}

/// One audit entry.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditEntry {
    pub seq: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub actor: String,
    #[schema(required = true)]
    pub actor_org: Option<Uuid>,
    #[schema(required = true)]
    pub source: Option<String>,
    pub action: String,
    #[schema(required = true)]
    pub target: Option<String>,
    #[schema(required = true)]
    pub target_org: Option<Uuid>,
    /// Further facts: a JSON object, as text exactly as stored (it is hashed).
    pub details: String,
    pub prev_hash: String,
    pub hash: String,
}

impl From<simpul_core::AuditEntry> for AuditEntry {
    fn from(e: simpul_core::AuditEntry) -> Self {
        Self {
            seq: e.seq,
            at: e.at,
            actor: e.actor,
            actor_org: e.actor_org.map(|o| o.0),
            source: e.source,
            action: e.action,
            target: e.target,
            target_org: e.target_org.map(|o| o.0),
            details: e.details,
            prev_hash: e.prev_hash,
            hash: e.hash,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditList {
    pub entries: Vec<AuditEntry>,
}

async fn list_audit(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<Json<AuditList>> {
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::invalid_parameter(
            "limit",
            format!("must be between 1 and {MAX_LIMIT} (got {limit})"),
        ));
    }
    let org = q.org.map(OrgId);
    let entries = s.service.list_audit(&p, org, q.before, limit).await?;
    Ok(Json(AuditList {
        entries: entries.into_iter().map(Into::into).collect(),
    }))
}
