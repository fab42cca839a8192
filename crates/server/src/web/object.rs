//! The object page: its properties, TLP and PAP, producer, an indicator's decay for the reader,
//! its relationships (a server-drawn SVG graph and a table, [`graph`]), sightings with counts per
//! country, correlations ("also reported by …"), version history and raw JSON; the form to add a
//! sighting of it; and, on the reader's organisation's own objects when the reader may change them,
//! the producer's actions ([`actions`]: new version, revoke, change marking, set recipients). Each
//! part is read through the `Service` with the reader's principal: an object the reader may not see
//! is "not found", and its relationships, sightings and correlations list only what the reader may
//! see.

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use serde::Deserialize;
use simpul_core::access::sharing::may_write_collection;
use simpul_core::intel::sightings::NewSighting;
use simpul_core::intel::store::{MAX_PAGE, StoredObject};
use simpul_core::{Action, CoreError, Invalid, OrgId, Organisation, authorize};

use super::view::{Badge, Chrome, Field, Prefs, When, field_errors, tlp_badge};
use super::{CsrfForm, WebUser, cookie, error_page, html, see_other};
use crate::AppState;
use crate::error::ApiError;

mod actions;
mod graph;

use actions::{FLASH_COOKIE, FLASH_PATH, VersionForm};
pub(super) use actions::{marking, new_version, recipients, revoke};

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

/// An indicator's decay for the reader, in words.
#[derive(Debug)]
struct DecayShown {
    score: String,
    above: bool,
    threshold: String,
    /// When the score falls (or fell) to the threshold.
    expires: When,
    expired: bool,
    kind: String,
    lifetime: String,
}

/// A PAP badge: its CSS class and its label (`PAP:AMBER`).
#[derive(Debug)]
struct PapBadge {
    class: &'static str,
    label: String,
}

/// The producer's action forms, with what was typed into a refused one.
#[derive(Debug)]
struct Actions {
    /// The version the forms were drawn from.
    base: String,
    name: Field,
    labels: Field,
    confidence: Field,
    valid_until: Option<Field>,
    description: Field,
    tlp: Vec<(&'static str, &'static str, bool)>,
    tlp_error: Option<String>,
    widen_error: Option<String>,
    recipients: Field,
    named: usize,
    collection: String,
    revoke_error: Option<String>,
}

/// A refused form: which, and what was typed into it (shown again with the reason).
#[derive(Debug)]
pub(super) enum Refused {
    Sighting { count: String, place: String },
    Version(VersionForm),
    Revoke,
    Marking { tlp: String },
    Recipients { text: String, emails: Vec<String> },
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
    pap: Option<PapBadge>,
    decay: Option<DecayShown>,
    graph: graph::Graph,
    centre_short: String,
    centre_tlp: (&'static str, i32),
    /// Actions on an own object (`None`: not the reader's organisation's, or not theirs to change).
    actions: Option<Actions>,
    /// Why an own object shows no actions.
    no_actions: Option<String>,
    flash: Option<&'static str>,
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

/// `GET /objects/{id}`: the page, with what a change just done left to say (once).
pub(super) async fn object(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    w: WebUser,
    prefs: Prefs,
) -> Response {
    let flash = crate::auth::cookie_value(&headers, FLASH_COOKIE);
    let message = flash.as_deref().and_then(actions::flash_message);
    let mut res = page(&state, &id, &w, prefs, None, StatusCode::OK, message).await;
    if flash.is_some() {
        res.headers_mut().append(
            header::SET_COOKIE,
            cookie(&state, FLASH_COOKIE, "", FLASH_PATH, Some(0)),
        );
    }
    res
}

async fn page(
    state: &AppState,
    id: &str,
    w: &WebUser,
    prefs: Prefs,
    refused: Option<(ApiError, Refused)>,
    status: StatusCode,
    flash: Option<&'static str>,
) -> Response {
    match build(state, id, w, prefs, refused, flash).await {
        Ok(p) => html(status, p.render()),
        Err(e) => error_page(&ApiError::from(e), None),
    }
}

async fn build(
    state: &AppState,
    id: &str,
    w: &WebUser,
    prefs: Prefs,
    refused: Option<(ApiError, Refused)>,
    flash: Option<&'static str>,
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
    let decay = s
        .decay_of(p, std::slice::from_ref(&o), prefs.now)
        .await?
        .pop()
        .flatten()
        .map(|d| DecayShown {
            score: format!("{:.0}", d.score),
            above: d.score > d.model.threshold,
            threshold: format!("{:.0}", d.model.threshold),
            expires: prefs.when(d.expires_at),
            expired: d.expires_at <= prefs.now,
            kind: d.model.kind.to_owned(),
            lifetime: format!("{:.0}", d.model.lifetime_days),
        });
    let graph = graph::relationships(s, p, &o, &short).await?;
    let (mut actions, no_actions) = actions_for(state, w, &o, &json, &prefs).await?;
    let mut notice = None;
    match (refused, actions.as_mut()) {
        (
            Some((
                err,
                Refused::Sighting {
                    count: c,
                    place: pl,
                },
            )),
            _,
        ) => {
            count.value = c;
            place.value = pl;
            notice = field_errors(&err, &mut [&mut count, &mut place]);
        }
        (Some((err, form)), Some(a)) => notice = a.refused(&err, form),
        (Some((err, _)), None) => notice = field_errors(&err, &mut []),
        (None, _) => {}
    }
    let name = super::dashboard::display_name(&o);
    Ok(ObjectPage {
        decay,
        graph,
        centre_short: graph::truncate(&name, graph::NAME_CHARS),
        centre_tlp: (
            graph::tlp_class(&tlp_badge(o.tlp)),
            graph::tlp_width(&tlp_badge(o.tlp)),
        ),
        actions,
        no_actions,
        flash,
        csrf: w.csrf.clone(),
        id: o.stix_id.clone(),
        name,
        stix_type: o.stix_type.clone(),
        tlp: tlp_badge(o.tlp),
        pap: o.pap.map(|p| PapBadge {
            class: match p {
                simpul_core::intel::Pap::Clear => "pap pap-clear",
                simpul_core::intel::Pap::Green => "pap pap-green",
                simpul_core::intel::Pap::Amber => "pap pap-amber",
                simpul_core::intel::Pap::Red => "pap pap-red",
            },
            label: format!("PAP:{}", p.as_str().to_uppercase()),
        }),
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

/// The producer's action forms for `o`, when `w` may change it: an object of the reader's
/// organisation, the reader's role may share, the organisation may write into its collection, the
/// object has versions and is not revoked (what `simpul_core::intel::changes` checks again when a
/// form is posted). An own object without actions says why.
async fn actions_for(
    state: &AppState,
    w: &WebUser,
    o: &StoredObject,
    json: &serde_json::Value,
    prefs: &Prefs,
) -> Result<(Option<Actions>, Option<String>), CoreError> {
    let p = &w.principal;
    let Some(me) = p.as_user() else {
        return Ok((None, None));
    };
    if me.org.id != o.producer_org {
        return Ok((None, None));
    }
    let why = |s: &str| Ok((None, Some(s.to_owned())));
    if authorize(p, Action::ShareIntel).is_err() {
        return why("Your role may read but not change objects.");
    }
    if o.revoked {
        return why("A revoked object gets no further versions.");
    }
    if json.get("modified").is_none() {
        return why("Cyber-observables and marking definitions have no versions.");
    }
    let collection = match state.service.get_collection(p, o.collection).await {
        Ok(c) if may_write_collection(p, &c) => c,
        Ok(_) | Err(CoreError::NotFound(_)) => {
            return why("Your organisation may read but not write this object's collection.");
        }
        Err(e) => return Err(e),
    };
    let text = |k: &str| {
        json.get(k)
            .and_then(serde_json::Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    let labels = json
        .get("labels")
        .and_then(serde_json::Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(serde_json::Value::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    let confidence = json
        .get("confidence")
        .map(|c| c.to_string())
        .unwrap_or_default();
    let valid_until = (o.stix_type == "indicator").then(|| {
        let value = json
            .get("valid_until")
            .and_then(serde_json::Value::as_str)
            .and_then(|t| {
                time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok()
            })
            .map(|t| actions::local_value(t, prefs.offset()))
            .unwrap_or_default();
        Field::new("v-valid-until", "valid_until", "Valid until")
            .kind("datetime-local")
            .help("In your time zone (named at the foot of the page). Empty: no end.")
            .value(value)
    });
    Ok((
        Some(Actions {
            base: simpul_core::clock::rfc3339_micros(o.version),
            name: Field::new("v-name", "name", "Name").value(text("name")),
            labels: Field::new("v-labels", "labels", "Labels")
                .help("Comma-separated, as phishing, malicious-activity.")
                .value(labels),
            confidence: Field::new("v-confidence", "confidence", "Confidence")
                .help("0 to 100. Empty: none.")
                .value(confidence),
            valid_until,
            description: Field::new("v-description", "description", "Description")
                .value(text("description")),
            tlp: actions::tlp_options(o.tlp.label()),
            tlp_error: None,
            widen_error: None,
            recipients: Field::new("r-recipients", "recipients", "Recipients' email addresses")
                .help(
                    "One a line. They become the object's whole audience; empty: back to the \
                     collection's audience.",
                ),
            named: o.recipients.len(),
            collection: collection.title,
            revoke_error: None,
        }),
        None,
    ))
}

impl Actions {
    /// Puts a refused form's typed values and reasons back; answers what names no field.
    fn refused(&mut self, err: &ApiError, form: Refused) -> Option<String> {
        match form {
            Refused::Version(f) => {
                if f.base.is_empty() {
                    // Refused for an older version: the form shows the newest as it is.
                    return field_errors(err, &mut []);
                }
                self.name.value = f.name.chars().take(actions::MAX_NAME).collect();
                self.labels.value = f.labels.chars().take(actions::MAX_LABELS).collect();
                self.confidence.value = f.confidence.chars().take(20).collect();
                self.description.value = f
                    .description
                    .chars()
                    .take(actions::MAX_DESCRIPTION)
                    .collect();
                let mut fields = vec![
                    &mut self.name,
                    &mut self.labels,
                    &mut self.confidence,
                    &mut self.description,
                ];
                if let Some(v) = self.valid_until.as_mut() {
                    v.value = f.valid_until.chars().take(40).collect();
                    fields.push(v);
                }
                field_errors(err, &mut fields)
            }
            Refused::Revoke => {
                let mut confirm = Field::new("revoke-confirm", "confirm", "");
                let rest = field_errors(err, &mut [&mut confirm]);
                self.revoke_error = confirm.error;
                rest
            }
            Refused::Marking { tlp } => {
                for o in &mut self.tlp {
                    o.2 = o.0 == tlp;
                }
                let mut t = Field::new("m-tlp", "tlp", "");
                let mut widen = Field::new("m-widen", "widen", "");
                let rest = field_errors(err, &mut [&mut t, &mut widen]);
                self.tlp_error = t.error;
                self.widen_error = widen.error;
                rest
            }
            Refused::Recipients { text, emails } => {
                self.recipients.value = text;
                // `/recipients/N` names the Nth address: say which.
                let mut named = err.clone();
                for fe in &mut named.errors {
                    let n = fe
                        .pointer
                        .strip_prefix("/recipients/")
                        .and_then(|n| n.parse::<usize>().ok());
                    if let Some(n) = n {
                        let email: String = emails
                            .get(n)
                            .map(|e| e.chars().take(100).collect())
                            .unwrap_or_default();
                        fe.detail = format!("{email}: {}", fe.detail);
                        fe.pointer = "/recipients".to_owned();
                    }
                }
                field_errors(&named, &mut [&mut self.recipients])
            }
            Refused::Sighting { .. } => field_errors(err, &mut []),
        }
    }
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
        let form = Refused::Sighting {
            count: f.count.chars().take(40).collect(),
            place: f.place.chars().take(2000).collect(),
        };
        (err, form)
    };
    let count = match f.count.trim() {
        "" => None,
        c => match c.parse::<u64>() {
            Ok(n) => Some(n),
            Err(_) => {
                let e = Invalid::new("count", "must be a whole number").into();
                let (err, form) = refuse(e, &f);
                let status = err.status;
                return page(&state, &id, &w, prefs, Some((err, form)), status, None).await;
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
            let (err, form) = refuse(e, &f);
            if !err.status.is_client_error() {
                return error_page(&err, None);
            }
            let status = err.status;
            page(&state, &id, &w, prefs, Some((err, form)), status, None).await
        }
    }
}
