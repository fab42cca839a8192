//! Identity and access over HTTP: the route × role × organisation matrix, token scopes, expiry and
//! revocation, login rate limiting, CSRF, suspension, and the OpenAPI document.

use std::sync::Arc;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use simpul_core::org::{NewOrganisation, OrgKind, ShortName};
use simpul_core::service::{NewToken, NewUser};
use simpul_core::{Organisation, Principal, Role, Scopes, Service, User};

use crate::helpers::{TestApp, TestClock, TestDb, spawn_app_full};

/// Three organisations and a user of each role, each with a token of the widest scopes the role
/// allows (read-only: `read`).
struct World {
    app: TestApp,
    service: Service,
    clock: TestClock,
    own: Organisation,
    other: Organisation,
    spare: Organisation,
    other_user: User,
    own_analyst: User,
    /// (label, token) for: site-admin, org-admin, analyst, read-only — all of `own`, except the
    /// site-admin of the regional CERT.
    tokens: Vec<(&'static str, String)>,
    _db: TestDb,
}

async fn org(service: &Service, short: &str, kind: OrgKind) -> Organisation {
    let op = Principal::operator("test");
    service
        .create_org(
            &op,
            NewOrganisation {
                name: format!("{short} team"),
                short_name: ShortName::parse(short).unwrap(),
                kind,
                country: None,
            },
        )
        .await
        .unwrap()
}

async fn user(service: &Service, org: &Organisation, email: &str, role: Role) -> User {
    let op = Principal::operator("test");
    let new = NewUser {
        email: simpul_core::Email::parse(email).unwrap(),
        display_name: email.into(),
        org_id: org.id,
        role,
        password: Some("correct horse battery staple".into()),
    };
    service.create_user(&op, new).await.unwrap().0
}

async fn token(service: &Service, email: &str, scopes: &str, days: Option<u32>) -> String {
    let op = Principal::operator("test");
    let new = NewToken {
        name: "test".into(),
        scopes: Scopes::parse(scopes).unwrap(),
        expires_in_days: days,
    };
    service.create_token_for(&op, email, new).await.unwrap().1
}

async fn world() -> World {
    let db = TestDb::sqlite();
    let clock = TestClock::new();
    let service = Service::new(db.open().await, Arc::new(clock.clone()));
    let regional = org(&service, "ASEAN-CERT", OrgKind::RegionalCert).await;
    let own = org(&service, "SingCERT", OrgKind::NationalCert).await;
    let other = org(&service, "MyCERT", OrgKind::NationalCert).await;
    let spare = org(&service, "Spare", OrgKind::Other).await;
    user(&service, &regional, "sa@regional.example", Role::SiteAdmin).await;
    user(&service, &own, "oa@own.example", Role::OrgAdmin).await;
    let own_analyst = user(&service, &own, "an@own.example", Role::Analyst).await;
    user(&service, &own, "ro@own.example", Role::ReadOnly).await;
    let other_user = user(&service, &other, "an@other.example", Role::Analyst).await;
    let all = "read,write,sync,admin";
    let tokens = vec![
        (
            "site-admin",
            token(&service, "sa@regional.example", all, None).await,
        ),
        (
            "org-admin",
            token(&service, "oa@own.example", all, None).await,
        ),
        (
            "analyst",
            token(&service, "an@own.example", all, None).await,
        ),
        (
            "read-only",
            token(&service, "ro@own.example", "read", None).await,
        ),
    ];
    let app = spawn_app_full(
        service.clone(),
        simpul_server::Settings::default(),
        simpul_server::Router::new(),
    )
    .await;
    World {
        app,
        service,
        clock,
        own,
        other,
        spare,
        other_user,
        own_analyst,
        tokens,
        _db: db,
    }
}

async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    auth: Option<&str>,
    body: Option<&Value>,
) -> reqwest::Response {
    let mut req = app.client.request(method, app.url(path));
    if let Some(t) = auth {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(b);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn route_role_org_matrix() {
    let w = world().await;
    let op = Principal::operator("test");
    // The other organisation's user starts without tokens; the revoke cells below make them.
    let other_token = w
        .service
        .list_tokens_of(&op, "an@other.example")
        .await
        .unwrap();
    assert!(other_token.is_empty());
    let (own, other, spare) = (w.own.id, w.other.id, w.spare.id);
    let (ou, oa) = (w.other_user.id, w.own_analyst.id);

    // Columns: anonymous, bad token, site-admin, org-admin, analyst, read-only.
    struct Case {
        method: Method,
        path: String,
        body: Option<Value>,
        expect: [u16; 6],
    }
    let case = |method: Method, path: String, body: Option<Value>, expect: [u16; 6]| Case {
        method,
        path,
        body,
        expect,
    };
    let mut cases = vec![
        case(
            Method::GET,
            "/api/v1/me".into(),
            None,
            [401, 401, 200, 200, 200, 200],
        ),
        case(
            Method::POST,
            "/api/v1/me/password".into(),
            Some(
                json!({"current_password": "not it at all", "new_password": "a new long password"}),
            ),
            [401, 401, 400, 400, 400, 403],
        ),
        case(
            Method::GET,
            "/api/v1/organisations".into(),
            None,
            [401, 401, 200, 200, 200, 200],
        ),
        case(
            Method::POST,
            "/api/v1/organisations".into(),
            Some(json!({"name": "New", "short_name": "New-{n}", "kind": "industry"})),
            [401, 401, 201, 403, 403, 403],
        ),
        case(
            Method::GET,
            format!("/api/v1/organisations/{own}"),
            None,
            [401, 401, 200, 200, 200, 200],
        ),
        case(
            Method::GET,
            format!("/api/v1/organisations/{other}"),
            None,
            [401, 401, 200, 200, 200, 200],
        ),
        case(
            Method::PATCH,
            format!("/api/v1/organisations/{own}"),
            Some(json!({"name": "Own {n}"})),
            [401, 401, 200, 200, 403, 403],
        ),
        case(
            Method::PATCH,
            format!("/api/v1/organisations/{other}"),
            Some(json!({"name": "Other {n}"})),
            [401, 401, 200, 403, 403, 403],
        ),
        case(
            Method::PATCH,
            format!("/api/v1/organisations/{own}"),
            Some(json!({"kind": "government"})),
            [401, 401, 200, 403, 403, 403],
        ),
        case(
            Method::POST,
            format!("/api/v1/organisations/{spare}/suspend"),
            None,
            [401, 401, 200, 403, 403, 403],
        ),
        case(
            Method::GET,
            "/api/v1/communities".into(),
            None,
            [401, 401, 200, 200, 200, 200],
        ),
        case(
            Method::POST,
            "/api/v1/communities".into(),
            Some(json!({"name": "c-{n}"})),
            [401, 401, 201, 403, 403, 403],
        ),
        case(
            Method::GET,
            "/api/v1/communities/shared".into(),
            None,
            [401, 401, 200, 200, 200, 200],
        ),
        case(
            Method::POST,
            "/api/v1/communities/shared/members".into(),
            Some(json!({"members": [own]})),
            [401, 401, 200, 403, 403, 403],
        ),
        case(
            Method::GET,
            "/api/v1/users".into(),
            None,
            [401, 401, 200, 200, 403, 403],
        ),
        case(
            Method::GET,
            format!("/api/v1/users?org={other}"),
            None,
            [401, 401, 200, 404, 403, 403],
        ),
        case(
            Method::POST,
            "/api/v1/users".into(),
            Some(
                json!({"email": "new{n}@own.example", "display_name": "N", "org_id": own, "role": "analyst"}),
            ),
            [401, 401, 201, 201, 403, 403],
        ),
        case(
            Method::POST,
            "/api/v1/users".into(),
            Some(
                json!({"email": "new{n}@other.example", "display_name": "N", "org_id": other, "role": "analyst"}),
            ),
            [401, 401, 201, 404, 403, 403],
        ),
        case(
            Method::POST,
            "/api/v1/users".into(),
            Some(
                json!({"email": "boss{n}@own.example", "display_name": "N", "org_id": own, "role": "site-admin"}),
            ),
            [401, 401, 201, 403, 403, 403],
        ),
        case(
            Method::GET,
            format!("/api/v1/users/{oa}"),
            None,
            [401, 401, 200, 200, 403, 403],
        ),
        case(
            Method::GET,
            format!("/api/v1/users/{ou}"),
            None,
            [401, 401, 200, 404, 403, 403],
        ),
        case(
            Method::PATCH,
            format!("/api/v1/users/{ou}"),
            Some(json!({"display_name": "x{n}"})),
            [401, 401, 200, 404, 403, 403],
        ),
        case(
            Method::POST,
            format!("/api/v1/users/{ou}/reset-password"),
            None,
            [401, 401, 200, 404, 403, 403],
        ),
        case(
            Method::GET,
            "/api/v1/tokens".into(),
            None,
            [401, 401, 200, 200, 200, 403],
        ),
        case(
            Method::POST,
            "/api/v1/tokens".into(),
            Some(json!({"name": "t", "scopes": ["read"]})),
            [401, 401, 201, 201, 201, 403],
        ),
        case(
            Method::GET,
            "/api/v1/audit".into(),
            None,
            [401, 401, 200, 200, 403, 403],
        ),
        case(
            Method::GET,
            format!("/api/v1/audit?org={other}"),
            None,
            [401, 401, 200, 404, 403, 403],
        ),
    ];
    // Revoking another organisation's user's token: a fresh token per column.
    cases.push(case(
        Method::DELETE,
        "/api/v1/tokens/{other_token}".into(),
        None,
        [401, 401, 200, 404, 403, 403],
    ));
    // Revoking another user's token in one's own organisation.
    cases.push(case(
        Method::DELETE,
        "/api/v1/tokens/{own_token}".into(),
        None,
        [401, 401, 200, 200, 403, 403],
    ));

    let op_service = &w.service;
    op_service
        .create_community(
            &op,
            simpul_core::CommunityName::parse("shared").unwrap(),
            "",
        )
        .await
        .unwrap();
    let mut n = 0;
    let mut failures = Vec::new();
    let principals: [Option<String>; 6] = [
        None,
        Some("simpul_not-a-real-token-000000000000000000000000".into()),
        Some(w.tokens[0].1.clone()),
        Some(w.tokens[1].1.clone()),
        Some(w.tokens[2].1.clone()),
        Some(w.tokens[3].1.clone()),
    ];
    for c in &cases {
        for (col, auth) in principals.iter().enumerate() {
            n += 1;
            let mut path = c.path.clone();
            // A fresh token to revoke per cell: one of the other organisation's user, one of a
            // user of our own organisation.
            for (placeholder, owner) in [
                ("{other_token}", "an@other.example"),
                ("{own_token}", "ro@own.example"),
            ] {
                if path.contains(placeholder) {
                    let new = NewToken {
                        name: "victim".into(),
                        scopes: Scopes::parse("read").unwrap(),
                        expires_in_days: None,
                    };
                    let (t, _) = op_service.create_token_for(&op, owner, new).await.unwrap();
                    path = path.replace(placeholder, &t.id.to_string());
                }
            }
            let body = c.body.as_ref().map(|b| {
                serde_json::from_str::<Value>(&b.to_string().replace("{n}", &n.to_string()))
                    .unwrap()
            });
            let res = call(
                &w.app,
                c.method.clone(),
                &path,
                auth.as_deref(),
                body.as_ref(),
            )
            .await;
            let status = res.status().as_u16();
            let labels = [
                "anonymous",
                "bad token",
                "site-admin",
                "org-admin",
                "analyst",
                "read-only",
            ];
            if status != c.expect[col] {
                let text = res.text().await.unwrap_or_default();
                failures.push(format!(
                    "{} {} as {}: expected {}, got {status}: {text}",
                    c.method, path, labels[col], c.expect[col]
                ));
            } else if status >= 400 {
                // Every refusal is a problem document with a stable code; 401s carry a challenge.
                assert_eq!(
                    res.headers()["content-type"],
                    "application/problem+json",
                    "{} {path}",
                    c.method
                );
                if status == 401 {
                    assert!(res.headers().contains_key("www-authenticate"));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {n} cells wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
    w.app.shutdown().await;
}

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

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn set_cookie(res: &reqwest::Response, name: &str) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(str::to_owned)
}

/// Signs in through the web form; returns the session cookie value.
async fn web_login(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    let client = no_redirects();
    let page = client.get(app.url("/login")).send().await.unwrap();
    let csrf_cookie = set_cookie(&page, "simpul_login_csrf").unwrap();
    let csrf = csrf_cookie
        .split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1
        .to_owned();
    client
        .post(app.url("/login"))
        .header("cookie", format!("simpul_login_csrf={csrf}"))
        .form(&[
            ("email", email),
            ("password", password),
            ("csrf_token", &csrf),
        ])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn web_session_cookie_and_csrf() {
    let w = world().await;
    let res = web_login(&w.app, "oa@own.example", "correct horse battery staple").await;
    assert_eq!(res.status(), 303);
    let cookie = set_cookie(&res, "simpul_session").unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "not configured for TLS");
    let session = cookie.split(';').next().unwrap().to_owned();
    let client = no_redirects();
    // Reads work with the cookie alone.
    let me: Value = client
        .get(w.app.url("/api/v1/me"))
        .header("cookie", &session)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["auth"], "session");
    let csrf = me["csrf_token"].as_str().unwrap().to_owned();
    // A write without the CSRF token is refused; with it, it goes through.
    let body = json!({"name": "from-browser", "scopes": ["read"]});
    let res = client
        .post(w.app.url("/api/v1/tokens"))
        .header("cookie", &session)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(
        res.json::<Value>().await.unwrap()["detail"],
        "missing or wrong CSRF token (send X-CSRF-Token)"
    );
    let res = client
        .post(w.app.url("/api/v1/tokens"))
        .header("cookie", &session)
        .header("x-csrf-token", "wrong")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = client
        .post(w.app.url("/api/v1/tokens"))
        .header("cookie", &session)
        .header("x-csrf-token", &csrf)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    // The logout form needs the token too; then the session is gone server-side.
    let res = client
        .post(w.app.url("/logout"))
        .header("cookie", &session)
        .form(&[("csrf_token", "wrong")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = client
        .post(w.app.url("/logout"))
        .header("cookie", &session)
        .form(&[("csrf_token", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let res = client
        .get(w.app.url("/api/v1/me"))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    // A login form posted without its CSRF cookie is refused.
    let res = client
        .post(w.app.url("/login"))
        .form(&[
            ("email", "oa@own.example"),
            ("password", "correct horse battery staple"),
            ("csrf_token", "x"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    // Idle sessions end.
    let res = web_login(&w.app, "oa@own.example", "correct horse battery staple").await;
    let session = set_cookie(&res, "simpul_session")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    w.clock.advance(time::Duration::hours(3));
    let res = client
        .get(w.app.url("/api/v1/me"))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    w.app.shutdown().await;
}

#[tokio::test]
async fn failed_logins_are_rate_limited_and_recorded() {
    let w = world().await;
    for i in 0..simpul_core::service::FREE_FAILURES_PER_ACCOUNT {
        let res = web_login(&w.app, "an@own.example", "wrong password, sorry").await;
        assert_eq!(res.status(), 401, "attempt {i}");
    }
    // Now even the right password must wait.
    let res = web_login(&w.app, "an@own.example", "correct horse battery staple").await;
    assert_eq!(res.status(), 429);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Too many failed attempts")
    );
    // After the delay, the right password works and the counter resets.
    w.clock.advance(time::Duration::seconds(2));
    let res = web_login(&w.app, "an@own.example", "correct horse battery staple").await;
    assert_eq!(res.status(), 303);
    // Each failure is in the audit log.
    let op = Principal::operator("test");
    let entries = w.service.list_audit(&op, None, None, 1000).await.unwrap();
    let failures = entries
        .iter()
        .filter(|e| e.action == "login.failure")
        .count();
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
async fn account_page_manages_own_tokens_and_password() {
    let w = world().await;
    let client = no_redirects();
    // Not signed in: sent to the sign-in page.
    let res = client.get(w.app.url("/account")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    let res = web_login(&w.app, "an@own.example", "correct horse battery staple").await;
    let session = set_cookie(&res, "simpul_session")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let page = client
        .get(w.app.url("/account"))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("API tokens") && html.contains("Change password"));
    let csrf = html
        .split("name=\"csrf_token\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();

    // Without the CSRF token nothing happens.
    let form = [
        ("name", "siem"),
        ("scope_read", "on"),
        ("scope_sync", "on"),
        ("expires_in_days", "30"),
    ];
    let res = client
        .post(w.app.url("/account/tokens"))
        .header("cookie", &session)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403, "the form without csrf_token is refused");
    let mut with_csrf = form.to_vec();
    with_csrf.push(("csrf_token", "wrong"));
    let res = client
        .post(w.app.url("/account/tokens"))
        .header("cookie", &session)
        .form(&with_csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);

    // Create: the browser is sent back to the account page (post/redirect/get), which shows the
    // secret once; it works.
    with_csrf.pop();
    with_csrf.push(("csrf_token", &csrf));
    let res = client
        .post(w.app.url("/account/tokens"))
        .header("cookie", &session)
        .form(&with_csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/account");
    let flash = set_cookie(&res, "simpul_flash")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let res = client
        .get(w.app.url("/account"))
        .header("cookie", format!("{session}; {flash}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    let secret = html
        .split("<code>")
        .nth(1)
        .unwrap()
        .split("</code>")
        .next()
        .unwrap()
        .to_owned();
    assert!(secret.starts_with("simpul_"));
    let me = call(&w.app, Method::GET, "/api/v1/me", Some(&secret), None).await;
    assert_eq!(me.status(), 200);
    let page = client
        .get(w.app.url("/account"))
        .header("cookie", &session)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!page.contains(&secret), "shown only once");
    assert!(page.contains("read,sync"));

    // Revoke it from the page.
    let op = Principal::operator("test");
    let id = w
        .service
        .list_tokens_of(&op, "an@own.example")
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.name == "siem")
        .unwrap()
        .id;
    let res = client
        .post(w.app.url(&format!("/account/tokens/{id}/revoke")))
        .header("cookie", &session)
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(
        call(&w.app, Method::GET, "/api/v1/me", Some(&secret), None)
            .await
            .status(),
        401
    );

    // Password: the wrong current one is refused; the right one ends the session.
    let bad = [
        ("csrf_token", csrf.as_str()),
        ("current_password", "not my password"),
        ("new_password", "a brand new passphrase"),
    ];
    let res = client
        .post(w.app.url("/account/password"))
        .header("cookie", &session)
        .form(&bad)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let good = [
        ("csrf_token", csrf.as_str()),
        ("current_password", "correct horse battery staple"),
        ("new_password", "a brand new passphrase"),
    ];
    let res = client
        .post(w.app.url("/account/password"))
        .header("cookie", &session)
        .form(&good)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        client
            .get(w.app.url("/account"))
            .header("cookie", &session)
            .send()
            .await
            .unwrap()
            .status(),
        303
    );
    let res = web_login(&w.app, "an@own.example", "a brand new passphrase").await;
    assert_eq!(res.status(), 303);
    w.app.shutdown().await;
}
