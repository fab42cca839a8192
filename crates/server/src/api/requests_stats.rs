//! `/requests/stats` and `/requests/stats.csv`: the statistics of the action requests created in a
//! period that the caller may see (a party its own requests, a coordinator every request but RED
//! ones — counts only, never personal data), per target and per requesting country and kind. The
//! CSV is `simpul_core::requests::stats_csv`'s, the same figures.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use simpul_core::requests::stats::{
    Figures as CoreFigures, Period, RequestStats as CoreStats, Row as CoreRow, Times as CoreTimes,
};
use simpul_core::requests::stats_csv::stats_csv;
use time::{Duration, OffsetDateTime};
use utoipa::{IntoParams, ToSchema};

use super::json::ApiQuery;
use super::objects::timestamp;
use super::{ApiResult, ApiRoute, route, schema};
use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;

const WHO: &str = "any signed-in user: a party counts the requests of its organisation (RED \
                   ones it is named in), the regional CERT's coordinators every request but RED \
                   ones";

/// The period when `from` is not given: the 30 days before `to`.
pub const DEFAULT_DAYS: i64 = 30;

const CSV: &str = "text/csv; charset=utf-8";

pub fn routes() -> Vec<ApiRoute> {
    vec![
        route!(GET "/requests/stats", stats)
            .doc(
                "Statistics of the requests created in [from, to) (default: the 30 days up to \
                 now): per target and per requesting country and kind, opened, acknowledged, \
                 actioned, declined, withdrawn, overdue, results, nearest-rank median and p90 \
                 times to acknowledge and to outcome, exact amounts frozen per currency",
                WHO,
            )
            .query::<StatsQuery>()
            .returns::<RequestStats>(StatusCode::OK),
        route!(GET "/requests/stats.csv", stats_csv_file)
            .doc(
                "The same statistics as CSV: a row per target country and kind (`by` = \
                 `target`), per requesting country and kind (`requester`) and the total (`all`); \
                 a `frozen_<CUR>` column per currency",
                WHO,
            )
            .query::<StatsQuery>()
            .streams::<StatsCsv>(StatusCode::OK, CSV),
    ]
}

/// `?from=&to=`
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct StatsQuery {
    /// RFC 3339; default 30 days before `to`.
    #[param(schema_with = schema::date_time)]
    pub from: Option<String>,
    /// RFC 3339, exclusive; default now.
    #[param(schema_with = schema::date_time)]
    pub to: Option<String>,
}

impl StatsQuery {
    fn period(&self, now: OffsetDateTime) -> Result<Period, ApiError> {
        let to = match self.to.as_deref() {
            Some(t) => timestamp("to", t)?,
            None => now,
        };
        let from = match self.from.as_deref() {
            Some(t) => timestamp("from", t)?,
            None => to - Duration::days(DEFAULT_DAYS),
        };
        Period::new(from, to).map_err(|e| ApiError::invalid_parameter("to", e.message))
    }
}

/// The CSV document (a string).
#[derive(Debug, ToSchema)]
#[schema(value_type = String)]
#[allow(dead_code)] // documents the body
pub struct StatsCsv(String);

#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestStatsPeriod {
    #[serde(with = "time::serde::rfc3339")]
    pub from: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub to: OffsetDateTime,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestResultCounts {
    pub done: u64,
    pub partial: u64,
    pub not_possible: u64,
}

/// Nearest-rank median and 90th percentile, in whole seconds (null without a measured time).
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestTimes {
    pub count: u64,
    #[schema(required = true)]
    pub median_secs: Option<i64>,
    #[schema(required = true)]
    pub p90_secs: Option<i64>,
}

impl From<CoreTimes> for RequestTimes {
    fn from(t: CoreTimes) -> Self {
        Self {
            count: t.count,
            median_secs: t.median_secs,
            p90_secs: t.p90_secs,
        }
    }
}

/// The exact sum frozen in one currency.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestFrozen {
    pub currency: String,
    /// A decimal without trailing zeros (`15000.5`).
    pub value: String,
    /// How many requests froze something in it.
    pub requests: u64,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestFigures {
    pub opened: u64,
    pub acknowledged: u64,
    pub actioned: u64,
    pub declined: u64,
    pub withdrawn: u64,
    /// Open past their due time at `at`.
    pub overdue: u64,
    pub results: RequestResultCounts,
    pub time_to_acknowledge: RequestTimes,
    pub time_to_outcome: RequestTimes,
    pub frozen: Vec<RequestFrozen>,
}

impl From<CoreFigures> for RequestFigures {
    fn from(f: CoreFigures) -> Self {
        Self {
            opened: f.opened,
            acknowledged: f.acknowledged,
            actioned: f.actioned,
            declined: f.declined,
            withdrawn: f.withdrawn,
            overdue: f.overdue,
            results: RequestResultCounts {
                done: f.results.done,
                partial: f.results.partial,
                not_possible: f.results.not_possible,
            },
            time_to_acknowledge: f.time_to_acknowledge.into(),
            time_to_outcome: f.time_to_outcome.into(),
            frozen: f
                .frozen
                .into_iter()
                .map(|x| RequestFrozen {
                    currency: x.currency,
                    value: x.value,
                    requests: x.requests,
                })
                .collect(),
        }
    }
}

/// The figures of one country (null: an organisation without one) and kind.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestStatsRow {
    #[schema(schema_with = schema::country_or_null, required = true)]
    pub country: Option<String>,
    pub kind: String,
    pub figures: RequestFigures,
}

impl From<CoreRow> for RequestStatsRow {
    fn from(r: CoreRow) -> Self {
        Self {
            country: r.country.map(String::from),
            kind: r.kind.as_str().into(),
            figures: r.figures.into(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestStats {
    pub period: RequestStatsPeriod,
    /// The time `overdue` is computed at.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub total: RequestFigures,
    /// Per target country and kind.
    pub by_target: Vec<RequestStatsRow>,
    /// Per requesting country and kind.
    pub by_requester: Vec<RequestStatsRow>,
}

impl From<CoreStats> for RequestStats {
    fn from(s: CoreStats) -> Self {
        Self {
            period: RequestStatsPeriod {
                from: s.period.from,
                to: s.period.to,
            },
            at: s.at,
            total: s.total.into(),
            by_target: s.by_target.into_iter().map(RequestStatsRow::from).collect(),
            by_requester: s
                .by_requester
                .into_iter()
                .map(RequestStatsRow::from)
                .collect(),
        }
    }
}

async fn read(s: &AppState, p: &simpul_core::Principal, q: &StatsQuery) -> ApiResult<CoreStats> {
    let period = q.period(s.service.now())?;
    Ok(s.service.request_stats(p, period).await?)
}

async fn stats(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiQuery(q): ApiQuery<StatsQuery>,
) -> ApiResult<Json<RequestStats>> {
    Ok(Json(read(&s, &p, &q).await?.into()))
}

async fn stats_csv_file(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiQuery(q): ApiQuery<StatsQuery>,
) -> ApiResult<Response> {
    let body = stats_csv(&read(&s, &p, &q).await?);
    Ok((
        [
            (header::CONTENT_TYPE, CSV),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"request-stats.csv\"",
            ),
        ],
        body,
    )
        .into_response())
}
