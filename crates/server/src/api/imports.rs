//! Import jobs: `POST /collections/{id}/imports` takes a bundle, a JSON array or JSON lines (as the
//! body, or as the `file` part of a multipart upload), spools it to a file (never held in memory;
//! larger than [`Settings::max_import_bytes`](crate::Settings) is 413) and answers 202 with the
//! queued job; `GET /imports/{job}` reports its progress and end. The job itself is the core's.

use std::io::Read;

use axum::Json;
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;
use serde::{Deserialize, Serialize};
use simpul_core::intel::imports::{ImportId, ImportJob};
use simpul_core::intel::service::ShareOptions;
use simpul_core::intel::{CollectionId, parse_tlp};
use time::OffsetDateTime;
use tokio::io::AsyncWriteExt;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::collections::{ShareFailure, StixDocument};
use super::json::{ApiQuery, is_json_mime};
use super::{ApiResult, ApiRoute, route, schema};
use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, ErrorCode};

pub fn routes() -> Vec<ApiRoute> {
    let mut start = route!(POST "/collections/{id}/imports", start_import)
        .doc(
            "Import a file of STIX objects or MISP JSON into a collection in the background: a \
             STIX bundle, a JSON array or JSON lines, or MISP events (one event, a list of \
             events, or a `{\"response\": [...]}` search answer; converted to STIX as \
             documented in the MISP mapping, distribution levels never widened), sent as the body (`application/json`, `application/x-ndjson`) \
             or as the `file` part of a `multipart/form-data` upload, up to the server's import \
             size limit (413 beyond). Answers 202 with the job (its `Location`); objects are \
             stored a batch at a time as with a share, and re-importing skips what is stored.",
            "analysts and administrators of organisations in its audience that may write \
             there, and its named users (scope write)",
        )
        .query::<ImportQuery>()
        .request::<StixDocument>()
        .returns::<ImportJobView>(StatusCode::ACCEPTED);
    // The upload is counted against its own limit while it is spooled.
    start.handler = start
        .handler
        .layer(axum::extract::DefaultBodyLimit::disable());
    vec![
        start,
        route!(GET "/imports/{job}", get_import)
            .doc(
                "Get an import job: its state, counts, first failures and times",
                "the user who started it, their organisation's org-admins, site-admins (scope \
                 read); anyone else gets 404",
            )
            .returns::<ImportJobView>(StatusCode::OK),
    ]
}

/// Options of an import.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// Named recipients, comma-separated emails: when given, they are the whole audience of the
    /// objects imported (what TLP:RED needs outside a list of users).
    pub recipients: Option<String>,
    /// The TLP of objects that arrive unmarked, instead of the collection's default.
    #[param(schema_with = schema::tlp_wanted)]
    pub tlp: Option<String>,
}

/// An import job.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportJobView {
    pub id: Uuid,
    /// `queued`, `running`, `succeeded` (read to the end, whatever failed of its objects) or
    /// `failed` (stopped: unreadable input, interrupted, …; see `error`).
    #[schema(pattern = "^(queued|running|succeeded|failed)$")]
    pub state: String,
    pub collection: Uuid,
    /// Who imports: their organisation is the producer.
    pub user: Uuid,
    /// The TLP asked for unmarked objects (null: the collection's default).
    #[schema(schema_with = schema::tlp_label_or_null, required = true)]
    pub tlp: Option<String>,
    /// Objects read so far (each stored, skipped or failed).
    pub read: u64,
    pub stored: u64,
    /// Already stored at that version: nothing stored.
    pub skipped: u64,
    pub failed: u64,
    /// Objects stored with a warning (an unknown marking).
    pub warnings: u64,
    /// The first 100 failures, with their JSON pointer or line.
    pub failures: Vec<ShareFailure>,
    /// Why a failed job stopped.
    #[schema(required = true)]
    pub error: Option<String>,
    /// The upload's size.
    #[schema(required = true)]
    pub bytes_total: Option<u64>,
    pub bytes_read: u64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(required = true)]
    pub started_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(required = true)]
    pub finished_at: Option<OffsetDateTime>,
}

impl From<ImportJob> for ImportJobView {
    fn from(j: ImportJob) -> Self {
        Self {
            id: j.id.0,
            state: j.state.as_str().to_owned(),
            collection: j.collection.0,
            user: j.user.0,
            tlp: j.tlp.map(|t| t.label().to_owned()),
            read: j.counts.read,
            stored: j.counts.stored,
            skipped: j.counts.skipped,
            failed: j.counts.failed,
            warnings: j.counts.warnings,
            failures: j.failures.into_iter().map(ShareFailure::from).collect(),
            error: j.error,
            bytes_total: j.bytes_total,
            bytes_read: j.bytes_read,
            created_at: j.created_at,
            started_at: j.started_at,
            finished_at: j.finished_at,
        }
    }
}

/// The recipients and TLP of a share or import, from its query.
pub(crate) fn share_options(
    recipients: Option<&str>,
    tlp: Option<&str>,
) -> Result<ShareOptions, ApiError> {
    Ok(ShareOptions {
        recipients: recipients
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_owned)
            .collect(),
        tlp: tlp
            .map(|t| parse_tlp("tlp", t).map_err(|e| ApiError::invalid_parameter("tlp", e.message)))
            .transpose()?,
    })
}

/// A spooled upload: read back by the job, removed when the job drops it.
pub(crate) struct Spooled {
    file: std::fs::File,
    _guard: tempfile::TempPath,
}

impl Read for Spooled {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.file.read(buf)
    }
}

impl std::io::Seek for Spooled {
    fn seek(&mut self, pos: std::io::SeekFrom) -> std::io::Result<u64> {
        self.file.seek(pos)
    }
}

fn too_large(limit: u64) -> ApiError {
    ApiError::new(
        ErrorCode::PayloadTooLarge,
        format!("the upload is larger than this server's import limit of {limit} bytes"),
    )
}

fn spool_error(e: &dyn std::fmt::Display) -> ApiError {
    tracing::error!(error = %e, "cannot spool an import upload");
    ApiError::internal(&"cannot spool the upload")
}

/// Writes chunks to a new file in the spool directory, refusing more than `limit` bytes.
pub(crate) struct Spool {
    file: tokio::fs::File,
    path: tempfile::TempPath,
    written: u64,
    limit: u64,
}

impl Spool {
    pub(crate) async fn new(s: &AppState) -> Result<Self, ApiError> {
        let dir = s.settings.spool_dir.clone();
        let (file, path) = tokio::task::spawn_blocking(move || {
            std::fs::create_dir_all(&dir)?;
            tempfile::Builder::new()
                .prefix("import-")
                .tempfile_in(&dir)
                .map(tempfile::NamedTempFile::into_parts)
        })
        .await
        .map_err(|e| spool_error(&e))?
        .map_err(|e| spool_error(&e))?;
        Ok(Self {
            file: tokio::fs::File::from_std(file),
            path,
            written: 0,
            limit: s.settings.max_import_bytes,
        })
    }

    pub(crate) async fn write(&mut self, chunk: &[u8]) -> Result<(), ApiError> {
        self.written += chunk.len() as u64;
        if self.written > self.limit {
            return Err(too_large(self.limit));
        }
        self.file
            .write_all(chunk)
            .await
            .map_err(|e| spool_error(&e))
    }

    pub(crate) async fn finish(mut self) -> Result<(Spooled, u64), ApiError> {
        self.file.flush().await.map_err(|e| spool_error(&e))?;
        drop(self.file);
        let file = std::fs::File::open(&self.path).map_err(|e| spool_error(&e))?;
        Ok((
            Spooled {
                file,
                _guard: self.path,
            },
            self.written,
        ))
    }
}

/// The error of a body that could not be read while spooling.
fn body_error(e: &(dyn std::error::Error + 'static)) -> ApiError {
    if crate::BodyTimedOut::is_cause_of(e) {
        return ApiError::new(
            ErrorCode::RequestTimeout,
            "the request body was not received in time",
        );
    }
    ApiError::new(
        ErrorCode::InvalidInput,
        "the request body could not be read",
    )
}

/// Spools the upload of `req`: the body itself, or the `file` part of a multipart form.
async fn spool(s: &AppState, req: Request) -> Result<(Spooled, u64), ApiError> {
    let mime = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let base = mime
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let mut out = Spool::new(s).await?;
    if base == "multipart/form-data" {
        let mut form = axum::extract::Multipart::from_request(req, s)
            .await
            .map_err(|e| ApiError::new(ErrorCode::InvalidInput, format!("{e}")))?;
        let mut found = false;
        while let Some(mut field) = form
            .next_field()
            .await
            .map_err(|e| multipart_error(&e, out.limit))?
        {
            if field.name() != Some("file") || found {
                continue;
            }
            found = true;
            while let Some(chunk) = field
                .chunk()
                .await
                .map_err(|e| multipart_error(&e, out.limit))?
            {
                out.write(&chunk).await?;
            }
        }
        if !found {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                "the multipart upload has no `file` part",
            )
            .with_field("file", "missing"));
        }
    } else if is_json_mime(&base) {
        let mut body = req.into_body();
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|e| body_error(&e))?;
            if let Some(chunk) = frame.data_ref() {
                out.write(chunk).await?;
            }
        }
    } else {
        return Err(ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "send the file as application/json, application/x-ndjson, or the `file` part of \
             multipart/form-data",
        ));
    }
    out.finish().await
}

fn multipart_error(e: &axum::extract::multipart::MultipartError, limit: u64) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return too_large(limit);
    }
    ApiError::new(
        ErrorCode::InvalidInput,
        format!("the multipart upload could not be read: {}", e.body_text()),
    )
}

async fn start_import(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<Uuid>,
    ApiQuery(q): ApiQuery<ImportQuery>,
    req: Request,
) -> ApiResult<Response> {
    let opts = share_options(q.recipients.as_deref(), q.tlp.as_deref())?;
    let collection = CollectionId(id);
    // Who may import, and where, is known before the upload is read.
    s.service.check_import(&p, collection, &opts).await?;
    let (file, size) = spool(&s, req).await?;
    let job = s
        .service
        .start_import(&p, collection, &opts, Box::new(file), Some(size))
        .await?;
    let location = format!("/api/v1/imports/{}", job.id);
    Ok((
        StatusCode::ACCEPTED,
        [(header::LOCATION, location)],
        Json(ImportJobView::from(job)),
    )
        .into_response())
}

async fn get_import(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(job): Path<Uuid>,
) -> ApiResult<Json<ImportJobView>> {
    let job = s.service.get_import(&p, ImportId(job)).await?;
    Ok(Json(job.into()))
}
