//! The web UI for people: sign in, sign out, the home page and the account page (own API tokens and
//! password); the analysts' pages come with P1.11 on the same sessions.
//!
//! Web routes answer HTML, never problem+json: a refused form comes back with the reason on the
//! page, and any other error is an HTML error page (see [`error_page`]). Every state-changing form
//! is read through [`CsrfForm`], which checks the session's CSRF token before the handler runs;
//! the sign-in form, made before there is a session, uses a double-submit cookie instead. After a
//! successful write the browser is redirected (post/redirect/get), so a reload never re-posts; what
//! the next page must say once (a new token's secret) travels in a short-lived flash cookie.
//! Pages are askama templates (`crates/server/templates/`, checked when the crate compiles) on one
//! layout (`base.html`: header with navigation and the signed-in person, skip link, main, footer
//! with the theme switch); they carry no inline script or style (the CSP forbids both): the one
//! script `/static/simpul.js` only enhances (Submit's live preview, an upload's progress) and every
//! page works without it; the look is the one stylesheet `/static/simpul.css`. [`view`] holds what
//! pages share (preferences from cookies, times in the reader's zone, TLP badges, form fields),
//! [`table`] the sorted, paged tables.

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};

use crate::AppState;
use crate::error::{ApiError, ErrorCode};

mod account;
mod ack;
mod admin;
mod browse;
mod checks;
mod checks_mine;
mod checks_start;
mod dashboard;
mod directory;
mod directory_contacts;
mod directory_edit;
mod login;
mod match_page;
mod object;
mod prefs;
mod request_page;
mod requests;
mod requests_new;
mod requests_stats;
mod scam;
mod session;
mod submit;
pub mod table;
mod upload;
pub mod view;

pub use session::{CsrfForm, WebUser};
use view::{Chrome, Prefs};

pub fn router() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/", get(dashboard::dashboard))
        .route("/login", get(login::login_page).post(login::login))
        .route("/logout", post(login::logout))
        .route("/account", get(account::account))
        .route("/account/tokens", post(account::create_token))
        .route("/account/tokens/{id}/revoke", post(account::revoke_token))
        .route("/account/password", post(account::change_password))
        .route("/ack/{token}", get(ack::page).post(ack::confirm))
        .route("/directory", get(directory::directory))
        .route("/directory/health", get(directory::health))
        .route("/directory/{short}", get(directory::team))
        .route(
            "/directory/{short}/edit",
            get(directory_edit::page).post(directory_edit::save),
        )
        .route(
            "/directory/{short}/contacts/new",
            get(directory_contacts::new_page).post(directory_contacts::create),
        )
        .route(
            "/directory/{short}/contacts/{id}/edit",
            get(directory_contacts::edit_page).post(directory_contacts::update),
        )
        .route(
            "/directory/{short}/contacts/{id}/delete",
            get(directory_contacts::delete_page).post(directory_contacts::delete),
        )
        .route("/checks", get(checks::list).post(checks_start::start))
        .route("/checks/{id}", get(checks::page))
        .route("/checks/{id}/acknowledge", post(checks_mine::acknowledge))
        .route("/objects", get(browse::browse))
        .route("/objects/{id}", get(object::object))
        .route("/objects/{id}/sightings", post(object::add_sighting))
        .route("/objects/{id}/versions", post(object::new_version))
        .route("/objects/{id}/revoke", post(object::revoke))
        .route("/objects/{id}/marking", post(object::marking))
        .route("/objects/{id}/recipients", post(object::recipients))
        .route(
            "/match",
            get(match_page::page).post(match_page::run).layer(
                axum::extract::DefaultBodyLimit::max(match_page::MAX_BODY_BYTES),
            ),
        )
        .route("/requests", get(requests::list))
        .route(
            "/requests/new",
            get(requests_new::new_page).post(requests_new::create),
        )
        .route("/requests/stats", get(requests_stats::page))
        .route("/requests/stats.csv", get(requests_stats::csv))
        .route("/requests/{id}", get(request_page::page))
        .route("/requests/{id}/step", post(request_page::step))
        .route("/requests/{id}/comments", post(request_page::comment))
        .route("/preferences", post(prefs::save))
        .route("/submit", get(submit::page).post(submit::submit))
        .route("/submit/scam", get(scam::page).post(scam::submit))
        .route("/submit/scam/{id}", get(scam::done))
        .route(
            "/submit/upload",
            get(upload::page)
                .post(upload::upload)
                // The file is counted against the import limit while it is spooled.
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route(STYLESHEET, get(stylesheet))
        .route(SCRIPT, get(script))
        .merge(admin::router())
}

/// Whether `path` is a web page (HTML errors) rather than an API or operations route.
pub fn is_web_path(path: &str) -> bool {
    matches!(
        path,
        "/" | "/login"
            | "/logout"
            | "/account"
            | "/preferences"
            | "/objects"
            | "/match"
            | "/checks"
            | "/requests"
    ) || path.starts_with("/account/")
        || path.starts_with("/requests/")
        || path.starts_with("/checks/")
        || path.starts_with("/objects/")
        || path == "/submit"
        || path.starts_with("/submit/")
        || path.starts_with("/static/")
        || path == "/admin"
        || path.starts_with("/admin/")
        || path.starts_with("/ack/")
        || path == "/directory"
        || path.starts_with("/directory/")
}

/// The stylesheet's path.
pub const STYLESHEET: &str = "/static/simpul.css";

/// The one stylesheet (`crates/server/static/simpul.css`), built into the binary.
const CSS: &str = include_str!("../../static/simpul.css");

/// The script's path.
pub const SCRIPT: &str = "/static/simpul.js";

/// The one script (`crates/server/static/simpul.js`, progressive enhancement only: the live
/// preview of Submit and the upload's progress), built into the binary.
const JS: &str = include_str!("../../static/simpul.js");

async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        JS,
    )
        .into_response()
}

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

/// A rendered page with `status`; a template that fails to render (it cannot, short of a bug) is
/// a plain 500 page.
fn html(status: StatusCode, rendered: askama::Result<String>) -> Response {
    match rendered {
        Ok(body) => (status, Html(body)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed to render");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                Html(
                    "<!doctype html><title>Server error</title><p>The page could not be drawn.</p>",
                ),
            )
                .into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
pub(super) struct ErrorPage {
    pub(super) chrome: Chrome,
    pub(super) title: &'static str,
    pub(super) detail: String,
    pub(super) request_id: Option<String>,
}

/// An HTML page for an error on a web route: its title and detail, never internal details (a
/// server fault's detail is already generic).
pub fn error_page(err: &ApiError, request_id: Option<&str>) -> Response {
    let title = err.code.title();
    let page = ErrorPage {
        chrome: Chrome::anonymous(
            title,
            // An error page shows no time: "now" is never read.
            Prefs::new(None, None, time::OffsetDateTime::UNIX_EPOCH),
        ),
        title,
        detail: crate::error::bound_message(&err.detail),
        request_id: request_id.map(str::to_owned),
    };
    let mut res = html(err.status, page.render());
    if let Some(secs) = err.retry_after {
        res.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    res
}

/// A bad request on a web page (a query or form field out of bounds), as an error page.
fn bad_request(detail: impl Into<String>) -> Response {
    error_page(&ApiError::new(ErrorCode::InvalidInput, detail), None)
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
fn see_other(to: &str) -> Response {
    match HeaderValue::from_str(to) {
        Ok(v) => (StatusCode::SEE_OTHER, [(header::LOCATION, v)]).into_response(),
        Err(_) => (StatusCode::SEE_OTHER, [(header::LOCATION, "/")]).into_response(),
    }
}
