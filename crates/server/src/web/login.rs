//! Signing in and out.

use axum::extract::{Form, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use simpul_core::CoreError;

use super::{CsrfForm, cookie, error_page, esc, page, see_other};
use crate::AppState;
use crate::auth::{self, SESSION_COOKIE};
use crate::error::ApiError;

const LOGIN_CSRF_COOKIE: &str = "simpul_login_csrf";

/// The sign-in page, with `message` above the form.
pub(super) fn login_form(state: &AppState, message: Option<&str>, status: StatusCode) -> Response {
    let csrf = simpul_core::secret::new_csrf_token();
    let msg = message
        .map(|m| format!("<p role=\"alert\">{}</p>", esc(m)))
        .unwrap_or_default();
    let body = format!(
        "<h1>Sign in to simpul</h1>{msg}<form method=\"post\" action=\"/login\">\
         <input type=\"hidden\" name=\"csrf_token\" value=\"{csrf}\">\
         <label>Email <input name=\"email\" type=\"email\" autocomplete=\"username\" required></label>\
         <label>Password <input name=\"password\" type=\"password\" autocomplete=\"current-password\" required></label>\
         <button type=\"submit\">Sign in</button></form>"
    );
    let mut res = (status, Html(page("Sign in", &body))).into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        cookie(state, LOGIN_CSRF_COOKIE, &csrf, "/", Some(3600)),
    );
    res
}

pub(super) async fn login_page(State(state): State<AppState>) -> Response {
    login_form(&state, None, StatusCode::OK)
}

#[derive(Deserialize)]
pub(super) struct LoginForm {
    email: String,
    password: String,
    csrf_token: String,
}

pub(super) async fn login(
    State(state): State<AppState>,
    auth::ClientAddr(source): auth::ClientAddr,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let expected = auth::cookie_value(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    if expected.is_empty() || !simpul_core::secret::constant_time_eq(&expected, &form.csrf_token) {
        return login_form(
            &state,
            Some("The form expired; please try again."),
            StatusCode::FORBIDDEN,
        );
    }
    match state
        .service
        .login(&form.email, &form.password, source)
        .await
    {
        Ok(logged_in) => {
            let mut res = see_other("/");
            res.headers_mut().append(
                header::SET_COOKIE,
                cookie(&state, SESSION_COOKIE, &logged_in.session_secret, "/", None),
            );
            res.headers_mut().append(
                header::SET_COOKIE,
                cookie(&state, LOGIN_CSRF_COOKIE, "", "/", Some(0)),
            );
            res
        }
        Err(CoreError::RateLimited { retry_after_secs }) => {
            let mut res = login_form(
                &state,
                Some(&format!(
                    "Too many failed attempts. Try again in {retry_after_secs} seconds."
                )),
                StatusCode::TOO_MANY_REQUESTS,
            );
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            res
        }
        Err(CoreError::Unauthenticated(msg)) => {
            login_form(&state, Some(&msg), StatusCode::UNAUTHORIZED)
        }
        Err(e) => error_page(&ApiError::from(e), None),
    }
}

/// Sign-out takes no field but the CSRF token.
#[derive(Deserialize)]
pub(super) struct NoFields {}

pub(super) async fn logout(State(state): State<AppState>, f: CsrfForm<NoFields>) -> Response {
    let w = f.user;
    if let Err(e) = state.service.logout(&w.principal, &w.session).await {
        return error_page(&ApiError::from(e), None);
    }
    let mut res = see_other("/login");
    res.headers_mut().append(
        header::SET_COOKIE,
        cookie(&state, SESSION_COOKIE, "", "/", Some(0)),
    );
    res
}
