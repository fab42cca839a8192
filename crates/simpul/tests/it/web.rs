//! The web pages over HTTP: the session cookie and CSRF, the account page (own tokens and
//! password), and `/me` over a session.

use reqwest::Method;
use serde_json::{Value, json};
use simpul_core::Principal;

use crate::helpers::{call, no_redirects, set_cookie, shown_secret};
use crate::world::world;

#[tokio::test]
async fn web_session_cookie_and_csrf() {
    let w = world().await;
    let res = w
        .app
        .sign_in("oa@own.example", "correct horse battery staple")
        .await;
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
    let res = w
        .app
        .sign_in("oa@own.example", "correct horse battery staple")
        .await;
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
async fn account_page_manages_own_tokens_and_password() {
    let w = world().await;
    let client = no_redirects();
    // Not signed in: sent to the sign-in page.
    let res = client.get(w.app.url("/account")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    let res = w
        .app
        .sign_in("an@own.example", "correct horse battery staple")
        .await;
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
    let secret = shown_secret(&html);
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
    let res = w
        .app
        .sign_in("an@own.example", "a brand new passphrase")
        .await;
    assert_eq!(res.status(), 303);
    w.app.shutdown().await;
}

#[tokio::test]
async fn me_over_a_session_shows_what_the_role_can_do() {
    let w = world().await;
    for (email, scopes) in [
        ("an@own.example", json!(["read", "write", "sync"])),
        ("ro@own.example", json!(["read"])),
        ("oa@own.example", json!(["read", "write", "sync", "admin"])),
    ] {
        let res = w.app.sign_in(email, crate::world::PASSWORD).await;
        let session = set_cookie(&res, "simpul_session")
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        let me: Value = no_redirects()
            .get(w.app.url("/api/v1/me"))
            .header("cookie", &session)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(me["auth"], "session");
        assert_eq!(me["scopes"], scopes, "{email}");
    }
    // A token shows its own scopes.
    let me: Value = call(
        &w.app,
        Method::GET,
        "/api/v1/me",
        Some(&w.tokens[3].1),
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(me["scopes"], json!(["read"]));
    w.app.shutdown().await;
}
