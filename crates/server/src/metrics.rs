//! Prometheus metrics: requests by route and status, latency histograms, database pool occupancy,
//! and, for an authenticated scrape, each federation peer's status.
//!
//! Each app owns its registry (no process-global recorder), so several apps can run in one process.
//! With a metrics token configured (`metrics_token`, or `SIMPUL_METRICS_TOKEN`), `/metrics` wants
//! `Authorization: Bearer TOKEN` and answers 401 without it; only then does it carry the peer
//! series, whose names and counts are administrative information. Without a token it stays open
//! (a scraper on the loopback or an internal network) and leaves the peer series out.

use std::sync::atomic::AtomicI64;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::AppState;

/// The bearer token a scraper of `/metrics` must send. `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct MetricsToken(String);

impl MetricsToken {
    /// A token of at least 16 characters (a short one is guessable).
    pub fn new(token: &str) -> Result<Self, String> {
        let token = token.trim();
        if token.chars().count() < 16 {
            return Err("the metrics token must have at least 16 characters".into());
        }
        Ok(Self(token.to_owned()))
    }

    /// Whether `headers` carry this token as `Authorization: Bearer`.
    fn admits(&self, headers: &HeaderMap) -> bool {
        headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|sent| simpul_core::secret::constant_time_eq(sent.trim(), &self.0))
    }
}

impl std::fmt::Debug for MetricsToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MetricsToken(***)")
    }
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

/// A federation peer (as many series as configured peers: administrators bound them).
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PeerLabels {
    peer: String,
}

/// Each peer's status, read from the store at every authenticated scrape into a registry of
/// that scrape alone (so a concurrent open scrape can never see it).
#[derive(Debug, Default)]
struct PeerGauges {
    objects_in: Family<PeerLabels, Gauge<i64, AtomicI64>>,
    objects_out: Family<PeerLabels, Gauge<i64, AtomicI64>>,
    refused: Family<PeerLabels, Gauge<i64, AtomicI64>>,
    retrying: Family<PeerLabels, Gauge<i64, AtomicI64>>,
    errors: Family<PeerLabels, Gauge<i64, AtomicI64>>,
    lag: Family<PeerLabels, Gauge<i64, AtomicI64>>,
    last_sync: Family<PeerLabels, Gauge<i64, AtomicI64>>,
}

impl PeerGauges {
    /// A registry holding these gauges under their names.
    fn registry(&self) -> Registry {
        let mut registry = Registry::with_prefix("simpul");
        for (name, help, family) in [
            (
                "federation_objects_in",
                "Objects stored from a federation peer",
                &self.objects_in,
            ),
            (
                "federation_objects_out",
                "Objects a federation peer accepted",
                &self.objects_out,
            ),
            (
                "federation_refused",
                "Objects refused in a federation peer's rounds",
                &self.refused,
            ),
            (
                "federation_retrying",
                "Object versions waiting in a federation peer's push retry queue",
                &self.retrying,
            ),
            (
                "federation_errors",
                "Federation rounds of a peer that failed",
                &self.errors,
            ),
            (
                "federation_lag_seconds",
                "Seconds since a federation peer's last successful round (-1: never)",
                &self.lag,
            ),
            (
                "federation_last_sync_timestamp_seconds",
                "When a federation peer's last round ended (0: never)",
                &self.last_sync,
            ),
        ] {
            registry.register(name, help, family.clone());
        }
        registry
    }
}

fn latency_histogram() -> Histogram {
    // 0.25 ms … ~8 s
    Histogram::new(exponential_buckets(0.000_25, 2.0, 16))
}

/// The app's metrics.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    pool_size: Gauge<i64, AtomicI64>,
    pool_idle: Gauge<i64, AtomicI64>,
    pool_max: Gauge<i64, AtomicI64>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("simpul");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<RouteLabels, Histogram, fn() -> Histogram>::new_with_constructor(
            latency_histogram,
        );
        let pool_size = Gauge::<i64, AtomicI64>::default();
        let pool_idle = Gauge::<i64, AtomicI64>::default();
        let pool_max = Gauge::<i64, AtomicI64>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, route and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time to answer an HTTP request, by method and route",
            latency.clone(),
        );
        registry.register(
            "db_pool_connections",
            "Database connections open",
            pool_size.clone(),
        );
        registry.register(
            "db_pool_idle_connections",
            "Database connections idle",
            pool_idle.clone(),
        );
        registry.register(
            "db_pool_max_connections",
            "Most database connections the pool opens",
            pool_max.clone(),
        );
        Self {
            registry,
            requests,
            latency,
            pool_size,
            pool_idle,
            pool_max,
        }
    }
}

/// The `method` label: one of the standard methods, else `other`, so a client cannot create a new
/// time series per made-up method.
fn method_label(m: &Method) -> &'static str {
    const KNOWN: [Method; 9] = [
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
        Method::OPTIONS,
        Method::TRACE,
        Method::CONNECT,
    ];
    KNOWN
        .iter()
        .find(|k| *k == m)
        .map_or("other", Method::as_str)
}

/// Middleware: counts and times every request under its matched route (a route template, so the
/// label set is bounded) or `unmatched`.
pub(crate) async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = method_label(req.method()).to_owned();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |p| p.as_str())
        .to_owned();
    let res = next.run(req).await;
    let m = &state.metrics;
    m.requests
        .get_or_create(&RequestLabels {
            method: method.clone(),
            route: route.clone(),
            status: res.status().as_u16(),
        })
        .inc();
    m.latency
        .get_or_create(&RouteLabels { method, route })
        .observe(started.elapsed().as_secs_f64());
    res
}

/// `GET /metrics`
pub(crate) async fn render(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let authenticated = match &state.settings.metrics_token {
        Some(token) if token.admits(&headers) => true,
        Some(_) => {
            let mut res = crate::ApiError::new(
                crate::ErrorCode::Unauthenticated,
                "/metrics wants the metrics token as `Authorization: Bearer TOKEN`",
            )
            .into_response();
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer realm=\"metrics\""),
            );
            return res;
        }
        None => false,
    };
    let m = &state.metrics;
    let pool = state.service.probe().pool_status();
    m.pool_size
        .set(i64::try_from(pool.size).unwrap_or(i64::MAX));
    m.pool_idle
        .set(i64::try_from(pool.idle).unwrap_or(i64::MAX));
    m.pool_max.set(i64::try_from(pool.max).unwrap_or(i64::MAX));
    // The peer series only for a scraper that showed the token.
    let peers = if authenticated {
        match state.service.peer_metrics().await {
            Ok(peers) => Some(peer_gauges(peers, state.service.now())),
            Err(e) => {
                tracing::warn!(error = %e, "federation metrics unavailable");
                None
            }
        }
    } else {
        None
    };
    let mut out = String::new();
    let encoded = (|| {
        use prometheus_client::encoding::text::{encode_eof, encode_registry};
        encode_registry(&mut out, &m.registry)?;
        if let Some(p) = &peers {
            encode_registry(&mut out, &p.registry())?;
        }
        encode_eof(&mut out)
    })();
    if let Err(e) = encoded {
        return crate::ApiError::internal(&e).into_response();
    }
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        out,
    )
        .into_response()
}

/// The gauges of `peers` at `now`.
fn peer_gauges(peers: Vec<simpul_core::federation::Peer>, now: time::OffsetDateTime) -> PeerGauges {
    let g = PeerGauges::default();
    for p in peers {
        let l = PeerLabels {
            peer: p.name.to_string(),
        };
        let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        let st = &p.status;
        g.objects_in.get_or_create(&l).set(n(st.objects_in));
        g.objects_out.get_or_create(&l).set(n(st.objects_out));
        g.refused.get_or_create(&l).set(n(st.refused));
        g.retrying.get_or_create(&l).set(n(st.retrying));
        g.errors.get_or_create(&l).set(n(st.errors));
        g.lag
            .get_or_create(&l)
            .set(st.lag(now).map_or(-1, |d| d.whole_seconds()));
        g.last_sync
            .get_or_create(&l)
            .set(st.last_sync.map_or(0, |t| t.unix_timestamp()));
    }
    g
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_methods_share_one_label() {
        assert_eq!(method_label(&Method::GET), "GET");
        assert_eq!(method_label(&Method::PATCH), "PATCH");
        let made_up = Method::from_bytes(b"FOOA1").unwrap();
        assert_eq!(method_label(&made_up), "other");
    }
}
