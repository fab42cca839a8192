//! Who is signed in on a web page ([`WebUser`]), CSRF-checked forms ([`CsrfForm`]) and the flash
//! cookie that carries a one-time message across a redirect.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::Response;
use base64::Engine;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use simpul_core::{AuthMethod, Principal};

use super::{error_page, see_other};
use crate::AppState;
use crate::auth;
use crate::error::{ApiError, ErrorCode};

/// A signed-in person (web session only); anyone else is sent to the sign-in page.
#[derive(Debug, Clone)]
pub struct WebUser {
    pub principal: Principal,
    /// The session's CSRF token, for the forms of the page.
    pub csrf: String,
    /// The session cookie's value (to end the session on sign-out).
    pub(crate) session: String,
}

impl FromRequestParts<AppState> for WebUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let session = auth::session_cookie(&parts.headers).ok_or_else(|| see_other("/login"))?;
        let principal = state
            .service
            .authenticate_session(&session, auth::source(parts))
            .await
            .map_err(|_| see_other("/login"))?;
        let csrf = match principal.as_user().map(|u| &u.method) {
            Some(AuthMethod::Session { csrf_token }) => csrf_token.clone(),
            _ => return Err(see_other("/login")),
        };
        Ok(WebUser {
            principal,
            csrf,
            session,
        })
    }
}

#[derive(Deserialize, Default)]
struct CsrfField {
    #[serde(default)]
    csrf_token: String,
}

/// A form posted by a signed-in person, read only once its `csrf_token` field matches the
/// session's CSRF token. Refusals are HTML pages: 303 to sign-in without a session, 403 on a
/// missing or wrong token, 422 (with the reason) on a form that does not read as `T`, 408/413 on a
/// body not sent in time or too large. `T` sees the other fields (it must not deny unknown ones).
#[derive(Debug)]
pub struct CsrfForm<T> {
    pub user: WebUser,
    pub form: T,
}

impl<T: DeserializeOwned> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let user = WebUser::from_request_parts(&mut parts, state).await?;
        let bytes = Bytes::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(|rej| error_page(&crate::api::json::unreadable_body(rej), None))?;
        let sent: CsrfField = serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
        if let Some(refused) = csrf_refused(&user, &sent.csrf_token) {
            return Err(refused);
        }
        let form = serde_urlencoded::from_bytes::<T>(&bytes).map_err(|e| {
            let err = ApiError {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                ..ApiError::new(
                    ErrorCode::InvalidInput,
                    format!("The form could not be read: {e}"),
                )
            };
            error_page(&err, None)
        })?;
        Ok(CsrfForm { user, form })
    }
}

/// The 403 page unless `sent` is `user`'s session CSRF token. (For a form [`CsrfForm`]
/// cannot read, such as a multipart upload, checked once its fields are read.)
pub(super) fn csrf_refused(user: &WebUser, sent: &str) -> Option<Response> {
    if sent.is_empty() || !auth::csrf_matches(&user.principal, sent) {
        let err = ApiError::new(
            ErrorCode::Forbidden,
            "Missing or wrong CSRF token: reload the page and try again.",
        );
        return Some(error_page(&err, None));
    }
    None
}

/// The flash cookie: a one-time message for the page a redirect leads to, readable only by the
/// server (HttpOnly), only under `/account`, for a minute, and cleared when shown.
pub(super) const FLASH_COOKIE: &str = "simpul_flash";
pub(super) const FLASH_PATH: &str = "/account";
pub(super) const FLASH_MAX_AGE: i64 = 60;

/// What the account page says once after a redirect.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub(super) enum Flash {
    TokenCreated { name: String, secret: String },
    TokenRevoked { name: String },
}

impl Flash {
    pub(super) fn encode(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
    }

    pub(super) fn decode(value: &str) -> Option<Self> {
        let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(value)
            .ok()?;
        serde_json::from_slice(&json).ok()
    }
}
