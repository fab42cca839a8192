//! The object page: its properties, TLP and PAP, producer, sightings with counts per country,
//! correlations ("also reported by …"), version history and raw JSON; and the form to add a
//! sighting of it. Each part is read through the `Service` with the reader's principal: an object
//! the reader may not see is "not found", and its sightings and correlations list only what the
//! reader may see.

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use simpul_core::intel::sightings::NewSighting;
use simpul_core::intel::store::{MAX_PAGE, StoredObject};
use simpul_core::{CoreError, Invalid, OrgId, Organisation};

use super::view::{Badge, Chrome, Field, Prefs, When, field_errors, tlp_badge};
use super::{CsrfForm, WebUser, error_page, html, see_other};
use crate::AppState;
use crate::error::ApiError;

#[derive(Debug)]
struct Version {
    version: When,
    added: When,
    org: String,
    tlp: Badge,
    revoked: bool,
    current: bool,
}

/// A property: its name, its value as text, or as a time when it is one.
#[derive(Debug)]
struct Prop {
    name: String,
    text: String,
    when: Option<When>,
}

#[derive(Debug)]
struct Related {
    href: String,
    stix_type: String,
    name: String,
    tlp: Badge,
    org: String,
    shared: String,
}

#[derive(Template)]
#[template(path = "object.html")]
struct ObjectPage {
    chrome: Chrome,
    csrf: String,
    id: String,
    name: String,
    stix_type: String,
    tlp: Badge,
    pap: Option<String>,
    producer: String,
    added: When,
    revoked: bool,
    props: Vec<Prop>,
    raw: String,
    sightings: u64,
    sighting_count: u64,
    false_positives: u64,
    per_country: Vec<(String, u64)>,
    also: String,
    related: Vec<Related>,
    related_total: u64,
    versions: Vec<Version>,
    can_sight: bool,
    count: Field,
    place: Field,
    notice: Option<String>,
}

pub(super) async fn object(
    State(state): State<AppState>,
    Path(id): Path<String>,
    w: WebUser,
    prefs: Prefs,
) -> Response {
    page(&state, &id, &w, prefs, None, StatusCode::OK).await
}

async fn page(
    state: &AppState,
    id: &str,
    w: &WebUser,
    prefs: Prefs,
    refused: Option<(ApiError, String, String)>,
    status: StatusCode,
) -> Response {
    match build(state, id, w, prefs, refused).await {
        Ok(p) => html(status, p.render()),
        Err(e) => error_page(&ApiError::from(e), None),
    }
}

async fn build(
    state: &AppState,
    id: &str,
    w: &WebUser,
    prefs: Prefs,
    refused: Option<(ApiError, String, String)>,
) -> Result<ObjectPage, CoreError> {
    let s = &state.service;
    let p = &w.principal;
    let o = s.get_object(p, id, None).await?;
    let orgs: HashMap<OrgId, Organisation> = s
        .list_orgs(p)
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect();
    let short = |id: &OrgId| {
        orgs.get(id)
            .map_or("—".to_owned(), |g| g.short_name.as_str().to_owned())
    };
    let versions = s.object_versions(p, id).await?;
    let sightings = s.sightings(p, id, None, MAX_PAGE).await?;
    let mut per_country: BTreeMap<String, u64> = BTreeMap::new();
    for si in &sightings.sightings {
        let c = orgs
            .get(&si.producer_org)
            .and_then(|g| g.country)
            .map_or("—".to_owned(), |c| c.as_str().to_owned());
        *per_country.entry(c).or_default() += sighting_count(si);
    }
    let related = s.correlations(p, id, None, 20).await?;
    let json: serde_json::Value = serde_json::from_str(&o.json).unwrap_or_default();
    let props = json
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(k, _)| !matches!(k.as_str(), "id" | "type" | "spec_version"))
                .map(|(k, v)| {
                    let text = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
                    let when = v
                        .as_str()
                        .and_then(|t| {
                            time::OffsetDateTime::parse(
                                t,
                                &time::format_description::well_known::Rfc3339,
                            )
                            .ok()
                        })
                        .map(|t| prefs.when(t));
                    Prop {
                        name: k.clone(),
                        text,
                        when,
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let mut count = Field::new("sighting-count", "count", "How many times")
        .help("Empty: once.")
        .kind("text");
    let mut place = Field::new("sighting-place", "where", "Where")
        .help("In words: the network, sensor or service where it was seen.");
    let mut notice = None;
    if let Some((err, c, pl)) = refused {
        count.value = c;
        place.value = pl;
        notice = field_errors(&err, &mut [&mut count, &mut place]);
    }
    Ok(ObjectPage {
        csrf: w.csrf.clone(),
        id: o.stix_id.clone(),
        name: super::dashboard::display_name(&o),
        stix_type: o.stix_type.clone(),
        tlp: tlp_badge(o.tlp),
        pap: o.pap.map(|p| p.to_string()),
        producer: orgs.get(&o.producer_org).map_or("—".to_owned(), |g| {
            format!("{} ({})", g.name, g.short_name.as_str())
        }),
        added: prefs.when(o.date_added),
        revoked: o.revoked,
        props,
        raw: serde_json::to_string_pretty(&json).unwrap_or_else(|_| o.json.clone()),
        sightings: sightings.aggregate.sightings,
        sighting_count: sightings.aggregate.count,
        false_positives: sightings.aggregate.false_positives,
        per_country: per_country.into_iter().collect(),
        also: related.summary.clone(),
        related_total: related.total,
        related: related
            .objects
            .iter()
            .map(|c| Related {
                href: format!("/objects/{}", c.object.stix_id),
                stix_type: c.object.stix_type.clone(),
                name: super::dashboard::display_name(&c.object),
                tlp: tlp_badge(c.object.tlp),
                org: short(&c.object.producer_org),
                shared: c.shared.join(", "),
            })
            .collect(),
        versions: versions
            .iter()
            .map(|v| Version {
                version: prefs.when(v.version),
                added: prefs.when(v.date_added),
                org: short(&v.producer_org),
                tlp: tlp_badge(v.tlp),
                revoked: v.revoked,
                current: v.version == o.version && v.producer_org == o.producer_org,
            })
            .collect(),
        can_sight: o.stix_type == "indicator" && !o.revoked,
        count,
        place,
        notice,
        chrome: Chrome::signed_in(&o.stix_type, w, prefs, "/objects"),
    })
}

/// A sighting's `count` (1 without one).
fn sighting_count(o: &StoredObject) -> u64 {
    serde_json::from_str::<serde_json::Value>(&o.json)
        .ok()
        .and_then(|v| v.get("count").and_then(serde_json::Value::as_u64))
        .unwrap_or(1)
}

#[derive(Deserialize)]
pub(super) struct SightingForm {
    #[serde(default)]
    count: String,
    #[serde(default, rename = "where")]
    place: String,
    false_positive: Option<String>,
}

/// `POST /objects/{id}/sightings`: "we saw this too", then back to the object.
pub(super) async fn add_sighting(
    State(state): State<AppState>,
    Path(id): Path<String>,
    prefs: Prefs,
    CsrfForm { user: w, form: f }: CsrfForm<SightingForm>,
) -> Response {
    let refuse = |e: CoreError, f: &SightingForm| {
        let err = ApiError::from(e);
        (err, f.count.clone(), f.place.clone())
    };
    let count = match f.count.trim() {
        "" => None,
        c => match c.parse::<u64>() {
            Ok(n) => Some(n),
            Err(_) => {
                let e = Invalid::new("count", "must be a whole number").into();
                let (err, c, p) = refuse(e, &f);
                let status = err.status;
                return page(&state, &id, &w, prefs, Some((err, c, p)), status).await;
            }
        },
    };
    let new = NewSighting {
        count,
        place: f.place.trim().to_owned(),
        false_positive: f.false_positive.is_some(),
        ..NewSighting::default()
    };
    match state.service.record_sighting(&w.principal, &id, new).await {
        Ok(_) => see_other(&format!("/objects/{id}#sightings")),
        Err(e) => {
            let (err, c, p) = refuse(e, &f);
            if !err.status.is_client_error() {
                return error_page(&err, None);
            }
            let status = err.status;
            page(&state, &id, &w, prefs, Some((err, c, p)), status).await
        }
    }
}
