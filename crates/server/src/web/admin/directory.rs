//! Organisations and sharing communities (site-admin): the same service functions as
//! `/api/v1/organisations` and `/api/v1/communities`.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query};
use axum::http::HeaderMap;
use axum::response::Response;
use simpul_core::access::Action;
use simpul_core::country::Country;
use simpul_core::org::{NewOrganisation, OrgId, ShortName};
use simpul_core::service::OrgUpdate;
use simpul_core::{CommunityName, CoreError, Invalid, OrgKind, OrgStatus, Organisation};

use super::super::table::{Column, Header, Pager, Sorted, TableQuery};
use super::super::view::{Chrome, Field, NavItem, Prefs, When};
use super::super::{CsrfForm, WebUser, error_page, html};
use super::FIRST_PAGE;
use super::{
    AdminChrome, Choice, Form, Notice, Retry, St, chrome, done, flash, need, or_retry, refill,
    shown, uuid_of,
};
use crate::AppState;
use crate::error::ApiError;

struct OrgRow {
    id: String,
    short_name: String,
    name: String,
    kind: &'static str,
    country: String,
    status: &'static str,
    created: When,
}

#[derive(Template)]
#[template(path = "admin/organisations.html")]
struct OrgsPage {
    chrome: Chrome,
    sections: Vec<NavItem>,
    notice: Option<Notice>,
    csrf: String,
    headers: Vec<Header>,
    rows: Vec<OrgRow>,
    pager: Pager,
    name: Field,
    short_name: Field,
    kind: Choice,
    country: Field,
}

const ORG_COLUMNS: [Column; 7] = [
    Column::sorted("Short name", "short_name"),
    Column::sorted("Name", "name"),
    Column::sorted("Kind", "kind"),
    Column::sorted("Country", "country"),
    Column::sorted("Status", "status"),
    Column::sorted("Created", "created"),
    Column::plain("Actions"),
];

const PER_PAGE: usize = 25;

fn kinds(chosen: &str) -> Choice {
    Choice::new(
        "org-kind",
        "kind",
        "Kind",
        OrgKind::ALL
            .iter()
            .map(|k| (k.as_str().to_owned(), k.as_str().to_owned())),
        chosen,
    )
}

fn country_field(id: &'static str) -> Field {
    Field::new(id, "country", "Country").help("An ISO 3166-1 alpha-2 code, e.g. SG; empty: none.")
}

fn cmp_orgs(key: &str, a: &Organisation, b: &Organisation) -> std::cmp::Ordering {
    let lower = |o: &Organisation| o.short_name.as_str().to_lowercase();
    match key {
        "name" => a.name.to_lowercase().cmp(&b.name.to_lowercase()),
        "kind" => a.kind.as_str().cmp(b.kind.as_str()),
        "country" => a.country.cmp(&b.country),
        "status" => a.status.as_str().cmp(b.status.as_str()),
        "created" => a.created_at.cmp(&b.created_at),
        _ => std::cmp::Ordering::Equal,
    }
    .then_with(|| lower(a).cmp(&lower(b)))
}

async fn orgs_page(
    state: &AppState,
    w: &WebUser,
    prefs: Prefs,
    q: &TableQuery,
    notice: Option<Notice>,
    retry: Option<Retry>,
) -> Response {
    if let Err(r) = need(&w.principal, Action::ManageOrgs) {
        return error_page(&r, None);
    }
    let sorted = match Sorted::read(
        q,
        &ORG_COLUMNS,
        ("short_name", false),
        PER_PAGE,
        "/admin/organisations",
    ) {
        Ok(s) => s,
        Err(e) => return error_page(&e, None),
    };
    let all = match state.service.list_orgs(&w.principal).await {
        Ok(o) => o,
        Err(e) => return error_page(&ApiError::from(e), None),
    };
    let (orgs, pager) = sorted.page_of(all, cmp_orgs);
    let rows = orgs
        .into_iter()
        .map(|o| OrgRow {
            id: o.id.to_string(),
            short_name: o.short_name.as_str().to_owned(),
            name: o.name,
            kind: o.kind.as_str(),
            country: o.country.map(String::from).unwrap_or_default(),
            status: o.status.as_str(),
            created: prefs.when(o.created_at),
        })
        .collect();
    let mut name = Field::new("org-name", "name", "Name")
        .required()
        .help("The organisation's full name.");
    let mut short_name = Field::new("org-short", "short_name", "Short name")
        .required()
        .help("How simpul names it everywhere, e.g. SingCERT; unique in any case.");
    let mut kind = kinds(OrgKind::NationalCert.as_str());
    let mut country = country_field("org-country");
    let refused = refill(
        retry.as_ref(),
        "create",
        &mut [&mut name, &mut short_name, &mut country],
        &mut [&mut kind],
        "short_name",
    );
    let AdminChrome { chrome, sections } =
        chrome("Organisations", w, prefs, "/admin/organisations");
    let page = OrgsPage {
        chrome,
        sections,
        notice: refused.or(notice),
        csrf: w.csrf.clone(),
        headers: sorted.headers(&ORG_COLUMNS),
        rows,
        pager,
        name,
        short_name,
        kind,
        country,
    };
    html(Retry::status(retry.as_ref()), page.render())
}

/// `GET /admin/organisations`.
pub(super) async fn orgs(
    St(state): St<AppState>,
    w: WebUser,
    prefs: Prefs,
    headers: HeaderMap,
    Query(q): Query<TableQuery>,
) -> Response {
    let res = orgs_page(&state, &w, prefs, &q, flash(&headers), None).await;
    shown(&state, &headers, res)
}

/// `POST /admin/organisations`: `POST /api/v1/organisations`.
pub(super) async fn create_org(
    St(state): St<AppState>,
    prefs: Prefs,
    CsrfForm { user: w, form: f }: CsrfForm<Form>,
) -> Response {
    let parsed = (|| -> Result<NewOrganisation, Invalid> {
        Ok(NewOrganisation {
            name: f.get("name").to_owned(),
            short_name: ShortName::parse(f.get("short_name"))?,
            kind: f.get("kind").parse::<OrgKind>()?,
            country: f
                .opt("country")
                .as_deref()
                .map(Country::parse)
                .transpose()?,
        })
    })();
    let result = match parsed {
        Ok(new) => state.service.create_org(&w.principal, new).await,
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(o) => done(
            &state,
            "/admin/organisations",
            format!("Organisation {} created.", o.short_name),
            None,
        ),
        Err(e) => {
            or_retry("create", f, e.into(), |r| {
                orgs_page(&state, &w, prefs, &FIRST_PAGE, None, Some(r))
            })
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "admin/organisation.html")]
struct OrgPage {
    chrome: Chrome,
    sections: Vec<NavItem>,
    notice: Option<Notice>,
    csrf: String,
    id: String,
    short_name: String,
    name: Field,
    country: Field,
    kind: Choice,
    status: Choice,
}

async fn org_page(
    state: &AppState,
    w: &WebUser,
    prefs: Prefs,
    id: &str,
    retry: Option<Retry>,
) -> Response {
    if let Err(r) = need(&w.principal, Action::ManageOrgs) {
        return error_page(&r, None);
    }
    let id = match uuid_of("organisation", id) {
        Ok(id) => OrgId(id),
        Err(e) => return error_page(&e, None),
    };
    let org = match state.service.get_org(&w.principal, id).await {
        Ok(o) => o,
        Err(e) => return error_page(&ApiError::from(e), None),
    };
    let mut name = Field::new("org-name", "name", "Name")
        .required()
        .value(org.name.clone());
    let mut country =
        country_field("org-country").value(org.country.map(String::from).unwrap_or_default());
    let mut kind = kinds(org.kind.as_str());
    let mut status = Choice::new(
        "org-status",
        "status",
        "Status",
        OrgStatus::ALL
            .iter()
            .map(|s| (s.as_str().to_owned(), s.as_str().to_owned())),
        org.status.as_str(),
    )
    .help("Suspending stops its users and tokens at once.");
    let notice = refill(
        retry.as_ref(),
        "update",
        &mut [&mut name, &mut country],
        &mut [&mut kind, &mut status],
        "name",
    );
    let title = format!("Organisation {}", org.short_name);
    let AdminChrome { chrome, sections } = chrome(&title, w, prefs, "/admin/organisations");
    let page = OrgPage {
        chrome,
        sections,
        notice,
        csrf: w.csrf.clone(),
        id: org.id.to_string(),
        short_name: org.short_name.as_str().to_owned(),
        name,
        country,
        kind,
        status,
    };
    html(Retry::status(retry.as_ref()), page.render())
}

/// `GET /admin/organisations/{id}`: the edit form.
pub(super) async fn org(
    St(state): St<AppState>,
    w: WebUser,
    prefs: Prefs,
    Path(id): Path<String>,
) -> Response {
    org_page(&state, &w, prefs, &id, None).await
}

/// `POST /admin/organisations/{id}`: `PATCH /api/v1/organisations/{id}`.
pub(super) async fn update_org(
    St(state): St<AppState>,
    prefs: Prefs,
    Path(id): Path<String>,
    CsrfForm { user: w, form: f }: CsrfForm<Form>,
) -> Response {
    let org_id = match uuid_of("organisation", &id) {
        Ok(id) => OrgId(id),
        Err(e) => return error_page(&e, None),
    };
    let parsed = (|| -> Result<OrgUpdate, Invalid> {
        Ok(OrgUpdate {
            name: Some(f.get("name").to_owned()),
            country: Some(
                f.opt("country")
                    .as_deref()
                    .map(Country::parse)
                    .transpose()?,
            ),
            kind: Some(f.get("kind").parse::<OrgKind>()?),
            status: Some(f.get("status").parse::<OrgStatus>()?),
        })
    })();
    let result = match parsed {
        Ok(u) => state.service.update_org(&w.principal, org_id, u).await,
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(o) => done(
            &state,
            "/admin/organisations",
            format!("Organisation {} saved.", o.short_name),
            None,
        ),
        Err(e) => {
            or_retry("update", f, e.into(), |r| {
                org_page(&state, &w, prefs, &id, Some(r))
            })
            .await
        }
    }
}

struct CommunityRow {
    name: String,
    description: String,
    members: String,
    created: When,
}

#[derive(Template)]
#[template(path = "admin/communities.html")]
struct CommunitiesPage {
    chrome: Chrome,
    sections: Vec<NavItem>,
    notice: Option<Notice>,
    csrf: String,
    rows: Vec<CommunityRow>,
    name: Field,
    description: Field,
    community: Choice,
    orgs: Vec<(String, String, bool)>,
    orgs_error: Option<String>,
}

async fn communities_page(
    state: &AppState,
    w: &WebUser,
    prefs: Prefs,
    notice: Option<Notice>,
    retry: Option<Retry>,
) -> Response {
    if let Err(r) = need(&w.principal, Action::ManageCommunities) {
        return error_page(&r, None);
    }
    let p = &w.principal;
    let (all, orgs) = match (
        state.service.list_communities(p).await,
        state.service.list_orgs(p).await,
    ) {
        (Ok(c), Ok(o)) => (c, o),
        (Err(e), _) | (_, Err(e)) => return error_page(&ApiError::from(e), None),
    };
    let short: HashMap<OrgId, String> = orgs
        .iter()
        .map(|o| (o.id, o.short_name.as_str().to_owned()))
        .collect();
    let rows = all
        .iter()
        .map(|c| {
            let mut members: Vec<String> = c
                .members
                .iter()
                .map(|m| short.get(m).cloned().unwrap_or_else(|| m.to_string()))
                .collect();
            members.sort_by_key(|m| m.to_lowercase());
            CommunityRow {
                name: c.name.to_string(),
                description: c.description.clone(),
                members: members.join(", "),
                created: prefs.when(c.created_at),
            }
        })
        .collect();
    let mut name = Field::new("community-name", "name", "Name")
        .required()
        .help("Lower case letters, digits and dashes, e.g. asean-cert.");
    let mut description = Field::new("community-description", "description", "Description");
    let mut community = Choice::new(
        "members-community",
        "community",
        "Community",
        all.iter().map(|c| (c.name.to_string(), c.name.to_string())),
        "",
    );
    let mut notice = notice;
    if let Some(n) = refill(
        retry.as_ref(),
        "create",
        &mut [&mut name, &mut description],
        &mut [],
        "name",
    ) {
        notice = Some(n);
    }
    let members_retry = retry.as_ref().filter(|r| r.form == "members");
    let chosen: Vec<String> = members_retry.map(|r| r.data.all("org")).unwrap_or_default();
    let mut orgs_error = None;
    if let Some(r) = members_retry {
        notice = refill(Some(r), "members", &mut [], &mut [&mut community], "");
        orgs_error = r
            .err
            .errors
            .iter()
            .find(|e| e.pointer == "org" || e.pointer.starts_with("/members"))
            .map(|e| e.detail.clone());
        if orgs_error.is_some() {
            notice = Some(Notice::error(
                "The form was not accepted: see the marked fields.",
            ));
        }
    }
    let org_choices = orgs
        .iter()
        .map(|o| {
            let id = o.id.to_string();
            let on = chosen.contains(&id);
            (id, o.short_name.as_str().to_owned(), on)
        })
        .collect();
    let AdminChrome { chrome, sections } = chrome("Communities", w, prefs, "/admin/communities");
    let page = CommunitiesPage {
        chrome,
        sections,
        notice,
        csrf: w.csrf.clone(),
        rows,
        name,
        description,
        community,
        orgs: org_choices,
        orgs_error,
    };
    html(Retry::status(retry.as_ref()), page.render())
}

/// `GET /admin/communities`.
pub(super) async fn communities(
    St(state): St<AppState>,
    w: WebUser,
    prefs: Prefs,
    headers: HeaderMap,
) -> Response {
    let res = communities_page(&state, &w, prefs, flash(&headers), None).await;
    shown(&state, &headers, res)
}

/// `POST /admin/communities`: `POST /api/v1/communities`.
pub(super) async fn create_community(
    St(state): St<AppState>,
    prefs: Prefs,
    CsrfForm { user: w, form: f }: CsrfForm<Form>,
) -> Response {
    let result = match CommunityName::parse(f.get("name")) {
        Ok(name) => {
            state
                .service
                .create_community(&w.principal, name, f.get("description"))
                .await
        }
        Err(e) => Err(Invalid::new("name", e.message).into()),
    };
    match result {
        Ok(c) => done(
            &state,
            "/admin/communities",
            format!("Community {} created.", c.name),
            None,
        ),
        Err(e) => {
            or_retry("create", f, e.into(), |r| {
                communities_page(&state, &w, prefs, None, Some(r))
            })
            .await
        }
    }
}

/// `POST /admin/communities/members`: `POST /api/v1/communities/{name}/members`.
pub(super) async fn add_members(
    St(state): St<AppState>,
    prefs: Prefs,
    CsrfForm { user: w, form: f }: CsrfForm<Form>,
) -> Response {
    let orgs: Result<Vec<OrgId>, CoreError> = f
        .all("org")
        .iter()
        .map(|o| {
            uuid::Uuid::parse_str(o)
                .map(OrgId)
                .map_err(|_| Invalid::new("org", "not an organisation id").into())
        })
        .collect();
    let result = match orgs {
        Ok(orgs) if orgs.is_empty() => {
            Err(Invalid::new("org", "choose at least one organisation").into())
        }
        Ok(orgs) => {
            state
                .service
                .add_community_members(&w.principal, f.get("community"), &orgs)
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(c) => done(
            &state,
            "/admin/communities",
            format!("Community {} now has {} members.", c.name, c.members.len()),
            None,
        ),
        Err(e) => {
            or_retry("members", f, e.into(), |r| {
                communities_page(&state, &w, prefs, None, Some(r))
            })
            .await
        }
    }
}
