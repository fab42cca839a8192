//! The server over real HTTP on a random port.

use std::sync::Arc;
use std::time::Duration;

use axum::routing::{get, post};
use simpul_server::{ApiError, AppState, Router, Settings};

use crate::helpers::{TestApp, TestDb, spawn_app, spawn_app_with};

async fn json(res: reqwest::Response) -> serde_json::Value {
    res.json().await.unwrap()
}

async fn health_story(app: &TestApp, backend: &str) {
    let res = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(json(res).await["status"], "ok");

    let res = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let body = json(res).await;
    assert_eq!(body["status"], "ready");
    assert_eq!(body["database"], backend);

    let res = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text")
    );
    let text = res.text().await.unwrap();
    assert!(
        text.contains(
            r#"simpul_http_requests_total{method="GET",route="/healthz",status="200"} 1"#
        ),
        "{text}"
    );
    assert!(
        text.contains(
            r#"simpul_http_request_duration_seconds_count{method="GET",route="/readyz"} 1"#
        ),
        "{text}"
    );
    assert!(text.contains("simpul_db_pool_max_connections "), "{text}");
}

#[tokio::test]
async fn boots_on_sqlite() {
    let db = TestDb::sqlite();
    let app = spawn_app(db.open().await).await;
    health_story(&app, "sqlite").await;
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set SIMPUL_TEST_POSTGRES (the PostgreSQL leg of .ci/run does)"]
async fn boots_on_postgres() {
    let db = TestDb::postgres().await;
    let app = spawn_app(db.open().await).await;
    health_story(&app, "postgres").await;
    app.shutdown().await;
}

#[tokio::test]
async fn errors_are_problem_json_with_request_id() {
    let db = TestDb::sqlite();
    let app = spawn_app(db.open().await).await;

    let res = app
        .client
        .get(app.url("/no/such/route"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let rid = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    let body = json(res).await;
    assert_eq!(body["request_id"], rid.as_str());
    insta::assert_json_snapshot!("unknown_route", body, { ".request_id" => "[request_id]" });

    // A plain client-chosen request id is kept; a hostile one is replaced.
    let res = app
        .client
        .get(app.url("/nope"))
        .header("x-request-id", "trace-42")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "trace-42");
    assert_eq!(json(res).await["request_id"], "trace-42");
    let res = app
        .client
        .get(app.url("/nope"))
        .header("x-request-id", "a b\"<script>")
        .send()
        .await
        .unwrap();
    assert_ne!(res.headers()["x-request-id"], "a b\"<script>");

    // Wrong method: 405 keeps the Allow header.
    let res = app.client.post(app.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), 405);
    assert!(res.headers().contains_key("allow"));
    assert_eq!(json(res).await["code"], "method_not_allowed");

    // TAXII routes answer with the TAXII error object.
    let res = app
        .client
        .get(app.url("/taxii2/api/nothing-here/"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(
        res.headers()["content-type"],
        "application/taxii+json;version=2.1"
    );
    let body = json(res).await;
    insta::assert_json_snapshot!("taxii_unknown_route", body, { ".error_id" => "[request_id]" });
    app.shutdown().await;
}

#[tokio::test]
async fn oversize_bodies_get_413() {
    let db = TestDb::sqlite();
    let extra = Router::<AppState>::new().route(
        "/test/echo",
        post(|body: axum::body::Bytes| async move { body.len().to_string() }),
    );
    let app = spawn_app_with(
        db.open().await,
        Settings {
            max_body_bytes: 1024,
            ..Settings::default()
        },
        extra,
    )
    .await;
    let ok = app
        .client
        .post(app.url("/test/echo"))
        .body(vec![b'x'; 1000])
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let res = app
        .client
        .post(app.url("/test/echo"))
        .body(vec![b'x'; 4096])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    assert_eq!(json(res).await["code"], "payload_too_large");
    app.shutdown().await;
}

/// A write that takes a while: it signals when it has started, then writes after a delay.
fn slow_write_route(started: Arc<tokio::sync::Notify>) -> Router<AppState> {
    Router::new().route(
        "/test/slow-write",
        post(
            move |axum::extract::State(state): axum::extract::State<AppState>| {
                let started = Arc::clone(&started);
                async move {
                    started.notify_one();
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    let new = simpul_core::org::NewOrganisation {
                        name: "Slow".into(),
                        short_name: simpul_core::ShortName::parse("Slow").unwrap(),
                        kind: simpul_core::OrgKind::Other,
                        country: None,
                    };
                    state
                        .service
                        .create_org(&simpul_core::Principal::operator("test"), new)
                        .await
                        .map_err(ApiError::from)?;
                    Ok::<_, ApiError>("done")
                }
            },
        ),
    )
}

#[tokio::test]
async fn graceful_shutdown_completes_in_flight_write() {
    let db = TestDb::sqlite();
    let started = Arc::new(tokio::sync::Notify::new());
    let store = db.open().await;
    let mut app = spawn_app_with(
        Arc::clone(&store),
        Settings::default(),
        slow_write_route(Arc::clone(&started)),
    )
    .await;
    let client = app.client.clone();
    let url = app.url("/test/slow-write");
    let request = tokio::spawn(async move { client.post(url).send().await });
    started.notified().await;
    app.begin_shutdown();
    let res = request
        .await
        .unwrap()
        .expect("the in-flight request is answered");
    assert_eq!(res.status(), 200);
    assert_eq!(res.text().await.unwrap(), "done");
    tokio::time::timeout(Duration::from_secs(10), app.join())
        .await
        .expect("server stops after the write");
    assert!(
        store
            .get_org_by_short_name(&simpul_core::ShortName::parse("Slow").unwrap())
            .await
            .unwrap()
            .is_some(),
        "the answered write is durable"
    );
}

fn orgs_route() -> Router<AppState> {
    Router::new().route(
        "/test/orgs",
        get(
            |axum::extract::State(state): axum::extract::State<AppState>| async move {
                let orgs = state
                    .service
                    .list_orgs(&simpul_core::Principal::operator("test"))
                    .await
                    .map_err(ApiError::from)?;
                Ok::<_, ApiError>(orgs.len().to_string())
            },
        ),
    )
}

#[tokio::test]
async fn sqlite_file_gone_makes_readyz_503() {
    let db = TestDb::sqlite();
    let app = spawn_app_with(db.open().await, Settings::default(), orgs_route()).await;
    assert_eq!(
        app.client
            .get(app.url("/readyz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let path = simpul_store_sqlite::path_from_url(db.url.expose()).unwrap();
    std::fs::remove_file(&path).unwrap();
    let res = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(res.status(), 503);
    let body = json(res).await;
    assert_eq!(body["code"], "unavailable");
    assert!(
        !body["detail"]
            .as_str()
            .unwrap()
            .contains(path.to_str().unwrap()),
        "no internal paths leak"
    );
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set SIMPUL_TEST_POSTGRES (the PostgreSQL leg of .ci/run does)"]
async fn postgres_lost_later_gives_503_not_panic() {
    let db = TestDb::postgres().await;
    // Put a TCP proxy between the app and PostgreSQL, then cut it.
    let target = pg_host_port(db.url.expose());
    let proxy = crate::helpers::proxy::TcpProxy::start(&target).await;
    let url = simpul::config::DatabaseUrl::new(db.url.expose().replacen(
        &target,
        &proxy.addr.to_string(),
        1,
    ));
    let store = simpul::open_store(&url).await.unwrap();
    let app = spawn_app_with(store, Settings::default(), orgs_route()).await;
    assert_eq!(
        app.client
            .get(app.url("/test/orgs"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    proxy.cut();
    for path in ["/readyz", "/test/orgs"] {
        let res = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 503, "{path}");
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        assert_eq!(json(res).await["code"], "unavailable");
    }
    assert_eq!(
        app.client
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200,
        "the process stays up"
    );
    app.shutdown().await;
}

/// `host:port` of a postgres:// URL (port 5432 when absent).
fn pg_host_port(url: &str) -> String {
    let rest = url.split("://").nth(1).unwrap();
    let authority = rest.split(['/', '?']).next().unwrap();
    let hostport = authority.rsplit('@').next().unwrap();
    if hostport.contains(':') {
        hostport.to_owned()
    } else {
        format!("{hostport}:5432")
    }
}
