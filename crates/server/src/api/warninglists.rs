//! MISP warninglists: the lists loaded (`GET /warninglists`) and whether a value is on one
//! (`GET /warninglists/check`). The lists are public data: nothing here reads shared objects.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use simpul_core::warninglist::Kind;
use utoipa::{IntoParams, ToSchema};

use super::json::ApiQuery;
use super::{ApiResult, ApiRoute, route};
use crate::AppState;
use crate::auth::Auth;

pub fn routes() -> Vec<ApiRoute> {
    vec![
        route!(GET "/warninglists", lists)
            .doc(
                "List the MISP warninglists this server loaded (known-benign values: public \
                 resolvers, cloud ranges, top domains, test hashes…), with their type and size",
                "any signed-in user (scope read)",
            )
            .returns::<WarninglistList>(StatusCode::OK),
        route!(GET "/warninglists/check", check)
            .doc(
                "Say which warninglists a value is on: the value is read as an observable first \
                 (of `type`, or detected; national forms in your organisation's country)",
                "any signed-in user (scope read)",
            )
            .query::<CheckQuery>()
            .returns::<WarninglistHits>(StatusCode::OK),
    ]
}

/// A loaded list.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WarninglistInfo {
    pub name: String,
    pub description: String,
    pub version: u64,
    /// `string`, `hostname`, `substring`, `cidr` or `regex`.
    #[serde(rename = "type")]
    #[schema(value_type = String)]
    pub kind: Kind,
    /// The MISP attribute types it applies to (empty: every type).
    pub matching_attributes: Vec<String>,
    /// Entries loaded.
    pub entries: u64,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WarninglistList {
    pub warninglists: Vec<WarninglistInfo>,
}

/// A list a value is on.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WarninglistHit {
    pub name: String,
    #[serde(rename = "type")]
    #[schema(value_type = String)]
    pub kind: Kind,
}

/// The lists one observable is on.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WarninglistHits {
    /// The value as read: its canonical key, `type|key`.
    pub observable: String,
    /// Empty when it is on no list.
    pub warninglists: Vec<WarninglistHit>,
}

impl From<simpul_core::warninglist::service::WarninglistCheck> for WarninglistHits {
    fn from(c: simpul_core::warninglist::service::WarninglistCheck) -> Self {
        Self {
            observable: c.observable,
            warninglists: c
                .lists
                .into_iter()
                .map(|l| WarninglistHit {
                    name: l.name,
                    kind: l.kind,
                })
                .collect(),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CheckQuery {
    /// The value (a domain, URL, address, hash, e-mail address, phone number…).
    pub value: String,
    /// Its observable type (`domain`, `url`, `ipv4`, `md5`, `phone`…); detected when left out.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub ty: Option<String>,
}

async fn lists(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<Json<WarninglistList>> {
    let lists = s.service.warninglist_lists(&p)?;
    Ok(Json(WarninglistList {
        warninglists: lists
            .into_iter()
            .map(|l| WarninglistInfo {
                name: l.name,
                description: l.description,
                version: l.version,
                kind: l.kind,
                matching_attributes: l.matching_attributes,
                entries: l.entries as u64,
            })
            .collect(),
    }))
}

async fn check(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiQuery(q): ApiQuery<CheckQuery>,
) -> ApiResult<Json<WarninglistHits>> {
    let c = s.service.warninglist_check(&p, &q.value, q.ty.as_deref())?;
    Ok(Json(c.into()))
}

/// The warninglists each of `keys` (canonical `type|key` strings) is on, for the keys on one.
pub fn flagged(s: &AppState, keys: &[String]) -> Vec<WarninglistHits> {
    keys.iter()
        .filter_map(|k| k.parse::<simpul_observable::Canonical>().ok())
        .map(|c| simpul_core::warninglist::service::check(s.service.warninglists(), &c))
        .filter(|c| !c.lists.is_empty())
        .map(WarninglistHits::from)
        .collect()
}
