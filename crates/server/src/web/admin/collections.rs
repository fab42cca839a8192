//! Collections (site-admin): list, create and change them — audience (a community, organisations
//! or named users), default TLP, and the organisations of the audience that may read but not
//! write. The same service functions as `/api/v1/collections`; only the collections' settings are
//! shown, never the objects in them.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query};
use axum::http::HeaderMap;
use axum::response::Response;
use simpul_core::access::Action;
use simpul_core::intel::collection_change::CollectionPatch;
use simpul_core::intel::service::{AudienceNames, NewCollection};
use simpul_core::intel::{Audience, Collection, CollectionId, Tlp, parse_tlp};
use simpul_core::org::OrgId;
use simpul_core::{Community, CoreError, Organisation, Principal, UserId};

use super::super::table::{Column, Header, Pager, Sorted, TableQuery};
use super::super::view::{Badge, Chrome, Field, NavItem, Prefs, When, tlp_badge};
use super::super::{CsrfForm, WebUser, error_page, html};
use super::FIRST_PAGE;
use super::{
    AdminChrome, Choice, Form, Notice, Retry, St, chrome, done, flash, need, or_retry, refill,
    shown, uuid_of,
};
use crate::AppState;
use crate::error::ApiError;

/// What the forms need to name things: organisations, communities, users' emails.
struct Directory {
    orgs: Vec<Organisation>,
    communities: Vec<Community>,
    emails: HashMap<UserId, String>,
}

impl Directory {
    async fn load(state: &AppState, p: &Principal) -> Result<Self, Response> {
        let fail = |e: CoreError| error_page(&ApiError::from(e), None);
        let mut orgs = state.service.list_orgs(p).await.map_err(fail)?;
        orgs.sort_by_key(|o| o.short_name.as_str().to_lowercase());
        let communities = state.service.list_communities(p).await.map_err(fail)?;
        let emails = state
            .service
            .list_users(p, None)
            .await
            .map_err(fail)?
            .into_iter()
            .map(|u| (u.id, u.email.to_string()))
            .collect();
        Ok(Self {
            orgs,
            communities,
            emails,
        })
    }

    fn short(&self, id: OrgId) -> String {
        self.orgs
            .iter()
            .find(|o| o.id == id)
            .map_or_else(|| id.to_string(), |o| o.short_name.as_str().to_owned())
    }

    /// Short names, in alphabetical order.
    fn shorts(&self, ids: &[OrgId]) -> Vec<String> {
        let mut s: Vec<String> = ids.iter().map(|o| self.short(*o)).collect();
        s.sort_by_key(|x| x.to_lowercase());
        s
    }

    /// The audience by names, as the forms show it: kind, community, organisations, emails.
    fn names(&self, a: &Audience) -> (&'static str, String, Vec<String>, Vec<String>) {
        match a {
            Audience::Community { community } => (
                "community",
                self.communities
                    .iter()
                    .find(|c| c.id == *community)
                    .map_or_else(|| community.0.to_string(), |c| c.name.to_string()),
                Vec::new(),
                Vec::new(),
            ),
            Audience::Orgs { orgs } => ("orgs", String::new(), self.shorts(orgs), Vec::new()),
            Audience::Users { users } => {
                let mut emails: Vec<String> = users
                    .iter()
                    .map(|u| {
                        self.emails
                            .get(u)
                            .cloned()
                            .unwrap_or_else(|| u.0.to_string())
                    })
                    .collect();
                emails.sort();
                ("users", String::new(), Vec::new(), emails)
            }
        }
    }

    /// The organisations of an audience that may write (all but the read-only ones), or the named
    /// users.
    fn writers(&self, c: &Collection) -> String {
        let orgs: Vec<OrgId> = match &c.audience {
            Audience::Community { community } => self
                .communities
                .iter()
                .find(|x| x.id == *community)
                .map(|x| x.members.clone())
                .unwrap_or_default(),
            Audience::Orgs { orgs } => orgs.clone(),
            Audience::Users { .. } => return self.names(&c.audience).3.join(", "),
        };
        let mut w: Vec<String> = orgs
            .iter()
            .filter(|o| !c.read_only_orgs.contains(o))
            .map(|o| self.short(*o))
            .collect();
        w.sort_by_key(|s| s.to_lowercase());
        w.join(", ")
    }
}

struct Row {
    id: String,
    title: String,
    alias: String,
    audience: String,
    tlp: Badge,
    writers: String,
    read_only: String,
    created: When,
}

#[derive(Template)]
#[template(path = "admin/collections.html")]
struct ListPage {
    chrome: Chrome,
    sections: Vec<NavItem>,
    notice: Option<Notice>,
    csrf: String,
    headers: Vec<Header>,
    rows: Vec<Row>,
    pager: Pager,
    form: CollectionForm,
}

/// The fields of the create and edit forms.
struct CollectionForm {
    action: String,
    submit: &'static str,
    title: Field,
    alias: Field,
    description: Field,
    tlp: Choice,
    kind: Choice,
    community: Choice,
    orgs: Vec<(String, String, bool)>,
    orgs_error: Option<String>,
    users: Field,
    /// Only when editing.
    read_only: Option<Vec<(String, String, bool)>>,
    read_only_error: Option<String>,
}

const COLUMNS: [Column; 7] = [
    Column::sorted("Title", "title"),
    Column::plain("Audience"),
    Column::sorted("Default TLP", "tlp"),
    Column::plain("May write"),
    Column::plain("Read-only"),
    Column::sorted("Created", "created"),
    Column::plain("Actions"),
];

const PER_PAGE: usize = 25;

/// What a form starts with: from a collection (editing), else the defaults.
struct Start {
    title: String,
    alias: String,
    description: String,
    tlp: String,
    kind: &'static str,
    community: String,
    orgs: Vec<String>,
    users: Vec<String>,
    read_only: Option<Vec<String>>,
}

fn form(
    dir: &Directory,
    s: Start,
    action: String,
    retry: Option<&Retry>,
) -> (CollectionForm, Option<Notice>) {
    let mut title = Field::new("col-title", "title", "Title")
        .required()
        .value(s.title);
    let mut alias = Field::new("col-alias", "alias", "Alias")
        .help("A short unique name for URLs (lower case, digits, dashes); empty: none.")
        .value(s.alias);
    let mut description =
        Field::new("col-description", "description", "Description").value(s.description);
    let mut tlp = Choice::new(
        "col-tlp",
        "default_tlp",
        "Default TLP",
        Tlp::ALL
            .iter()
            .map(|t| (t.label().to_owned(), t.label().to_owned())),
        &s.tlp,
    )
    .help("The marking of objects shared here unmarked.");
    let mut kind = Choice::new(
        "col-kind",
        "audience",
        "Audience",
        [
            ("community", "A community (its members now and later)"),
            ("orgs", "Organisations (tick them below)"),
            ("users", "Named users (emails below)"),
        ]
        .map(|(v, l)| (v.to_owned(), l.to_owned())),
        s.kind,
    );
    let mut community = Choice::new(
        "col-community",
        "community",
        "Community",
        dir.communities
            .iter()
            .map(|c| (c.name.to_string(), c.name.to_string())),
        &s.community,
    )
    .help("When the audience is a community.");
    let mut users = Field::new("col-users", "users", "Users")
        .help("When the audience is named users: their emails, separated by commas.")
        .value(s.users.join(", "));
    let retry = retry.filter(|r| r.form == "collection");
    let notice = refill(
        retry,
        "collection",
        &mut [&mut title, &mut alias, &mut description, &mut users],
        &mut [&mut tlp, &mut kind, &mut community],
        "alias",
    );
    let (orgs_chosen, ro_chosen) = match retry {
        Some(r) => (
            r.data.all("audience_org"),
            Some(r.data.all("read_only_org")),
        ),
        None => (s.orgs, s.read_only.clone()),
    };
    let err_at = |prefix: &str| {
        retry.and_then(|r| {
            r.err
                .errors
                .iter()
                .find(|e| e.pointer.starts_with(prefix))
                .map(|e| e.detail.clone())
        })
    };
    let checks = |chosen: &[String]| {
        dir.orgs
            .iter()
            .map(|o| {
                let s = o.short_name.as_str().to_owned();
                let on = chosen.contains(&s);
                (s.clone(), s, on)
            })
            .collect::<Vec<_>>()
    };
    let f = CollectionForm {
        submit: if s.read_only.is_some() {
            "Save collection"
        } else {
            "Create collection"
        },
        action,
        title,
        alias,
        description,
        tlp,
        kind,
        community,
        orgs: checks(&orgs_chosen),
        orgs_error: err_at("/audience/orgs"),
        users,
        read_only: s
            .read_only
            .as_ref()
            .map(|_| checks(&ro_chosen.unwrap_or_default())),
        read_only_error: err_at("/read_only_orgs"),
    };
    (f, notice)
}

/// Error pointers of the audience and read-only organisations, renamed to the form's fields.
fn form_errors(mut err: ApiError) -> ApiError {
    for e in &mut err.errors {
        let p = e.pointer.as_str();
        if p == "/audience/community" {
            e.pointer = "community".into();
        } else if p.starts_with("/audience/users") {
            e.pointer = "users".into();
        }
    }
    err
}

/// The audience a form names.
fn audience_of(f: &Form) -> AudienceNames {
    match f.get("audience") {
        "orgs" => AudienceNames::Orgs(f.all("audience_org")),
        "users" => AudienceNames::Users(
            f.get("users")
                .split([',', ' ', '\n', ';'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
        ),
        _ => AudienceNames::Community(f.get("community").to_owned()),
    }
}

fn tlp_of(f: &Form) -> Result<Tlp, CoreError> {
    Ok(parse_tlp("default_tlp", f.get("default_tlp"))?)
}

async fn list_page(
    state: &AppState,
    w: &WebUser,
    prefs: Prefs,
    q: &TableQuery,
    notice: Option<Notice>,
    retry: Option<Retry>,
) -> Response {
    let p = &w.principal;
    if let Err(r) = need(p, Action::ManageCollections) {
        return error_page(&r, None);
    }
    let sorted = match Sorted::read(
        q,
        &COLUMNS,
        ("title", false),
        PER_PAGE,
        "/admin/collections",
    ) {
        Ok(s) => s,
        Err(e) => return error_page(&e, None),
    };
    let dir = match Directory::load(state, p).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    let all = match state.service.list_collections(p).await {
        Ok(c) => c,
        Err(e) => return error_page(&ApiError::from(e), None),
    };
    let (cols, pager) = sorted.page_of(all, |key, a: &Collection, b: &Collection| {
        match key {
            "tlp" => a.default_tlp.cmp(&b.default_tlp),
            "created" => a.created_at.cmp(&b.created_at),
            _ => std::cmp::Ordering::Equal,
        }
        .then_with(|| a.title.to_lowercase().cmp(&b.title.to_lowercase()))
        .then_with(|| a.id.0.cmp(&b.id.0))
    });
    let rows = cols
        .iter()
        .map(|c| {
            let (kind, community, orgs, users) = dir.names(&c.audience);
            let audience = match kind {
                "community" => format!("community {community}"),
                "orgs" => orgs.join(", "),
                _ => format!("named users: {}", users.join(", ")),
            };
            Row {
                id: c.id.0.to_string(),
                title: c.title.clone(),
                alias: c.alias.clone().unwrap_or_default(),
                audience,
                tlp: tlp_badge(c.default_tlp),
                writers: dir.writers(c),
                read_only: dir.shorts(&c.read_only_orgs).join(", "),
                created: prefs.when(c.created_at),
            }
        })
        .collect();
    let start = Start {
        title: String::new(),
        alias: String::new(),
        description: String::new(),
        tlp: Tlp::Amber.label().to_owned(),
        kind: "community",
        community: String::new(),
        orgs: Vec::new(),
        users: Vec::new(),
        read_only: None,
    };
    let (form, refused) = form(&dir, start, "/admin/collections".into(), retry.as_ref());
    let AdminChrome { chrome, sections } = chrome("Collections", w, prefs, "/admin/collections");
    let page = ListPage {
        chrome,
        sections,
        notice: refused.or(notice),
        csrf: w.csrf.clone(),
        headers: sorted.headers(&COLUMNS),
        rows,
        pager,
        form,
    };
    html(Retry::status(retry.as_ref()), page.render())
}

/// `GET /admin/collections`.
pub(super) async fn list(
    St(state): St<AppState>,
    w: WebUser,
    prefs: Prefs,
    headers: HeaderMap,
    Query(q): Query<TableQuery>,
) -> Response {
    let res = list_page(&state, &w, prefs, &q, flash(&headers), None).await;
    shown(&state, &headers, res)
}

/// `POST /admin/collections`: `POST /api/v1/collections`.
pub(super) async fn create(
    St(state): St<AppState>,
    prefs: Prefs,
    CsrfForm { user: w, form: f }: CsrfForm<Form>,
) -> Response {
    let p = &w.principal;
    let result = async {
        let default_tlp = tlp_of(&f)?;
        let audience = state.service.resolve_audience(p, &audience_of(&f)).await?;
        let new = NewCollection {
            id: None,
            title: f.get("title").to_owned(),
            alias: f.opt("alias"),
            description: f.get("description").to_owned(),
            audience,
            default_tlp: Some(default_tlp),
        };
        state.service.create_collection(p, new).await
    }
    .await;
    match result {
        Ok(c) => done(
            &state,
            "/admin/collections",
            format!("Collection {} created.", c.title),
            None,
        ),
        Err(e) => {
            or_retry("collection", f, form_errors(ApiError::from(e)), |r| {
                list_page(&state, &w, prefs, &FIRST_PAGE, None, Some(r))
            })
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "admin/collection.html")]
struct EditPage {
    chrome: Chrome,
    sections: Vec<NavItem>,
    notice: Option<Notice>,
    csrf: String,
    title: String,
    tlp: Badge,
    form: CollectionForm,
}

async fn edit_page(
    state: &AppState,
    w: &WebUser,
    prefs: Prefs,
    id: &str,
    retry: Option<Retry>,
) -> Response {
    let p = &w.principal;
    if let Err(r) = need(p, Action::ManageCollections) {
        return error_page(&r, None);
    }
    let id = match uuid_of("collection", id) {
        Ok(id) => CollectionId(id),
        Err(e) => return error_page(&e, None),
    };
    let c = match state.service.get_collection(p, id).await {
        Ok(c) => c,
        Err(e) => return error_page(&ApiError::from(e), None),
    };
    let dir = match Directory::load(state, p).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    let (kind, community, orgs, users) = dir.names(&c.audience);
    let start = Start {
        title: c.title.clone(),
        alias: c.alias.clone().unwrap_or_default(),
        description: c.description.clone(),
        tlp: c.default_tlp.label().to_owned(),
        kind,
        community,
        orgs,
        users,
        read_only: Some(dir.shorts(&c.read_only_orgs)),
    };
    let (form, notice) = form(
        &dir,
        start,
        format!("/admin/collections/{}", c.id.0),
        retry.as_ref(),
    );
    let title = format!("Collection {}", c.title);
    let AdminChrome { chrome, sections } = chrome(&title, w, prefs, "/admin/collections");
    let page = EditPage {
        chrome,
        sections,
        notice,
        csrf: w.csrf.clone(),
        title: c.title,
        tlp: tlp_badge(c.default_tlp),
        form,
    };
    html(Retry::status(retry.as_ref()), page.render())
}

/// `GET /admin/collections/{id}`: the edit form.
pub(super) async fn edit(
    St(state): St<AppState>,
    w: WebUser,
    prefs: Prefs,
    Path(id): Path<String>,
) -> Response {
    edit_page(&state, &w, prefs, &id, None).await
}

/// `POST /admin/collections/{id}`: `PATCH /api/v1/collections/{id}` with every field.
pub(super) async fn update(
    St(state): St<AppState>,
    prefs: Prefs,
    Path(id): Path<String>,
    CsrfForm { user: w, form: f }: CsrfForm<Form>,
) -> Response {
    let cid = match uuid_of("collection", &id) {
        Ok(id) => CollectionId(id),
        Err(e) => return error_page(&e, None),
    };
    let result = async {
        let patch = CollectionPatch {
            title: Some(f.get("title").to_owned()),
            alias: Some(f.opt("alias")),
            description: Some(f.get("description").to_owned()),
            default_tlp: Some(tlp_of(&f)?),
            audience: Some(audience_of(&f)),
            read_only_orgs: Some(f.all("read_only_org")),
        };
        state
            .service
            .update_collection(&w.principal, cid, patch)
            .await
    }
    .await;
    match result {
        Ok(c) => done(
            &state,
            "/admin/collections",
            format!("Collection {} saved.", c.title),
            None,
        ),
        Err(e) => {
            or_retry("collection", f, form_errors(ApiError::from(e)), |r| {
                edit_page(&state, &w, prefs, &id, Some(r))
            })
            .await
        }
    }
}
