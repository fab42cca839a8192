//! `/objects/{id}/sightings`: "we saw this too". Reporting a sighting stores a STIX 2.1 `sighting`
//! produced by your organisation; listing them shows, and totals, only the sightings you may see.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use simpul_core::Invalid;
use simpul_core::intel::parse_tlp;
use simpul_core::intel::sightings::NewSighting as CoreNewSighting;
use simpul_core::intel::store::StoredObject;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use utoipa::{IntoParams, ToSchema};

use super::json::{ApiQuery, JsonBody};
use super::objects::{DEFAULT_LIMIT, MAX_LIMIT, Shaper, SharedObject, cursor, cursor_of};
use super::{ApiResult, ApiRoute, created, route, schema};
use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;

pub fn routes() -> Vec<ApiRoute> {
    vec![
        route!(POST "/objects/{id}/sightings", record)
            .doc(
                "Report a sighting of a shared object you may see: a STIX 2.1 sighting produced by \
                 your organisation, stored in the object's collection, marked `tlp` (the object's \
                 TLP when not given) and, when the object names recipients, shared with them and \
                 its producer only. A TLP:RED sighting needs named users (a user-list collection or \
                 an object with recipients).",
                "analysts and administrators whose organisation may write into the object's \
                 collection (scope write); an object you may not see is not found",
            )
            .request::<NewSighting>()
            .returns::<SharedObject>(StatusCode::CREATED),
        route!(GET "/objects/{id}/sightings", list)
            .doc(
                "List the sightings of a shared object you may see (the latest version of each), \
                 newest added first, with their aggregate over all pages",
                "any signed-in user (scope read); a sighting you may not see is neither listed nor \
                 counted, and an object you may not see is not found",
            )
            .query::<PageQuery>()
            .returns::<SightingList>(StatusCode::OK),
    ]
}

/// A page.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// How many items.
    #[param(schema_with = super::objects::limit_schema)]
    pub limit: Option<u32>,
    /// The previous page's `next`.
    pub next: Option<String>,
}

impl PageQuery {
    /// The limit (checked) and the cursor.
    pub fn parse(&self) -> Result<(u32, Option<OffsetDateTime>), ApiError> {
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::invalid_parameter(
                "limit",
                format!("must be between 1 and {MAX_LIMIT} (got {limit})"),
            ));
        }
        Ok((limit, self.next.as_deref().map(cursor).transpose()?))
    }

    /// The `next` of a page of `page`.
    pub fn next_of(limit: u32, page: &[StoredObject]) -> Option<String> {
        (page.len() == limit as usize)
            .then(|| page.last().map(cursor_of))
            .flatten()
    }
}

/// A sighting to report. Every member is optional.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSighting {
    /// How many times it was seen.
    #[serde(default)]
    #[schema(schema_with = schema::sighting_count)]
    pub count: Option<u64>,
    /// When it was first seen.
    #[serde(default)]
    #[schema(schema_with = schema::date_time_or_null)]
    pub first_seen: Option<String>,
    /// When it was last seen (not before `first_seen`).
    #[serde(default)]
    #[schema(schema_with = schema::date_time_or_null)]
    pub last_seen: Option<String>,
    /// Where it was seen, in words (the sighting's `description`).
    #[serde(default, rename = "where")]
    #[schema(schema_with = schema::sighting_where)]
    pub place: Option<String>,
    /// It turned out to be a false positive (`x_simpul_false_positive`).
    #[serde(default)]
    pub false_positive: bool,
    /// The sighting's TLP (the sighted object's when not given).
    #[serde(default)]
    #[schema(schema_with = schema::tlp_wanted_or_null)]
    pub tlp: Option<String>,
}

/// What the sightings you may see add up to (revoked ones left out).
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SightingAggregate {
    /// How many sightings.
    pub sightings: u64,
    /// The sum of their `count` (1 for a sighting without one).
    pub total_count: u64,
    /// How many were false positives.
    pub false_positives: u64,
    /// The organisations that reported them (short names, in order).
    pub organisations: Vec<String>,
    /// Their countries (ISO 3166-1 alpha-2, each once, in order).
    pub countries: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SightingList {
    pub sightings: Vec<SharedObject>,
    pub aggregate: SightingAggregate,
    /// Pass as `next` for the following page; null on the last one.
    #[schema(required = true)]
    pub next: Option<String>,
}

fn body_time(pointer: &str, s: Option<&str>) -> Result<Option<OffsetDateTime>, Invalid> {
    s.map(|s| {
        OffsetDateTime::parse(s, &Rfc3339)
            .map(simpul_core::clock::to_micros)
            .map_err(|e| Invalid::new(pointer, format!("not an RFC 3339 timestamp ({e})")))
    })
    .transpose()
}

async fn record(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<NewSighting>,
) -> ApiResult<Response> {
    let new = CoreNewSighting {
        count: b.count,
        first_seen: body_time("/first_seen", b.first_seen.as_deref())?,
        last_seen: body_time("/last_seen", b.last_seen.as_deref())?,
        place: b.place.unwrap_or_default(),
        false_positive: b.false_positive,
        tlp: b.tlp.as_deref().map(|t| parse_tlp("/tlp", t)).transpose()?,
    };
    let stored = s.service.record_sighting(&p, &id, new).await?;
    Ok(created(Shaper::new(&s, &p).await?.shape(stored)?))
}

async fn list(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<SightingList>> {
    let (limit, after) = q.parse()?;
    let page = s.service.sightings(&p, &id, after, limit).await?;
    let next = PageQuery::next_of(limit, &page.sightings);
    let a = page.aggregate;
    Ok(Json(SightingList {
        sightings: Shaper::new(&s, &p).await?.shape_all(page.sightings)?,
        aggregate: SightingAggregate {
            sightings: a.sightings,
            total_count: a.count,
            false_positives: a.false_positives,
            organisations: a
                .organisations
                .iter()
                .map(|o| o.short_name.as_str().to_owned())
                .collect(),
            countries: a.countries,
        },
        next,
    }))
}
