//! `/organisations/{id}/profile` and `/organisations/{id}/rfc2350.txt`: a team's RFC 2350 profile,
//! as JSON (read and saved) and as the RFC's plain text. Readable without signing in when the
//! organisation is a member that publishes it (the core's `may_read_profile` decides).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use simpul_core::directory::profile::TeamProfile;
use simpul_core::org::OrgId;
use utoipa::ToSchema;
use uuid::Uuid;

use super::json::JsonBytes;
use super::{ApiResult, ApiRoute, route};
use crate::AppState;
use crate::auth::{Auth, MaybeAuth};

pub fn routes() -> Vec<ApiRoute> {
    vec![
        route!(GET "/organisations/{id}/profile", get_profile)
            .doc(
                "Get an organisation's RFC 2350 team profile (an organisation without one answers \
                 a skeleton with its name and country)",
                "any signed-in user (scope read); without signing in, a member organisation's \
                 published profile only (others: 404)",
            )
            .returns::<ProfileDocument>(StatusCode::OK),
        route!(PUT "/organisations/{id}/profile", put_profile)
            .doc(
                "Save an organisation's RFC 2350 team profile (the whole document; \
                 `document.last_updated` is set by the server; only member organisations may set \
                 `document.publish`). Services are ids of the FIRST CSIRT Services Framework 2.1",
                "site-admin; org-admin of that organisation",
            )
            .request::<ProfileDocument>()
            .returns::<ProfileDocument>(StatusCode::OK),
        route!(GET "/organisations/{id}/rfc2350.txt", get_rfc2350)
            .doc(
                "An organisation's profile as RFC 2350 plain text (sections 1 to 7, 72 columns)",
                "any signed-in user (scope read); without signing in, a member organisation's \
                 published profile only (others: 404)",
            )
            .streams::<Rfc2350Text>(StatusCode::OK, TEXT),
    ]
}

const TEXT: &str = "text/plain; charset=utf-8";

/// A team profile: sections `document`, `contact`, `charter`, `policies`, `services`,
/// `reporting_forms`, `disclaimers` (RFC 2350 §3.1–3.7). Unknown fields are refused.
#[derive(Debug, ToSchema)]
#[schema(value_type = Object)]
#[allow(dead_code)] // documents the body
pub struct ProfileDocument(serde_json::Value);

/// The profile as RFC 2350 text.
#[derive(Debug, ToSchema)]
#[schema(value_type = String)]
#[allow(dead_code)] // documents the body
pub struct Rfc2350Text(String);

async fn get_profile(
    State(s): State<AppState>,
    auth: MaybeAuth,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<TeamProfile>> {
    Ok(Json(
        s.service.profile(auth.reader(), OrgId(id)).await?.profile,
    ))
}

async fn put_profile(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<Uuid>,
    JsonBytes(body): JsonBytes,
) -> ApiResult<Json<TeamProfile>> {
    let text = std::str::from_utf8(&body)
        .map_err(|_| simpul_core::error::Invalid::new("/", "the request body is not UTF-8"))?;
    let doc = TeamProfile::from_json(text)?;
    Ok(Json(
        s.service.put_profile(&p, OrgId(id), doc).await?.profile,
    ))
}

async fn get_rfc2350(
    State(s): State<AppState>,
    auth: MaybeAuth,
    Path(id): Path<Uuid>,
) -> ApiResult<Response> {
    let text = s.service.rfc2350(auth.reader(), OrgId(id)).await?;
    let mut res = (StatusCode::OK, text).into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(TEXT));
    Ok(res)
}
