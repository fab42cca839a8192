//! `/organisations`: the directory of organisations.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use simpul_core::country::Country;
use simpul_core::org::{NewOrganisation as CoreNewOrganisation, OrgId, ShortName};
use simpul_core::service::OrgUpdate;
use simpul_core::{OrgKind, OrgStatus};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use super::json::JsonBody;
use super::{ApiResult, ApiRoute, created, route, schema};
use crate::AppState;
use crate::auth::Auth;

pub fn routes() -> Vec<ApiRoute> {
    vec![
        route!(GET "/organisations", list_orgs)
            .doc("List organisations", "any signed-in user (scope read)")
            .returns::<OrganisationList>(StatusCode::OK),
        route!(POST "/organisations", create_org)
            .doc("Create an organisation", "site-admin")
            .request::<NewOrganisation>()
            .returns::<Organisation>(StatusCode::CREATED),
        route!(GET "/organisations/{id}", get_org)
            .doc("Get an organisation", "any signed-in user (scope read)")
            .returns::<Organisation>(StatusCode::OK),
        route!(PATCH "/organisations/{id}", update_org)
            .doc(
                "Change an organisation (name, country: also its org-admin; kind, status: site-admin)",
                "site-admin; org-admin of that organisation for name and country",
            )
            .request::<OrganisationUpdate>()
            .returns::<Organisation>(StatusCode::OK),
        route!(POST "/organisations/{id}/suspend", suspend_org)
            .doc(
                "Suspend an organisation: its users and tokens stop working at once",
                "site-admin",
            )
            .returns::<Organisation>(StatusCode::OK),
    ]
}

/// An organisation.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Organisation {
    pub id: Uuid,
    #[schema(schema_with = schema::name)]
    pub name: String,
    #[schema(schema_with = schema::short_name)]
    pub short_name: String,
    #[schema(schema_with = schema::org_kind)]
    pub kind: OrgKind,
    #[schema(schema_with = schema::country_or_null, required = true)]
    pub country: Option<String>,
    #[schema(schema_with = schema::org_status)]
    pub status: OrgStatus,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl From<simpul_core::Organisation> for Organisation {
    fn from(o: simpul_core::Organisation) -> Self {
        Self {
            id: o.id.0,
            name: o.name,
            short_name: o.short_name.into(),
            kind: o.kind,
            country: o.country.map(String::from),
            status: o.status,
            created_at: o.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganisationList {
    pub organisations: Vec<Organisation>,
}

/// A new organisation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrganisation {
    #[schema(schema_with = schema::name)]
    pub name: String,
    #[schema(schema_with = schema::short_name)]
    pub short_name: String,
    #[schema(schema_with = schema::org_kind)]
    pub kind: String,
    #[serde(default)]
    #[schema(schema_with = schema::country_or_null)]
    pub country: Option<String>,
}

/// A change to an organisation; absent fields stay as they are (`country: null` clears it).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganisationUpdate {
    #[schema(schema_with = schema::name)]
    pub name: Option<String>,
    #[serde(default, with = "double_option")]
    #[schema(schema_with = schema::country_or_null)]
    pub country: Option<Option<String>>,
    #[schema(schema_with = schema::org_kind)]
    pub kind: Option<String>,
    #[schema(schema_with = schema::org_status)]
    pub status: Option<String>,
}

/// Tells an absent field (`None`) from an explicit `null` (`Some(None)`).
pub(super) mod double_option {
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, D: Deserializer<'de>>(
        de: D,
    ) -> Result<Option<Option<String>>, D::Error> {
        Option::<String>::deserialize(de).map(Some)
    }
}

async fn list_orgs(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<Json<OrganisationList>> {
    let orgs = s.service.list_orgs(&p).await?;
    Ok(Json(OrganisationList {
        organisations: orgs.into_iter().map(Into::into).collect(),
    }))
}

async fn create_org(
    State(s): State<AppState>,
    Auth(p): Auth,
    JsonBody(b): JsonBody<NewOrganisation>,
) -> ApiResult<Response> {
    let new = CoreNewOrganisation {
        name: b.name,
        short_name: ShortName::parse(&b.short_name)?,
        kind: b.kind.parse::<OrgKind>()?,
        country: b.country.as_deref().map(Country::parse).transpose()?,
    };
    let org: Organisation = s.service.create_org(&p, new).await?.into();
    Ok(created(org))
}

async fn get_org(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Organisation>> {
    Ok(Json(s.service.get_org(&p, OrgId(id)).await?.into()))
}

async fn update_org(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<Uuid>,
    JsonBody(b): JsonBody<OrganisationUpdate>,
) -> ApiResult<Json<Organisation>> {
    let update = OrgUpdate {
        name: b.name,
        country: b
            .country
            .map(|c| c.as_deref().map(Country::parse).transpose())
            .transpose()?,
        kind: b.kind.map(|k| k.parse::<OrgKind>()).transpose()?,
        status: b.status.map(|k| k.parse::<OrgStatus>()).transpose()?,
    };
    Ok(Json(
        s.service.update_org(&p, OrgId(id), update).await?.into(),
    ))
}

async fn suspend_org(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Organisation>> {
    let update = OrgUpdate {
        status: Some(OrgStatus::Suspended),
        ..OrgUpdate::default()
    };
    Ok(Json(
        s.service.update_org(&p, OrgId(id), update).await?.into(),
    ))
}
