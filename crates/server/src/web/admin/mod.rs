//! Administration (P1.11 item 6): organisations, users, communities, collections and federation
//! peers for site-admins; their own organisation's users and tokens for org-admins; the audit log
//! with its chain verification for both (an org-admin reads their organisation's entries).
//!
//! Every page and form calls the same service function as the REST route (`/api/v1/...`), with the
//! same principal, so the access module decides exactly as it does there: another organisation's
//! user is "not found" to an org-admin, a role above one's own cannot be granted, and site-admin
//! grants administration, never visibility of intelligence (these pages show collections and
//! peers, never shared objects). A page whose REST counterpart is open to everyone (the directory)
//! is still an administration page: it asks for the administering action first ([`need`]).
//!
//! Forms follow the account page: [`CsrfForm`], post/redirect/get with a one-time flash (a new
//! user's generated password is shown once, like a token), and a refused form re-rendered with
//! what was typed (never a password) and the reasons beside the fields.

use askama::Template;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use simpul_core::access::{Action, authorize};
use simpul_core::{CoreError, Principal};

use super::view::{Chrome, Field, NavItem, Prefs, field_errors};
use super::{WebUser, cookie, error_page, html, see_other};
use crate::AppState;
use crate::error::{ApiError, ErrorCode};

mod audit;
mod collections;
mod directory;
mod peers;
mod users;

pub(super) fn router() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/admin", get(index))
        .route(
            "/admin/organisations",
            get(directory::orgs).post(directory::create_org),
        )
        .route(
            "/admin/organisations/{id}",
            get(directory::org).post(directory::update_org),
        )
        .route(
            "/admin/communities",
            get(directory::communities).post(directory::create_community),
        )
        .route("/admin/communities/members", post(directory::add_members))
        .route("/admin/users", get(users::users).post(users::create_user))
        .route("/admin/users/{id}", post(users::update_user))
        .route("/admin/tokens", get(users::tokens))
        .route("/admin/tokens/{id}/revoke", post(users::revoke_token))
        .route(
            "/admin/collections",
            get(collections::list).post(collections::create),
        )
        .route(
            "/admin/collections/{id}",
            get(collections::edit).post(collections::update),
        )
        .route("/admin/peers", get(peers::list).post(peers::add))
        .route("/admin/peers/remove", post(peers::remove))
        .route("/admin/audit", get(audit::audit))
}

/// The sections of administration: path, label, what it is for, and whether it is the site's
/// (site-admins) rather than an organisation's.
const SECTIONS: [(&str, &str, &str, bool); 7] = [
    (
        "/admin/organisations",
        "Organisations",
        "The directory: create organisations, change their profile, kind and status.",
        true,
    ),
    (
        "/admin/users",
        "Users",
        "Create users, change their role, disable and enable them.",
        false,
    ),
    (
        "/admin/tokens",
        "Tokens",
        "The API tokens of the users you manage; revoke one that leaked.",
        false,
    ),
    (
        "/admin/communities",
        "Communities",
        "Sharing communities and their member organisations.",
        true,
    ),
    (
        "/admin/collections",
        "Collections",
        "Where intelligence is shared: audience, default TLP, read-only members.",
        true,
    ),
    (
        "/admin/peers",
        "Peers",
        "Federation: the TAXII servers this node pulls from and pushes to.",
        true,
    ),
    (
        "/admin/audit",
        "Audit log",
        "Who did what, with the hash chain's verification.",
        false,
    ),
];

/// Whether `p` administers the site (organisations, communities, collections, peers).
pub(super) fn site_admin(p: &Principal) -> bool {
    authorize(p, Action::ManageOrgs).is_ok()
}

/// The page's guard: `action` must be granted, else the error page (403, or 404 for what is
/// hidden), as the REST route would answer.
pub(super) fn need(p: &Principal, action: Action) -> Result<(), ApiError> {
    authorize(p, action)
        .map(|_| ())
        .map_err(|d| ApiError::from(CoreError::from(d)))
}

/// The guard of every administration page: managing users of one's own organisation at least.
fn need_admin(p: &Principal) -> Result<(), ApiError> {
    need(p, Action::ManageUsers(p.org_id()))
}

/// The layout of an administration page and its section navigation.
pub(super) struct AdminChrome {
    pub chrome: Chrome,
    pub sections: Vec<NavItem>,
}

pub(super) fn chrome(title: &str, w: &WebUser, prefs: Prefs, path: &str) -> AdminChrome {
    let site = site_admin(&w.principal);
    AdminChrome {
        sections: SECTIONS
            .iter()
            .filter(|s| site || !s.3)
            .map(|&(href, label, _, _)| NavItem {
                href,
                label,
                current: path.starts_with(href),
            })
            .collect(),
        chrome: Chrome::signed_in(title, w, prefs, path),
    }
}

/// What a page says above its content once.
#[derive(Debug, Default)]
pub(super) struct Notice {
    /// `ok` or `error`.
    pub kind: &'static str,
    pub text: String,
    /// A secret shown once (a generated password).
    pub secret: Option<String>,
}

impl Notice {
    pub fn ok(text: impl Into<String>) -> Self {
        Self {
            kind: "ok",
            text: text.into(),
            secret: None,
        }
    }
    pub fn error(text: impl Into<String>) -> Self {
        Self {
            kind: "error",
            text: text.into(),
            secret: None,
        }
    }
}

/// The flash cookie of administration (a one-time message after a redirect): HttpOnly, only under
/// `/admin`, for a minute, cleared when shown.
const FLASH_COOKIE: &str = "simpul_admin_flash";
const FLASH_PATH: &str = "/admin";
const FLASH_MAX_AGE: i64 = 60;

#[derive(Serialize, Deserialize)]
struct Flash {
    text: String,
    secret: Option<String>,
}

/// After a write: a 303 to `to`, which says `text` (and shows `secret`) once.
pub(super) fn done(state: &AppState, to: &str, text: String, secret: Option<String>) -> Response {
    use base64::Engine;
    let json = serde_json::to_vec(&Flash { text, secret }).unwrap_or_default();
    let value = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json);
    let mut res = see_other(to);
    res.headers_mut().append(
        header::SET_COOKIE,
        cookie(state, FLASH_COOKIE, &value, FLASH_PATH, Some(FLASH_MAX_AGE)),
    );
    res
}

/// The flash a redirect left, if any.
pub(super) fn flash(headers: &HeaderMap) -> Option<Notice> {
    use base64::Engine;
    let value = crate::auth::cookie_value(headers, FLASH_COOKIE)?;
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(value)
        .ok()?;
    let f: Flash = serde_json::from_slice(&json).ok()?;
    Some(Notice {
        secret: f.secret,
        ..Notice::ok(f.text)
    })
}

/// `res` with the flash cookie cleared when one was shown.
pub(super) fn shown(state: &AppState, headers: &HeaderMap, mut res: Response) -> Response {
    if crate::auth::cookie_value(headers, FLASH_COOKIE).is_some() {
        res.headers_mut().append(
            header::SET_COOKIE,
            cookie(state, FLASH_COOKIE, "", FLASH_PATH, Some(0)),
        );
    }
    res
}

/// A posted form as its fields in order (a field may repeat: checkboxes of one name).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(transparent)]
pub(in crate::web) struct Form(Vec<(String, String)>);

impl Form {
    /// The first value of `name` (empty when absent).
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }
    /// Every value of `name`.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }
    /// `name`'s value, or `None` when it is empty.
    pub fn opt(&self, name: &str) -> Option<String> {
        let v = self.get(name).trim();
        (!v.is_empty()).then(|| v.to_owned())
    }
}

/// A `<select>` (or radio group) with its label, options and error.
#[derive(Debug)]
pub(super) struct Choice {
    pub id: &'static str,
    pub name: &'static str,
    pub label: &'static str,
    pub help: &'static str,
    /// Value, label, selected.
    pub options: Vec<(String, String, bool)>,
    pub error: Option<String>,
}

impl Choice {
    pub fn new(
        id: &'static str,
        name: &'static str,
        label: &'static str,
        options: impl IntoIterator<Item = (String, String)>,
        chosen: &str,
    ) -> Self {
        Self {
            id,
            name,
            label,
            help: "",
            options: options
                .into_iter()
                .map(|(v, l)| {
                    let on = v == chosen;
                    (v, l, on)
                })
                .collect(),
            error: None,
        }
    }
    pub fn help(mut self, help: &'static str) -> Self {
        self.help = help;
        self
    }
    /// The `aria-describedby` ids, as a field's.
    pub fn described_by(&self) -> String {
        let mut f = Field::new(self.id, self.name, self.label).help(self.help);
        f.error.clone_from(&self.error);
        f.described_by()
    }
}

/// A refused form: which form of the page, what was posted, and why.
pub(super) struct Retry {
    pub form: &'static str,
    pub data: Form,
    pub err: ApiError,
}

impl Retry {
    pub fn api(form: &'static str, data: Form, err: ApiError) -> Result<Self, ApiError> {
        if err.status.is_client_error() {
            Ok(Self { form, data, err })
        } else {
            Err(err)
        }
    }

    /// The status the page answers with.
    pub fn status(retry: Option<&Self>) -> StatusCode {
        retry.map_or(StatusCode::OK, |r| r.err.status)
    }
}

/// A table's first page in its default order (a refused form's page).
pub(super) static FIRST_PAGE: super::table::TableQuery = super::table::TableQuery {
    sort: None,
    order: None,
    page: None,
};

/// A refused form's page: `page` drawn again with the [`Retry`] (a server fault is its error
/// page instead).
pub(super) async fn or_retry<F: Future<Output = Response>>(
    form: &'static str,
    data: Form,
    err: ApiError,
    page: impl FnOnce(Retry) -> F,
) -> Response {
    match Retry::api(form, data, err) {
        Ok(r) => page(r).await,
        Err(e) => error_page(&e, None),
    }
}

/// The most characters of a typed value a refused form shows again.
const MAX_ECHO_CHARS: usize = 2000;

/// Puts back into the fields of form `which` what was typed (never a password) and marks the
/// errors; a conflict (a duplicate) is put beside field `conflict`. Answers the page's notice.
pub(super) fn refill(
    retry: Option<&Retry>,
    which: &str,
    fields: &mut [&mut Field],
    choices: &mut [&mut Choice],
    conflict: &str,
) -> Option<Notice> {
    let r = retry.filter(|r| r.form == which)?;
    for f in fields.iter_mut() {
        if f.kind != "password" {
            // What was typed comes back, but never more of it than a field could hold.
            f.value = r.data.get(f.name).chars().take(MAX_ECHO_CHARS).collect();
        }
    }
    for c in choices.iter_mut() {
        let chosen = r.data.get(c.name);
        for o in &mut c.options {
            o.2 = o.0 == chosen;
        }
    }
    let err = &r.err;
    if err.errors.is_empty()
        && err.code == ErrorCode::Conflict
        && let Some(f) = fields.iter_mut().find(|f| f.name == conflict)
    {
        f.error = Some(crate::error::bound_message(&err.detail));
        return Some(Notice::error(
            "The form was not accepted: see the marked fields.",
        ));
    }
    let mut rest = Vec::new();
    for fe in &err.errors {
        let name = fe.pointer.trim_start_matches('/');
        if let Some(c) = choices.iter_mut().find(|c| c.name == name) {
            c.error = Some(fe.detail.clone());
        } else {
            rest.push(fe.clone());
        }
    }
    let unplaced = ApiError {
        errors: rest,
        ..err.clone()
    };
    let placed_in_choices = unplaced.errors.len() < err.errors.len();
    let notice = if unplaced.errors.is_empty() && placed_in_choices {
        None
    } else {
        field_errors(&unplaced, fields)
    };
    Some(Notice::error(notice.unwrap_or_else(|| {
        "The form was not accepted: see the marked fields.".into()
    })))
}

#[derive(Template)]
#[template(path = "admin/index.html")]
struct IndexPage {
    chrome: Chrome,
    sections: Vec<NavItem>,
    cards: Vec<(&'static str, &'static str, &'static str)>,
}

/// `GET /admin`: the sections the reader administers.
async fn index(w: WebUser, prefs: Prefs) -> Response {
    if let Err(r) = need_admin(&w.principal) {
        return error_page(&r, None);
    }
    let site = site_admin(&w.principal);
    let AdminChrome { chrome, sections } = chrome("Administration", &w, prefs, "/admin");
    let page = IndexPage {
        chrome,
        sections,
        cards: SECTIONS
            .iter()
            .filter(|s| site || !s.3)
            .map(|&(h, l, d, _)| (h, l, d))
            .collect(),
    };
    html(StatusCode::OK, page.render())
}

/// A path's id that must be a UUID; anything else is "not found".
pub(super) fn uuid_of(what: &str, id: &str) -> Result<uuid::Uuid, ApiError> {
    uuid::Uuid::parse_str(id).map_err(|_| {
        ApiError::new(
            ErrorCode::NotFound,
            format!("{what} `{}` not found", crate::error::bound_message(id)),
        )
    })
}

/// The state of the page handlers share.
pub(super) use axum::extract::State as St;
