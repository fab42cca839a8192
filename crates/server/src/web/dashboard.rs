//! The dashboard: what the reader may see, counted — objects by type and TLP, objects added per
//! day by the producer's country over the last 30 or 90 days (server-drawn SVG), the observables
//! the most organisations and countries reported, and the reader's organisation's newest objects.
//! Every number comes from one walk over
//! [`Service::list_objects`](simpul_core::Service::list_objects) with the reader's principal (and,
//! for the observables, the canonical keys of each page the walk read, through
//! [`Service::observable_keys_of`](simpul_core::Service::observable_keys_of)), so the sharing
//! policy decides what is counted: nothing the reader may not see adds to any number. The
//! federation panel lists the peers with their sync status for those the REST `GET /peers` serves
//! (site-admins: [`Service::list_peers`](simpul_core::Service::list_peers) decides), and is absent
//! for everyone else and when no peer is configured.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use simpul_core::intel::Tlp;
use simpul_core::intel::store::{ObjectQuery, Order, StoredObject};
use simpul_core::{OrgId, Principal};
use time::{Duration, OffsetDateTime};

use super::view::{Badge, Chrome, Prefs, When, tlp_badge};
use super::{WebUser, bad_request, error_page, html};
use crate::AppState;
use crate::error::ApiError;

/// The TLP levels, in the order the table shows them.
const LEVELS: [Tlp; 5] = [
    Tlp::Clear,
    Tlp::Green,
    Tlp::Amber,
    Tlp::AmberStrict,
    Tlp::Red,
];

/// The dashboard walks at most this many objects (newest first); past it, it says so.
const SCAN_LIMIT: usize = 50_000;
const PAGE: u32 = 1000;

#[derive(Debug, Deserialize)]
pub(super) struct DashboardQuery {
    days: Option<String>,
}

/// A row of the type × TLP table.
#[derive(Debug)]
struct TypeRow {
    stix_type: String,
    counts: [u64; 5],
    total: u64,
}

/// One country's bars.
#[derive(Debug)]
struct CountryChart {
    country: String,
    total: u64,
    label: String,
    bars: Vec<Bar>,
}

#[derive(Debug)]
struct Bar {
    x: u32,
    y: u32,
    h: u32,
    title: String,
}

/// One of the organisation's newest objects.
#[derive(Debug)]
struct Recent {
    stix_type: String,
    name: String,
    href: String,
    tlp: Badge,
    added: When,
}

/// An observable several organisations reported.
#[derive(Debug)]
struct Spread {
    ty: String,
    key: String,
    countries: usize,
    orgs: usize,
    objects: u64,
    /// The newest object yielding it.
    href: String,
}

/// A federation peer's sync status.
#[derive(Debug)]
struct PeerRow {
    name: String,
    direction: String,
    last_success: Option<When>,
    last_sync: Option<When>,
    objects_in: u64,
    objects_out: u64,
    refused: u64,
    errors: u64,
    last_error: Option<String>,
}

/// How many observables the most-correlated panel lists.
const TOP_OBSERVABLES: usize = 10;

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    chrome: Chrome,
    org: String,
    levels: Vec<Badge>,
    types: Vec<TypeRow>,
    level_totals: [u64; 5],
    total: u64,
    capped: bool,
    days: i64,
    charts: Vec<CountryChart>,
    chart_max: u64,
    chart_width: u32,
    recent: Vec<Recent>,
    spread: Vec<Spread>,
    peers: Vec<PeerRow>,
    mine: Vec<super::checks_mine::Mine>,
}

/// Bar geometry of the per-country charts.
const BAR_W: u32 = 6;
const CHART_H: u32 = 28;

pub(super) async fn dashboard(
    State(state): State<AppState>,
    w: WebUser,
    prefs: Prefs,
    Query(q): Query<DashboardQuery>,
) -> Response {
    let days: i64 = match q.days.as_deref() {
        None | Some("") | Some("30") => 30,
        Some("90") => 90,
        Some(other) => {
            return bad_request(format!(
                "days: must be 30 or 90 (got `{}`)",
                crate::error::bound_message(other)
            ));
        }
    };
    let Some(me) = w.principal.as_user() else {
        return super::see_other("/login");
    };
    let own = me.org.id;
    let countries = match countries(&state, &w.principal).await {
        Ok(c) => c,
        Err(e) => return error_page(&ApiError::from(e), None),
    };
    let since = prefs.now - Duration::days(days);
    let mut tally = Tally::new(since, days);
    let mut query = ObjectQuery {
        latest_only: true,
        order: Order::NewestFirst,
        limit: PAGE,
        ..ObjectQuery::default()
    };
    loop {
        let page = match state.service.list_objects(&w.principal, &query).await {
            Ok(p) => p,
            Err(e) => return error_page(&ApiError::from(e), None),
        };
        for o in &page {
            tally.add(o, own, &countries);
        }
        match state.service.observable_keys_of(&w.principal, &page).await {
            Ok(keys) => tally.keys(&page, keys),
            Err(e) => return error_page(&ApiError::from(e), None),
        }
        let full = page.len() == PAGE as usize;
        match page.last() {
            Some(last) if full && tally.seen < SCAN_LIMIT => {
                query.after_cursor = Some(last.date_added);
            }
            _ => {
                tally.capped = full;
                break;
            }
        }
    }
    let peers = match peers(&state, &w.principal, &prefs).await {
        Ok(p) => p,
        Err(e) => return error_page(&e, None),
    };
    let page = tally.into_page(&prefs, days, &countries);
    let mine = super::checks_mine::mine(&state, &w.principal, &prefs).await;
    let page = DashboardPage {
        chrome: Chrome::signed_in("Dashboard", &w, prefs, "/"),
        org: me.org.name.clone(),
        peers,
        mine,
        ..page
    };
    html(StatusCode::OK, page.render())
}

/// Each organisation's country code (`—` for one without).
async fn countries(
    state: &AppState,
    p: &Principal,
) -> Result<HashMap<OrgId, String>, simpul_core::CoreError> {
    Ok(state
        .service
        .list_orgs(p)
        .await?
        .into_iter()
        .map(|o| {
            let c = o.country.map_or("—".to_owned(), |c| c.as_str().to_owned());
            (o.id, c)
        })
        .collect())
}

/// The federation peers with their status, if the reader may list them as `GET /api/v1/peers`
/// allows (the same service call decides); none otherwise.
async fn peers(state: &AppState, p: &Principal, prefs: &Prefs) -> Result<Vec<PeerRow>, ApiError> {
    let peers = match state.service.list_peers(p).await {
        Ok(peers) => peers,
        Err(e) => {
            let err = ApiError::from(e);
            if err.status == StatusCode::FORBIDDEN {
                return Ok(Vec::new());
            }
            return Err(err);
        }
    };
    Ok(peers
        .into_iter()
        .map(|peer| PeerRow {
            name: peer.name.to_string(),
            direction: peer.direction.as_str().to_owned(),
            last_success: peer.status.last_success.map(|t| prefs.when(t)),
            last_sync: peer.status.last_sync.map(|t| prefs.when(t)),
            objects_in: peer.status.objects_in,
            objects_out: peer.status.objects_out,
            refused: peer.status.refused,
            errors: peer.status.errors,
            last_error: peer
                .status
                .last_error
                .as_deref()
                .map(crate::error::bound_message),
        })
        .collect())
}

/// Who reported one canonical observable key.
#[derive(Default)]
struct Reporters {
    orgs: BTreeSet<OrgId>,
    objects: u64,
    /// The newest object yielding it (the walk goes newest first).
    newest: String,
}

/// What the walk has counted so far.
struct Tally {
    since: OffsetDateTime,
    days: i64,
    seen: usize,
    capped: bool,
    by_type: BTreeMap<String, [u64; 5]>,
    /// Per country, objects added per day (index 0: the oldest day of the range).
    per_day: BTreeMap<String, Vec<u64>>,
    recent: Vec<StoredObject>,
    /// Per canonical observable key (`type|key`), who reported it.
    reporters: HashMap<String, Reporters>,
}

impl Tally {
    fn new(since: OffsetDateTime, days: i64) -> Self {
        Self {
            since,
            days,
            seen: 0,
            capped: false,
            by_type: BTreeMap::new(),
            per_day: BTreeMap::new(),
            recent: Vec::new(),
            reporters: HashMap::new(),
        }
    }

    /// The canonical keys of a page of objects (in the page's order).
    fn keys(&mut self, page: &[StoredObject], keys: Vec<Vec<String>>) {
        for (o, keys) in page.iter().zip(keys) {
            for k in keys {
                let r = self.reporters.entry(k).or_default();
                if r.objects == 0 {
                    r.newest.clone_from(&o.stix_id);
                }
                r.objects += 1;
                r.orgs.insert(o.producer_org);
            }
        }
    }

    fn add(&mut self, o: &StoredObject, own: OrgId, countries: &HashMap<OrgId, String>) {
        self.seen += 1;
        let level = LEVELS.iter().position(|l| *l == o.tlp).unwrap_or(0);
        self.by_type.entry(o.stix_type.clone()).or_default()[level] += 1;
        if o.date_added >= self.since {
            let day = ((o.date_added - self.since).whole_days()).clamp(0, self.days - 1);
            let country = countries
                .get(&o.producer_org)
                .cloned()
                .unwrap_or_else(|| "—".to_owned());
            let days = usize::try_from(self.days).unwrap_or(30);
            let row = self.per_day.entry(country).or_insert_with(|| vec![0; days]);
            if let Some(slot) = usize::try_from(day).ok().and_then(|d| row.get_mut(d)) {
                *slot += 1;
            }
        }
        if o.producer_org == own && self.recent.len() < 10 {
            self.recent.push(o.clone());
        }
    }

    /// The observables reported by more than one organisation, those of the most countries
    /// first, then of the most organisations (at most [`TOP_OBSERVABLES`]).
    fn spread(&self, countries: &HashMap<OrgId, String>) -> Vec<Spread> {
        let mut top: Vec<Spread> = self
            .reporters
            .iter()
            .filter(|(_, r)| r.orgs.len() > 1)
            .map(|(k, r)| {
                let (ty, key) = k.split_once('|').unwrap_or(("", k.as_str()));
                let distinct: BTreeSet<&str> = r
                    .orgs
                    .iter()
                    .filter_map(|o| countries.get(o))
                    .map(String::as_str)
                    .filter(|c| *c != "—")
                    .collect();
                Spread {
                    ty: ty.to_owned(),
                    key: key.to_owned(),
                    countries: distinct.len(),
                    orgs: r.orgs.len(),
                    objects: r.objects,
                    href: format!("/objects/{}", r.newest),
                }
            })
            .collect();
        top.sort_by(|a, b| {
            (b.countries, b.orgs, &a.ty, &a.key).cmp(&(a.countries, a.orgs, &b.ty, &b.key))
        });
        top.truncate(TOP_OBSERVABLES);
        top
    }

    fn into_page(
        self,
        prefs: &Prefs,
        days: i64,
        countries: &HashMap<OrgId, String>,
    ) -> DashboardPage {
        let spread = self.spread(countries);
        let types: Vec<TypeRow> = self
            .by_type
            .into_iter()
            .map(|(stix_type, counts)| TypeRow {
                total: counts.iter().sum(),
                stix_type,
                counts,
            })
            .collect();
        let mut level_totals = [0u64; 5];
        for t in &types {
            for (i, c) in t.counts.iter().enumerate() {
                level_totals[i] += c;
            }
        }
        let chart_max = self
            .per_day
            .values()
            .flat_map(|v| v.iter().copied())
            .max()
            .unwrap_or(0)
            .max(1);
        let since = self.since;
        let charts = self
            .per_day
            .into_iter()
            .map(|(country, per_day)| chart(country, &per_day, chart_max, since, prefs))
            .collect();
        DashboardPage {
            chrome: Chrome::anonymous("Dashboard", prefs.clone()),
            org: String::new(),
            levels: LEVELS.iter().map(|l| tlp_badge(*l)).collect(),
            total: level_totals.iter().sum(),
            types,
            level_totals,
            capped: self.capped,
            days,
            charts,
            chart_max,
            chart_width: u32::try_from(days).unwrap_or(30) * BAR_W,
            recent: self.recent.iter().map(|o| recent(o, prefs)).collect(),
            spread,
            peers: Vec::new(),
            mine: Vec::new(),
        }
    }
}

fn chart(
    country: String,
    per_day: &[u64],
    max: u64,
    since: OffsetDateTime,
    prefs: &Prefs,
) -> CountryChart {
    let total: u64 = per_day.iter().sum();
    let bars = per_day
        .iter()
        .enumerate()
        .filter(|(_, n)| **n > 0)
        .map(|(i, &n)| {
            let h = u32::try_from((n * u64::from(CHART_H)).div_ceil(max)).unwrap_or(CHART_H);
            let day = since + Duration::days(i64::try_from(i).unwrap_or(0));
            let i = u32::try_from(i).unwrap_or(0);
            Bar {
                x: i * BAR_W,
                y: CHART_H - h,
                h,
                title: format!("{n} on {}", day_label(day, prefs)),
            }
        })
        .collect();
    CountryChart {
        label: format!("{country}: {total} objects added"),
        country,
        total,
        bars,
    }
}

fn day_label(t: OffsetDateTime, prefs: &Prefs) -> String {
    let w = prefs.when(t);
    w.exact.split(' ').next().unwrap_or_default().to_owned()
}

fn recent(o: &StoredObject, prefs: &Prefs) -> Recent {
    Recent {
        stix_type: o.stix_type.clone(),
        name: display_name(o),
        href: format!("/objects/{}", o.stix_id),
        tlp: tlp_badge(o.tlp),
        added: prefs.when(o.date_added),
    }
}

/// An object's `name`, else its short id.
pub(super) fn display_name(o: &StoredObject) -> String {
    serde_json::from_str::<serde_json::Value>(&o.json)
        .ok()
        .and_then(|v| v.get("name").and_then(|n| n.as_str()).map(str::to_owned))
        .unwrap_or_else(|| short_id(&o.stix_id))
}

/// `sighting--74e13079-…` → `sighting 74e13079` (for an object without a name).
fn short_id(id: &str) -> String {
    match id.split_once("--") {
        Some((t, uuid)) => format!("{t} {}", uuid.get(..8).unwrap_or(uuid)),
        None => id.to_owned(),
    }
}
