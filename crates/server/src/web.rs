//! The web UI for people. For now: sign in, sign out, and who you are; the analysts' pages come with
//! P1.8 on the same sessions.
//!
//! Every form carries a CSRF token: before sign-in a random token in a short-lived cookie that the form
//! must echo (double submit); after sign-in the session's own token.

use axum::extract::{Form, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use simpul_core::{AuthMethod, CoreError, Principal};

use crate::AppState;
use crate::auth::{self, SESSION_COOKIE};

const LOGIN_CSRF_COOKIE: &str = "simpul_login_csrf";

pub fn router() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/", get(home))
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
}

/// Escapes text for HTML.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <title>{} · simpul</title></head><body><main>{body}</main></body></html>",
        esc(title)
    )
}

fn cookie(state: &AppState, name: &str, value: &str, max_age: Option<i64>) -> HeaderValue {
    let secure = if state.settings.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let age = max_age
        .map(|a| format!("; Max-Age={a}"))
        .unwrap_or_default();
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax{secure}{age}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

fn login_form(state: &AppState, message: Option<&str>, status: StatusCode) -> Response {
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
        cookie(state, LOGIN_CSRF_COOKIE, &csrf, Some(3600)),
    );
    res
}

async fn login_page(State(state): State<AppState>) -> Response {
    login_form(&state, None, StatusCode::OK)
}

#[derive(Deserialize)]
struct LoginForm {
    email: String,
    password: String,
    csrf_token: String,
}

async fn login(
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
            let mut res = Redirect::to("/").into_response();
            *res.status_mut() = StatusCode::SEE_OTHER;
            res.headers_mut().append(
                header::SET_COOKIE,
                cookie(&state, SESSION_COOKIE, &logged_in.session_secret, None),
            );
            res.headers_mut().append(
                header::SET_COOKIE,
                cookie(&state, LOGIN_CSRF_COOKIE, "", Some(0)),
            );
            res
        }
        Err(CoreError::RateLimited { retry_after_secs }) => login_form(
            &state,
            Some(&format!(
                "Too many failed attempts. Try again in {retry_after_secs} seconds."
            )),
            StatusCode::TOO_MANY_REQUESTS,
        ),
        Err(CoreError::Unauthenticated(msg)) => {
            login_form(&state, Some(&msg), StatusCode::UNAUTHORIZED)
        }
        Err(e) => crate::ApiError::from(e).into_response(),
    }
}

async fn home(
    State(state): State<AppState>,
    auth::ClientAddr(source): auth::ClientAddr,
    headers: HeaderMap,
) -> Response {
    let Some(cookie) = auth::session_cookie(&headers) else {
        return Redirect::to("/login").into_response();
    };
    let Ok(Principal::User(u)) = state.service.authenticate_session(&cookie, source).await else {
        return Redirect::to("/login").into_response();
    };
    let csrf = match &u.method {
        AuthMethod::Session { csrf_token } => csrf_token.clone(),
        AuthMethod::Token { .. } => String::new(),
    };
    let body = format!(
        "<h1>simpul</h1><p>Signed in as <strong>{}</strong> ({}) of <strong>{}</strong>, role {}.</p>\
         <form method=\"post\" action=\"/logout\"><input type=\"hidden\" name=\"csrf_token\" value=\"{}\">\
         <button type=\"submit\">Sign out</button></form>",
        esc(&u.user.display_name),
        esc(u.user.email.as_str()),
        esc(&u.org.name),
        u.user.role,
        esc(&csrf)
    );
    Html(page("Home", &body)).into_response()
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf_token: String,
}

async fn logout(
    State(state): State<AppState>,
    auth::Auth(p): auth::Auth,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    if !auth::csrf_matches(&p, &form.csrf_token) {
        return (
            StatusCode::FORBIDDEN,
            Html(page("Forbidden", "<p>Missing or wrong CSRF token.</p>")),
        )
            .into_response();
    }
    if let Some(cookie) = auth::session_cookie(&headers)
        && let Err(e) = state.service.logout(&p, &cookie).await
    {
        return crate::ApiError::from(e).into_response();
    }
    let mut res = Redirect::to("/login").into_response();
    *res.status_mut() = StatusCode::SEE_OTHER;
    res.headers_mut().append(
        header::SET_COOKIE,
        cookie(&state, SESSION_COOKIE, "", Some(0)),
    );
    res
}
