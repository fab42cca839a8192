//! `/tokens`: my API tokens (and revoking those of users I manage).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use simpul_core::service::NewToken as CoreNewToken;
use simpul_core::{ApiToken, Scope, Scopes, TokenId};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use super::json::JsonBody;
use super::{ApiResult, ApiRoute, created, route, schema};
use crate::AppState;
use crate::auth::Auth;

pub fn routes() -> Vec<ApiRoute> {
    vec![
        route!(GET "/tokens", list_tokens)
            .doc("List my API tokens", "any signed-in user")
            .returns::<TokenList>(StatusCode::OK),
        route!(POST "/tokens", create_token)
            .doc(
                "Create an API token; its secret is returned once",
                "any signed-in user (read-only: scope read only)",
            )
            .request::<NewToken>()
            .returns::<CreatedToken>(StatusCode::CREATED),
        route!(DELETE "/tokens/{id}", revoke_token)
            .doc(
                "Revoke an API token (mine, or one of a user I manage)",
                "the token's owner; admins of the owner's organisation",
            )
            .returns::<Token>(StatusCode::OK),
    ]
}

/// An API token, without its secret.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Token {
    pub id: Uuid,
    pub user_id: Uuid,
    #[schema(schema_with = schema::name)]
    pub name: String,
    #[schema(schema_with = schema::scopes)]
    pub scopes: Scopes,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(required = true)]
    pub expires_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(required = true)]
    pub last_used_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(required = true)]
    pub revoked_at: Option<OffsetDateTime>,
}

impl From<ApiToken> for Token {
    fn from(t: ApiToken) -> Self {
        Self {
            id: t.id.0,
            user_id: t.user_id.0,
            name: t.name,
            scopes: t.scopes,
            created_at: t.created_at,
            expires_at: t.expires_at,
            last_used_at: t.last_used_at,
            revoked_at: t.revoked_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenList {
    pub tokens: Vec<Token>,
}

/// A new API token.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    #[schema(schema_with = schema::name)]
    pub name: String,
    #[schema(schema_with = schema::scopes_wanted)]
    pub scopes: Vec<Scope>,
    #[schema(schema_with = schema::expires_in_days)]
    pub expires_in_days: Option<u32>,
}

/// A created token with its secret (shown once).
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatedToken {
    pub token: Token,
    pub secret: String,
}

async fn list_tokens(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<Json<TokenList>> {
    let tokens = s.service.list_own_tokens(&p).await?;
    Ok(Json(TokenList {
        tokens: tokens.into_iter().map(Into::into).collect(),
    }))
}

async fn create_token(
    State(s): State<AppState>,
    Auth(p): Auth,
    JsonBody(b): JsonBody<NewToken>,
) -> ApiResult<Response> {
    let scopes = b.scopes.into_iter().fold(Scopes::default(), Scopes::with);
    let new = CoreNewToken {
        name: b.name,
        scopes,
        expires_in_days: b.expires_in_days,
    };
    let (token, secret) = s.service.create_own_token(&p, new).await?;
    Ok(created(CreatedToken {
        token: token.into(),
        secret,
    }))
}

async fn revoke_token(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Token>> {
    Ok(Json(s.service.revoke_token(&p, TokenId(id)).await?.into()))
}
