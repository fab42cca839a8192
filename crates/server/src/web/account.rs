//! The account page: own API tokens (create with scopes and expiry, shown once; list, sorted and
//! paged; revoke), password and time zone.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use serde::Deserialize;
use simpul_core::service::NewToken;
use simpul_core::{ApiToken, CoreError, Invalid, Scope, Scopes, TokenId};

use super::login::login_form;
use super::session::{FLASH_COOKIE, FLASH_MAX_AGE, FLASH_PATH, Flash};
use super::table::{Column, Header, Pager, Sorted, TableQuery};
use super::view::{Chrome, Field, Prefs, When, field_errors, zone_options};
use super::{CsrfForm, WebUser, cookie, error_page, html, see_other};
use crate::AppState;
use crate::error::ApiError;

/// What the page says above the tokens.
pub(super) enum Notice {
    TokenCreated { name: String, secret: String },
    Ok(String),
    Error(String),
}

/// A token row.
struct TokenRow {
    id: String,
    name: String,
    scopes: String,
    created: When,
    expires: Option<When>,
    last_used: Option<When>,
    revoked: Option<When>,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    chrome: Chrome,
    notice: Option<Notice>,
    csrf: String,
    headers: Vec<Header>,
    tokens: Vec<TokenRow>,
    pager: Pager,
    token_name: Field,
    scope_choices: Vec<(&'static str, &'static str, bool)>,
    scopes_error: Option<String>,
    expires: Field,
    current_password: Field,
    new_password: Field,
    zones: Vec<(&'static str, String, bool)>,
}

const COLUMNS: [Column; 6] = [
    Column::sorted("Name", "name"),
    Column::plain("Scopes"),
    Column::sorted("Created", "created"),
    Column::sorted("Expires", "expires"),
    Column::sorted("Last used", "last_used"),
    Column::plain("Status"),
];

/// Tokens per page.
const PER_PAGE: usize = 20;

/// What a refused form brings back to the page: the values typed (never passwords) and the
/// errors.
#[derive(Default)]
struct Refused {
    err: Option<ApiError>,
    name: String,
    scopes: Option<Scopes>,
    expires: String,
    /// Which form the error belongs to.
    password: bool,
}

async fn account_page(
    state: &AppState,
    w: &WebUser,
    prefs: Prefs,
    q: &TableQuery,
    notice: Option<Notice>,
    refused: Refused,
    status: StatusCode,
) -> Response {
    let sorted = match Sorted::read(q, &COLUMNS, ("created", true), PER_PAGE, "/account") {
        Ok(s) => s,
        Err(e) => return error_page(&e, None),
    };
    let tokens = match state.service.list_own_tokens(&w.principal).await {
        Ok(t) => t,
        Err(e) => return error_page(&ApiError::from(e), None),
    };
    let (tokens, pager) = sorted.page_of(tokens, cmp_tokens);
    let rows = tokens
        .iter()
        .map(|t| TokenRow {
            id: t.id.to_string(),
            name: t.name.clone(),
            scopes: t.scopes.to_list(),
            created: prefs.when(t.created_at),
            expires: t.expires_at.map(|x| prefs.when(x)),
            last_used: t.last_used_at.map(|x| prefs.when(x)),
            revoked: t.revoked_at.map(|x| prefs.when(x)),
        })
        .collect();

    let mut token_name = Field::new("token-name", "name", "Name")
        .required()
        .help("What the token is for, e.g. the SIEM it feeds.")
        .value(refused.name.clone());
    let mut expires = Field::new("token-expires", "expires_in_days", "Expires in days")
        .help("A whole number of days; empty: never expires.")
        .value(refused.expires.clone());
    let mut current_password =
        Field::new("current-password", "current_password", "Current password")
            .kind("password")
            .autocomplete("current-password")
            .required();
    let mut new_password = Field::new("new-password", "new_password", "New password")
        .kind("password")
        .autocomplete("new-password")
        .required()
        .help("At least 12 characters. Changing it signs you out everywhere.");
    let mut scopes_field = Field::new("scopes", "scopes", "Scopes");
    let mut notice = notice;
    if let Some(err) = &refused.err {
        let rest = if refused.password {
            let mut f = [&mut current_password, &mut new_password];
            let rest = field_errors(err, &mut f);
            // The password rules name the field `password`.
            let pw: Vec<_> = err
                .errors
                .iter()
                .filter(|e| e.pointer == "/password")
                .collect();
            if let Some(e) = pw.first() {
                new_password.error = Some(e.detail.clone());
                None
            } else {
                rest
            }
        } else {
            field_errors(err, &mut [&mut token_name, &mut expires, &mut scopes_field])
        };
        if let Some(r) = rest {
            notice = Some(Notice::Error(r));
        } else if notice.is_none() {
            notice = Some(Notice::Error(
                "The form was not accepted: see the marked fields.".into(),
            ));
        }
    }
    let chosen = refused
        .scopes
        .unwrap_or_else(|| Scopes::default().with(Scope::Read));
    let scope_choices = [
        (Scope::Read, "read", "read"),
        (Scope::Write, "write", "write"),
        (Scope::Sync, "sync", "sync (TAXII)"),
        (Scope::Admin, "admin", "admin"),
    ]
    .into_iter()
    .map(|(s, v, l)| (v, l, chosen.iter().any(|c| c == s)))
    .collect();
    let page = AccountPage {
        zones: zone_options(&prefs),
        chrome: Chrome::signed_in("Account", w, prefs, "/account"),
        notice,
        csrf: w.csrf.clone(),
        headers: sorted.headers(&COLUMNS),
        tokens: rows,
        pager,
        token_name,
        scope_choices,
        scopes_error: scopes_field.error,
        expires,
        current_password,
        new_password,
    };
    html(status, page.render())
}

fn cmp_tokens(key: &str, a: &ApiToken, b: &ApiToken) -> std::cmp::Ordering {
    match key {
        "name" => a.name.to_lowercase().cmp(&b.name.to_lowercase()),
        "expires" => a.expires_at.cmp(&b.expires_at),
        "last_used" => a.last_used_at.cmp(&b.last_used_at),
        _ => a.created_at.cmp(&b.created_at),
    }
    .then(a.created_at.cmp(&b.created_at))
    .then_with(|| a.name.cmp(&b.name))
    .then_with(|| a.id.0.cmp(&b.id.0))
}

/// `GET /account`: the page, with the flash message a redirect left (shown once, then cleared).
pub(super) async fn account(
    State(state): State<AppState>,
    w: WebUser,
    prefs: Prefs,
    headers: HeaderMap,
    Query(q): Query<TableQuery>,
) -> Response {
    let flash = crate::auth::cookie_value(&headers, FLASH_COOKIE);
    let notice = flash.as_deref().and_then(Flash::decode).map(|f| match f {
        Flash::TokenCreated { name, secret } => Notice::TokenCreated { name, secret },
        Flash::TokenRevoked { name } => Notice::Ok(format!("Token {name} revoked.")),
    });
    let mut res = account_page(
        &state,
        &w,
        prefs,
        &q,
        notice,
        Refused::default(),
        StatusCode::OK,
    )
    .await;
    if flash.is_some() {
        res.headers_mut().append(
            header::SET_COOKIE,
            cookie(&state, FLASH_COOKIE, "", FLASH_PATH, Some(0)),
        );
    }
    res
}

/// After a write: back to the account page, which shows `flash` once.
fn redirect_with(state: &AppState, flash: &Flash) -> Response {
    let mut res = see_other("/account");
    res.headers_mut().append(
        header::SET_COOKIE,
        cookie(
            state,
            FLASH_COOKIE,
            &flash.encode(),
            FLASH_PATH,
            Some(FLASH_MAX_AGE),
        ),
    );
    res
}

/// A refused form: the account page again, with the reasons beside the fields and the error's
/// status.
async fn account_error(
    state: &AppState,
    w: &WebUser,
    prefs: Prefs,
    e: CoreError,
    mut refused: Refused,
) -> Response {
    // The edge's one mapping decides the status and the words; client mistakes are shown on the
    // page, server faults answer as everywhere else.
    let err = ApiError::from(e);
    if !err.status.is_client_error() {
        return error_page(&err, None);
    }
    let status = err.status;
    refused.err = Some(err);
    account_page(
        state,
        w,
        prefs,
        &TableQuery::default(),
        None,
        refused,
        status,
    )
    .await
}

#[derive(Deserialize)]
pub(super) struct NewTokenForm {
    name: String,
    scope_read: Option<String>,
    scope_write: Option<String>,
    scope_sync: Option<String>,
    scope_admin: Option<String>,
    #[serde(default)]
    expires_in_days: String,
}

pub(super) async fn create_token(
    State(state): State<AppState>,
    prefs: Prefs,
    CsrfForm { user: w, form: f }: CsrfForm<NewTokenForm>,
) -> Response {
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
    let refused = Refused {
        name: f.name.clone(),
        scopes: Some(scopes),
        expires: f.expires_in_days.clone(),
        ..Refused::default()
    };
    let expires = f.expires_in_days.trim();
    let expires_in_days = if expires.is_empty() {
        None
    } else {
        match expires.parse::<u32>() {
            Ok(d) => Some(d),
            Err(_) => {
                let e = Invalid::new("expires_in_days", "must be a whole number of days");
                return account_error(&state, &w, prefs, e.into(), refused).await;
            }
        }
    };
    let new = NewToken {
        name: f.name,
        scopes,
        expires_in_days,
    };
    match state.service.create_own_token(&w.principal, new).await {
        Ok((token, secret)) => redirect_with(
            &state,
            &Flash::TokenCreated {
                name: token.name,
                secret,
            },
        ),
        Err(e) => account_error(&state, &w, prefs, e, refused).await,
    }
}

pub(super) async fn revoke_token(
    State(state): State<AppState>,
    Path(id): Path<uuid::Uuid>,
    prefs: Prefs,
    f: CsrfForm<super::login::NoFields>,
) -> Response {
    let w = f.user;
    match state.service.revoke_token(&w.principal, TokenId(id)).await {
        Ok(t) => redirect_with(&state, &Flash::TokenRevoked { name: t.name }),
        Err(e) => account_error(&state, &w, prefs, e, Refused::default()).await,
    }
}

#[derive(Deserialize)]
pub(super) struct PasswordForm {
    current_password: String,
    new_password: String,
}

pub(super) async fn change_password(
    State(state): State<AppState>,
    prefs: Prefs,
    CsrfForm { user: w, form: f }: CsrfForm<PasswordForm>,
) -> Response {
    match state
        .service
        .change_own_password(&w.principal, &f.current_password, &f.new_password)
        .await
    {
        // Changing the password ends every session, this one included.
        Ok(()) => login_form(
            &state,
            prefs,
            Some(("Password changed. Sign in with the new one.", "ok")),
            StatusCode::OK,
        ),
        Err(e) => {
            let refused = Refused {
                password: true,
                ..Refused::default()
            };
            account_error(&state, &w, prefs, e, refused).await
        }
    }
}
