//! Identity and access over HTTP: token scopes, expiry and revocation, login rate limiting,
//! suspension, bad input, and the OpenAPI document. (The web pages are `web.rs`; the route × role
//! matrix is `matrix/`.)

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use simpul_core::Principal;

use crate::helpers::call;
use crate::world::{token, world};

#[tokio::test]
async fn token_scopes_expiry_and_revocation() {
    let w = world().await;
    let read_only = token(&w.service, "oa@own.example", "read", Some(1)).await;
    // Scope: read is enough to read, not to administer.
    assert_eq!(
        call(
            &w.app,
            Method::GET,
            "/api/v1/organisations",
            Some(&read_only),
            None
        )
        .await
        .status(),
        200
    );
    let res = call(&w.app, Method::GET, "/api/v1/users", Some(&read_only), None).await;
    assert_eq!(res.status(), 403);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["detail"], "the token lacks the `admin` scope");
    // Expiry: a day later it no longer works.
    w.clock.advance(time::Duration::hours(25));
    let res = call(&w.app, Method::GET, "/api/v1/me", Some(&read_only), None).await;
    assert_eq!(res.status(), 401);
    assert_eq!(
        res.json::<Value>().await.unwrap()["detail"],
        "the token has expired"
    );
    // Revocation through the API, by its owner.
    let t = token(&w.service, "oa@own.example", "read,admin", None).await;
    let created: Value = call(
        &w.app,
        Method::POST,
        "/api/v1/tokens",
        Some(&t),
        Some(&json!({"name": "ci", "scopes": ["read"]})),
    )
    .await
    .json()
    .await
    .unwrap();
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("simpul_"));
    assert_eq!(
        call(&w.app, Method::GET, "/api/v1/me", Some(&secret), None)
            .await
            .status(),
        200
    );
    let id = created["token"]["id"].as_str().unwrap();
    assert_eq!(
        call(
            &w.app,
            Method::DELETE,
            &format!("/api/v1/tokens/{id}"),
            Some(&t),
            None
        )
        .await
        .status(),
        200
    );
    let res = call(&w.app, Method::GET, "/api/v1/me", Some(&secret), None).await;
    assert_eq!(res.status(), 401);
    assert_eq!(
        res.json::<Value>().await.unwrap()["detail"],
        "the token has been revoked"
    );
    // The secret is never listed again.
    let listed = call(&w.app, Method::GET, "/api/v1/tokens", Some(&t), None)
        .await
        .text()
        .await
        .unwrap();
    assert!(!listed.contains(&secret) && !listed.contains("secret"));
    // HTTP Basic with email and token, as TAXII clients send.
    let res = w
        .app
        .client
        .get(w.app.url("/api/v1/me"))
        .basic_auth("OA@own.example", Some(&t))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = w
        .app
        .client
        .get(w.app.url("/api/v1/me"))
        .basic_auth("an@own.example", Some(&t))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401, "another user's email with this token");
    w.app.shutdown().await;
}

#[tokio::test]
async fn suspended_org_is_locked_out_at_once() {
    let w = world().await;
    let analyst = &w.tokens[2].1;
    assert_eq!(
        call(&w.app, Method::GET, "/api/v1/me", Some(analyst), None)
            .await
            .status(),
        200
    );
    let sa = &w.tokens[0].1;
    let res = call(
        &w.app,
        Method::POST,
        &format!("/api/v1/organisations/{}/suspend", w.own.id),
        Some(sa),
        None,
    )
    .await;
    assert_eq!(res.status(), 200);
    let res = call(&w.app, Method::GET, "/api/v1/me", Some(analyst), None).await;
    assert_eq!(res.status(), 401);
    assert_eq!(
        res.json::<Value>().await.unwrap()["detail"],
        "organisation SingCERT is suspended"
    );
    let entries: Value = call(&w.app, Method::GET, "/api/v1/audit?limit=5", Some(sa), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(entries["entries"][0]["action"], "org.suspend");
    w.app.shutdown().await;
}

#[tokio::test]
async fn failed_logins_are_rate_limited_and_recorded() {
    let w = world().await;
    for i in 0..simpul_core::service::FREE_FAILURES_PER_ACCOUNT {
        let res = w
            .app
            .sign_in("an@own.example", "wrong password, sorry")
            .await;
        assert_eq!(res.status(), 401, "attempt {i}");
    }
    // Now even the right password must wait.
    let res = w
        .app
        .sign_in("an@own.example", "correct horse battery staple")
        .await;
    assert_eq!(res.status(), 429);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Too many failed attempts")
    );
    // After the delay, the right password works and the counter resets.
    w.clock.advance(time::Duration::seconds(2));
    let res = w
        .app
        .sign_in("an@own.example", "correct horse battery staple")
        .await;
    assert_eq!(res.status(), 303);
    // Each failure is in the audit log.
    let op = Principal::operator("test");
    let entries = w.service.list_audit(&op, None, None, 1000).await.unwrap();
    let failures = entries
        .iter()
        .filter(|e| e.action == "login.failure")
        .count();
    // So is the refused (throttled) attempt, naming the account and the wait.
    let throttled: Vec<_> = entries
        .iter()
        .filter(|e| e.action == "login.throttled")
        .collect();
    assert_eq!(throttled.len(), 1, "{entries:#?}");
    assert_eq!(
        throttled[0].target.as_deref(),
        Some("account:an@own.example")
    );
    assert!(
        throttled[0].details.contains("retry_after_secs"),
        "{}",
        throttled[0].details
    );
    assert_eq!(
        failures,
        simpul_core::service::FREE_FAILURES_PER_ACCOUNT as usize
    );
    assert_eq!(
        entries
            .iter()
            .filter(|e| e.action == "login.success")
            .count(),
        1
    );
    w.app.shutdown().await;
}

#[tokio::test]
async fn bad_input_gets_precise_4xx() {
    let w = world().await;
    let sa = &w.tokens[0].1;
    let cases: &[(Method, &str, Value, u16, &str)] = &[
        (
            Method::POST,
            "/api/v1/organisations",
            json!({"name": "X", "short_name": "x y", "kind": "industry"}),
            400,
            "/short_name",
        ),
        (
            Method::POST,
            "/api/v1/organisations",
            json!({"name": "X", "short_name": "XY", "kind": "cert"}),
            400,
            "/kind",
        ),
        (
            Method::POST,
            "/api/v1/organisations",
            json!({"name": "X", "short_name": "XY", "kind": "industry", "country": "XX"}),
            400,
            "/country",
        ),
        (
            Method::POST,
            "/api/v1/organisations",
            json!({"name": "X", "short_name": "singcert", "kind": "industry"}),
            409,
            "",
        ),
        (
            Method::POST,
            "/api/v1/organisations",
            json!({"name": "X", "short_name": "XY", "kind": "industry", "typo": 1}),
            400,
            "/typo",
        ),
        (
            Method::POST,
            "/api/v1/users",
            json!({"email": "not-an-email", "display_name": "N", "role": "analyst"}),
            400,
            "/email",
        ),
        (
            Method::POST,
            "/api/v1/users",
            json!({"email": "a@b.example", "display_name": "N", "role": "root"}),
            400,
            "/role",
        ),
        (
            Method::POST,
            "/api/v1/users",
            json!({"email": "a@b.example", "display_name": "N", "role": "analyst", "org_id": w.own.id, "password": "short"}),
            400,
            "/password",
        ),
        (
            Method::POST,
            "/api/v1/users",
            json!({"email": "oa@own.example", "display_name": "N", "role": "analyst", "org_id": w.own.id}),
            409,
            "",
        ),
        (
            Method::POST,
            "/api/v1/communities/shared-missing/members",
            json!({"members": ["not-a-uuid"]}),
            400,
            "/members/0",
        ),
        (
            Method::POST,
            "/api/v1/tokens",
            json!({"name": "t", "scopes": ["root"]}),
            400,
            "/scopes/0",
        ),
        (
            Method::POST,
            "/api/v1/tokens",
            json!({"name": "t", "scopes": []}),
            400,
            "/scopes",
        ),
    ];
    for (method, path, body, status, pointer) in cases {
        let res = call(&w.app, method.clone(), path, Some(sa), Some(body)).await;
        let got = res.status().as_u16();
        let problem: Value = res.json().await.unwrap();
        assert_eq!(got, *status, "{method} {path} {body}: {problem}");
        if !pointer.is_empty() {
            assert_eq!(
                problem["errors"][0]["pointer"], *pointer,
                "{method} {path} {body}: {problem}"
            );
        }
        assert!(problem["detail"].as_str().is_some_and(|d| !d.is_empty()));
    }
    // Malformed JSON names the position; a wrong media type is 415.
    let res = w
        .app
        .client
        .post(w.app.url("/api/v1/tokens"))
        .bearer_auth(sa)
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["code"], "invalid_json");
    insta::assert_json_snapshot!("malformed_json", p, { ".request_id" => "[request_id]" });
    let res = w
        .app
        .client
        .post(w.app.url("/api/v1/tokens"))
        .bearer_auth(sa)
        .body("name=t")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 415);
    // Nothing half-written: the refused user does not exist.
    let op = Principal::operator("test");
    assert!(w.service.user_by_email(&op, "a@b.example").await.is_err());
    w.app.shutdown().await;
}

#[tokio::test]
async fn openapi_documents_exactly_the_routes() {
    let w = world().await;
    let doc: Value = w
        .app
        .client
        .get(w.app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    let table = simpul_server::api::table();
    let documented: usize = paths.values().map(|p| p.as_object().unwrap().len()).sum();
    assert_eq!(documented, table.len(), "every route is documented once");
    let sa = &w.tokens[0].1;
    for (path, ops) in paths {
        for method in ops.as_object().unwrap().keys() {
            let concrete = path
                .replace("{id}", &uuid::Uuid::new_v4().to_string())
                .replace("{name}", "no-such-community");
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let res = call(&w.app, m, &concrete, Some(sa), Some(&json!({}))).await;
            assert_ne!(
                res.status(),
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path}"
            );
            let body = res.text().await.unwrap();
            assert!(
                !body.contains("no route for"),
                "{method} {path} is documented but not routed: {body}"
            );
        }
    }
    // Every schema a route names exists.
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for r in &table {
        for s in r.response.iter().chain(&r.request) {
            assert!(schemas.contains_key(&s.name()), "{r:?} schema {s:?}");
        }
    }
    w.app.shutdown().await;
}

#[tokio::test]
async fn nobody_locks_out_their_own_organisation() {
    let w = world().await;
    let sa = &w.tokens[0].1;
    let regional = w
        .service
        .org_by_short_name(&Principal::operator("test"), "ASEAN-CERT")
        .await
        .unwrap();
    let res = call(
        &w.app,
        Method::POST,
        &format!("/api/v1/organisations/{}/suspend", regional.id),
        Some(sa),
        None,
    )
    .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["detail"], "you may not suspend your own organisation");
    // Still signed in, still active.
    let res = call(&w.app, Method::GET, "/api/v1/me", Some(sa), None).await;
    assert_eq!(res.status(), StatusCode::OK);
    // The operator (who holds the database) may, and can reactivate.
    let op = Principal::operator("test");
    let suspend = |status| simpul_core::service::OrgUpdate {
        status: Some(status),
        ..Default::default()
    };
    w.service
        .update_org(&op, regional.id, suspend(simpul_core::OrgStatus::Suspended))
        .await
        .unwrap();
    let res = call(&w.app, Method::GET, "/api/v1/me", Some(sa), None).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    w.service
        .update_org(&op, regional.id, suspend(simpul_core::OrgStatus::Active))
        .await
        .unwrap();
    let res = call(&w.app, Method::GET, "/api/v1/me", Some(sa), None).await;
    assert_eq!(res.status(), StatusCode::OK);
    w.app.shutdown().await;
}
