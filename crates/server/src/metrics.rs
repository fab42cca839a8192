//! Prometheus metrics: requests by route and status, latency histograms, database pool occupancy.
//!
//! Each app owns its registry (no process-global recorder), so several apps can run in one process.

use std::sync::atomic::AtomicI64;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::AppState;

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

/// Each peer's status, set from the store at every scrape.
#[derive(Debug, Default)]
struct PeerGauges {
    objects_in: Family<PeerLabels, Gauge<i64, AtomicI64>>,
    objects_out: Family<PeerLabels, Gauge<i64, AtomicI64>>,
    refused: Family<PeerLabels, Gauge<i64, AtomicI64>>,
    errors: Family<PeerLabels, Gauge<i64, AtomicI64>>,
    lag: Family<PeerLabels, Gauge<i64, AtomicI64>>,
    last_sync: Family<PeerLabels, Gauge<i64, AtomicI64>>,
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
    peers: PeerGauges,
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
        let peers = PeerGauges::default();
        for (name, help, family) in [
            (
                "federation_objects_in",
                "Objects stored from a federation peer",
                &peers.objects_in,
            ),
            (
                "federation_objects_out",
                "Objects a federation peer accepted",
                &peers.objects_out,
            ),
            (
                "federation_refused",
                "Objects refused in a federation peer's rounds",
                &peers.refused,
            ),
            (
                "federation_errors",
                "Federation rounds of a peer that failed",
                &peers.errors,
            ),
            (
                "federation_lag_seconds",
                "Seconds since a federation peer's last successful round (-1: never)",
                &peers.lag,
            ),
            (
                "federation_last_sync_timestamp_seconds",
                "When a federation peer's last round ended (0: never)",
                &peers.last_sync,
            ),
        ] {
            registry.register(name, help, family.clone());
        }
        Self {
            registry,
            requests,
            latency,
            pool_size,
            pool_idle,
            pool_max,
            peers,
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
pub(crate) async fn render(State(state): State<AppState>) -> Response {
    let m = &state.metrics;
    let pool = state.service.probe().pool_status();
    m.pool_size
        .set(i64::try_from(pool.size).unwrap_or(i64::MAX));
    m.pool_idle
        .set(i64::try_from(pool.idle).unwrap_or(i64::MAX));
    m.pool_max.set(i64::try_from(pool.max).unwrap_or(i64::MAX));
    match state.service.peer_metrics().await {
        Ok(peers) => {
            let now = state.service.now();
            let g = &m.peers;
            for f in [
                &g.objects_in,
                &g.objects_out,
                &g.refused,
                &g.errors,
                &g.lag,
                &g.last_sync,
            ] {
                f.clear();
            }
            for p in peers {
                let l = PeerLabels {
                    peer: p.name.to_string(),
                };
                let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
                let st = &p.status;
                g.objects_in.get_or_create(&l).set(n(st.objects_in));
                g.objects_out.get_or_create(&l).set(n(st.objects_out));
                g.refused.get_or_create(&l).set(n(st.refused));
                g.errors.get_or_create(&l).set(n(st.errors));
                g.lag
                    .get_or_create(&l)
                    .set(st.lag(now).map_or(-1, |d| d.whole_seconds()));
                g.last_sync
                    .get_or_create(&l)
                    .set(st.last_sync.map_or(0, |t| t.unix_timestamp()));
            }
        }
        Err(e) => tracing::warn!(error = %e, "federation metrics unavailable"),
    }
    let mut out = String::new();
    if let Err(e) = prometheus_client::encoding::text::encode(&mut out, &m.registry) {
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
