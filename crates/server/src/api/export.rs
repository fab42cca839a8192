//! `/export/{format}`: what you may see, as Suricata rules, a Zeek intel file, an RPZ zone, CSV,
//! a plain list or a STIX bundle (logic in `simpul_core::export`). The answer streams page by
//! page; a failure part-way aborts the transfer, so a client never takes a cut file for whole.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use simpul_core::export::{ExportOptions, Format};
use simpul_core::intel::{CollectionId, parse_tlp};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::chunks::stream;
use super::json::ApiQuery;
use super::objects::timestamp;
use super::{ApiResult, ApiRoute, route, schema};
use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;

pub fn routes() -> Vec<ApiRoute> {
    vec![
        route!(GET "/export/{format}", export)
            .doc(
                "Export the indicators you may see that are valid now (latest version, not \
                 revoked, a disjunction of exact values) whose decay score is above the threshold \
                 (`min_score`), without values on a MISP warninglist, \
                 as `suricata` rules (DNS query, TLS SNI, HTTP host and URI, IP; stable sids), a \
                 `zeek` intel file, an `rpz` zone (only what PAP allows to block), `csv`, `text` \
                 (one value per line) or a `stix` bundle; or `misp`: a JSON array of the MISP \
                 events you may see (each report an event with what it refers to; what no \
                 visible report holds in one event per collection; to_ids false where an \
                 indicator is not valid now or warninglisted). Streamed as text",
                "any signed-in user (scope read); each export holds only what the sharing policy \
                 lets you see",
            )
            .query::<ExportQuery>()
            .streams::<ExportText>(StatusCode::OK, TEXT),
    ]
}

/// The media type of every export (each format is text; the file name says which).
const TEXT: &str = "text/plain; charset=utf-8";

/// The export, as text in the format asked for.
#[derive(Debug, ToSchema)]
#[schema(value_type = String)]
#[allow(dead_code)] // documents the body
pub struct ExportText(String);

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// Only this collection.
    pub collection: Option<Uuid>,
    /// The first Suricata sid (default 1000000000; up to 10^9 sids are used from it).
    #[param(minimum = 1, maximum = 3294967296u64)]
    pub sid_base: Option<u32>,
    /// Only indicators whose decay score (for you, now: the sightings you may see) is above
    /// this, instead of the server's threshold (`decay.threshold`, 30 unless configured).
    #[param(minimum = 0, exclusive_maximum = 100)]
    pub min_score: Option<f64>,
    /// Only indicators at this TLP level (not with `misp`, which exports whole events).
    #[param(schema_with = schema::tlp_wanted)]
    pub tlp: Option<String>,
    /// Only indicators produced by this organisation (short name; not with `misp`).
    #[param(schema_with = schema::short_name)]
    pub org: Option<String>,
    /// Only indicators added after this time: an incremental export (not with `misp`).
    #[param(schema_with = schema::date_time)]
    pub added_after: Option<String>,
    /// Only indicators matching these words, as the object search (not with `misp`).
    pub q: Option<String>,
}

async fn export(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(format): Path<String>,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> ApiResult<Response> {
    let format = Format::parse(&format)
        .map_err(|e| ApiError::invalid_parameter("format", e.message.clone()))?;
    let producer = match q.org.as_deref() {
        None => None,
        Some(short) => Some(super::objects::org_named(&s, &p, short).await?),
    };
    let opts = ExportOptions {
        collection: q.collection.map(CollectionId),
        sid_base: q.sid_base,
        min_score: q.min_score,
        tlp: q
            .tlp
            .as_deref()
            .map(|t| parse_tlp("tlp", t).map_err(|e| ApiError::invalid_parameter("tlp", e.message)))
            .transpose()?,
        producer,
        added_after: q
            .added_after
            .as_deref()
            .map(|t| timestamp("added_after", t))
            .transpose()?,
        text: q.q,
    };
    let mut run = s.service.export(&p, format, &opts)?;
    // The first page before the answer: a failure there is still a status.
    let first = run.next_chunk().await?;
    let body = stream(first, run, "export");
    let ext = match format {
        Format::Text => "txt",
        Format::Csv => "csv",
        Format::Rpz => "rpz",
        Format::Suricata => "rules",
        Format::Zeek => "intel",
        Format::Stix | Format::Misp => "json",
    };
    let mut res = (StatusCode::OK, Body::new(body)).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(TEXT));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"simpul.{ext}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}
