//! The action requests' dashboard: `GET /requests/stats?from=&to=` draws the statistics
//! [`Service::request_stats`](simpul_core::Service::request_stats) gives the reader (the same
//! figures, over the same visibility, as `GET /api/v1/requests/stats`) for the requests created
//! in the period: the totals, a server-drawn SVG chart per target country (opened, actioned,
//! declined, overdue; a table beside it says the same in numbers), the times to acknowledge and
//! to outcome, the amounts frozen per currency, and the tables per target and per requesting
//! country and kind. `GET /requests/stats.csv` is the same as CSV
//! ([`stats_csv`](simpul_core::requests::stats_csv::stats_csv)).
//!
//! The period is two dates in the reader's zone, `from` included and `to` included (the page
//! asks for whole days; the statistics' period ends at the start of the day after `to`); by
//! default the last 30 days up to today.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use simpul_core::comm_checks::duration::human;
use simpul_core::requests::stats::{Figures, Period, RequestStats, Row, Times};
use time::{Date, Duration, OffsetDateTime};

use super::view::{Chrome, Prefs};
use super::{WebUser, bad_request, error_page, html};
use crate::AppState;
use crate::error::ApiError;

/// The default period, in days up to today.
const DEFAULT_DAYS: i64 = 30;
/// The longest period the page draws, in days.
const MAX_DAYS: i64 = 3660;
/// The chart's plot height in pixels.
const PLOT_H: u32 = 120;

#[derive(Debug, Default, Deserialize)]
pub(super) struct StatsQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

/// One line of figures, as text.
#[derive(Debug)]
struct FigureRow {
    country: String,
    kind: String,
    opened: u64,
    acknowledged: u64,
    actioned: u64,
    declined: u64,
    withdrawn: u64,
    overdue: u64,
    ack_median: String,
    ack_p90: String,
    outcome_median: String,
    outcome_p90: String,
    frozen: String,
}

/// One bar of the chart.
#[derive(Debug)]
struct Bar {
    x: u32,
    y: u32,
    h: u32,
    class: &'static str,
    title: String,
}

/// One country's group of bars with its label.
#[derive(Debug)]
struct Group {
    label: String,
    label_x: u32,
    bars: Vec<Bar>,
}

#[derive(Template)]
#[template(path = "requests_stats.html")]
struct StatsPage {
    chrome: Chrome,
    from: String,
    to: String,
    csv: String,
    total: FigureRow,
    by_target: Vec<FigureRow>,
    by_requester: Vec<FigureRow>,
    groups: Vec<Group>,
    chart_width: u32,
    chart_height: u32,
    plot_h: u32,
    chart_max: u64,
    chart_label: String,
}

fn secs(s: Option<i64>) -> String {
    s.map_or_else(|| "–".to_owned(), |s| human(Duration::seconds(s)))
}

fn frozen(f: &Figures) -> String {
    if f.frozen.is_empty() {
        return "–".to_owned();
    }
    f.frozen
        .iter()
        .map(|x| format!("{} {}", x.value, x.currency))
        .collect::<Vec<_>>()
        .join(", ")
}

fn figure_row(country: String, kind: String, f: &Figures) -> FigureRow {
    let t = |t: &Times| (secs(t.median_secs), secs(t.p90_secs));
    let (ack_median, ack_p90) = t(&f.time_to_acknowledge);
    let (outcome_median, outcome_p90) = t(&f.time_to_outcome);
    FigureRow {
        country,
        kind,
        opened: f.opened,
        acknowledged: f.acknowledged,
        actioned: f.actioned,
        declined: f.declined,
        withdrawn: f.withdrawn,
        overdue: f.overdue,
        ack_median,
        ack_p90,
        outcome_median,
        outcome_p90,
        frozen: frozen(f),
    }
}

fn country_label(c: Option<simpul_core::country::Country>) -> String {
    c.map_or_else(|| "no country".to_owned(), |c| c.as_str().to_owned())
}

fn rows(rows: &[Row]) -> Vec<FigureRow> {
    rows.iter()
        .map(|r| {
            figure_row(
                country_label(r.country),
                r.kind.as_str().to_owned(),
                &r.figures,
            )
        })
        .collect()
}

/// The chart: per target country (all kinds), bars for opened, actioned, declined and overdue,
/// scaled to the largest count; and that count.
fn chart(stats: &RequestStats) -> (Vec<Group>, u64) {
    let mut per: BTreeMap<(bool, String), [u64; 4]> = BTreeMap::new();
    for r in &stats.by_target {
        let slot = per
            .entry((r.country.is_none(), country_label(r.country)))
            .or_default();
        let f = &r.figures;
        for (s, v) in slot
            .iter_mut()
            .zip([f.opened, f.actioned, f.declined, f.overdue])
        {
            *s += v;
        }
    }
    let max = per.values().flatten().copied().max().unwrap_or(0);
    const SERIES: [(&str, &str); 4] = [
        ("bar-opened", "opened"),
        ("bar-actioned", "actioned"),
        ("bar-declined", "declined"),
        ("bar-overdue", "overdue"),
    ];
    let groups = per
        .into_iter()
        .enumerate()
        .map(|(i, ((_, label), counts))| {
            let x0 = 40 + u32::try_from(i).unwrap_or(0) * 64;
            let bars = counts
                .iter()
                .zip(SERIES)
                .enumerate()
                .map(|(j, (&n, (class, what)))| {
                    let h = if max == 0 || n == 0 {
                        0
                    } else {
                        u32::try_from((n * u64::from(PLOT_H)).div_ceil(max)).unwrap_or(PLOT_H)
                    };
                    Bar {
                        x: x0 + u32::try_from(j).unwrap_or(0) * 12,
                        y: 10 + PLOT_H - h,
                        h,
                        class,
                        title: format!("{label}: {n} {what}"),
                    }
                })
                .collect();
            Group {
                label_x: x0 + 22,
                label,
                bars,
            }
        })
        .collect();
    (groups, max)
}

/// The period the query asks for in the reader's zone (dates, both included), or why not.
fn period(q: &StatsQuery, prefs: &Prefs) -> Result<(Date, Date, Period), String> {
    let today = prefs.now.to_offset(prefs.offset()).date();
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    let date = |name: &str, s: &str, d: Date| -> Result<Date, String> {
        let s = s.trim();
        if s.is_empty() {
            return Ok(d);
        }
        Date::parse(s, fmt).map_err(|_| {
            format!(
                "{name} `{}`: a date as 2026-12-04",
                simpul_core::error::excerpt(s)
            )
        })
    };
    let to = date("to", &q.to, today)?;
    let from = date("from", &q.from, to - Duration::days(DEFAULT_DAYS - 1))?;
    if from > to {
        return Err("from: must not be after `to`".to_owned());
    }
    if (to - from).whole_days() >= MAX_DAYS {
        return Err(format!("the period is at most {MAX_DAYS} days"));
    }
    let start = |d: Date| -> OffsetDateTime { d.midnight().assume_offset(prefs.offset()) };
    let end = to.next_day().map(start).ok_or("to: too far ahead")?;
    let p = Period::new(start(from), end).map_err(|e| e.message)?;
    Ok((from, to, p))
}

async fn stats(
    state: &AppState,
    w: &WebUser,
    prefs: &Prefs,
    q: &StatsQuery,
) -> Result<(Date, Date, RequestStats), Response> {
    let (from, to, p) = period(q, prefs).map_err(bad_request)?;
    match state.service.request_stats(&w.principal, p).await {
        Ok(s) => Ok((from, to, s)),
        Err(e) => Err(error_page(&ApiError::from(e), None)),
    }
}

/// `GET /requests/stats`: the dashboard.
pub(super) async fn page(
    State(state): State<AppState>,
    w: WebUser,
    prefs: Prefs,
    Query(q): Query<StatsQuery>,
) -> Response {
    let (from, to, s) = match stats(&state, &w, &prefs, &q).await {
        Ok(x) => x,
        Err(res) => return res,
    };
    let (groups, chart_max) = chart(&s);
    let chart_width = 40 + u32::try_from(groups.len()).unwrap_or(0) * 64 + 8;
    let chart_label = format!(
        "Requests created from {from} to {to} per target country: opened, actioned, declined and overdue; the tallest bar is {chart_max}"
    );
    let page = StatsPage {
        csv: format!("/requests/stats.csv?from={from}&to={to}"),
        from: from.to_string(),
        to: to.to_string(),
        total: figure_row("All".to_owned(), "all kinds".to_owned(), &s.total),
        by_target: rows(&s.by_target),
        by_requester: rows(&s.by_requester),
        groups,
        chart_width,
        chart_height: PLOT_H + 30,
        plot_h: PLOT_H + 10,
        chart_max,
        chart_label,
        chrome: Chrome::signed_in("Action request statistics", &w, prefs, "/requests"),
    };
    html(StatusCode::OK, page.render())
}

/// `GET /requests/stats.csv`: the same statistics as CSV.
pub(super) async fn csv(
    State(state): State<AppState>,
    w: WebUser,
    prefs: Prefs,
    Query(q): Query<StatsQuery>,
) -> Response {
    let (from, to, s) = match stats(&state, &w, &prefs, &q).await {
        Ok(x) => x,
        Err(res) => return res,
    };
    let disposition = format!("attachment; filename=\"simpul-requests-{from}-{to}.csv\"");
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        simpul_core::requests::stats_csv::stats_csv(&s),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_period_is_whole_days_in_the_readers_zone() {
        let prefs = Prefs::new(
            None,
            Some("Asia/Jakarta"),
            time::macros::datetime!(2026-12-04 20:00 UTC),
        );
        // 20:00 UTC is already 5 December in Jakarta (UTC+7).
        let (from, to, p) = period(&StatsQuery::default(), &prefs).unwrap();
        assert_eq!(to, time::macros::date!(2026 - 12 - 05));
        assert_eq!(from, time::macros::date!(2026 - 11 - 06));
        assert_eq!(p.from, time::macros::datetime!(2026-11-06 00:00 +7));
        assert_eq!(p.to, time::macros::datetime!(2026-12-06 00:00 +7));
        let q = |f: &str, t: &str| StatsQuery {
            from: f.into(),
            to: t.into(),
        };
        assert!(period(&q("2026-12-05", "2026-12-01"), &prefs).is_err());
        assert!(
            period(&q("yesterday", ""), &prefs)
                .unwrap_err()
                .contains("`yesterday`")
        );
        assert!(period(&q("1990-01-01", "2026-01-01"), &prefs).is_err());
        let (_, _, one) = period(&q("2026-12-01", "2026-12-01"), &prefs).unwrap();
        assert_eq!(one.to - one.from, Duration::days(1));
    }
}
