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
        .route("/account", get(account))
        .route("/account/tokens", post(create_token))
        .route("/account/tokens/{id}/revoke", post(revoke_token))
        .route("/account/password", post(change_password))
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

/// A signed-in person (web session only); anyone else is sent to the sign-in page.
struct WebUser {
    principal: Principal,
    csrf: String,
}

impl axum::extract::FromRequestParts<AppState> for WebUser {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Response> {
        let to_login = || Redirect::to("/login").into_response();
        let cookie = auth::session_cookie(&parts.headers).ok_or_else(to_login)?;
        let principal = state
            .service
            .authenticate_session(&cookie, auth::source(parts))
            .await
            .map_err(|_| to_login())?;
        let csrf = match principal.as_user().map(|u| &u.method) {
            Some(AuthMethod::Session { csrf_token }) => csrf_token.clone(),
            _ => return Err(to_login()),
        };
        Ok(WebUser { principal, csrf })
    }
}

fn csrf_field(csrf: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"csrf_token\" value=\"{}\">",
        esc(csrf)
    )
}

fn nav(w: &WebUser) -> String {
    let Some(u) = w.principal.as_user() else {
        return String::new();
    };
    format!(
        "<nav><a href=\"/\">simpul</a> · <a href=\"/account\">Account</a> · {} ({}, {}) \
         <form method=\"post\" action=\"/logout\" style=\"display:inline\">{}<button type=\"submit\">Sign out</button></form></nav>",
        esc(u.user.email.as_str()),
        esc(u.org.short_name.as_str()),
        u.user.role,
        csrf_field(&w.csrf)
    )
}

async fn home(w: WebUser) -> Response {
    let Some(u) = w.principal.as_user() else {
        return Redirect::to("/login").into_response();
    };
    let body = format!(
        "{}<h1>simpul</h1><p>Signed in as <strong>{}</strong> ({}) of <strong>{}</strong>, role {}.</p>",
        nav(&w),
        esc(&u.user.display_name),
        esc(u.user.email.as_str()),
        esc(&u.org.name),
        u.user.role,
    );
    Html(page("Home", &body)).into_response()
}

/// The account page: own API tokens and password. `notice` is shown above (e.g. a new token's
/// secret, once).
async fn account_page(
    state: &AppState,
    w: &WebUser,
    notice: Option<String>,
    status: StatusCode,
) -> Response {
    let tokens = match state.service.list_own_tokens(&w.principal).await {
        Ok(t) => t,
        Err(e) => return crate::ApiError::from(e).into_response(),
    };
    let fmt = |t: Option<time::OffsetDateTime>| {
        t.map_or("—".to_owned(), simpul_core::clock::rfc3339_micros)
    };
    let rows: String = tokens
        .iter()
        .map(|t| {
            let action = if t.revoked_at.is_some() {
                "revoked".to_owned()
            } else {
                format!(
                    "<form method=\"post\" action=\"/account/tokens/{}/revoke\">{}<button type=\"submit\">Revoke</button></form>",
                    t.id,
                    csrf_field(&w.csrf)
                )
            };
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{action}</td></tr>",
                esc(&t.name),
                t.scopes.to_list(),
                fmt(Some(t.created_at)),
                fmt(t.expires_at),
                fmt(t.last_used_at)
            )
        })
        .collect();
    let notice = notice
        .map(|n| format!("<div role=\"status\">{n}</div>"))
        .unwrap_or_default();
    let csrf = csrf_field(&w.csrf);
    let body = format!(
        "{nav}<h1>Account</h1>{notice}\
         <h2>API tokens</h2><table><thead><tr><th>Name</th><th>Scopes</th><th>Created</th><th>Expires</th><th>Last used</th><th></th></tr></thead><tbody>{rows}</tbody></table>\
         <h3>New token</h3><form method=\"post\" action=\"/account/tokens\">{csrf}\
         <label>Name <input name=\"name\" required maxlength=\"200\"></label>\
         <fieldset><legend>Scopes</legend>\
         <label><input type=\"checkbox\" name=\"scope_read\" checked> read</label>\
         <label><input type=\"checkbox\" name=\"scope_write\"> write</label>\
         <label><input type=\"checkbox\" name=\"scope_sync\"> sync</label>\
         <label><input type=\"checkbox\" name=\"scope_admin\"> admin</label></fieldset>\
         <label>Expires in days (empty: never) <input name=\"expires_in_days\" inputmode=\"numeric\"></label>\
         <button type=\"submit\">Create token</button></form>\
         <h2>Password</h2><form method=\"post\" action=\"/account/password\">{csrf}\
         <label>Current password <input name=\"current_password\" type=\"password\" autocomplete=\"current-password\" required></label>\
         <label>New password (at least 12 characters) <input name=\"new_password\" type=\"password\" autocomplete=\"new-password\" required minlength=\"12\"></label>\
         <button type=\"submit\">Change password</button></form>",
        nav = nav(w),
    );
    (status, Html(page("Account", &body))).into_response()
}

async fn account(State(state): State<AppState>, w: WebUser) -> Response {
    account_page(&state, &w, None, StatusCode::OK).await
}

fn forbidden_csrf() -> Response {
    (
        StatusCode::FORBIDDEN,
        Html(page("Forbidden", "<p>Missing or wrong CSRF token.</p>")),
    )
        .into_response()
}

/// A failed form: the account page again, with the reason.
async fn account_error(state: &AppState, w: &WebUser, e: CoreError) -> Response {
    // The edge's one mapping decides the status and the words; client mistakes are shown on the
    // page, server faults answer as everywhere else.
    let err = crate::ApiError::from(e);
    if !err.status.is_client_error() {
        return err.into_response();
    }
    let notice = format!("<p role=\"alert\">{}</p>", esc(&err.detail));
    account_page(state, w, Some(notice), err.status).await
}

#[derive(Deserialize)]
struct NewTokenForm {
    csrf_token: String,
    name: String,
    scope_read: Option<String>,
    scope_write: Option<String>,
    scope_sync: Option<String>,
    scope_admin: Option<String>,
    #[serde(default)]
    expires_in_days: String,
}

async fn create_token(
    State(state): State<AppState>,
    w: WebUser,
    Form(f): Form<NewTokenForm>,
) -> Response {
    if !auth::csrf_matches(&w.principal, &f.csrf_token) {
        return forbidden_csrf();
    }
    use simpul_core::{Scope, Scopes};
    let mut scopes = Scopes::default();
    for (on, scope) in [
        (&f.scope_read, Scope::Read),
        (&f.scope_write, Scope::Write),
        (&f.scope_sync, Scope::Sync),
        (&f.scope_admin, Scope::Admin),
    ] {
        if on.is_some() {
            scopes = scopes.with(scope);
        }
    }
    let expires = f.expires_in_days.trim();
    let expires_in_days = if expires.is_empty() {
        None
    } else {
        match expires.parse::<u32>() {
            Ok(d) => Some(d),
            Err(_) => {
                let e =
                    simpul_core::Invalid::new("expires_in_days", "must be a whole number of days");
                return account_error(&state, &w, e.into()).await;
            }
        }
    };
    let new = simpul_core::service::NewToken {
        name: f.name,
        scopes,
        expires_in_days,
    };
    match state.service.create_own_token(&w.principal, new).await {
        Ok((token, secret)) => {
            let notice = format!(
                "<p>Token <strong>{}</strong> created. Copy it now: it is shown only once.</p><p><code>{}</code></p>",
                esc(&token.name),
                esc(&secret)
            );
            account_page(&state, &w, Some(notice), StatusCode::CREATED).await
        }
        Err(e) => account_error(&state, &w, e).await,
    }
}

async fn revoke_token(
    State(state): State<AppState>,
    w: WebUser,
    axum::extract::Path(id): axum::extract::Path<uuid::Uuid>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if !auth::csrf_matches(&w.principal, &f.csrf_token) {
        return forbidden_csrf();
    }
    match state
        .service
        .revoke_token(&w.principal, simpul_core::TokenId(id))
        .await
    {
        Ok(t) => {
            account_page(
                &state,
                &w,
                Some(format!("<p>Token {} revoked.</p>", esc(&t.name))),
                StatusCode::OK,
            )
            .await
        }
        Err(e) => account_error(&state, &w, e).await,
    }
}

#[derive(Deserialize)]
struct PasswordForm {
    csrf_token: String,
    current_password: String,
    new_password: String,
}

async fn change_password(
    State(state): State<AppState>,
    w: WebUser,
    Form(f): Form<PasswordForm>,
) -> Response {
    if !auth::csrf_matches(&w.principal, &f.csrf_token) {
        return forbidden_csrf();
    }
    match state
        .service
        .change_own_password(&w.principal, &f.current_password, &f.new_password)
        .await
    {
        // Changing the password ends every session, this one included.
        Ok(()) => login_form(
            &state,
            Some("Password changed. Sign in with the new one."),
            StatusCode::OK,
        ),
        Err(e) => account_error(&state, &w, e).await,
    }
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
