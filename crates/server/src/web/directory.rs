//! The POC network's pages: the directory (`/directory`: organisations searched by country, FIRST
//! service, contact kind and text), a team's page (`/directory/{short}`: its RFC 2350 profile, the
//! local time now, and the contacts the reader may see with their keys), and the freshness list
//! (`/directory/health`). Every read is the REST route's service function with the reader's
//! principal (`profile`, `list_contacts`, `directory_health`), so the access module decides alike.

use std::collections::HashSet;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;
use simpul_core::access::directory::Reader;
use simpul_core::contacts::store::ContactQuery;
use simpul_core::contacts::{Contact, ContactKind, KeyFacts};
use simpul_core::directory::freshness::Problem;
use simpul_core::directory::profile::TeamProfile;
use simpul_core::{Action, OrgStatus, Organisation, authorize};

use super::table::{Column, Header, Pager, Sorted, TableQuery};
use super::view::{Chrome, Prefs, When};
use super::{WebUser, error_page, html};
use crate::AppState;
use crate::error::{ApiError, ErrorCode};

/// The directory's query: the filters and the table's sort and page.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DirQuery {
    country: String,
    service: String,
    kind: String,
    q: String,
    sort: Option<String>,
    order: Option<String>,
    page: Option<String>,
}

struct OrgRow {
    short: String,
    name: String,
    team: String,
    kind: &'static str,
    country: String,
    services: usize,
}

/// A `<select>` option: value, label, chosen.
type Opt = (String, String, bool);

#[derive(Template)]
#[template(path = "directory.html")]
struct DirectoryPage {
    chrome: Chrome,
    q: String,
    countries: Vec<Opt>,
    services: Vec<Opt>,
    kinds: Vec<Opt>,
    headers: Vec<Header>,
    rows: Vec<OrgRow>,
    pager: Pager,
}

const COLUMNS: [Column; 5] = [
    Column::sorted("Organisation", "short"),
    Column::sorted("Team", "team"),
    Column::sorted("Kind", "kind"),
    Column::sorted("Country", "country"),
    Column {
        label: "Services",
        key: Some("services"),
        num: true,
    },
];

fn opts(values: impl IntoIterator<Item = (String, String)>, chosen: &str) -> Vec<Opt> {
    values
        .into_iter()
        .map(|(v, l)| {
            let c = v == chosen;
            (v, l, c)
        })
        .collect()
}

pub(super) fn fail(e: impl Into<ApiError>) -> Response {
    error_page(&e.into(), None)
}

fn bad(field: &str, got: &str) -> Response {
    fail(ApiError::new(
        ErrorCode::InvalidInput,
        format!(
            "{field}: not a known value (got `{}`)",
            crate::error::bound_message(got)
        ),
    ))
}

pub async fn directory(
    State(state): State<AppState>,
    w: WebUser,
    prefs: Prefs,
    Query(dq): Query<DirQuery>,
) -> Response {
    let tq = TableQuery {
        sort: dq.sort.clone(),
        order: dq.order.clone(),
        page: dq.page.clone(),
    };
    let sorted = match Sorted::read(&tq, &COLUMNS, ("short", false), 50, "/directory") {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let kind = match dq.kind.as_str() {
        "" => None,
        k => match k.parse::<ContactKind>() {
            Ok(k) => Some(k),
            Err(_) => return bad("kind", k),
        },
    };
    if !dq.service.is_empty() && simpul_vocab::csirt_services::service(&dq.service).is_none() {
        return bad("service", &dq.service);
    }
    if dq.q.chars().count() > 200 {
        return fail(simpul_core::Invalid::new("q", "at most 200 characters"));
    }
    let reader = Reader::Signed(&w.principal);
    let orgs: Vec<Organisation> = match state.service.list_orgs(&w.principal).await {
        Ok(o) => o
            .into_iter()
            .filter(|o| o.status == OrgStatus::Active)
            .collect(),
        Err(e) => return fail(e),
    };
    let mut countries: Vec<String> = orgs
        .iter()
        .filter_map(|o| o.country.map(|c| c.to_string()))
        .collect();
    countries.sort();
    countries.dedup();
    // The organisations with a contact of the kind the reader may see.
    let with_kind: Option<HashSet<_>> = match kind {
        None => None,
        Some(k) => {
            let q = ContactQuery {
                kinds: vec![k],
                ..Default::default()
            };
            match state.service.list_contacts(reader, q).await {
                Ok(cs) => Some(cs.into_iter().map(|c| c.org_id).collect()),
                Err(e) => return fail(e),
            }
        }
    };
    let needle = dq.q.trim().to_lowercase();
    let mut rows = Vec::new();
    for o in orgs {
        if !dq.country.is_empty() && o.country.map(|c| c.to_string()) != Some(dq.country.clone()) {
            continue;
        }
        if with_kind.as_ref().is_some_and(|s| !s.contains(&o.id)) {
            continue;
        }
        let p = match state.service.profile(reader, o.id).await {
            Ok(v) => v.profile,
            Err(e) => return fail(e),
        };
        if !dq.service.is_empty() && !p.services.offered.contains(&dq.service) {
            continue;
        }
        let text = [
            o.name.as_str(),
            o.short_name.as_str(),
            &p.contact.team_name,
            &p.charter.mission,
            &p.charter.constituency.description,
        ]
        .join("\n")
        .to_lowercase();
        if !needle.is_empty() && !text.contains(&needle) {
            continue;
        }
        rows.push(OrgRow {
            short: o.short_name.as_str().to_owned(),
            name: o.name.clone(),
            team: p.contact.team_name.clone(),
            kind: o.kind.as_str(),
            country: o.country.map(|c| c.to_string()).unwrap_or_default(),
            services: p.services.offered.len(),
        });
    }
    let (rows, pager) = sorted.page_of(rows, |key, a: &OrgRow, b: &OrgRow| {
        match key {
            "team" => a.team.to_lowercase().cmp(&b.team.to_lowercase()),
            "kind" => a.kind.cmp(b.kind),
            "country" => a.country.cmp(&b.country),
            "services" => a.services.cmp(&b.services),
            _ => std::cmp::Ordering::Equal,
        }
        .then_with(|| a.short.to_lowercase().cmp(&b.short.to_lowercase()))
    });
    let page = DirectoryPage {
        chrome: Chrome::signed_in("Directory", &w, prefs, "/directory"),
        q: dq.q.clone(),
        countries: opts(countries.into_iter().map(|c| (c.clone(), c)), &dq.country),
        services: opts(
            simpul_vocab::csirt_services::AREAS.iter().flat_map(|a| {
                a.services
                    .iter()
                    .map(move |s| (s.id.to_owned(), format!("{} — {}", a.name, s.name)))
            }),
            &dq.service,
        ),
        kinds: opts(
            ContactKind::ALL
                .iter()
                .map(|k| (k.as_str().to_owned(), k.as_str().to_owned())),
            &dq.kind,
        ),
        headers: sorted.headers(&COLUMNS),
        rows,
        pager,
    };
    html(axum::http::StatusCode::OK, page.render())
}

struct KeyRow {
    fingerprint: String,
    expires: Option<When>,
    badge: Option<(&'static str, &'static str)>,
}

struct ContactRow {
    id: String,
    name: String,
    kinds: Vec<&'static str>,
    emails: Vec<String>,
    phones: Vec<String>,
    visibility: &'static str,
    key: Option<KeyRow>,
    key_error: Option<String>,
    verified: Option<When>,
}

#[derive(Template)]
#[template(path = "directory_team.html")]
struct TeamPage {
    chrome: Chrome,
    org: Organisation,
    org_id: String,
    p: TeamProfile,
    saved: bool,
    updated: Option<When>,
    local_now: Option<String>,
    services: Vec<(String, String)>,
    hours: Vec<(&'static str, String)>,
    contacts: Vec<ContactRow>,
    /// Whether the reader may edit the profile, and manage the contacts.
    may_edit: bool,
    may_manage: bool,
}

fn contact_row(c: &Contact, prefs: &Prefs) -> ContactRow {
    let (key, key_error) = match c.pgp_key.as_deref().map(KeyFacts::parse) {
        None => (None, None),
        Some(Err(e)) => (None, Some(e.to_string())),
        Some(Ok(k)) => {
            let badge = if k.expired(prefs.now) {
                Some(("status status-suspended", "expired"))
            } else if k.expires_soon(prefs.now) {
                Some(("status status-warn", "expires soon"))
            } else {
                None
            };
            (
                Some(KeyRow {
                    expires: k.expires.map(|t| prefs.when(t)),
                    fingerprint: k.fingerprint,
                    badge,
                }),
                None,
            )
        }
    };
    ContactRow {
        id: c.id.to_string(),
        name: c.name.clone(),
        kinds: c.kinds.iter().map(|k| k.as_str()).collect(),
        emails: c.emails.iter().map(|e| e.as_str().to_owned()).collect(),
        phones: c.phones.clone(),
        visibility: c.visibility.as_str(),
        key,
        key_error,
        verified: c.last_verified.map(|t| prefs.when(t)),
    }
}

/// The organisation of the directory named `short` (any case), or the 404 page.
pub(super) async fn org_by_short(
    state: &AppState,
    w: &WebUser,
    short: &str,
) -> Result<Organisation, Response> {
    let orgs = state.service.list_orgs(&w.principal).await.map_err(fail)?;
    orgs.into_iter()
        .find(|o| o.short_name.as_str().eq_ignore_ascii_case(short))
        .ok_or_else(|| {
            fail(ApiError::new(
                ErrorCode::NotFound,
                format!(
                    "no organisation `{}` in the directory",
                    crate::error::bound_message(short)
                ),
            ))
        })
}

pub async fn team(
    State(state): State<AppState>,
    w: WebUser,
    prefs: Prefs,
    Path(short): Path<String>,
) -> Response {
    let org = match org_by_short(&state, &w, &short).await {
        Ok(o) => o,
        Err(r) => return r,
    };
    let reader = Reader::Signed(&w.principal);
    let view = match state.service.profile(reader, org.id).await {
        Ok(v) => v,
        Err(e) => return fail(e),
    };
    let q = ContactQuery {
        orgs: Some(vec![org.id]),
        ..Default::default()
    };
    let contacts = match state.service.list_contacts(reader, q).await {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let p = view.profile;
    let local_now = p.contact.time_zone.as_ref().map(|tz| {
        let t = tz.local(prefs.now);
        let o = t.offset();
        let (h, m, _) = o.as_hms();
        let sign = if h < 0 || m < 0 { '-' } else { '+' };
        format!(
            "{:02}:{:02} on {} {} ({}, UTC{sign}{:02}:{:02})",
            t.hour(),
            t.minute(),
            t.weekday(),
            t.date(),
            tz.as_str(),
            h.abs(),
            m.abs()
        )
    });
    let services = p
        .services
        .offered
        .iter()
        .map(|id| {
            let name = simpul_vocab::csirt_services::service(id)
                .map_or_else(|| id.clone(), |s| s.name.to_owned());
            (id.clone(), name)
        })
        .collect();
    let hours = p
        .contact
        .business_hours
        .iter()
        .map(|b| (b.day.name(), format!("{}–{}", b.from, b.to)))
        .collect();
    let may_edit = authorize(&w.principal, Action::UpdateOrgProfile(org.id)).is_ok();
    let may_manage = authorize(&w.principal, Action::ManageContacts(org.id)).is_ok();
    let page = TeamPage {
        may_edit,
        may_manage,
        chrome: Chrome::signed_in(org.name.as_str(), &w, prefs.clone(), "/directory"),
        org_id: org.id.to_string(),
        updated: p.document.last_updated.map(|t| prefs.when(t)),
        contacts: contacts.iter().map(|c| contact_row(c, &prefs)).collect(),
        saved: view.saved,
        local_now,
        services,
        hours,
        org,
        p,
    };
    html(axum::http::StatusCode::OK, page.render())
}

struct FlagRow {
    org: String,
    contact: String,
    what: String,
    badge: &'static str,
}

#[derive(Template)]
#[template(path = "directory_health.html")]
struct HealthPage {
    chrome: Chrome,
    verify_after_days: u32,
    rows: Vec<FlagRow>,
}

fn describe(p: &Problem, prefs: &Prefs) -> (String, &'static str) {
    let day = |t| prefs.when(t).human;
    match p {
        Problem::NotVerified {
            last_verified: Some(t),
            ..
        } => (
            format!("not verified since {}", day(*t)),
            "status status-warn",
        ),
        Problem::NotVerified { since, .. } => (
            format!("never verified (added {})", day(*since)),
            "status status-warn",
        ),
        Problem::KeyExpired {
            fingerprint,
            expires,
        } => (
            format!("OpenPGP key {fingerprint} expired {}", day(*expires)),
            "status status-suspended",
        ),
        Problem::KeyExpiresSoon {
            fingerprint,
            expires,
        } => (
            format!("OpenPGP key {fingerprint} expires {}", day(*expires)),
            "status status-warn",
        ),
        Problem::KeyUnreadable { reason } => (
            format!("OpenPGP key unreadable: {reason}"),
            "status status-suspended",
        ),
        Problem::DutyUnanswered { .. } => (
            "24/7 duty contacts answered neither of the last two checks".to_owned(),
            "status status-suspended",
        ),
        Problem::ProfileStale { updated_at } => (
            format!("profile last saved {}", day(*updated_at)),
            "status status-warn",
        ),
        Problem::ProfileMissing => ("no team profile saved yet".to_owned(), "status status-warn"),
    }
}

pub async fn health(State(state): State<AppState>, w: WebUser, prefs: Prefs) -> Response {
    let h = match state.service.directory_health(&w.principal).await {
        Ok(h) => h,
        Err(e) => return fail(e),
    };
    let rows = h
        .flags
        .iter()
        .map(|f| {
            let (what, badge) = describe(&f.problem, &prefs);
            FlagRow {
                org: f.org.clone(),
                contact: f.contact.clone().unwrap_or_default(),
                what,
                badge,
            }
        })
        .collect();
    let page = HealthPage {
        chrome: Chrome::signed_in("Directory health", &w, prefs, "/directory"),
        verify_after_days: h.verify_after_days,
        rows,
    };
    html(axum::http::StatusCode::OK, page.render())
}
