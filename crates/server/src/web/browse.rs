//! Browse and search: the objects the reader may see, filtered by type, TLP, producing
//! organisation, producer's country, time added and text, newest first, a page at a time (a cursor
//! link to the next page). Every read is [`Service::list_objects`](simpul_core::Service) /
//! `count_objects` with the reader's principal: the sharing policy decides what is listed and
//! counted.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use simpul_core::intel::store::{ObjectQuery, Order, StoredObject};
use simpul_core::intel::{Tlp, parse_tlp};
use simpul_core::{OrgId, Organisation};
use time::Duration;

use super::view::{Badge, Chrome, Prefs, When, tlp_badge};
use super::{WebUser, bad_request, error_page, html};
use crate::AppState;
use crate::error::ApiError;

/// Objects a page.
const PER_PAGE: u32 = 50;
/// Counting stops here ("more than 1000").
const COUNT_LIMIT: u64 = 1000;
/// The STIX types offered in the type filter.
pub(super) const TYPES: [&str; 12] = [
    "indicator",
    "sighting",
    "malware",
    "threat-actor",
    "campaign",
    "intrusion-set",
    "attack-pattern",
    "vulnerability",
    "report",
    "observed-data",
    "relationship",
    "note",
];
/// The time ranges offered: value, label, days (0: any time).
const RANGES: [(&str, &str, i64); 5] = [
    ("", "Any time", 0),
    ("1", "Last 24 hours", 1),
    ("7", "Last 7 days", 7),
    ("30", "Last 30 days", 30),
    ("90", "Last 90 days", 90),
];

#[derive(Debug, Default, Deserialize)]
pub(super) struct BrowseQuery {
    #[serde(default, rename = "type")]
    stix_type: String,
    #[serde(default)]
    tlp: String,
    #[serde(default)]
    org: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    added: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    next: String,
}

#[derive(Debug)]
struct Row {
    href: String,
    stix_type: String,
    name: String,
    tlp: Badge,
    org: String,
    country: String,
    added: When,
    revoked: bool,
}

#[derive(Template)]
#[template(path = "browse.html")]
struct BrowsePage {
    chrome: Chrome,
    q: BrowseQuery,
    types: Vec<(&'static str, bool)>,
    levels: Vec<(&'static str, bool)>,
    orgs: Vec<(String, String, bool)>,
    countries: Vec<(String, bool)>,
    ranges: Vec<(&'static str, &'static str, bool)>,
    rows: Vec<Row>,
    total: String,
    next: Option<String>,
    first: Option<String>,
}

pub(super) async fn browse(
    State(state): State<AppState>,
    w: WebUser,
    prefs: Prefs,
    Query(q): Query<BrowseQuery>,
) -> Response {
    let orgs = match state.service.list_orgs(&w.principal).await {
        Ok(o) => o,
        Err(e) => return error_page(&ApiError::from(e), None),
    };
    let query = match object_query(&q, &orgs, &prefs) {
        Ok(query) => query,
        Err(reason) => return bad_request(reason),
    };
    let (page, total) = match list(&state, &w, &query, &q, &orgs).await {
        Ok(x) => x,
        Err(e) => return error_page(&ApiError::from(e), None),
    };
    let by_id: HashMap<OrgId, &Organisation> = orgs.iter().map(|o| (o.id, o)).collect();
    let rows: Vec<Row> = page.iter().map(|o| row(o, &by_id, &prefs)).collect();
    let next = (page.len() == PER_PAGE as usize)
        .then(|| page.last().map(|o| link(&q, Some(o))))
        .flatten();
    let first = (!q.next.is_empty()).then(|| link(&q, None));
    let mut countries: Vec<String> = orgs
        .iter()
        .filter_map(|o| o.country.map(|c| c.as_str().to_owned()))
        .collect();
    countries.sort();
    countries.dedup();
    let page = BrowsePage {
        types: TYPES.iter().map(|t| (*t, q.stix_type == *t)).collect(),
        levels: [
            Tlp::Clear,
            Tlp::Green,
            Tlp::Amber,
            Tlp::AmberStrict,
            Tlp::Red,
        ]
        .iter()
        .map(|l| (l.label(), q.tlp == l.label()))
        .collect(),
        orgs: orgs
            .iter()
            .map(|o| {
                let s = o.short_name.as_str().to_owned();
                let on = q.org == s;
                (s, o.name.clone(), on)
            })
            .collect(),
        countries: countries
            .into_iter()
            .map(|c| {
                let on = q.country == c;
                (c, on)
            })
            .collect(),
        ranges: RANGES
            .iter()
            .map(|(v, l, _)| (*v, *l, q.added == *v))
            .collect(),
        rows,
        total: if total > COUNT_LIMIT {
            format!("More than {COUNT_LIMIT}")
        } else {
            total.to_string()
        },
        next,
        first,
        chrome: Chrome::signed_in("Browse", &w, prefs, "/objects"),
        q,
    };
    html(StatusCode::OK, page.render())
}

/// The store query of the filters; a bad filter is a 400 page naming it.
fn object_query(
    q: &BrowseQuery,
    orgs: &[Organisation],
    prefs: &Prefs,
) -> Result<ObjectQuery, String> {
    let bound = |s: &str| crate::error::bound_message(s);
    let mut query = ObjectQuery {
        latest_only: true,
        order: Order::NewestFirst,
        limit: PER_PAGE,
        ..ObjectQuery::default()
    };
    if !q.stix_type.is_empty() {
        if !TYPES.contains(&q.stix_type.as_str()) {
            return Err(format!(
                "type: not a type this page filters on (got `{}`)",
                bound(&q.stix_type)
            ));
        }
        query.types = vec![q.stix_type.clone()];
    }
    if !q.tlp.is_empty() {
        let tlp = parse_tlp("tlp", &q.tlp).map_err(|e| format!("tlp: {}", e.message))?;
        query.tlp = Some(tlp);
    }
    if !q.org.is_empty() {
        let org = orgs
            .iter()
            .find(|o| o.short_name.as_str() == q.org)
            .ok_or_else(|| format!("org: no organisation `{}`", bound(&q.org)))?;
        query.producer_org = Some(org.id);
    }
    if !q.country.is_empty()
        && !orgs
            .iter()
            .any(|o| o.country.is_some_and(|c| c.as_str() == q.country))
    {
        return Err(format!(
            "country: no organisation of country `{}`",
            bound(&q.country)
        ));
    }
    let days = RANGES
        .iter()
        .find(|(v, ..)| *v == q.added)
        .map(|(.., d)| *d)
        .ok_or_else(|| {
            format!(
                "added: must be 1, 7, 30 or 90 days, or empty (got `{}`)",
                bound(&q.added)
            )
        })?;
    if days > 0 {
        query.added_after = Some(prefs.now - Duration::days(days));
    }
    let text = q.q.trim();
    if !text.is_empty() {
        query.text = Some(text.to_owned());
    }
    if !q.next.is_empty() {
        let micros: i128 = q
            .next
            .parse()
            .map_err(|_| "next: not a cursor this page gave".to_owned())?;
        query.after_cursor = Some(
            simpul_core::clock::from_unix_micros(micros)
                .ok_or_else(|| "next: not a cursor this page gave".to_owned())?,
        );
    }
    Ok(query)
}

/// One page and the total. A country filter is the producing organisations of that country, each
/// listed through the policy and merged newest first.
async fn list(
    state: &AppState,
    w: &WebUser,
    query: &ObjectQuery,
    q: &BrowseQuery,
    orgs: &[Organisation],
) -> Result<(Vec<StoredObject>, u64), simpul_core::CoreError> {
    let producers: Vec<Option<OrgId>> = if q.country.is_empty() || query.producer_org.is_some() {
        vec![query.producer_org]
    } else {
        orgs.iter()
            .filter(|o| o.country.is_some_and(|c| c.as_str() == q.country))
            .map(|o| Some(o.id))
            .collect()
    };
    let mut page = Vec::new();
    let mut total = 0;
    for producer in producers {
        if let (Some(want), Some(p)) = (query.producer_org, producer)
            && want != p
        {
            continue;
        }
        let one = ObjectQuery {
            producer_org: producer,
            ..query.clone()
        };
        page.extend(state.service.list_objects(&w.principal, &one).await?);
        let counted = ObjectQuery {
            count_limit: Some(COUNT_LIMIT + 1),
            after_cursor: None,
            ..one
        };
        total += state.service.count_objects(&w.principal, &counted).await?;
    }
    page.sort_by_key(|o| std::cmp::Reverse(o.date_added));
    page.truncate(PER_PAGE as usize);
    Ok((page, total))
}

fn row(o: &StoredObject, orgs: &HashMap<OrgId, &Organisation>, prefs: &Prefs) -> Row {
    let org = orgs.get(&o.producer_org);
    Row {
        href: format!("/objects/{}", o.stix_id),
        stix_type: o.stix_type.clone(),
        name: super::dashboard::display_name(o),
        tlp: tlp_badge(o.tlp),
        org: org.map_or("—".to_owned(), |g| g.short_name.as_str().to_owned()),
        country: org
            .and_then(|g| g.country)
            .map_or("—".to_owned(), |c| c.as_str().to_owned()),
        added: prefs.when(o.date_added),
        revoked: o.revoked,
    }
}

/// The browse link with the same filters, continuing after `last` (or from the start).
fn link(q: &BrowseQuery, last: Option<&StoredObject>) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in [
        ("type", &q.stix_type),
        ("tlp", &q.tlp),
        ("org", &q.org),
        ("country", &q.country),
        ("added", &q.added),
        ("q", &q.q),
    ] {
        if !v.is_empty() {
            s.append_pair(k, v);
        }
    }
    if let Some(o) = last {
        let micros = o.date_added.unix_timestamp_nanos() / 1000;
        s.append_pair("next", &micros.to_string());
    }
    format!("/objects?{}", s.finish())
}
