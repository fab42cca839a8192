//! simpul's HTTP edge.
//!
//! Owns routing, request ids, request logging, metrics, body limits and the translation of every error
//! into the one edge error type ([`ApiError`]: problem+json on REST routes, the TAXII error object on
//! TAXII routes). Handlers are thin: they parse the request, call the core's service layer, and shape
//! the answer.
//!
//! Must never: query the store for shared objects on its own (every read of shared data goes through the
//! core's sharing policy), put internal error details in a response, or read the wall clock in logic.

use std::sync::Arc;

use axum::Json;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http_body_util::BodyExt;
use simpul_core::Service;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

pub mod api;
pub mod auth;
pub mod error;
mod metrics;
mod serve;
pub mod taxii;
pub mod web;

pub use axum::Router;
pub use error::{ApiError, ErrorCode, Flavour};
pub use metrics::{Metrics, MetricsToken};
pub use serve::{BodyTimedOut, Limits, serve, serve_with};

/// Settings of the HTTP edge.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Request bodies larger than this get 413.
    pub max_body_bytes: usize,
    /// Mark cookies `Secure` (served over TLS, or behind a TLS-terminating proxy).
    pub secure_cookies: bool,
    /// Uploads to an import job larger than this get 413 (they are spooled to a file, not held).
    pub max_import_bytes: u64,
    /// Where import uploads are spooled until their job has read them (the data directory's
    /// `imports/` in `simpul serve`).
    pub spool_dir: std::path::PathBuf,
    /// The TAXII 2.1 server's settings.
    pub taxii: taxii::TaxiiSettings,
    /// The bearer token `/metrics` wants (then it also shows the federation peers); open without.
    pub metrics_token: Option<MetricsToken>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            max_body_bytes: 64 * 1024 * 1024,
            secure_cookies: false,
            max_import_bytes: 256 * 1024 * 1024,
            spool_dir: std::env::temp_dir(),
            taxii: taxii::TaxiiSettings::default(),
            metrics_token: None,
        }
    }
}

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    pub service: Service,
    pub settings: Arc<Settings>,
    metrics: Arc<Metrics>,
    /// Runs a federation round now (`POST /peers/{name}/sync`), when the binary gives one.
    peer_sync: Option<Arc<dyn PeerSync>>,
}

impl AppState {
    pub fn new(service: Service, settings: Settings) -> Self {
        Self {
            service,
            settings: Arc::new(settings),
            metrics: Arc::new(Metrics::default()),
            peer_sync: None,
        }
    }

    /// With `sync` running the rounds of `POST /peers/{name}/sync`.
    pub fn with_peer_sync(mut self, sync: Arc<dyn PeerSync>) -> Self {
        self.peer_sync = Some(sync);
        self
    }
}

/// What a federation round did (`POST /peers/{name}/sync`).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct RoundCounts {
    /// Versions stored from the peer.
    pub pulled: u64,
    /// Versions the peer accepted.
    pub pushed: u64,
    /// Versions refused: by this node when pulled, by the peer when pushed.
    pub refused: u64,
    /// Versions pulled that this node held already.
    pub held: u64,
    /// Versions the forwarding rules kept here.
    pub withheld: u64,
}

/// How a round asked for over REST ended, short of success.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoundRefused {
    /// Another round holds the peer's lease.
    Busy,
    /// The round failed (the peer, or this node's store): one line, no secret.
    Failed(String),
}

/// Runs one federation round of a peer now, under its lease. The federation client lives in the
/// `simpul` binary's crate; it gives the server this.
pub trait PeerSync: Send + Sync + std::fmt::Debug {
    fn sync_now<'a>(
        &'a self,
        service: &'a Service,
        principal: &'a simpul_core::Principal,
        peer: &'a str,
    ) -> std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<RoundCounts, RoundRefused>> + Send + 'a>,
    >;
}

/// The request id of a request: the client's `X-Request-Id` when it is short and plain, else a new UUID.
#[derive(Debug, Clone)]
pub struct RequestId(pub Arc<str>);

const REQUEST_ID: &str = "x-request-id";

/// simpul's routes, without the edge layers. Later issues add `/api/v1`, `/taxii2` and the web UI here.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics::render))
        .merge(api::router())
        .merge(taxii::router())
        .merge(web::router())
}

/// The full application: `routes` behind the edge layers.
pub fn app(state: AppState, routes: Router<AppState>) -> Router {
    let limit = state.settings.max_body_bytes;
    routes
        .fallback(fallback)
        .layer(DefaultBodyLimit::max(limit))
        .layer(middleware::from_fn_with_state(state.clone(), metrics::track))
        .layer(middleware::from_fn(render_errors))
        .layer(middleware::from_fn(security_headers))
        .layer(CatchPanicLayer::custom(|_| ApiError::internal(&"handler panicked").into_response()))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request| {
                    let id = req.extensions().get::<RequestId>().map_or("-", |r| &r.0);
                    tracing::info_span!("request", method = %req.method(), path = %log_path(req.uri().path()), request_id = %id)
                })
                .on_response(|res: &Response, latency: std::time::Duration, _span: &tracing::Span| {
                    tracing::info!(status = res.status().as_u16(), latency_ms = latency.as_secs_f64() * 1e3, "answered");
                }),
        )
        .layer(middleware::from_fn(request_id))
        .with_state(state)
}

/// The path a request log records: the route for paths that carry a secret (an acknowledgement
/// link's token), the path otherwise.
pub fn log_path(path: &str) -> &str {
    if path.starts_with("/ack/") {
        "/ack/{token}"
    } else {
        path
    }
}

async fn request_id(mut req: Request, next: Next) -> Response {
    let given = req
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
        })
        .map(str::to_owned);
    let id: Arc<str> = given
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
        .into();
    req.extensions_mut().insert(RequestId(Arc::clone(&id)));
    let mut res = next.run(req).await;
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(REQUEST_ID, v);
    }
    res
}

/// Gives every error response the body of its route's flavour, with the request id. Errors raised by
/// the framework (unknown route, wrong method, body too large, rejected extractor) become [`ApiError`]s
/// here too, keeping the framework's message as the detail.
async fn render_errors(req: Request, next: Next) -> Response {
    let flavour = Flavour::for_path(req.uri().path());
    let request_id = req.extensions().get::<RequestId>().cloned();
    let res = next.run(req).await;
    let rid = request_id.as_ref().map(|r| &*r.0);
    if let Some(err) = res.extensions().get::<ApiError>().cloned() {
        let (parts, _) = res.into_parts();
        return err.render_into(parts, flavour, rid);
    }
    if !(res.status().is_client_error() || res.status().is_server_error()) {
        return res;
    }
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if flavour == Flavour::Html && is_html {
        // A web page that shows its own error (a refused form).
        return res;
    }
    let status = res.status();
    let (parts, body) = res.into_parts();
    let text = match http_body_util::Limited::new(body, 4096).collect().await {
        Ok(c) => String::from_utf8_lossy(&c.to_bytes()).trim().to_owned(),
        Err(_) => String::new(),
    };
    let code = ErrorCode::for_status(status);
    let detail = if status.is_server_error() {
        tracing::error!(status = status.as_u16(), body = %text, "server error from the framework");
        "The server failed to handle this request; the request id identifies it in the log."
            .to_owned()
    } else if text.is_empty() {
        code.title().to_owned()
    } else {
        error::bound_message(&text)
    };
    let err = ApiError {
        code,
        status,
        detail,
        errors: Vec::new(),
        retry_after: None,
        allowed: None,
    };
    err.render_into(parts, flavour, rid)
}

/// Headers every response carries.
async fn security_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    h.insert(
        "content-security-policy",
        HeaderValue::from_static(
            "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        ),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

async fn fallback(req: Request) -> ApiError {
    ApiError::not_found(format!(
        "no route for {} {}",
        req.method(),
        req.uri().path()
    ))
}

/// `GET /healthz`: the process is up.
async fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}

/// `GET /readyz`: the database answers and its schema is current; 503 otherwise.
async fn readyz(State(state): State<AppState>) -> Result<Json<serde_json::Value>, ApiError> {
    let store = state.service.probe();
    store.ping().await?;
    let schema = store.schema_status().await?;
    if !schema.is_current() {
        return Err(ApiError::new(
            ErrorCode::Unavailable,
            format!(
                "database schema is at version {}, this simpul needs {}",
                schema.current, schema.latest
            ),
        ));
    }
    Ok(Json(serde_json::json!({
        "status": "ready",
        "database": store.backend(),
        "schema_version": schema.current,
    })))
}

/// The response for a status with no further detail (used by handlers that only need a status).
pub fn status_only(status: StatusCode) -> Response {
    (status, [(header::CONTENT_LENGTH, "0")]).into_response()
}
