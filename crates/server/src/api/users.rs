//! `/users`: the users of organisations.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use simpul_core::org::OrgId;
use simpul_core::service::{NewUser as CoreNewUser, UserUpdate as CoreUserUpdate};
use simpul_core::{Email, Role, UserId, UserStatus};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::json::{ApiQuery, JsonBody};
use super::{ApiResult, ApiRoute, created, route, schema};
use crate::AppState;
use crate::auth::Auth;

pub fn routes() -> Vec<ApiRoute> {
    vec![
        route!(GET "/users", list_users)
            .doc(
                "List users: of an organisation (`org`), or all (site-admin)",
                "site-admin; org-admin for their organisation",
            )
            .query::<UsersQuery>()
            .returns::<UserList>(StatusCode::OK),
        route!(POST "/users", create_user)
            .doc(
                "Create a user; without a password one is generated and returned once",
                "site-admin; org-admin for their organisation (not site-admin)",
            )
            .request::<NewUser>()
            .returns::<CreatedUser>(StatusCode::CREATED),
        route!(GET "/users/{id}", get_user)
            .doc("Get a user", "site-admin; org-admin for their organisation")
            .returns::<User>(StatusCode::OK),
        route!(PATCH "/users/{id}", update_user)
            .doc(
                "Change a user's name, role or status (disable)",
                "site-admin; org-admin for their organisation",
            )
            .request::<UserUpdate>()
            .returns::<User>(StatusCode::OK),
        route!(POST "/users/{id}/reset-password", reset_password)
            .doc(
                "Reset a user's password; the new one is returned once",
                "site-admin; org-admin for their organisation",
            )
            .returns::<Password>(StatusCode::OK),
    ]
}

/// A user.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct User {
    pub id: Uuid,
    #[schema(schema_with = schema::email)]
    pub email: String,
    #[schema(schema_with = schema::name)]
    pub display_name: String,
    pub org_id: Uuid,
    #[schema(schema_with = schema::role)]
    pub role: Role,
    #[schema(schema_with = schema::user_status)]
    pub status: UserStatus,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl From<simpul_core::User> for User {
    fn from(u: simpul_core::User) -> Self {
        Self {
            id: u.id.0,
            email: u.email.into(),
            display_name: u.display_name,
            org_id: u.org_id.0,
            role: u.role,
            status: u.status,
            created_at: u.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserList {
    pub users: Vec<User>,
}

/// Which users to list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UsersQuery {
    /// The organisation (default: your own; a site-admin without it gets everyone).
    #[param(schema_with = schema::uuid)]
    pub org: Option<Uuid>,
}

/// A new user.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    #[schema(schema_with = schema::email)]
    pub email: String,
    #[schema(schema_with = schema::name)]
    pub display_name: String,
    /// The user's organisation (default: your own).
    pub org_id: Option<Uuid>,
    #[schema(schema_with = schema::role)]
    pub role: String,
    /// The initial password (default: one is generated and returned once).
    #[schema(schema_with = schema::password_or_null)]
    pub password: Option<String>,
}

/// A created user, with the generated password if none was given (shown once).
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatedUser {
    pub user: User,
    #[schema(required = true)]
    pub password: Option<String>,
}

/// A change to a user; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserUpdate {
    #[schema(schema_with = schema::name)]
    pub display_name: Option<String>,
    #[schema(schema_with = schema::role)]
    pub role: Option<String>,
    #[schema(schema_with = schema::user_status)]
    pub status: Option<String>,
}

/// A new password, shown once.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Password {
    pub password: String,
}

async fn list_users(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiQuery(q): ApiQuery<UsersQuery>,
) -> ApiResult<Json<UserList>> {
    let org = q.org.map(OrgId);
    let users = s.service.list_users(&p, org).await?;
    Ok(Json(UserList {
        users: users.into_iter().map(Into::into).collect(),
    }))
}

async fn create_user(
    State(s): State<AppState>,
    Auth(p): Auth,
    JsonBody(b): JsonBody<NewUser>,
) -> ApiResult<Response> {
    let new = CoreNewUser {
        email: Email::parse(&b.email)?,
        display_name: b.display_name,
        org_id: b.org_id.map(OrgId),
        role: b.role.parse::<Role>()?,
        password: b.password,
    };
    let (user, password) = s.service.create_user(&p, new).await?;
    Ok(created(CreatedUser {
        user: user.into(),
        password,
    }))
}

async fn get_user(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<User>> {
    Ok(Json(s.service.get_user(&p, UserId(id)).await?.into()))
}

async fn update_user(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<Uuid>,
    JsonBody(b): JsonBody<UserUpdate>,
) -> ApiResult<Json<User>> {
    let update = CoreUserUpdate {
        display_name: b.display_name,
        role: b.role.map(|r| r.parse::<Role>()).transpose()?,
        status: b.status.map(|r| r.parse::<UserStatus>()).transpose()?,
    };
    Ok(Json(
        s.service.update_user(&p, UserId(id), update).await?.into(),
    ))
}

async fn reset_password(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Password>> {
    let password = s.service.reset_password(&p, UserId(id)).await?;
    Ok(Json(Password { password }))
}
