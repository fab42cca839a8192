//! `/me`: who am I, and changing my own password.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use simpul_core::{AuthMethod, Scopes};
use utoipa::ToSchema;
use uuid::Uuid;

use super::json::JsonBody;
use super::organisations::Organisation;
use super::users::User;
use super::{ApiResult, ApiRoute, route, schema};
use crate::AppState;
use crate::auth::Auth;

pub fn routes() -> Vec<ApiRoute> {
    vec![
        route!(GET "/me", me)
            .doc(
                "Who am I: user, organisation, communities, how authenticated",
                "any signed-in user",
            )
            .returns::<Me>(StatusCode::OK),
        route!(POST "/me/password", change_password)
            .doc(
                "Change my password (ends my sessions)",
                "any signed-in user",
            )
            .request::<PasswordChange>()
            .no_content(),
    ]
}

/// How the caller authenticated.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum AuthKind {
    Session,
    Token,
}

/// The caller.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Me {
    pub user: User,
    pub organisation: Organisation,
    /// The communities the caller's organisation belongs to.
    pub communities: Vec<Uuid>,
    pub auth: AuthKind,
    #[schema(schema_with = schema::scopes)]
    pub scopes: Scopes,
    /// The session's CSRF token, to send as `X-CSRF-Token` on writes (sessions only).
    #[schema(required = true)]
    pub csrf_token: Option<String>,
}

async fn me(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<Json<Me>> {
    let me = s.service.whoami(&p)?;
    let u = me.principal;
    let (auth, csrf_token) = match &u.method {
        AuthMethod::Session { csrf_token } => (AuthKind::Session, Some(csrf_token.clone())),
        AuthMethod::Token { .. } => (AuthKind::Token, None),
    };
    let scopes = me.scopes;
    Ok(Json(Me {
        user: u.user.clone().into(),
        organisation: u.org.clone().into(),
        communities: u.communities.iter().map(|c| c.0).collect(),
        auth,
        scopes,
        csrf_token,
    }))
}

/// A password change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    #[schema(schema_with = schema::password)]
    pub new_password: String,
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
