//! Users and their API tokens: every user for a site-admin, their own organisation's for an
//! org-admin — the same service functions, and so the same decisions, as `/api/v1/users` and
//! `DELETE /api/v1/tokens/{id}` (another organisation's user or token is "not found").

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query};
use axum::http::HeaderMap;
use axum::response::Response;
use simpul_core::access::{Action, authorize};
use simpul_core::org::OrgId;
use simpul_core::service::{NewUser, UserUpdate};
use simpul_core::{ApiToken, CoreError, Email, Invalid, Role, TokenId, User, UserId, UserStatus};

use super::super::table::{Column, Header, Pager, Sorted, TableQuery};
use super::super::view::{Chrome, Field, NavItem, Prefs, When};
use super::super::{CsrfForm, WebUser, error_page, html};
use super::FIRST_PAGE;
use super::{
    AdminChrome, Choice, Form, Notice, Retry, St, chrome, done, flash, need_admin, or_retry,
    refill, shown, site_admin, uuid_of,
};
use crate::AppState;
use crate::error::ApiError;

struct UserRow {
    id: String,
    name: String,
    email: String,
    org: String,
    role: &'static str,
    disabled: bool,
    created: When,
    /// The roles the reader may set (empty: the row's role is not theirs to change).
    roles: Vec<(&'static str, bool)>,
    me: bool,
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UsersPage {
    chrome: Chrome,
    sections: Vec<NavItem>,
    notice: Option<Notice>,
    csrf: String,
    headers: Vec<Header>,
    rows: Vec<UserRow>,
    pager: Pager,
    /// The organisation an org-admin manages (a site-admin picks one: `org`).
    own_org: Option<String>,
    email: Field,
    display_name: Field,
    org: Option<Choice>,
    role: Choice,
    password: Field,
}

const USER_COLUMNS: [Column; 7] = [
    Column::sorted("Name", "name"),
    Column::sorted("Email", "email"),
    Column::sorted("Organisation", "org"),
    Column::sorted("Role", "role"),
    Column::sorted("Status", "status"),
    Column::sorted("Created", "created"),
    Column::plain("Actions"),
];

const PER_PAGE: usize = 25;

/// The roles `p` may grant, most powerful first.
fn grantable(p: &simpul_core::Principal) -> Vec<Role> {
    [
        Role::SiteAdmin,
        Role::OrgAdmin,
        Role::Analyst,
        Role::ReadOnly,
    ]
    .into_iter()
    .filter(|r| authorize(p, Action::GrantRole(*r)).is_ok())
    .collect()
}

/// Short names of the organisations, by id.
async fn short_names(
    state: &AppState,
    p: &simpul_core::Principal,
) -> Result<HashMap<OrgId, String>, Response> {
    let orgs = state
        .service
        .list_orgs(p)
        .await
        .map_err(|e| error_page(&ApiError::from(e), None))?;
    Ok(orgs
        .into_iter()
        .map(|o| (o.id, o.short_name.as_str().to_owned()))
        .collect())
}

async fn users_page(
    state: &AppState,
    w: &WebUser,
    prefs: Prefs,
    q: &TableQuery,
    notice: Option<Notice>,
    retry: Option<Retry>,
) -> Response {
    let p = &w.principal;
    if let Err(r) = need_admin(p) {
        return error_page(&r, None);
    }
    let sorted = match Sorted::read(q, &USER_COLUMNS, ("name", false), PER_PAGE, "/admin/users") {
        Ok(s) => s,
        Err(e) => return error_page(&e, None),
    };
    // Listing without an organisation is the REST default: all for a site-admin, their own for an
    // org-admin.
    let users = match state.service.list_users(p, None).await {
        Ok(u) => u,
        Err(e) => return error_page(&ApiError::from(e), None),
    };
    let orgs = match short_names(state, p).await {
        Ok(o) => o,
        Err(r) => return r,
    };
    let short = |o: OrgId| orgs.get(&o).cloned().unwrap_or_else(|| o.to_string());
    let (users, pager) = sorted.page_of(users, |key, a: &User, b: &User| {
        match key {
            "email" => a.email.cmp(&b.email),
            "org" => short(a.org_id)
                .to_lowercase()
                .cmp(&short(b.org_id).to_lowercase()),
            "role" => a.role.as_str().cmp(b.role.as_str()),
            "status" => a.status.as_str().cmp(b.status.as_str()),
            "created" => a.created_at.cmp(&b.created_at),
            _ => a
                .display_name
                .to_lowercase()
                .cmp(&b.display_name.to_lowercase()),
        }
        .then_with(|| a.email.cmp(&b.email))
    });
    let roles = grantable(p);
    let me = p.as_user().map(|u| u.user.id);
    let rows = users
        .into_iter()
        .map(|u| UserRow {
            id: u.id.to_string(),
            org: short(u.org_id),
            roles: if roles.contains(&u.role) {
                roles.iter().map(|r| (r.as_str(), *r == u.role)).collect()
            } else {
                Vec::new()
            },
            me: Some(u.id) == me,
            name: u.display_name,
            email: u.email.to_string(),
            role: u.role.as_str(),
            disabled: u.status == UserStatus::Disabled,
            created: prefs.when(u.created_at),
        })
        .collect();

    let mut email = Field::new("user-email", "email", "Email")
        .kind("email")
        .required()
        .help("The user signs in with it; unique on this node.");
    let mut display_name = Field::new("user-name", "display_name", "Name").required();
    let mut password = Field::new("user-password", "password", "Initial password")
        .kind("password")
        .autocomplete("new-password")
        .help("At least 12 characters. Empty: one is generated and shown to you once.");
    let site = site_admin(p);
    let mut org = site.then(|| {
        let mut all: Vec<(String, String)> = orgs
            .iter()
            .map(|(id, s)| (id.to_string(), s.clone()))
            .collect();
        all.sort_by_key(|(_, s)| s.to_lowercase());
        let own = p.org_id().map(|o| o.to_string()).unwrap_or_default();
        Choice::new("user-org", "org_id", "Organisation", all, &own)
    });
    let mut role = Choice::new(
        "user-role",
        "role",
        "Role",
        roles
            .iter()
            .map(|r| (r.as_str().to_owned(), r.as_str().to_owned())),
        Role::Analyst.as_str(),
    )
    .help("Analysts share and read; read-only users only read; org-admins manage their organisation's users.");
    let refused = {
        let mut choices: Vec<&mut Choice> = vec![&mut role];
        if let Some(o) = org.as_mut() {
            choices.push(o);
        }
        let which = retry.as_ref().map_or("", |r| r.form);
        if which == "create" {
            refill(
                retry.as_ref(),
                "create",
                &mut [&mut email, &mut display_name, &mut password],
                &mut choices,
                "email",
            )
        } else {
            refill(retry.as_ref(), which, &mut [], &mut [], "")
        }
    };
    let own_org = (!site).then(|| p.org_id().map(short)).flatten();
    let AdminChrome { chrome, sections } = chrome("Users", w, prefs, "/admin/users");
    let page = UsersPage {
        chrome,
        sections,
        notice: refused.or(notice),
        csrf: w.csrf.clone(),
        headers: sorted.headers(&USER_COLUMNS),
        rows,
        pager,
        own_org,
        email,
        display_name,
        org,
        role,
        password,
    };
    html(Retry::status(retry.as_ref()), page.render())
}

/// `GET /admin/users`.
pub(super) async fn users(
    St(state): St<AppState>,
    w: WebUser,
    prefs: Prefs,
    headers: HeaderMap,
    Query(q): Query<TableQuery>,
) -> Response {
    let res = users_page(&state, &w, prefs, &q, flash(&headers), None).await;
    shown(&state, &headers, res)
}

/// `POST /admin/users`: `POST /api/v1/users`.
pub(super) async fn create_user(
    St(state): St<AppState>,
    prefs: Prefs,
    CsrfForm { user: w, form: f }: CsrfForm<Form>,
) -> Response {
    let parsed = (|| -> Result<NewUser, Invalid> {
        let org_id = match f.opt("org_id") {
            Some(o) => Some(OrgId(uuid::Uuid::parse_str(&o).map_err(|_| {
                Invalid::new("org_id", "choose an organisation from the list")
            })?)),
            None => None,
        };
        Ok(NewUser {
            email: Email::parse(f.get("email"))?,
            display_name: f.get("display_name").to_owned(),
            org_id,
            role: f.get("role").parse::<Role>()?,
            password: f.opt("password").map(|_| f.get("password").to_owned()),
        })
    })();
    let result = match parsed {
        Ok(new) => state.service.create_user(&w.principal, new).await,
        Err(e) => Err(e.into()),
    };
    match result {
        Ok((u, Some(password))) => done(
            &state,
            "/admin/users",
            format!(
                "User {} created. Copy the generated password now: it is shown only once.",
                u.email
            ),
            Some(password),
        ),
        Ok((u, None)) => done(
            &state,
            "/admin/users",
            format!("User {} created with the password you gave.", u.email),
            None,
        ),
        Err(e) => {
            or_retry("create", f, e.into(), |r| {
                users_page(&state, &w, prefs, &FIRST_PAGE, None, Some(r))
            })
            .await
        }
    }
}

/// `POST /admin/users/{id}` with `role` or `status`: `PATCH /api/v1/users/{id}`.
pub(super) async fn update_user(
    St(state): St<AppState>,
    prefs: Prefs,
    Path(id): Path<String>,
    CsrfForm { user: w, form: f }: CsrfForm<Form>,
) -> Response {
    let id = match uuid_of("user", &id) {
        Ok(id) => UserId(id),
        Err(e) => return error_page(&e, None),
    };
    let parsed = (|| -> Result<UserUpdate, Invalid> {
        Ok(UserUpdate {
            display_name: None,
            role: f.opt("role").map(|r| r.parse::<Role>()).transpose()?,
            status: f
                .opt("status")
                .map(|s| s.parse::<UserStatus>())
                .transpose()?,
        })
    })();
    let result = match parsed {
        Ok(u) if u.role.is_none() && u.status.is_none() => {
            Err(Invalid::new("role", "choose a role or a status").into())
        }
        Ok(u) => state.service.update_user(&w.principal, id, u).await,
        Err(e) => Err(CoreError::from(e)),
    };
    match result {
        Ok(u) => {
            let what = if f.opt("role").is_some() {
                format!("now {}", u.role)
            } else {
                u.status.to_string()
            };
            done(
                &state,
                "/admin/users",
                format!("User {} {what}.", u.email),
                None,
            )
        }
        Err(e) => {
            or_retry("row", f, e.into(), |r| {
                users_page(&state, &w, prefs, &FIRST_PAGE, None, Some(r))
            })
            .await
        }
    }
}

struct TokenRow {
    id: String,
    user: String,
    org: String,
    name: String,
    scopes: String,
    created: When,
    expires: Option<When>,
    last_used: Option<When>,
    revoked: Option<When>,
}

#[derive(Template)]
#[template(path = "admin/tokens.html")]
struct TokensPage {
    chrome: Chrome,
    sections: Vec<NavItem>,
    notice: Option<Notice>,
    csrf: String,
    headers: Vec<Header>,
    rows: Vec<TokenRow>,
    pager: Pager,
}

const TOKEN_COLUMNS: [Column; 8] = [
    Column::sorted("User", "user"),
    Column::sorted("Organisation", "org"),
    Column::sorted("Name", "name"),
    Column::plain("Scopes"),
    Column::sorted("Created", "created"),
    Column::sorted("Expires", "expires"),
    Column::sorted("Last used", "last_used"),
    Column::plain("Status"),
];

async fn tokens_page(
    state: &AppState,
    w: &WebUser,
    prefs: Prefs,
    q: &TableQuery,
    notice: Option<Notice>,
    status: axum::http::StatusCode,
) -> Response {
    let p = &w.principal;
    if let Err(r) = need_admin(p) {
        return error_page(&r, None);
    }
    let sorted = match Sorted::read(
        q,
        &TOKEN_COLUMNS,
        ("created", true),
        PER_PAGE,
        "/admin/tokens",
    ) {
        Ok(s) => s,
        Err(e) => return error_page(&e, None),
    };
    let users = match state.service.list_users(p, None).await {
        Ok(u) => u,
        Err(e) => return error_page(&ApiError::from(e), None),
    };
    let orgs = match short_names(state, p).await {
        Ok(o) => o,
        Err(r) => return r,
    };
    let mut all: Vec<(String, String, ApiToken)> = Vec::new();
    for u in &users {
        match state.service.list_tokens_of(p, u.email.as_str()).await {
            Ok(ts) => {
                let org = orgs.get(&u.org_id).cloned().unwrap_or_default();
                all.extend(
                    ts.into_iter()
                        .map(|t| (u.email.to_string(), org.clone(), t)),
                );
            }
            Err(e) => return error_page(&ApiError::from(e), None),
        }
    }
    let (page_rows, pager) = sorted.page_of(all, |key, a, b| {
        match key {
            "user" => a.0.cmp(&b.0),
            "org" => a.1.to_lowercase().cmp(&b.1.to_lowercase()),
            "name" => a.2.name.to_lowercase().cmp(&b.2.name.to_lowercase()),
            "expires" => a.2.expires_at.cmp(&b.2.expires_at),
            "last_used" => a.2.last_used_at.cmp(&b.2.last_used_at),
            _ => a.2.created_at.cmp(&b.2.created_at),
        }
        .then(a.2.created_at.cmp(&b.2.created_at))
        .then_with(|| a.2.id.0.cmp(&b.2.id.0))
    });
    let rows = page_rows
        .into_iter()
        .map(|(user, org, t)| TokenRow {
            id: t.id.to_string(),
            user,
            org,
            name: t.name,
            scopes: t.scopes.to_list(),
            created: prefs.when(t.created_at),
            expires: t.expires_at.map(|x| prefs.when(x)),
            last_used: t.last_used_at.map(|x| prefs.when(x)),
            revoked: t.revoked_at.map(|x| prefs.when(x)),
        })
        .collect();
    let AdminChrome { chrome, sections } = chrome("Tokens", w, prefs, "/admin/tokens");
    let page = TokensPage {
        chrome,
        sections,
        notice,
        csrf: w.csrf.clone(),
        headers: sorted.headers(&TOKEN_COLUMNS),
        rows,
        pager,
    };
    html(status, page.render())
}

/// `GET /admin/tokens`: the tokens of the users the reader manages.
pub(super) async fn tokens(
    St(state): St<AppState>,
    w: WebUser,
    prefs: Prefs,
    headers: HeaderMap,
    Query(q): Query<TableQuery>,
) -> Response {
    let res = tokens_page(
        &state,
        &w,
        prefs,
        &q,
        flash(&headers),
        axum::http::StatusCode::OK,
    )
    .await;
    shown(&state, &headers, res)
}

/// `POST /admin/tokens/{id}/revoke`: `DELETE /api/v1/tokens/{id}`.
pub(super) async fn revoke_token(
    St(state): St<AppState>,
    prefs: Prefs,
    Path(id): Path<String>,
    f: CsrfForm<Form>,
) -> Response {
    let w = f.user;
    let id = match uuid_of("token", &id) {
        Ok(id) => TokenId(id),
        Err(e) => return error_page(&e, None),
    };
    match state.service.revoke_token(&w.principal, id).await {
        Ok(t) => done(
            &state,
            "/admin/tokens",
            format!("Token {} revoked.", t.name),
            None,
        ),
        Err(e) => {
            let err = ApiError::from(e);
            if !err.status.is_client_error() {
                return error_page(&err, None);
            }
            let notice = Notice::error(crate::error::bound_message(&err.detail));
            tokens_page(
                &state,
                &w,
                prefs,
                &TableQuery::default(),
                Some(notice),
                err.status,
            )
            .await
        }
    }
}
