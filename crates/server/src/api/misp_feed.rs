//! `/feeds/misp/{collection}/`: a collection as a MISP feed — `manifest.json`, `<event
//! uuid>.json` per event and `hashes.csv`, the layout MISP's feed fetcher reads — streamed, made
//! from what the caller may see (logic in `simpul_core::misp::feed`). MISP sends the API token
//! as a custom `Authorization: Bearer …` header of the feed. An unknown collection, one whose
//! audience the caller is not in, an event they see nothing of and any other file name are all
//! 404, alike.

use std::collections::BTreeMap;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use simpul_core::intel::CollectionId;
use simpul_core::misp::feed::FeedFile;
use utoipa::ToSchema;
use uuid::Uuid;

use super::chunks::stream;
use super::{ApiResult, ApiRoute, route};
use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;

const WHO: &str = "users in the collection's audience (scope read), whatever their role; \
                   each file holds only what the sharing policy lets the caller see";

pub fn routes() -> Vec<ApiRoute> {
    vec![
        route!(GET "/feeds/misp/{collection}/manifest.json", manifest)
            .outside_api()
            .doc(
                "The MISP feed manifest of a collection: every event you may see (each report, \
                 and one event of what no report you see holds), by uuid, with its Orgc, Tag, \
                 info, date, analysis, threat_level_id and timestamp",
                WHO,
            )
            .streams::<MispManifest>(StatusCode::OK, JSON),
        route!(GET "/feeds/misp/{collection}/hashes.csv", hashes)
            .outside_api()
            .doc(
                "The MISP feed's hashes.csv: `md5(value),event uuid` for every attribute value \
                 of the events you may see (each part of a composite `a|b` value)",
                WHO,
            )
            .streams::<MispHashes>(StatusCode::OK, CSV),
        route!(GET "/feeds/misp/{collection}/{event}", event)
            .outside_api()
            .doc(
                "One event of the MISP feed (`<uuid>.json`), as `{\"Event\": …}` with the \
                 attributes, objects and event reports you may see of it",
                WHO,
            )
            .streams::<MispEventFile>(StatusCode::OK, JSON),
    ]
}

const JSON: &str = "application/json";
const CSV: &str = "text/csv; charset=utf-8";

/// `manifest.json`: event uuid → what MISP's feed fetcher reads of the event before fetching it.
#[derive(Debug, ToSchema)]
#[schema(value_type = BTreeMap<String, MispManifestEntry>)]
#[allow(dead_code)] // documents the body
pub struct MispManifest(BTreeMap<String, MispManifestEntry>);

/// One event of a feed manifest.
#[derive(Debug, Serialize, ToSchema)]
pub struct MispManifestEntry {
    #[serde(rename = "Orgc")]
    pub orgc: MispOrg,
    #[serde(rename = "Tag")]
    pub tag: Vec<MispTag>,
    pub info: String,
    /// `YYYY-MM-DD`.
    #[schema(pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    pub date: String,
    /// 0 initial, 1 ongoing, 2 completed.
    #[schema(minimum = 0, maximum = 2)]
    pub analysis: i64,
    /// 1 high … 4 undefined.
    #[schema(minimum = 1, maximum = 4)]
    pub threat_level_id: i64,
    /// Seconds since the epoch of the event's newest change.
    pub timestamp: i64,
}

/// An organisation as MISP names it.
#[derive(Debug, Serialize, ToSchema)]
pub struct MispOrg {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uuid: Option<String>,
}

/// A MISP tag.
#[derive(Debug, Serialize, ToSchema)]
pub struct MispTag {
    pub name: String,
}

/// `hashes.csv`, a line per value: `md5,event uuid`.
#[derive(Debug, ToSchema)]
#[schema(value_type = String)]
#[allow(dead_code)] // documents the body
pub struct MispHashes(String);

/// A MISP event file: `{"Event": {...}}` in the MISP core format.
#[derive(Debug, Serialize, ToSchema)]
pub struct MispEventFile {
    /// The event: `uuid`, `info`, `Orgc`, `Tag`, `Attribute`, `Object`, `EventReport`,
    /// `timestamp`, `date`…
    #[serde(rename = "Event")]
    #[schema(value_type = Object)]
    pub event: serde_json::Value,
}

async fn manifest(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(collection): Path<String>,
) -> ApiResult<Response> {
    serve(&s, &p, &collection, FeedFile::Manifest).await
}

async fn hashes(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(collection): Path<String>,
) -> ApiResult<Response> {
    serve(&s, &p, &collection, FeedFile::Hashes).await
}

async fn event(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path((collection, event)): Path<(String, String)>,
) -> ApiResult<Response> {
    let file = FeedFile::parse(&event)
        .filter(|f| matches!(f, FeedFile::Event(_)))
        .ok_or_else(|| ApiError::not_found("no such feed file"))?;
    serve(&s, &p, &collection, file).await
}

async fn serve(
    s: &AppState,
    p: &simpul_core::Principal,
    collection: &str,
    file: FeedFile,
) -> ApiResult<Response> {
    let collection = Uuid::parse_str(collection)
        .map(CollectionId)
        .map_err(|_| ApiError::not_found("collection not found"))?;
    let mut run = s.service.misp_feed(p, collection, file).await?;
    let first = run.next_chunk().await?;
    let body = stream(first, run, "MISP feed");
    let mut res = (StatusCode::OK, Body::new(body)).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(file.media_type()),
    );
    Ok(res)
}
