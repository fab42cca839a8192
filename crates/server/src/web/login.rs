//! Signing in and out.

use askama::Template;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use serde::Deserialize;
use simpul_core::CoreError;

use super::view::{Chrome, Field, Prefs};
use super::{CsrfForm, cookie, error_page, html, see_other};
use crate::AppState;
use crate::auth::{self, SESSION_COOKIE};
use crate::error::ApiError;

const LOGIN_CSRF_COOKIE: &str = "simpul_login_csrf";

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    chrome: Chrome,
    message: Option<String>,
    message_class: &'static str,
    csrf: String,
    email: Field,
    password: Field,
}

/// The sign-in page, with `message` (its text, and `ok` or `error`) above the form.
pub(super) fn login_form(
    state: &AppState,
    prefs: Prefs,
    message: Option<(&str, &'static str)>,
    status: StatusCode,
) -> Response {
    let csrf = simpul_core::secret::new_csrf_token();
    let page = LoginPage {
        chrome: Chrome::anonymous("Sign in", prefs),
        message: message.map(|(m, _)| m.to_owned()),
        message_class: message.map_or("error", |(_, c)| c),
        csrf: csrf.clone(),
        email: Field::new("email", "email", "Email")
            .kind("email")
            .autocomplete("username")
            .required(),
        password: Field::new("password", "password", "Password")
            .kind("password")
            .autocomplete("current-password")
            .required(),
    };
    let mut res = html(status, page.render());
    res.headers_mut().append(
        header::SET_COOKIE,
        cookie(state, LOGIN_CSRF_COOKIE, &csrf, "/", Some(3600)),
    );
    res
}

pub(super) async fn login_page(State(state): State<AppState>, prefs: Prefs) -> Response {
    login_form(&state, prefs, None, StatusCode::OK)
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
    prefs: Prefs,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let expected = auth::cookie_value(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    if expected.is_empty() || !simpul_core::secret::constant_time_eq(&expected, &form.csrf_token) {
        return login_form(
            &state,
            prefs,
            Some(("The form expired; please try again.", "error")),
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
            let msg = format!("Too many failed attempts. Try again in {retry_after_secs} seconds.");
            let mut res = login_form(
                &state,
                prefs,
                Some((&msg, "error")),
                StatusCode::TOO_MANY_REQUESTS,
            );
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            res
        }
        Err(CoreError::Unauthenticated(msg)) => login_form(
            &state,
            prefs,
            Some((&msg, "error")),
            StatusCode::UNAUTHORIZED,
        ),
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
