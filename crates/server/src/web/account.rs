//! The account page: own API tokens and password.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use simpul_core::service::NewToken;
use simpul_core::{CoreError, Invalid, Scope, Scopes, TokenId};

use super::login::login_form;
use super::session::{FLASH_COOKIE, FLASH_MAX_AGE, FLASH_PATH, Flash};
use super::{CsrfForm, WebUser, cookie, csrf_field, error_page, esc, nav, page, see_other};
use crate::AppState;
use crate::error::ApiError;

/// The account page, with `notice` (HTML) above the tokens.
async fn account_page(
    state: &AppState,
    w: &WebUser,
    notice: Option<String>,
    status: StatusCode,
) -> Response {
    let tokens = match state.service.list_own_tokens(&w.principal).await {
        Ok(t) => t,
        Err(e) => return error_page(&ApiError::from(e), None),
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

/// `GET /account`: the page, with the flash message a redirect left (shown once, then cleared).
pub(super) async fn account(
    State(state): State<AppState>,
    w: WebUser,
    headers: HeaderMap,
) -> Response {
    let flash = crate::auth::cookie_value(&headers, FLASH_COOKIE);
    let notice = flash.as_deref().and_then(Flash::decode).map(|f| match f {
        Flash::TokenCreated { name, secret } => format!(
            "<p>Token <strong>{}</strong> created. Copy it now: it is shown only once.</p><p><code>{}</code></p>",
            esc(&name),
            esc(&secret)
        ),
        Flash::TokenRevoked { name } => format!("<p>Token {} revoked.</p>", esc(&name)),
    });
    let mut res = account_page(&state, &w, notice, StatusCode::OK).await;
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

/// A refused form: the account page again, with the reason and the error's status.
async fn account_error(state: &AppState, w: &WebUser, e: CoreError) -> Response {
    // The edge's one mapping decides the status and the words; client mistakes are shown on the
    // page, server faults answer as everywhere else.
    let err = ApiError::from(e);
    if !err.status.is_client_error() {
        return error_page(&err, None);
    }
    let notice = format!(
        "<p role=\"alert\">{}</p>",
        esc(&crate::error::bound_message(&err.detail))
    );
    account_page(state, w, Some(notice), err.status).await
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
    let expires = f.expires_in_days.trim();
    let expires_in_days = if expires.is_empty() {
        None
    } else {
        match expires.parse::<u32>() {
            Ok(d) => Some(d),
            Err(_) => {
                let e = Invalid::new("expires_in_days", "must be a whole number of days");
                return account_error(&state, &w, e.into()).await;
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
        Err(e) => account_error(&state, &w, e).await,
    }
}

pub(super) async fn revoke_token(
    State(state): State<AppState>,
    Path(id): Path<uuid::Uuid>,
    f: CsrfForm<super::login::NoFields>,
) -> Response {
    let w = f.user;
    match state.service.revoke_token(&w.principal, TokenId(id)).await {
        Ok(t) => redirect_with(&state, &Flash::TokenRevoked { name: t.name }),
        Err(e) => account_error(&state, &w, e).await,
    }
}

#[derive(Deserialize)]
pub(super) struct PasswordForm {
    current_password: String,
    new_password: String,
}

pub(super) async fn change_password(
    State(state): State<AppState>,
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
            Some("Password changed. Sign in with the new one."),
            StatusCode::OK,
        ),
        Err(e) => account_error(&state, &w, e).await,
    }
}
