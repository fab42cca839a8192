//! `/objects`: the shared STIX objects you may see. What you may see is the core's sharing policy's
//! decision, made in the database: an object you may not see is "not found", exactly like one that
//! does not exist, and it is in no list, page or count.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use simpul_core::intel::service::observable_key;
use simpul_core::intel::store::{MAX_PAGE, ObjectQuery, Order, StoredObject};
use simpul_core::intel::{CollectionId, parse_tlp};
use simpul_core::{CoreError, OrgId, Organisation, Principal};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use utoipa::openapi::schema::Object;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::json::ApiQuery;
use super::{ApiResult, ApiRoute, route, schema};
use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;

pub fn routes() -> Vec<ApiRoute> {
    vec![
        route!(GET "/objects", list_objects)
            .doc(
                "List the shared objects you may see (the latest version of each), newest added \
                 first; each indicator with its `decay` for you now (the sightings you may see)",
                "any signed-in user (scope read); each sees what the sharing policy admits",
            )
            .query::<ObjectsQuery>()
            .returns::<ObjectList>(StatusCode::OK),
        route!(GET "/objects/{id}", get_object)
            .doc(
                "Get the latest version of a shared object you may see (or `version`), an \
                 indicator with its `decay` for you now. An id may \
                 have versions by several organisations (each its own lineage): the latest of \
                 your organisation's lineage, else of the lineage stored earliest among those \
                 you may see",
                "any signed-in user (scope read); an object you may not see is not found",
            )
            .query::<VersionQuery>()
            .returns::<SharedObject>(StatusCode::OK),
        route!(GET "/objects/{id}/versions", list_versions)
            .doc(
                "List the versions of a shared object you may see, newest added first: those of \
                 every organisation's lineage, each naming its producer",
                "any signed-in user (scope read); an object you may not see is not found",
            )
            .returns::<VersionList>(StatusCode::OK),
    ]
}

/// The most objects one page holds.
pub const MAX_LIMIT: u32 = MAX_PAGE;
/// The objects one page holds when `limit` is not given.
pub const DEFAULT_LIMIT: u32 = 100;

pub(super) fn limit_schema() -> Object {
    schema::limit(MAX_LIMIT, DEFAULT_LIMIT)
}

/// Which objects.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ObjectsQuery {
    /// STIX types, comma-separated (`indicator,malware`).
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub types: Option<String>,
    /// Words to find in names, descriptions, patterns and values.
    pub q: Option<String>,
    /// Only objects at this TLP level.
    #[param(schema_with = schema::tlp_wanted)]
    pub tlp: Option<String>,
    /// Only objects produced by this organisation (short name).
    #[param(schema_with = schema::short_name)]
    pub org: Option<String>,
    /// Only objects of this collection.
    #[param(schema_with = schema::uuid)]
    pub collection: Option<Uuid>,
    /// Only objects added after this time.
    #[param(schema_with = schema::date_time)]
    pub added_after: Option<String>,
    /// Only revoked (`true`) or only unrevoked (`false`) objects.
    pub revoked: Option<bool>,
    /// Only objects yielding this observable: a value (`+65 6123 4567`, `Evil.Example.`; its type
    /// detected, national forms read in your organisation's country) or `type|value`
    /// (`domain|evil.example`).
    pub observable: Option<String>,
    /// How many objects.
    #[param(schema_with = limit_schema)]
    pub limit: Option<u32>,
    /// The previous page's `next`.
    pub next: Option<String>,
}

/// Which version.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct VersionQuery {
    /// The version (its `modified`, or `created`) instead of the latest.
    #[param(schema_with = schema::date_time)]
    pub version: Option<String>,
}

/// The organisation that shared an object.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Producer {
    pub id: Uuid,
    #[schema(schema_with = schema::short_name)]
    pub short_name: String,
    #[schema(schema_with = schema::country_or_null, required = true)]
    pub country: Option<String>,
}

/// One version of a shared object, with what the exchange knows about it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SharedObject {
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
    /// An indicator's decay for you, now (the sightings you may see); absent for other objects
    /// and where not computed (sightings, version lists).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decay: Option<DecayView>,
}

/// How much an indicator is still worth acting on (the model: `crates/core/src/decay/DECAY.md`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecayView {
    /// 0 to 100: the base score (confidence, sightings and false positives you may see), decayed
    /// with the age since `valid_from` or the latest true sighting.
    #[schema(minimum = 0, maximum = 100)]
    pub score: f64,
    /// When the score falls (or fell) to the threshold.
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    /// Whether the score is above the threshold (exports take it; matches do not mark it decayed).
    pub above_threshold: bool,
    pub model: DecayModelView,
}

/// The parameters a score was computed with.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecayModelView {
    /// `polynomial`.
    pub name: String,
    /// The observable kind whose lifetime applied (the shortest of the pattern's kinds; `other`
    /// for kinds without their own).
    pub kind: String,
    pub lifetime_days: f64,
    pub speed: f64,
    /// The base score before decay.
    pub base: f64,
    pub threshold: f64,
}

impl From<simpul_core::decay::Decay> for DecayView {
    fn from(d: simpul_core::decay::Decay) -> Self {
        let m = d.model;
        Self {
            above_threshold: d.score > m.threshold,
            score: d.score,
            expires_at: d.expires_at,
            model: DecayModelView {
                name: m.name.to_owned(),
                kind: m.kind.to_owned(),
                lifetime_days: m.lifetime_days,
                speed: m.speed,
                base: m.base,
                threshold: m.threshold,
            },
        }
    }
}

/// A listing counts its matches up to this many (see [`ObjectList::total`]): each counted row is
/// checked against the sharing filter, so the bound is what a page costs (a page holds at most
/// this many).
const TOTAL_LIMIT: u64 = 1_000;

#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ObjectList {
    pub objects: Vec<SharedObject>,
    /// How many objects you may see match the filters (all pages), counted up to 1,000: past
    /// that, `total` is 1,000 and `total_exact` false.
    pub total: u64,
    /// Whether `total` is the exact count (false: there are more than `total`).
    pub total_exact: bool,
    /// Pass as `next` for the following page; null on the last one.
    #[schema(required = true)]
    pub next: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VersionList {
    pub versions: Vec<SharedObject>,
}

/// Shapes stored versions, naming their producers.
pub(super) struct Shaper(HashMap<OrgId, Organisation>);

impl Shaper {
    pub(super) async fn new(s: &AppState, p: &Principal) -> Result<Self, CoreError> {
        let orgs = s.service.list_orgs(p).await?;
        Ok(Self(orgs.into_iter().map(|o| (o.id, o)).collect()))
    }

    pub(super) fn shape(&self, o: StoredObject) -> Result<SharedObject, ApiError> {
        let object: Value = serde_json::from_str(&o.json).map_err(|e| ApiError::internal(&e))?;
        let org = self
            .0
            .get(&o.producer_org)
            .ok_or_else(|| ApiError::internal(&format!("no organisation {}", o.producer_org)))?;
        Ok(SharedObject {
            object,
            tlp: o.tlp.label().to_owned(),
            pap: o.pap.map(|p| p.as_str().to_owned()),
            producer: Producer {
                id: org.id.0,
                short_name: org.short_name.as_str().to_owned(),
                country: org.country.map(String::from),
            },
            collection: o.collection.0,
            date_added: o.date_added,
            version: o.version,
            revoked: o.revoked,
            spec_version: o.spec_version,
            decay: None,
        })
    }

    pub(super) fn shape_all(&self, all: Vec<StoredObject>) -> Result<Vec<SharedObject>, ApiError> {
        all.into_iter().map(|o| self.shape(o)).collect()
    }

    /// [`Self::shape_all`], each indicator with its decay for `p` now (one read of sightings for
    /// all of them).
    pub(super) async fn shape_decayed(
        &self,
        s: &AppState,
        p: &Principal,
        all: Vec<StoredObject>,
    ) -> Result<Vec<SharedObject>, ApiError> {
        let decays = s.service.decay_of(p, &all, s.service.now()).await?;
        all.into_iter()
            .zip(decays)
            .map(|(o, d)| {
                let mut shaped = self.shape(o)?;
                shaped.decay = d.map(DecayView::from);
                Ok(shaped)
            })
            .collect()
    }
}

pub(super) fn timestamp(name: &str, s: &str) -> Result<OffsetDateTime, ApiError> {
    OffsetDateTime::parse(s, &Rfc3339)
        .map_err(|e| ApiError::invalid_parameter(name, format!("not an RFC 3339 timestamp ({e})")))
}

/// The cursor after `o`: its `date_added`, in microseconds since the epoch.
pub(super) fn cursor_of(o: &StoredObject) -> String {
    (o.date_added.unix_timestamp_nanos() / 1000).to_string()
}

/// The id of the organisation of short name `short` (a query's `org`): 400 naming `org` when
/// there is none.
pub(super) async fn org_named(s: &AppState, p: &Principal, short: &str) -> Result<OrgId, ApiError> {
    match s.service.org_by_short_name(p, short).await {
        Ok(o) => Ok(o.id),
        Err(CoreError::NotFound(_) | CoreError::Invalid(_)) => {
            Err(ApiError::invalid_parameter("org", "no such organisation"))
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) fn cursor(s: &str) -> Result<OffsetDateTime, ApiError> {
    let bad = || ApiError::invalid_parameter("next", "not a cursor this server gave");
    let micros: i128 = s.parse().map_err(|_| bad())?;
    simpul_core::clock::from_unix_micros(micros).ok_or_else(bad)
}

async fn list_objects(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiQuery(q): ApiQuery<ObjectsQuery>,
) -> ApiResult<Json<ObjectList>> {
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::invalid_parameter(
            "limit",
            format!("must be between 1 and {MAX_LIMIT} (got {limit})"),
        ));
    }
    let producer_org = match q.org.as_deref() {
        None => None,
        Some(short) => Some(org_named(&s, &p, short).await?),
    };
    let query = ObjectQuery {
        collection: q.collection.map(CollectionId),
        types: q
            .types
            .as_deref()
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect(),
        latest_only: true,
        added_after: q
            .added_after
            .as_deref()
            .map(|t| timestamp("added_after", t))
            .transpose()?,
        tlp: q
            .tlp
            .as_deref()
            .map(|t| parse_tlp("tlp", t).map_err(|e| ApiError::invalid_parameter("tlp", e.message)))
            .transpose()?,
        producer_org,
        revoked: q.revoked,
        observables: q
            .observable
            .as_deref()
            .map(|o| {
                observable_key(&p, "observable", o)
                    .map_err(|e| ApiError::invalid_parameter("observable", e.message))
            })
            .transpose()?
            .into_iter()
            .collect(),
        text: q.q,
        order: Order::NewestFirst,
        after_cursor: q.next.as_deref().map(cursor).transpose()?,
        limit,
        ..ObjectQuery::default()
    };
    let page = s.service.list_objects(&p, &query).await?;
    let counted = s
        .service
        .count_objects(
            &p,
            &ObjectQuery {
                count_limit: Some(TOTAL_LIMIT + 1),
                ..query
            },
        )
        .await?;
    let next = (page.len() == limit as usize)
        .then(|| page.last().map(cursor_of))
        .flatten();
    let shaper = Shaper::new(&s, &p).await?;
    Ok(Json(ObjectList {
        objects: shaper.shape_decayed(&s, &p, page).await?,
        total: counted.min(TOTAL_LIMIT),
        total_exact: counted <= TOTAL_LIMIT,
        next,
    }))
}

async fn get_object(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<VersionQuery>,
) -> ApiResult<Json<SharedObject>> {
    let version = q
        .version
        .as_deref()
        .map(|v| timestamp("version", v))
        .transpose()?
        .map(simpul_core::clock::to_micros);
    let o = s.service.get_object(&p, &id, version).await?;
    let mut one = Shaper::new(&s, &p)
        .await?
        .shape_decayed(&s, &p, vec![o])
        .await?;
    one.pop()
        .map(Json)
        .ok_or_else(|| ApiError::internal(&"no object shaped"))
}

async fn list_versions(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<VersionList>> {
    let all = s.service.object_versions(&p, &id).await?;
    Ok(Json(VersionList {
        versions: Shaper::new(&s, &p).await?.shape_all(all)?,
    }))
}
