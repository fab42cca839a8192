//! Correlation: `/observables/{type}/{value}` (who reported this observable) and
//! `/objects/{id}/correlations` (which other objects share an observable with this one). Both list
//! the latest versions you may see, with their producers and countries; observables are compared
//! by their canonical keys, never as raw strings.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Serialize;
use serde_json::Value;
use simpul_core::Organisation;
use simpul_core::intel::correlation::Reports as CoreReports;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use super::json::ApiQuery;
use super::objects::{Producer, Shaper, SharedObject, cursor_of};
use super::sightings::PageQuery;
use super::{ApiResult, ApiRoute, route, schema};
use crate::AppState;
use crate::auth::Auth;

pub fn routes() -> Vec<ApiRoute> {
    vec![
        route!(GET "/objects/{id}/correlations", correlations)
            .doc(
                "List the latest versions of other shared objects you may see that have a canonical \
                 observable in common with this one (its latest version you may see), newest added \
                 first, each with the observables it shares, and who else reported them",
                "any signed-in user (scope read); an object you may not see is not found and never \
                 appears among the correlations",
            )
            .query::<PageQuery>()
            .returns::<ReportList>(StatusCode::OK),
        route!(GET "/observables/{type}/{value}", by_value)
            .doc(
                "List the latest versions of shared objects you may see that yield this observable \
                 (the value normalised first, national forms read in your organisation's country), \
                 newest added first, and who reported them",
                "any signed-in user (scope read); each sees what the sharing policy admits",
            )
            .query::<PageQuery>()
            .returns::<ReportList>(StatusCode::OK),
    ]
}

/// An object version that shares observables with what was asked about: a [`SharedObject`] with
/// the keys it shares. (Its fields are `SharedObject`'s, written out rather than flattened: the
/// documented schema of each refuses properties it does not name, which an `allOf` of the two
/// would break.)
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Reported {
    /// The STIX object as it was shared.
    #[schema(value_type = Object)]
    pub object: Value,
    #[schema(schema_with = schema::tlp_label)]
    pub tlp: String,
    #[schema(schema_with = schema::pap_or_null, required = true)]
    pub pap: Option<String>,
    pub producer: Producer,
    pub collection: Uuid,
    /// When the exchange stored it.
    #[serde(with = "time::serde::rfc3339")]
    pub date_added: OffsetDateTime,
    /// Its `modified` (or `created`; the epoch for objects without either).
    #[serde(with = "time::serde::rfc3339")]
    pub version: OffsetDateTime,
    pub revoked: bool,
    pub spec_version: String,
    /// The canonical observable keys (`type|key`) it shares, in order.
    pub shared: Vec<String>,
}

impl Reported {
    pub(super) fn of(o: SharedObject, shared: Vec<String>) -> Self {
        Self {
            object: o.object,
            tlp: o.tlp,
            pap: o.pap,
            producer: o.producer,
            collection: o.collection,
            date_added: o.date_added,
            version: o.version,
            revoked: o.revoked,
            spec_version: o.spec_version,
            shared,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportList {
    /// The canonical observable keys (`type|key`) looked for, in order.
    pub observables: Vec<String>,
    pub objects: Vec<Reported>,
    /// How many objects in all pages.
    pub total: u64,
    /// The organisations that produced them (all pages), by short name.
    pub organisations: Vec<Producer>,
    /// In words: "also reported by MyCERT (MY), ThaiCERT (TH)".
    pub summary: String,
    /// The observables looked for that are on a MISP warninglist (known benign: public
    /// resolvers, top domains, test hashes…), with the lists; empty when none is.
    pub warninglists: Vec<super::warninglists::WarninglistHits>,
    /// Pass as `next` for the following page; null on the last one.
    #[schema(required = true)]
    pub next: Option<String>,
}

fn producer(o: &Organisation) -> Producer {
    Producer {
        id: o.id.0,
        short_name: o.short_name.as_str().to_owned(),
        country: o.country.map(String::from),
    }
}

async fn answer(
    s: &AppState,
    p: &simpul_core::Principal,
    limit: u32,
    r: CoreReports,
) -> ApiResult<Json<ReportList>> {
    let shaper = Shaper::new(s, p).await?;
    let next = (r.objects.len() == limit as usize)
        .then(|| r.objects.last().map(|c| cursor_of(&c.object)))
        .flatten();
    let mut objects = Vec::with_capacity(r.objects.len());
    for c in r.objects {
        objects.push(Reported::of(shaper.shape(c.object)?, c.shared));
    }
    Ok(Json(ReportList {
        warninglists: super::warninglists::flagged(s, &r.keys),
        observables: r.keys,
        objects,
        total: r.total,
        organisations: r.producers.iter().map(producer).collect(),
        summary: r.summary,
        next,
    }))
}

async fn correlations(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<ReportList>> {
    let (limit, after) = q.parse()?;
    let r = s.service.correlations(&p, &id, after, limit).await?;
    answer(&s, &p, limit, r).await
}

async fn by_value(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path((ty, value)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<ReportList>> {
    let (limit, after) = q.parse()?;
    let r = s
        .service
        .observable_reports(&p, &ty, &value, after, limit)
        .await?;
    answer(&s, &p, limit, r).await
}
