//! Webhooks through REST: bad input refused by JSON pointer, the secret answered once and
//! signing what the loopback receiver (`webhooks.rs`) gets; and the fixture of the contract test.

use std::time::Duration;

use simpul::webhooks::WebhookSettings;
use simpul_core::access::{Action, authorize};
use simpul_core::webhooks::{EventType, NewWebhook, WebhookId};
use simpul_core::{OrgId, Principal, Service};

use crate::helpers::TestDb;
use crate::webhooks::{expected_signature, header, start_receiver};

/// The contract test's webhooks of `org`: one kept with a delivery in its log, and one to delete
/// (its id).
pub(crate) async fn contract_fixture(svc: &Service, org: OrgId) -> WebhookId {
    let op = Principal::operator("test");
    let new = |name: &str| NewWebhook {
        url: format!("https://hooks.member.example/{name}"),
        events: vec!["request.*".into()],
        ..Default::default()
    };
    svc.create_webhook(&op, org, new("kept")).await.unwrap();
    let doomed = svc.create_webhook(&op, org, new("doomed")).await.unwrap();
    let grant = authorize(&op, Action::DeliverWebhooks).unwrap();
    let ids = svc
        .queue_event(
            &grant,
            org,
            EventType::parse("request.created").unwrap(),
            &serde_json::json!({"request": "contract"}),
        )
        .await
        .unwrap();
    assert_eq!(ids.len(), 2);
    doomed.webhook.id
}

/// Through REST: bad input is a problem document naming the field, the secret is answered once
/// (never listed), and a webhook registered there is signed with that secret.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_refuses_bad_urls_by_pointer_and_shows_the_secret_once() {
    let (rx, port) = start_receiver().await;
    // The receiver is on loopback: private targets allowed (`webhooks_ssrf.rs` without).
    let w =
        crate::world::world_with(TestDb::sqlite(), |s| s.with_webhook_private_targets(true)).await;
    let org_admin = &w.tokens[1].1;
    let path = format!("/api/v1/organisations/{}/webhooks", w.own.id);
    let post = |body: serde_json::Value| {
        w.app
            .client
            .post(w.app.url(&path))
            .bearer_auth(org_admin)
            .json(&body)
            .send()
    };
    for (body, pointer) in [
        (
            serde_json::json!({"url": "http://hooks.example/x", "events": ["*"]}),
            "/url",
        ),
        (
            serde_json::json!({"url": "https://u:p@hooks.example/x", "events": ["*"]}),
            "/url",
        ),
        (
            serde_json::json!({"url": format!("https://hooks.example/{}", "a".repeat(2001)), "events": ["*"]}),
            "/url",
        ),
        (
            serde_json::json!({"url": "ftp://hooks.example/", "events": ["*"]}),
            "/url",
        ),
        (
            serde_json::json!({"url": "https://hooks.example/", "events": ["request.*", "Bad Type"]}),
            "/events/1",
        ),
        (
            serde_json::json!({"url": "https://hooks.example/", "events": []}),
            "/events",
        ),
    ] {
        let res = post(body.clone()).await.unwrap();
        assert_eq!(res.status(), 400, "{body}");
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        let p: serde_json::Value = res.json().await.unwrap();
        assert_eq!(p["errors"][0]["pointer"], pointer, "{p}");
    }
    let res = post(serde_json::json!({
        "url": format!("http://127.0.0.1:{port}/rest"), "events": ["request.*"]
    }))
    .await
    .unwrap();
    assert_eq!(res.status(), 201);
    let created: serde_json::Value = res.json().await.unwrap();
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"));
    let listed = w
        .app
        .client
        .get(w.app.url(&path))
        .bearer_auth(org_admin)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        listed.contains("/rest") && !listed.contains(&secret),
        "{listed}"
    );
    // A delivery to it, sent by a sender over the world's service, verifies with that secret.
    let sender = tokio::spawn(simpul::webhooks::keep_delivering(
        w.service.clone(),
        WebhookSettings {
            poll: Duration::from_millis(50),
            allow_private_targets: true,
            ..WebhookSettings::default()
        },
    ));
    let op = Principal::operator("test");
    let grant = authorize(&op, Action::DeliverWebhooks).unwrap();
    w.service
        .queue_event(
            &grant,
            w.own.id,
            EventType::parse("request.transition").unwrap(),
            &serde_json::json!({"to": "acknowledged"}),
        )
        .await
        .unwrap();
    for _ in 0..200 {
        if !rx.receipts("/rest").is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    sender.abort();
    let r = &rx.receipts("/rest")[0];
    assert_eq!(
        header(&r.headers, "x-simpul-signature"),
        expected_signature(&secret, &r.body)
    );
    assert_eq!(header(&r.headers, "x-simpul-event"), "request.transition");
    w.app.shutdown().await;
}
