//! Regression tests of the HTTP edge's hardening (each found by a security probe or by using the web
//! UI), and the REST API's contract: every documented response schema is what the handler answers,
//! and the bounds the server enforces are in the document. Real HTTP on a random port.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use simpul_core::org::OrgKind;
use simpul_core::service::NewToken;
use simpul_core::{Organisation, Principal, Role, Scopes, Service, User};
use simpul_server::Limits;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;

use crate::helpers::{TestClock, TestDb, set_cookie, shown_secret};
use crate::world::{PASSWORD, org, user};

mod bounds;
mod contract;

struct App {
    addr: SocketAddr,
    client: reqwest::Client,
    service: Service,
    regional: Organisation,
    member: Organisation,
    analyst: User,
    /// A token of the site-admin with every scope.
    token: String,
    shutdown: Option<oneshot::Sender<()>>,
    handle: tokio::task::JoinHandle<std::io::Result<()>>,
    _db: TestDb,
}

impl App {
    fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        tokio::time::timeout(Duration::from_secs(20), self.handle)
            .await
            .expect("the server stops")
            .unwrap()
            .unwrap();
    }

    fn call(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, self.url(path))
            .bearer_auth(&self.token)
    }
}

/// The app on a random port with `limits`, a regional CERT with a site-admin and a member CERT with
/// an analyst.
async fn spawn(limits: Limits) -> App {
    let db = TestDb::sqlite();
    let service = Service::new(db.open().await, Arc::new(TestClock::new()))
        .with_federation_key(simpul_core::federation::FederationKey::generate());
    let regional = org(&service, "ASEAN-CERT", OrgKind::RegionalCert).await;
    let member = org(&service, "SingCERT", OrgKind::NationalCert).await;
    user(&service, &regional, "sa@regional.example", Role::SiteAdmin).await;
    let analyst = user(&service, &member, "an@member.example", Role::Analyst).await;
    let op = Principal::operator("test");
    let new = NewToken {
        name: "test".into(),
        scopes: Scopes::all(),
        expires_in_days: None,
    };
    let token = service
        .create_token_for(&op, "sa@regional.example", new)
        .await
        .unwrap()
        .1;
    let state = simpul_server::AppState::new(service.clone(), simpul_server::Settings::default())
        .with_peer_sync(Arc::new(simpul::federation::RestSync {
            lease_secs: simpul::federation::sync::LEASE_SECS,
        }));
    let app = simpul_server::app(state, simpul_server::routes());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = oneshot::channel::<()>();
    let handle = tokio::spawn(simpul_server::serve_with(
        listener,
        app,
        limits,
        async move {
            let _ = rx.await;
        },
    ));
    App {
        addr,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        service,
        regional,
        member,
        analyst,
        token,
        shutdown: Some(tx),
        handle,
        _db: db,
    }
}

fn cookie_pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().to_owned()
}

/// Posts the sign-in form.
async fn web_login(app: &App, email: &str, password: &str) -> reqwest::Response {
    crate::helpers::web_login(&app.client, &app.url(""), email, password).await
}

/// Signs in on the web; returns the session cookie (`name=value`) and its CSRF token.
async fn web_session(app: &App, email: &str) -> (String, String) {
    let res = web_login(app, email, PASSWORD).await;
    assert_eq!(res.status(), 303);
    let session = cookie_pair(&set_cookie(&res, "simpul_session").unwrap());
    let me: Value = app
        .client
        .get(app.url("/api/v1/me"))
        .header("cookie", &session)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (session, me["csrf_token"].as_str().unwrap().to_owned())
}

fn assert_html(res: &reqwest::Response) {
    let ct = res.headers()["content-type"].to_str().unwrap();
    assert!(ct.starts_with("text/html"), "{} {ct}", res.status());
}

/// Sends `request` on a fresh connection and reads the answer until the server closes.
async fn raw(addr: SocketAddr, request: &[u8]) -> String {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(request).await.unwrap();
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut out))
        .await
        .expect("the server answers and closes")
        .unwrap();
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn cookie_writes_need_the_csrf_token_whatever_their_content_type() {
    let app = spawn(Limits::default()).await;
    let (session, csrf) = web_session(&app, "sa@regional.example").await;
    let op = Principal::operator("test");
    let token_id = app
        .service
        .list_tokens_of(&op, "sa@regional.example")
        .await
        .unwrap()[0]
        .id;
    // What a cross-site form can send: no body, or a form body, as a "simple" content type.
    let attacks = [
        (
            Method::POST,
            format!("/api/v1/users/{}/reset-password", app.analyst.id),
        ),
        (
            Method::POST,
            format!("/api/v1/organisations/{}/suspend", app.member.id),
        ),
        (Method::DELETE, format!("/api/v1/tokens/{token_id}")),
    ];
    for (method, path) in &attacks {
        for ct in [
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "text/plain",
        ] {
            let res = app
                .client
                .request(method.clone(), app.url(path))
                .header("cookie", &session)
                .header("content-type", ct)
                .body("")
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 403, "{method} {path} as {ct}");
            let p: Value = res.json().await.unwrap();
            assert_eq!(p["code"], "forbidden");
        }
    }
    // Nothing happened.
    assert!(
        app.service
            .login("an@member.example", PASSWORD, None)
            .await
            .is_ok()
    );
    let member = app.service.get_org(&op, app.member.id).await.unwrap();
    assert_eq!(member.status, simpul_core::OrgStatus::Active);
    // With the token the same requests go through.
    for (method, path) in &attacks {
        let res = app
            .client
            .request(method.clone(), app.url(path))
            .header("cookie", &session)
            .header("x-csrf-token", &csrf)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{method} {path}");
    }
    app.stop().await;
}

#[tokio::test]
async fn slow_clients_are_cut_off() {
    let limits = Limits {
        header_read_timeout: Duration::from_secs(1),
        body_read_timeout: Duration::from_secs(1),
        max_connections: 1024,
    };
    let app = spawn(limits).await;
    // Partial headers: the connection is closed.
    let started = std::time::Instant::now();
    let answer = raw(app.addr, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ").await;
    assert!(started.elapsed() < Duration::from_secs(8));
    assert!(!answer.contains("200 OK"), "{answer}");
    // An idle connection that never sends a byte is closed too.
    let answer = raw(app.addr, b"").await;
    assert!(answer.is_empty() || !answer.contains("200"), "{answer}");
    // A body of which 1 of 100 declared bytes arrives: 408 problem+json.
    let head = format!(
        "PATCH /api/v1/users/{} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{",
        app.analyst.id, app.token
    );
    let mut s = TcpStream::connect(app.addr).await.unwrap();
    s.write_all(head.as_bytes()).await.unwrap();
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(10), s.read(&mut buf))
        .await
        .expect("answered")
        .unwrap();
    let answer = String::from_utf8_lossy(&buf[..n]).into_owned();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(
        answer.contains("application/problem+json") && answer.contains("request_timeout"),
        "{answer}"
    );
    app.stop().await;
}

#[tokio::test]
async fn connections_beyond_the_limit_wait() {
    let limits = Limits {
        header_read_timeout: Duration::from_secs(2),
        max_connections: 2,
        ..Limits::default()
    };
    let app = spawn(limits).await;
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut s = TcpStream::connect(app.addr).await.unwrap();
        s.write_all(b"GET /healthz HTTP/1.1\r\n").await.unwrap();
        held.push(s);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut third = TcpStream::connect(app.addr).await.unwrap();
    third
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut out = Vec::new();
    let early = tokio::time::timeout(Duration::from_millis(800), third.read_to_end(&mut out)).await;
    assert!(
        early.is_err() && out.is_empty(),
        "answered beyond the limit"
    );
    // Once the held connections are cut (header timeout), the third is served.
    tokio::time::timeout(Duration::from_secs(15), third.read_to_end(&mut out))
        .await
        .expect("served after the others left")
        .unwrap();
    assert!(String::from_utf8_lossy(&out).starts_with("HTTP/1.1 200"));
    drop(held);
    app.stop().await;
}

#[tokio::test]
async fn json_bodies_with_trailing_data_are_refused() {
    let app = spawn(Limits::default()).await;
    let path = format!("/api/v1/users/{}", app.analyst.id);
    let res = app
        .call(Method::PATCH, &path)
        .header("content-type", "application/json")
        .body(r#"{"display_name":"x"} this is not json"#)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["code"], "invalid_json");
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("trailing characters at line 1 column 22"),
        "{p}"
    );
    let op = Principal::operator("test");
    let u = app.service.get_user(&op, app.analyst.id).await.unwrap();
    assert_eq!(u.display_name, "an@member.example", "nothing applied");
    app.stop().await;
}

#[tokio::test]
async fn error_bodies_quote_only_a_short_excerpt() {
    let app = spawn(Limits::default()).await;
    let huge = "k".repeat(1 << 20);
    let mut unknown = serde_json::Map::new();
    unknown.insert(huge.clone(), json!(1));
    let bodies = [
        // serde: an unknown field
        Value::Object(unknown),
        // a newtype's parse error
        json!({"name": "X", "short_name": huge, "kind": "industry"}),
        json!({"name": "X", "short_name": "XY", "kind": huge}),
    ];
    for body in &bodies {
        let res = app
            .call(Method::POST, "/api/v1/organisations")
            .json(body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400);
        let text = res.text().await.unwrap();
        assert!(text.len() < 4096, "{} bytes", text.len());
        assert!(text.contains("kkkk…"), "{text}");
    }
    // Framework rejections: a query parameter, a path segment.
    let long = "q".repeat(32 * 1024);
    for path in [
        format!("/api/v1/audit?{long}=1"),
        format!("/api/v1/users/{long}"),
    ] {
        let res = app.call(Method::GET, &path).send().await.unwrap();
        assert_eq!(res.status(), 400, "{}", &path[..30]);
        let text = res.text().await.unwrap();
        assert!(text.len() < 4096, "{} bytes", text.len());
    }
    app.stop().await;
}

#[tokio::test]
async fn metrics_labels_are_bounded() {
    let app = spawn(Limits::default()).await;
    for i in 0..20 {
        let m = Method::from_bytes(format!("FOOA{i}").as_bytes()).unwrap();
        app.client
            .request(m, app.url("/healthz"))
            .send()
            .await
            .unwrap();
        app.client
            .get(app.url(&format!("/random/path/{i}")))
            .send()
            .await
            .unwrap();
        app.client
            .get(app.url(&format!("/api/v1/nothing-{i}")))
            .send()
            .await
            .unwrap();
    }
    let text = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!text.contains("FOOA"), "{text}");
    assert!(
        !text.contains("random") && !text.contains("nothing-"),
        "{text}"
    );
    assert!(
        text.contains(
            r#"simpul_http_requests_total{method="other",route="/healthz",status="405"} 20"#
        ),
        "{text}"
    );
    assert!(
        text.contains(
            r#"simpul_http_requests_total{method="GET",route="unmatched",status="404"} 40"#
        ),
        "{text}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_control_character_in_a_header_gets_problem_json() {
    let app = spawn(Limits::default()).await;
    let req = format!(
        "POST /api/v1/tokens HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\x01\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}",
        app.token
    );
    let answer = raw(app.addr, req.as_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 415"), "{answer}");
    assert!(
        answer.contains("content-type: application/problem+json"),
        "{answer}"
    );
    assert!(answer.contains("unsupported_media_type"), "{answer}");
    app.stop().await;
}

#[tokio::test]
async fn web_routes_answer_html_pages() {
    let app = spawn(Limits::default()).await;
    // A wrong password: the sign-in page again, with the reason.
    let res = web_login(&app, "an@member.example", "not the password at all").await;
    assert_eq!(res.status(), 401);
    assert_html(&res);
    let html = res.text().await.unwrap();
    assert!(
        html.starts_with("<!doctype html>") && html.contains("<form"),
        "{html}"
    );
    // A form the framework cannot read.
    let res = app
        .client
        .post(app.url("/login"))
        .form(&[("email", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert_html(&res);
    // An invalid token form: the account page with the message, and no JSON around it.
    let (session, csrf) = web_session(&app, "an@member.example").await;
    let res = app
        .client
        .post(app.url("/account/tokens"))
        .header("cookie", &session)
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("name", "siem"),
            ("scope_read", "on"),
            ("expires_in_days", "abc"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert_html(&res);
    let html = res.text().await.unwrap();
    assert!(html.starts_with("<!doctype html>"), "{html}");
    assert!(html.contains("must be a whole number of days"), "{html}");
    // A wrong CSRF token: an HTML 403.
    let res = app
        .client
        .post(app.url("/account/password"))
        .header("cookie", &session)
        .form(&[("csrf_token", "wrong")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_html(&res);
    // Pages carry no inline style or script (the CSP forbids them): the stylesheet and the one
    // script (progressive enhancement) are files the server serves.
    let page = app
        .client
        .get(app.url("/account"))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(!csp.contains("unsafe-inline"));
    let html = page.text().await.unwrap();
    let script = r#"<script src="/static/simpul.js" defer></script>"#;
    assert!(
        !html.contains("style=") && html.matches("<script").count() == html.matches(script).count(),
        "{html}"
    );
    assert!(html.contains(r#"<link rel="stylesheet" href="/static/simpul.css">"#));
    let js = app
        .client
        .get(app.url("/static/simpul.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(js.status(), 200);
    assert!(
        js.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    let css = app
        .client
        .get(app.url("/static/simpul.css"))
        .send()
        .await
        .unwrap();
    assert_eq!(css.status(), 200);
    assert!(
        css.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    assert!(css.text().await.unwrap().contains("form.inline"));
    app.stop().await;
}

#[tokio::test]
async fn throttled_sign_in_says_when_to_retry() {
    let app = spawn(Limits::default()).await;
    for _ in 0..simpul_core::service::FREE_FAILURES_PER_ACCOUNT {
        let res = web_login(&app, "an@member.example", "wrong password, sorry").await;
        assert_eq!(res.status(), 401);
    }
    let res = web_login(&app, "an@member.example", PASSWORD).await;
    assert_eq!(res.status(), 429);
    let secs: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(secs >= 1);
    assert_html(&res);
    app.stop().await;
}

#[tokio::test]
async fn a_new_token_is_shown_once_after_a_redirect() {
    let app = spawn(Limits::default()).await;
    let (session, csrf) = web_session(&app, "an@member.example").await;
    let res = app
        .client
        .post(app.url("/account/tokens"))
        .header("cookie", &session)
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("name", "siem"),
            ("scope_read", "on"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "post/redirect/get");
    assert_eq!(res.headers()["location"], "/account");
    let flash = set_cookie(&res, "simpul_flash").unwrap();
    assert!(
        flash.contains("HttpOnly")
            && flash.contains("Path=/account")
            && flash.contains("Max-Age=60"),
        "{flash}"
    );
    let body = res.text().await.unwrap();
    assert!(
        !body.contains("simpul_"),
        "the POST answer carries no secret"
    );
    // The page the browser is sent to shows the secret once and clears the flash cookie.
    let res = app
        .client
        .get(app.url("/account"))
        .header("cookie", format!("{session}; {}", cookie_pair(&flash)))
        .send()
        .await
        .unwrap();
    let cleared = set_cookie(&res, "simpul_flash").unwrap();
    assert!(
        cleared.contains("Max-Age=0") && cleared.contains("Path=/account"),
        "{cleared}"
    );
    let html = res.text().await.unwrap();
    let secret = shown_secret(&html);
    assert!(secret.starts_with("simpul_"));
    // A reload (the cookie is gone) shows the list, not the secret, and creates nothing.
    let html = app
        .client
        .get(app.url("/account"))
        .header("cookie", &session)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains(&secret));
    let op = Principal::operator("test");
    let tokens = app
        .service
        .list_tokens_of(&op, "an@member.example")
        .await
        .unwrap();
    assert_eq!(tokens.len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn audit_limit_out_of_range_is_refused() {
    let app = spawn(Limits::default()).await;
    for bad in ["0", "1001", "-1", "many"] {
        let res = app
            .call(Method::GET, &format!("/api/v1/audit?limit={bad}"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400, "limit={bad}");
        let p: Value = res.json().await.unwrap();
        assert_eq!(p["errors"][0]["pointer"], "limit", "{p}");
        assert!(p["detail"].as_str().unwrap().contains("`limit`"), "{p}");
    }
    for ok in ["1", "1000"] {
        let res = app
            .call(Method::GET, &format!("/api/v1/audit?limit={ok}"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "limit={ok}");
    }
    app.stop().await;
}
