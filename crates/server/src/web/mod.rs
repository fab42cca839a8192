//! The web UI for people: sign in, sign out, the home page and the account page (own API tokens and
//! password); the analysts' pages come with P1.11 on the same sessions.
//!
//! Web routes answer HTML, never problem+json: a refused form comes back with the reason on the
//! page, and any other error is an HTML error page (see [`error_page`]). Every state-changing form
//! is read through [`CsrfForm`], which checks the session's CSRF token before the handler runs;
//! the sign-in form, made before there is a session, uses a double-submit cookie instead. After a
//! successful write the browser is redirected (post/redirect/get), so a reload never re-posts; what
//! the next page must say once (a new token's secret) travels in a short-lived flash cookie.
//! Pages carry no inline script or style (the CSP forbids both): the look is `/static/simpul.css`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};

use crate::AppState;
use crate::error::ApiError;

mod account;
mod login;
mod session;

pub use session::{CsrfForm, WebUser};

pub fn router() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/", get(home))
        .route("/login", get(login::login_page).post(login::login))
        .route("/logout", post(login::logout))
        .route("/account", get(account::account))
        .route("/account/tokens", post(account::create_token))
        .route("/account/tokens/{id}/revoke", post(account::revoke_token))
        .route("/account/password", post(account::change_password))
        .route(STYLESHEET, get(stylesheet))
}

/// Whether `path` is a web page (HTML errors) rather than an API or operations route.
pub fn is_web_path(path: &str) -> bool {
    matches!(path, "/" | "/login" | "/logout" | "/account")
        || path.starts_with("/account/")
        || path.starts_with("/static/")
}

/// The stylesheet's path.
pub const STYLESHEET: &str = "/static/simpul.css";

const CSS: &str = "\
body{font-family:system-ui,sans-serif;margin:0;color:#1b1f24;background:#f7f8fa}\
main{max-width:60rem;margin:0 auto;padding:1rem 1.5rem}\
nav{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;padding:.5rem 0;border-bottom:1px solid #d0d7de}\
form.inline{display:inline}\
label{display:block;margin:.4rem 0}\
fieldset label{display:inline;margin-right:1rem}\
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #d0d7de}\
[role=alert]{color:#a40e26;font-weight:600}\
[role=status]{background:#dafbe1;padding:.5rem 1rem;border-radius:4px}\
code{word-break:break-all}\n";

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        CSS,
    )
        .into_response()
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

/// A whole page around `body` (which is HTML already).
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <title>{} · simpul</title><link rel=\"stylesheet\" href=\"{STYLESHEET}\"></head><body><main>{body}</main></body></html>",
        esc(title)
    )
}

/// An HTML page for an error on a web route: its title and detail, never internal details (a
/// server fault's detail is already generic).
pub fn error_page(err: &ApiError, request_id: Option<&str>) -> Response {
    let rid = request_id
        .map(|r| format!("<p><small>Request id: {}</small></p>", esc(r)))
        .unwrap_or_default();
    let body = format!(
        "<h1>{}</h1><p role=\"alert\">{}</p>{rid}<p><a href=\"/\">Back to simpul</a></p>",
        esc(err.code.title()),
        esc(&crate::error::bound_message(&err.detail)),
    );
    let mut res = (err.status, Html(page(err.code.title(), &body))).into_response();
    if let Some(secs) = err.retry_after {
        res.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    res
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, `Secure` when configured.
fn cookie(
    state: &AppState,
    name: &str,
    value: &str,
    path: &str,
    max_age: Option<i64>,
) -> HeaderValue {
    let secure = if state.settings.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let age = max_age
        .map(|a| format!("; Max-Age={a}"))
        .unwrap_or_default();
    HeaderValue::from_str(&format!(
        "{name}={value}; Path={path}; HttpOnly; SameSite=Lax{secure}{age}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// A 303 to `to` (post/redirect/get).
fn see_other(to: &'static str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response()
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
         <form class=\"inline\" method=\"post\" action=\"/logout\">{}<button type=\"submit\">Sign out</button></form></nav>",
        esc(u.user.email.as_str()),
        esc(u.org.short_name.as_str()),
        u.user.role,
        csrf_field(&w.csrf)
    )
}

async fn home(w: WebUser) -> Response {
    let Some(u) = w.principal.as_user() else {
        return see_other("/login");
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
