//! `/match`: which shared indicators do these observables hit, among those you may see. The core's
//! match index decides (every hit passes the sharing policy); this file reads the values and
//! streams the hits as JSON lines, the fields of `simpul match`.

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use simpul_core::intel::matching::{ObservableType, Region};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::chunks::{Chunk, Chunks};
use super::json::{ApiQuery, parse, unreadable_body};
use super::{ApiResult, ApiRoute, route};
use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, ErrorCode};

/// The media type of the answer: one JSON object per line.
pub const NDJSON: &str = "application/x-ndjson";

/// How many values are matched per chunk of the answer (the index's read lock is held that long).
const CHUNK: usize = 4096;

pub fn routes() -> Vec<ApiRoute> {
    vec![
        route!(POST "/match", match_values)
            .doc(
                "Match observables against the shared indicators you may see: a JSON array of \
                 strings, or text/plain lines. Each value is of `type`; without it, a value may \
                 name its type as `type|value` (`phone|+6281234567890`), else its type is \
                 detected (values of no detectable type are skipped); national forms are read in `region`, \
                 else your organisation's country. The answer streams one JSON line per hit, with \
                 the fields of `simpul match`: a URL also hits by its host (`part: host`), a \
                 domain or a URL's host by its parent domains against suffix indicators \
                 (`part: parent-domain`); a hit on a value on a MISP warninglist names the lists \
                 (`warninglists`); each hit carries the indicator's `decay_score` for you and \
                 `decayed` when that is not above the threshold (kept, not dropped).",
                "any signed-in user (scope read); each gets hits only on indicators the sharing \
                 policy lets them see",
            )
            .query::<MatchQuery>()
            .request::<Observables>()
            .text_request("one observable per line (blank lines are skipped)")
            .streams::<MatchHit>(StatusCode::OK, NDJSON),
    ]
}

/// How to read the values.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct MatchQuery {
    /// The type of every value (`domain`, `url`, `ipv4`, `phone`, `iban`,
    /// `crypto-wallet:ethereum`, `social-account:telegram`…), instead of detecting it.
    /// Detection never guesses national phone numbers or account numbers.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub ty: Option<String>,
    /// Region (ISO 3166 code, e.g. `ID`) of national phone numbers and bank accounts, instead of
    /// your organisation's country.
    pub region: Option<String>,
}

/// The observables to match.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(transparent)]
pub struct Observables(#[schema(inline)] pub Vec<String>);

/// One hit (one line of the answer).
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // documents the lines the core writes
pub struct MatchHit {
    /// The value as sent.
    observable: String,
    /// Its canonical type.
    #[schema(rename = "type")]
    ty: String,
    /// Its canonical key.
    canonical: String,
    /// The indicator's STIX id.
    indicator_id: String,
    #[schema(required = true)]
    indicator_name: Option<String>,
    /// The indicator's TLP as stored (its marking, or the collection's default).
    tlp: String,
    #[schema(required = true)]
    created_by_ref: Option<String>,
    /// RFC 3339.
    #[schema(required = true)]
    valid_until: Option<String>,
    /// Which part of the value matched (absent: the whole value).
    #[schema(value_type = Option<HitPart>)]
    part: Option<String>,
    /// The key that matched when a part did: the URL's host, or the parent domain.
    matched: Option<String>,
    /// The collection the indicator is shared in.
    collection: Uuid,
    /// The MISP warninglists the value is on (known benign: look twice); absent when none.
    warninglists: Option<Vec<String>>,
    /// The indicator's decay score for you now (0 to 100; the sightings you may see).
    #[schema(minimum = 0, maximum = 100)]
    decay_score: f64,
    /// The score is not above the threshold: the indicator has aged out (or a false positive was
    /// reported); the hit is kept, to look at twice.
    decayed: bool,
}

/// A part of an observable that matched.
#[derive(Debug, ToSchema)]
#[schema(rename_all = "kebab-case")]
#[allow(dead_code)]
pub enum HitPart {
    /// A URL's host.
    Host,
    /// A parent domain, against a domain-suffix indicator.
    ParentDomain,
}

/// The values of a request body: a JSON array of strings, or text lines.
struct Values(Vec<String>);

impl<S: Send + Sync> FromRequest<S> for Values {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let mime = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                v.split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase()
            })
            .unwrap_or_default();
        let json = mime == "application/json" || mime.ends_with("+json");
        if !json && mime != "text/plain" {
            return Err(ApiError::new(
                ErrorCode::UnsupportedMediaType,
                "the request body must be application/json (an array of strings) or text/plain",
            ));
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(unreadable_body)?;
        if json {
            return parse::<Vec<String>>(&bytes).map(Values);
        }
        let text = std::str::from_utf8(&bytes).map_err(|e| {
            ApiError::new(
                ErrorCode::InvalidInput,
                format!("the text is not UTF-8 (at byte {})", e.valid_up_to()),
            )
            .with_field("/", "not UTF-8")
        })?;
        Ok(Values(text.lines().map(str::to_owned).collect()))
    }
}

async fn match_values(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiQuery(q): ApiQuery<MatchQuery>,
    Values(values): Values,
) -> ApiResult<Response> {
    let ty =
        q.ty.as_deref()
            .map(|t| {
                t.parse::<ObservableType>()
                    .map_err(|e| ApiError::invalid_parameter("type", e.to_string()))
            })
            .transpose()?;
    let region = q
        .region
        .as_deref()
        .map(|r| Region::parse(r).map_err(|e| ApiError::invalid_parameter("region", e.to_string())))
        .transpose()?;
    let mut run = s.service.match_values(&p, values, ty, region).await?;
    let (tx, rx) = tokio::sync::mpsc::channel::<Chunk>(4);
    tokio::spawn(async move {
        loop {
            // Matching is CPU work under the index's read lock: on a blocking thread.
            let matched = tokio::task::spawn_blocking(move || {
                let (pending, more) = run.match_chunk(CHUNK);
                (run, pending, more)
            })
            .await;
            let Ok((back, pending, more)) = matched else {
                let _ = tx
                    .send(Err(std::io::Error::other("the match task failed")))
                    .await;
                return;
            };
            run = back;
            let mut buf = Vec::with_capacity(1 << 16);
            if let Err(e) = run.finish(pending, &mut buf).await {
                tracing::error!(error = %e, "match: reading the sightings of hits failed");
                let _ = tx.send(Err(std::io::Error::other(e.to_string()))).await;
                return;
            }
            // A client that went away ends the run.
            if !buf.is_empty() && tx.send(Ok(Bytes::from(buf))).await.is_err() {
                return;
            }
            if !more {
                return;
            }
        }
    });
    let mut res = (StatusCode::OK, Body::new(Chunks(rx))).into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(NDJSON));
    Ok(res)
}

/// Keeps `service`'s match index warm: refreshes it every `every` (the first time it loads every
/// stored indicator), so that a match rarely has anything to catch up. Runs until the task is
/// aborted; a failed refresh is logged and tried again at the next tick. Each app node runs its
/// own: the index is a cache of the store, never shared state.
pub async fn keep_match_index_warm(service: simpul_core::Service, every: std::time::Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut loaded = false;
    loop {
        tick.tick().await;
        match service.refresh_match_index().await {
            Ok(r) if !loaded => {
                loaded = true;
                tracing::info!(
                    versions = r.versions,
                    entries = r.entries,
                    "match index loaded"
                );
            }
            Ok(r) if r.versions > 0 => {
                tracing::debug!(
                    versions = r.versions,
                    entries = r.entries,
                    "match index refreshed"
                );
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "cannot refresh the match index"),
        }
    }
}
