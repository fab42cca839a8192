//! Communication checks on the web: `/checks` lists the checks the reader may see
//! ([`Service::list_checks`](simpul_core::Service::list_checks)), newest first, with the share
//! acknowledged and a server-drawn SVG of the median response time per organisation across the
//! newest checks (a table beside it says the same in numbers); `/checks/{id}` shows one check's
//! progress: per-target rows, the summary and the figures per organisation, exactly the results
//! [`Service::check_report`](simpul_core::Service::check_report) lets the reader read. While a
//! target is pending the page refreshes its progress region (`simpul.js`, `data-refresh`; without
//! script a `<meta http-equiv=refresh>` inside `<noscript>`). The coordinators also find the form
//! to start a check on `/checks` ([`super::checks_start`]).

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use simpul_core::comm_checks::duration::human;
use simpul_core::comm_checks::service::CheckReport;
use simpul_core::comm_checks::summary::Figures;
use simpul_core::comm_checks::{CheckId, Delivery, TargetState};
use simpul_core::{CoreError, OrgId};

use super::checks_mine::Mine;
use super::checks_start::{StartForm, may_start};
use super::view::{Chrome, Prefs, When};
use super::{WebUser, error_page, html};
use crate::AppState;
use crate::error::ApiError;

/// The list shows at most this many checks (newest first).
const LIST_LIMIT: usize = 100;
/// The chart covers this many of the newest checks.
const CHART_CHECKS: usize = 8;
/// Seconds between refreshes of a pending check's progress.
const REFRESH_SECS: u32 = 5;

/// One check in the list.
#[derive(Debug)]
struct Row {
    href: String,
    title: String,
    started: When,
    deadline: When,
    targets: u64,
    share: String,
    pending: u64,
}

/// One organisation's line of the chart: its median per check (oldest check first).
#[derive(Debug)]
struct OrgLine {
    org: String,
    label: String,
    cells: Vec<String>,
    bars: Vec<Bar>,
}

#[derive(Debug)]
struct Bar {
    x: u32,
    y: u32,
    h: u32,
    title: String,
}

#[derive(Template)]
#[template(path = "checks.html")]
struct ChecksPage {
    chrome: Chrome,
    rows: Vec<Row>,
    more: bool,
    chart_checks: Vec<String>,
    chart_width: u32,
    chart_max: String,
    lines: Vec<OrgLine>,
    mine: Vec<Mine>,
    /// The form to start a check (for those who may).
    form: Option<StartForm>,
}

/// One target's row on a check's page.
#[derive(Debug)]
struct TargetRow {
    org: String,
    contact: String,
    email: String,
    sent: Option<When>,
    delivery: String,
    acknowledged: Option<When>,
    response: String,
    state: String,
}

/// The figures of the summary, as text.
#[derive(Debug)]
struct FigureRow {
    org: String,
    targets: u64,
    acknowledged: u64,
    late: u64,
    no_answer: u64,
    undeliverable: u64,
    pending: u64,
    share: String,
    median: String,
    p90: String,
}

#[derive(Template)]
#[template(path = "check.html")]
struct CheckPage {
    chrome: Chrome,
    title: String,
    message: String,
    started: When,
    deadline: When,
    started_by: String,
    pending: bool,
    refresh: u32,
    rows: Vec<TargetRow>,
    total: FigureRow,
    per_org: Vec<FigureRow>,
}

/// The names of the organisations by id (short name), for the rows.
async fn org_names(state: &AppState, w: &WebUser) -> Result<HashMap<OrgId, String>, CoreError> {
    Ok(state
        .service
        .list_orgs(&w.principal)
        .await?
        .into_iter()
        .map(|o| (o.id, o.short_name.as_str().to_owned()))
        .collect())
}

fn name_of(names: &HashMap<OrgId, String>, id: OrgId) -> String {
    names.get(&id).cloned().unwrap_or_else(|| id.to_string())
}

/// A share as a percentage with no decimals.
fn percent(share: f64) -> String {
    format!("{:.0} %", share * 100.0)
}

/// Seconds as a duration in words, or a dash.
fn secs(s: Option<f64>) -> String {
    s.map_or_else(|| "–".to_owned(), |s| human(time::Duration::seconds_f64(s)))
}

fn figure_row(org: String, f: &Figures) -> FigureRow {
    FigureRow {
        org,
        targets: f.targets,
        acknowledged: f.states.acknowledged,
        late: f.states.late,
        no_answer: f.states.no_answer,
        undeliverable: f.states.undeliverable,
        pending: f.states.pending,
        share: percent(f.share_acknowledged),
        median: secs(f.median_response_secs),
        p90: secs(f.p90_response_secs),
    }
}

/// The reports of the checks `w` may see, newest first (at most `limit`), and whether there
/// were more.
async fn reports(
    state: &AppState,
    w: &WebUser,
    limit: usize,
) -> Result<(Vec<CheckReport>, bool), CoreError> {
    let checks = state.service.list_checks(&w.principal).await?;
    let more = checks.len() > limit;
    let mut out = Vec::new();
    for c in checks.into_iter().take(limit) {
        match state.service.check_report(&w.principal, c.id).await {
            Ok(r) => out.push(r),
            // Listed but with no result the reader may read: not shown.
            Err(CoreError::NotFound(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok((out, more))
}

/// The chart's lines: per organisation, the median response per check over the newest
/// [`CHART_CHECKS`] checks (oldest first), bars scaled to the largest median.
fn chart(
    reports: &[CheckReport],
    names: &HashMap<OrgId, String>,
) -> (Vec<String>, String, Vec<OrgLine>) {
    let recent: Vec<&CheckReport> = reports.iter().take(CHART_CHECKS).rev().collect();
    let titles = recent.iter().map(|r| r.check.title.clone()).collect();
    let mut per_org: BTreeMap<String, Vec<Option<f64>>> = BTreeMap::new();
    for (i, r) in recent.iter().enumerate() {
        for (org, f) in &r.summary.per_org {
            let line = per_org
                .entry(name_of(names, *org))
                .or_insert_with(|| vec![None; recent.len()]);
            if let Some(cell) = line.get_mut(i) {
                *cell = f.median_response_secs;
            }
        }
    }
    let max = per_org
        .values()
        .flatten()
        .flatten()
        .fold(0.0_f64, |m, &s| m.max(s));
    let lines = per_org
        .into_iter()
        .map(|(org, medians)| {
            let bars = medians
                .iter()
                .enumerate()
                .filter_map(|(i, m)| {
                    let m = (*m)?;
                    let h = if max > 0.0 {
                        ((m / max) * 26.0).round().clamp(1.0, 26.0) as u32
                    } else {
                        1
                    };
                    Some(Bar {
                        x: u32::try_from(i).unwrap_or(0) * 12 + 2,
                        y: 27 - h,
                        h,
                        title: format!(
                            "{}: median {}",
                            recent.get(i).map_or("", |r| r.check.title.as_str()),
                            secs(Some(m))
                        ),
                    })
                })
                .collect();
            let answered = medians.iter().filter(|m| m.is_some()).count();
            OrgLine {
                label: format!(
                    "{org}: median response time in {answered} of the {} newest checks",
                    medians.len()
                ),
                cells: medians.iter().map(|m| secs(*m)).collect(),
                org,
                bars,
            }
        })
        .collect();
    (titles, secs(Some(max)), lines)
}

/// The short names of the organisations a check may target, in order (the form's boxes).
pub(super) async fn org_choices(state: &AppState, w: &WebUser) -> Result<Vec<String>, CoreError> {
    let mut names: Vec<String> = org_names(state, w).await?.into_values().collect();
    names.sort_by_key(|n| n.to_lowercase());
    Ok(names)
}

/// `GET /checks`: the list and the chart, with the form to start a check for those who may.
pub(super) async fn list(State(state): State<AppState>, w: WebUser, prefs: Prefs) -> Response {
    let form = if may_start(&w) {
        match org_choices(&state, &w).await {
            Ok(orgs) => Some(StartForm::blank(&orgs)),
            Err(e) => return error_page(&ApiError::from(e), None),
        }
    } else {
        None
    };
    list_page(&state, &w, prefs, form, StatusCode::OK).await
}

/// The list page with `form` (blank, or refused with its reasons), answered with `status`.
pub(super) async fn list_page(
    state: &AppState,
    w: &WebUser,
    prefs: Prefs,
    form: Option<StartForm>,
    status: StatusCode,
) -> Response {
    let built = async {
        let (reports, more) = reports(state, w, LIST_LIMIT).await?;
        let names = org_names(state, w).await?;
        Ok::<_, CoreError>((reports, more, names))
    }
    .await;
    let (reports, more, names) = match built {
        Ok(b) => b,
        Err(e) => return error_page(&ApiError::from(e), None),
    };
    let (chart_checks, chart_max, lines) = chart(&reports, &names);
    let rows = reports
        .iter()
        .map(|r| Row {
            href: format!("/checks/{}", r.check.id),
            title: r.check.title.clone(),
            started: prefs.when(r.check.started_at),
            deadline: prefs.when(r.check.deadline_at),
            targets: r.summary.total.targets,
            share: percent(r.summary.total.share_acknowledged),
            pending: r.summary.total.states.pending,
        })
        .collect();
    let page = ChecksPage {
        mine: super::checks_mine::mine(state, &w.principal, &prefs).await,
        chart_width: u32::try_from(chart_checks.len()).unwrap_or(0) * 12 + 4,
        chart_checks,
        chart_max,
        lines,
        rows,
        more,
        form,
        chrome: Chrome::signed_in("Communication checks", w, prefs, "/checks"),
    };
    html(status, page.render())
}

/// Who started a check, in words: "you", a user's name when the reader may look them up (a
/// site-admin), else "a coordinator" (only coordinators start checks); the operator and a
/// schedule by what they are.
async fn starter(state: &AppState, w: &WebUser, actor: &str) -> String {
    if actor == w.principal.actor() {
        return "you".to_owned();
    }
    if let Some(id) = actor.strip_prefix("user:") {
        if let Ok(id) = id.parse::<uuid::Uuid>()
            && let Ok(u) = state
                .service
                .get_user(&w.principal, simpul_core::UserId(id))
                .await
        {
            return format!("{} ({})", u.display_name, u.email.as_str());
        }
        return "a coordinator".to_owned();
    }
    if actor.starts_with("schedule:") {
        return "a recurring schedule".to_owned();
    }
    match actor.strip_prefix("cli:") {
        Some(name) if !name.is_empty() => format!("the operator ({name})"),
        _ => "the operator".to_owned(),
    }
}

fn delivery_text(d: &Delivery) -> String {
    match d {
        Delivery::Queued => "queued".to_owned(),
        Delivery::Sent { answer } => format!("sent: {answer}"),
        Delivery::Undeliverable { reason } => format!("undeliverable: {reason}"),
    }
}

/// `GET /checks/{id}`: one check's progress and results.
pub(super) async fn page(
    State(state): State<AppState>,
    Path(id): Path<String>,
    w: WebUser,
    prefs: Prefs,
) -> Response {
    let Ok(uuid) = uuid::Uuid::parse_str(&id) else {
        return error_page(
            &ApiError::from(CoreError::NotFound(format!("communication check {id}"))),
            None,
        );
    };
    let built = async {
        let report = state
            .service
            .check_report(&w.principal, CheckId(uuid))
            .await?;
        let names = org_names(&state, &w).await?;
        Ok::<_, CoreError>((report, names))
    }
    .await;
    let (r, names) = match built {
        Ok(b) => b,
        Err(e) => return error_page(&ApiError::from(e), None),
    };
    let mut rows: Vec<TargetRow> = r
        .results
        .iter()
        .map(|t| TargetRow {
            org: name_of(&names, t.contact.org_id),
            contact: t.contact.name.clone(),
            email: t.contact.email.clone(),
            sent: t.sent_at.map(|s| prefs.when(s)),
            delivery: delivery_text(&t.delivery),
            acknowledged: t.acknowledged_at.map(|a| prefs.when(a)),
            response: secs(t.response_secs),
            state: t.state.to_string(),
        })
        .collect();
    rows.sort_by(|a, b| (&a.org, &a.contact).cmp(&(&b.org, &b.contact)));
    let mut per_org: Vec<FigureRow> = r
        .summary
        .per_org
        .iter()
        .map(|(org, f)| figure_row(name_of(&names, *org), f))
        .collect();
    per_org.sort_by(|a, b| a.org.cmp(&b.org));
    let pending = r.results.iter().any(|t| t.state == TargetState::Pending);
    let page = CheckPage {
        title: r.check.title.clone(),
        message: r.check.message.clone(),
        started: prefs.when(r.check.started_at),
        deadline: prefs.when(r.check.deadline_at),
        started_by: starter(&state, &w, &r.check.started_by).await,
        pending,
        refresh: REFRESH_SECS,
        rows,
        total: figure_row("All".to_owned(), &r.summary.total),
        per_org,
        chrome: Chrome::signed_in(&r.check.title, &w, prefs, "/checks"),
    };
    html(StatusCode::OK, page.render())
}
