//! Who is asking: the [`Auth`] extractor turns credentials into a core `Principal`.
//!
//! Accepted, in this order: `Authorization: Bearer <token>`; `Authorization: Basic` with the user's
//! email and a token as password (what TAXII clients send); the `simpul_session` cookie of a web
//! session. A state-changing request authenticated by cookie must carry the session's CSRF token in
//! `X-CSRF-Token`, whatever its content type; web forms do not use this extractor but
//! [`crate::web::CsrfForm`], which checks the `csrf_token` form field.
//! Missing or bad credentials are 401 with `WWW-Authenticate`.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{Method, header};
use base64::Engine;
use simpul_core::{AuthMethod, Principal};

use crate::AppState;
use crate::error::{ApiError, ErrorCode};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "simpul_session";
/// The header carrying the CSRF token on cookie-authenticated REST writes.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// An authenticated principal.
#[derive(Debug, Clone)]
pub struct Auth(pub Principal);

/// The client address (the TCP peer).
pub fn source(parts: &Parts) -> Option<String> {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
}

/// The client address, as an extractor that never fails.
#[derive(Debug, Clone)]
pub struct ClientAddr(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(source(parts)))
    }
}

/// The value of the cookie `name`, if the request carries it.
pub fn cookie_value(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// The value of the session cookie, if any.
pub fn session_cookie(headers: &axum::http::HeaderMap) -> Option<String> {
    cookie_value(headers, SESSION_COOKIE)
}

fn unauthenticated(msg: &str) -> ApiError {
    ApiError::new(ErrorCode::Unauthenticated, msg)
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(auth) = parts.extensions.get::<Auth>() {
            return Ok(auth.clone());
        }
        let source = source(parts);
        let service = &state.service;
        let principal = if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
            let value = value
                .to_str()
                .map_err(|_| unauthenticated("the Authorization header is not text"))?;
            let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
            let rest = rest.trim();
            if scheme.eq_ignore_ascii_case("bearer") {
                service.authenticate_token(rest, source).await?
            } else if scheme.eq_ignore_ascii_case("basic") {
                let decoded = base64::engine::general_purpose::STANDARD
                    .decode(rest)
                    .ok()
                    .and_then(|b| String::from_utf8(b).ok())
                    .ok_or_else(|| unauthenticated("malformed Basic credentials"))?;
                let (email, token) = decoded
                    .split_once(':')
                    .ok_or_else(|| unauthenticated("malformed Basic credentials"))?;
                service.authenticate_basic(email, token, source).await?
            } else {
                return Err(unauthenticated(
                    "unsupported Authorization scheme (use Bearer or Basic)",
                ));
            }
        } else if let Some(cookie) = session_cookie(&parts.headers) {
            let p = service.authenticate_session(&cookie, source).await?;
            // Every state change by cookie carries the CSRF token, whatever its content type (a
            // cross-site form can send a body-less POST as `application/x-www-form-urlencoded`).
            // Web forms are read through `web::CsrfForm`, which checks the form field instead.
            let writes = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
            if writes {
                let sent = parts
                    .headers
                    .get(CSRF_HEADER)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                if !csrf_matches(&p, sent) {
                    return Err(ApiError::new(
                        ErrorCode::Forbidden,
                        "missing or wrong CSRF token (send X-CSRF-Token)",
                    ));
                }
            }
            p
        } else {
            return Err(unauthenticated(
                "authentication required: send a Bearer token or sign in",
            ));
        };
        let auth = Auth(principal);
        parts.extensions.insert(auth.clone());
        Ok(auth)
    }
}

/// The caller of a route that nobody signed in may also read (the public directory, P2.1): `None`
/// without credentials; credentials that are sent must be good (a bad token is 401, never a quiet
/// downgrade to the anonymous view).
#[derive(Debug, Clone)]
pub struct MaybeAuth(pub Option<Principal>);

impl MaybeAuth {
    /// The directory reader this caller is.
    pub fn reader(&self) -> simpul_core::access::directory::Reader<'_> {
        match &self.0 {
            Some(p) => simpul_core::access::directory::Reader::Signed(p),
            None => simpul_core::access::directory::Reader::Anonymous,
        }
    }
}

impl FromRequestParts<AppState> for MaybeAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let sends_credentials = parts.headers.contains_key(header::AUTHORIZATION)
            || session_cookie(&parts.headers).is_some();
        if !sends_credentials {
            return Ok(Self(None));
        }
        let Auth(p) = Auth::from_request_parts(parts, state).await?;
        Ok(Self(Some(p)))
    }
}

/// Whether `sent` is the session's CSRF token. Token-authenticated principals need none.
pub fn csrf_matches(p: &Principal, sent: &str) -> bool {
    match p.as_user().map(|u| &u.method) {
        Some(AuthMethod::Session { csrf_token }) => {
            simpul_core::secret::constant_time_eq(csrf_token, sent)
        }
        _ => true,
    }
}
