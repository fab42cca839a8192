//! `/communities`: sharing communities and their members.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use simpul_core::CommunityName;
use simpul_core::org::OrgId;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use super::json::JsonBody;
use super::{ApiResult, ApiRoute, created, route, schema};
use crate::AppState;
use crate::auth::Auth;

pub fn routes() -> Vec<ApiRoute> {
    vec![
        route!(GET "/communities", list_communities)
            .doc(
                "List sharing communities",
                "any signed-in user (scope read)",
            )
            .returns::<CommunityList>(StatusCode::OK),
        route!(POST "/communities", create_community)
            .doc("Create a sharing community", "site-admin")
            .request::<NewCommunity>()
            .returns::<Community>(StatusCode::CREATED),
        route!(GET "/communities/{name}", get_community)
            .doc("Get a sharing community", "any signed-in user (scope read)")
            .returns::<Community>(StatusCode::OK),
        route!(POST "/communities/{name}/members", add_members)
            .doc("Add organisations to a community", "site-admin")
            .request::<Members>()
            .returns::<Community>(StatusCode::OK),
    ]
}

/// A sharing community: a named set of organisations.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Community {
    pub id: Uuid,
    #[schema(schema_with = schema::community_name)]
    pub name: String,
    #[schema(schema_with = schema::description)]
    pub description: String,
    /// The member organisations' ids.
    pub members: Vec<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl From<simpul_core::Community> for Community {
    fn from(c: simpul_core::Community) -> Self {
        Self {
            id: c.id.0,
            name: c.name.into(),
            description: c.description,
            members: c.members.into_iter().map(|m| m.0).collect(),
            created_at: c.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommunityList {
    pub communities: Vec<Community>,
}

/// A new community.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCommunity {
    #[schema(schema_with = schema::community_name)]
    pub name: String,
    #[serde(default)]
    #[schema(schema_with = schema::description)]
    pub description: String,
}

/// Organisations to add.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Members {
    pub members: Vec<Uuid>,
}

async fn list_communities(
    State(s): State<AppState>,
    Auth(p): Auth,
) -> ApiResult<Json<CommunityList>> {
    let all = s.service.list_communities(&p).await?;
    Ok(Json(CommunityList {
        communities: all.into_iter().map(Into::into).collect(),
    }))
}

async fn create_community(
    State(s): State<AppState>,
    Auth(p): Auth,
    JsonBody(b): JsonBody<NewCommunity>,
) -> ApiResult<Response> {
    let name = CommunityName::parse(&b.name)?;
    let c: Community = s
        .service
        .create_community(&p, name, &b.description)
        .await?
        .into();
    Ok(created(c))
}

async fn get_community(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(name): Path<String>,
) -> ApiResult<Json<Community>> {
    Ok(Json(s.service.community_by_name(&p, &name).await?.into()))
}

async fn add_members(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(name): Path<String>,
    JsonBody(b): JsonBody<Members>,
) -> ApiResult<Json<Community>> {
    let orgs: Vec<OrgId> = b.members.into_iter().map(OrgId).collect();
    Ok(Json(
        s.service
            .add_community_members(&p, &name, &orgs)
            .await?
            .into(),
    ))
}
