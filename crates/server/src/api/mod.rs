//! REST API v1 under `/api/v1`.
//!
//! The routes are one table ([`table`]): the router and the OpenAPI 3.1 document at
//! `/api/v1/openapi.json` are both built from it, so a route cannot exist undocumented or be documented
//! and missing. Handlers are thin: parse, call the service with the principal, shape the answer.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use serde::Deserialize;
use serde_json::{Value, json};
use simpul_core::country::Country;
use simpul_core::org::{NewOrganisation, OrgId, OrgKind, OrgStatus, ShortName};
use simpul_core::service::{NewToken, NewUser, OrgUpdate, UserUpdate};
use simpul_core::{
    AuthMethod, CommunityName, Email, Role, Scope, Scopes, TokenId, UserId, UserStatus,
};
use uuid::Uuid;

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;

pub mod json;
mod openapi;

use json::JsonBody;

/// One documented route.
pub struct ApiRoute {
    pub method: Method,
    /// The path in axum syntax (`/organisations/{id}`), relative to `/api/v1`.
    pub path: &'static str,
    pub summary: &'static str,
    /// Who may call it, in words (the matrix lives in `simpul_core::access`).
    pub who: &'static str,
    pub request: Option<&'static str>,
    pub response: &'static str,
    pub success: StatusCode,
    pub handler: MethodRouter<AppState>,
}

impl std::fmt::Debug for ApiRoute {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.method, self.path)
    }
}

macro_rules! route {
    ($method:ident $path:literal, $handler:expr, $summary:literal, who: $who:literal, req: $req:expr, res: $res:literal, $status:ident) => {
        ApiRoute {
            method: Method::$method,
            path: $path,
            summary: $summary,
            who: $who,
            request: $req,
            response: $res,
            success: StatusCode::$status,
            handler: axum::routing::on(axum::routing::MethodFilter::$method, $handler),
        }
    };
}

/// Every REST route.
pub fn table() -> Vec<ApiRoute> {
    vec![
        route!(GET "/me", me, "Who am I: user, organisation, communities, how authenticated", who: "any signed-in user", req: None, res: "Me", OK),
        route!(POST "/me/password", change_password, "Change my password (ends my sessions)", who: "any signed-in user", req: Some("PasswordChange"), res: "Empty", NO_CONTENT),
        route!(GET "/organisations", list_orgs, "List organisations", who: "any signed-in user (scope read)", req: None, res: "OrganisationList", OK),
        route!(POST "/organisations", create_org, "Create an organisation", who: "site-admin", req: Some("NewOrganisation"), res: "Organisation", CREATED),
        route!(GET "/organisations/{id}", get_org, "Get an organisation", who: "any signed-in user (scope read)", req: None, res: "Organisation", OK),
        route!(PATCH "/organisations/{id}", update_org, "Change an organisation (name, country: also its org-admin; kind, status: site-admin)", who: "site-admin; org-admin of that organisation for name and country", req: Some("OrganisationUpdate"), res: "Organisation", OK),
        route!(POST "/organisations/{id}/suspend", suspend_org, "Suspend an organisation: its users and tokens stop working at once", who: "site-admin", req: None, res: "Organisation", OK),
        route!(GET "/communities", list_communities, "List sharing communities", who: "any signed-in user (scope read)", req: None, res: "CommunityList", OK),
        route!(POST "/communities", create_community, "Create a sharing community", who: "site-admin", req: Some("NewCommunity"), res: "Community", CREATED),
        route!(GET "/communities/{name}", get_community, "Get a sharing community", who: "any signed-in user (scope read)", req: None, res: "Community", OK),
        route!(POST "/communities/{name}/members", add_members, "Add organisations to a community", who: "site-admin", req: Some("Members"), res: "Community", OK),
        route!(GET "/users", list_users, "List users: of an organisation (`org`), or all (site-admin)", who: "site-admin; org-admin for their organisation", req: None, res: "UserList", OK),
        route!(POST "/users", create_user, "Create a user; without a password one is generated and returned once", who: "site-admin; org-admin for their organisation (not site-admin)", req: Some("NewUser"), res: "CreatedUser", CREATED),
        route!(GET "/users/{id}", get_user, "Get a user", who: "site-admin; org-admin for their organisation", req: None, res: "User", OK),
        route!(PATCH "/users/{id}", update_user, "Change a user's name, role or status (disable)", who: "site-admin; org-admin for their organisation", req: Some("UserUpdate"), res: "User", OK),
        route!(POST "/users/{id}/reset-password", reset_password, "Reset a user's password; the new one is returned once", who: "site-admin; org-admin for their organisation", req: None, res: "Password", OK),
        route!(GET "/tokens", list_tokens, "List my API tokens", who: "any signed-in user", req: None, res: "TokenList", OK),
        route!(POST "/tokens", create_token, "Create an API token; its secret is returned once", who: "any signed-in user (read-only: scope read only)", req: Some("NewToken"), res: "CreatedToken", CREATED),
        route!(DELETE "/tokens/{id}", revoke_token, "Revoke an API token (mine, or one of a user I manage)", who: "the token's owner; admins of the owner's organisation", req: None, res: "Token", OK),
        route!(GET "/audit", list_audit, "Read the audit log, newest first", who: "site-admin (all); org-admin (own organisation)", req: None, res: "AuditList", OK),
    ]
}

/// The `/api/v1` router with the OpenAPI document.
pub fn router() -> axum::Router<AppState> {
    let mut by_path: Vec<(&'static str, MethodRouter<AppState>)> = Vec::new();
    for r in table() {
        match by_path.iter_mut().find(|(p, _)| *p == r.path) {
            Some((_, mr)) => *mr = std::mem::take(mr).merge(r.handler),
            None => by_path.push((r.path, r.handler)),
        }
    }
    let mut router = axum::Router::new().route("/openapi.json", axum::routing::get(openapi_json));
    for (path, mr) in by_path {
        router = router.route(path, mr);
    }
    axum::Router::new().nest("/api/v1", router)
}

async fn openapi_json() -> Json<Value> {
    Json(openapi::document(&table()))
}

type ApiResult<T> = Result<T, ApiError>;

fn created<T: serde::Serialize>(value: T) -> Response {
    (StatusCode::CREATED, Json(value)).into_response()
}

// ---------------------------------------------------------------- me

async fn me(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<Json<Value>> {
    let me = s.service.whoami(&p)?;
    let u = me.principal;
    let (method, csrf) = match &u.method {
        AuthMethod::Session { csrf_token } => ("session", Some(csrf_token.clone())),
        AuthMethod::Token { .. } => ("token", None),
    };
    Ok(Json(json!({
        "user": u.user,
        "organisation": u.org,
        "communities": u.communities,
        "auth": method,
        "scopes": me.scopes,
        "csrf_token": csrf,
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PasswordChange {
    current_password: String,
    new_password: String,
}

async fn change_password(
    State(s): State<AppState>,
    Auth(p): Auth,
    JsonBody(b): JsonBody<PasswordChange>,
) -> ApiResult<StatusCode> {
    s.service
        .change_own_password(&p, &b.current_password, &b.new_password)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------- organisations

async fn list_orgs(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<Json<Value>> {
    let orgs = s.service.list_orgs(&p).await?;
    Ok(Json(json!({ "organisations": orgs })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewOrgBody {
    name: String,
    short_name: String,
    kind: String,
    #[serde(default)]
    country: Option<String>,
}

async fn create_org(
    State(s): State<AppState>,
    Auth(p): Auth,
    JsonBody(b): JsonBody<NewOrgBody>,
) -> ApiResult<Response> {
    let new = NewOrganisation {
        name: b.name,
        short_name: ShortName::parse(&b.short_name).map_err(simpul_core::CoreError::from)?,
        kind: b
            .kind
            .parse::<OrgKind>()
            .map_err(simpul_core::CoreError::from)?,
        country: b
            .country
            .as_deref()
            .map(Country::parse)
            .transpose()
            .map_err(simpul_core::CoreError::from)?,
    };
    Ok(created(s.service.create_org(&p, new).await?))
}

async fn get_org(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Value>> {
    Ok(Json(json!(s.service.get_org(&p, OrgId(id)).await?)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OrgUpdateBody {
    name: Option<String>,
    #[serde(default, with = "double_option")]
    country: Option<Option<String>>,
    kind: Option<String>,
    status: Option<String>,
}

/// Tells an absent field (`None`) from an explicit `null` (`Some(None)`).
mod double_option {
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, D: Deserializer<'de>>(
        de: D,
    ) -> Result<Option<Option<String>>, D::Error> {
        Option::<String>::deserialize(de).map(Some)
    }
}

async fn update_org(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<Uuid>,
    JsonBody(b): JsonBody<OrgUpdateBody>,
) -> ApiResult<Json<Value>> {
    let invalid = simpul_core::CoreError::from;
    let update = OrgUpdate {
        name: b.name,
        country: b
            .country
            .map(|c| c.as_deref().map(Country::parse).transpose())
            .transpose()
            .map_err(invalid)?,
        kind: b
            .kind
            .map(|k| k.parse::<OrgKind>())
            .transpose()
            .map_err(invalid)?,
        status: b
            .status
            .map(|k| k.parse::<OrgStatus>())
            .transpose()
            .map_err(invalid)?,
    };
    Ok(Json(json!(
        s.service.update_org(&p, OrgId(id), update).await?
    )))
}

async fn suspend_org(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Value>> {
    let update = OrgUpdate {
        status: Some(OrgStatus::Suspended),
        ..OrgUpdate::default()
    };
    Ok(Json(json!(
        s.service.update_org(&p, OrgId(id), update).await?
    )))
}

// ---------------------------------------------------------------- communities

async fn list_communities(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<Json<Value>> {
    Ok(Json(
        json!({ "communities": s.service.list_communities(&p).await? }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewCommunityBody {
    name: String,
    #[serde(default)]
    description: String,
}

async fn create_community(
    State(s): State<AppState>,
    Auth(p): Auth,
    JsonBody(b): JsonBody<NewCommunityBody>,
) -> ApiResult<Response> {
    let name = CommunityName::parse(&b.name).map_err(simpul_core::CoreError::from)?;
    Ok(created(
        s.service.create_community(&p, name, &b.description).await?,
    ))
}

async fn get_community(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(name): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(json!(s.service.community_by_name(&p, &name).await?)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MembersBody {
    members: Vec<Uuid>,
}

async fn add_members(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(name): Path<String>,
    JsonBody(b): JsonBody<MembersBody>,
) -> ApiResult<Json<Value>> {
    let orgs: Vec<OrgId> = b.members.into_iter().map(OrgId).collect();
    Ok(Json(json!(
        s.service.add_community_members(&p, &name, &orgs).await?
    )))
}

// ---------------------------------------------------------------- users

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UsersQuery {
    org: Option<Uuid>,
}

async fn list_users(
    State(s): State<AppState>,
    Auth(p): Auth,
    Query(q): Query<UsersQuery>,
) -> ApiResult<Json<Value>> {
    let org = q.org.map(OrgId);
    Ok(Json(
        json!({ "users": s.service.list_users(&p, org).await? }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewUserBody {
    email: String,
    display_name: String,
    org_id: Option<Uuid>,
    role: String,
    password: Option<String>,
}

async fn create_user(
    State(s): State<AppState>,
    Auth(p): Auth,
    JsonBody(b): JsonBody<NewUserBody>,
) -> ApiResult<Response> {
    let invalid = simpul_core::CoreError::from;
    let new = NewUser {
        email: Email::parse(&b.email).map_err(invalid)?,
        display_name: b.display_name,
        org_id: b.org_id.map(OrgId),
        role: b.role.parse::<Role>().map_err(invalid)?,
        password: b.password,
    };
    let (user, password) = s.service.create_user(&p, new).await?;
    Ok(created(json!({ "user": user, "password": password })))
}

async fn get_user(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Value>> {
    Ok(Json(json!(s.service.get_user(&p, UserId(id)).await?)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UserUpdateBody {
    display_name: Option<String>,
    role: Option<String>,
    status: Option<String>,
}

async fn update_user(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<Uuid>,
    JsonBody(b): JsonBody<UserUpdateBody>,
) -> ApiResult<Json<Value>> {
    let invalid = simpul_core::CoreError::from;
    let update = UserUpdate {
        display_name: b.display_name,
        role: b
            .role
            .map(|r| r.parse::<Role>())
            .transpose()
            .map_err(invalid)?,
        status: b
            .status
            .map(|r| r.parse::<UserStatus>())
            .transpose()
            .map_err(invalid)?,
    };
    Ok(Json(json!(
        s.service.update_user(&p, UserId(id), update).await?
    )))
}

async fn reset_password(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Value>> {
    Ok(Json(
        json!({ "password": s.service.reset_password(&p, UserId(id)).await? }),
    ))
}

// ---------------------------------------------------------------- tokens

async fn list_tokens(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<Json<Value>> {
    Ok(Json(
        json!({ "tokens": s.service.list_own_tokens(&p).await? }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewTokenBody {
    name: String,
    scopes: Vec<Scope>,
    expires_in_days: Option<u32>,
}

async fn create_token(
    State(s): State<AppState>,
    Auth(p): Auth,
    JsonBody(b): JsonBody<NewTokenBody>,
) -> ApiResult<Response> {
    let scopes = b.scopes.into_iter().fold(Scopes::default(), Scopes::with);
    let (token, secret) = s
        .service
        .create_own_token(
            &p,
            NewToken {
                name: b.name,
                scopes,
                expires_in_days: b.expires_in_days,
            },
        )
        .await?;
    Ok(created(json!({ "token": token, "secret": secret })))
}

async fn revoke_token(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Value>> {
    Ok(Json(json!(s.service.revoke_token(&p, TokenId(id)).await?)))
}

// ---------------------------------------------------------------- audit

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AuditQuery {
    org: Option<Uuid>,
    before: Option<i64>,
    limit: Option<u32>,
}

async fn list_audit(
    State(s): State<AppState>,
    Auth(p): Auth,
    Query(q): Query<AuditQuery>,
) -> ApiResult<Json<Value>> {
    let org = q.org.map(OrgId);
    let entries = s
        .service
        .list_audit(&p, org, q.before, q.limit.unwrap_or(100))
        .await?;
    Ok(Json(json!({ "entries": entries })))
}
