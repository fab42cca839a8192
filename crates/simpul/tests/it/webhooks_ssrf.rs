//! Webhooks and server-side request forgery: with private targets not allowed (the default),
//! REST refuses to register a webhook at a private, link-local, loopback, CGNAT, ULA or
//! IPv4-mapped address, at `localhost` or over `http://` (400 at `/url`); and the sender refuses
//! to deliver to a stored row whose host is such an IP literal or a name that resolves to
//! loopback (`localhost`, through the real resolver) — failed for good, the receiver never
//! reached — while the same rows are delivered when private targets are allowed.

use std::sync::Arc;
use std::time::Duration;

use simpul::webhooks::{Sender, WebhookSettings, deliver_due};
use simpul_core::access::{Action, authorize};
use simpul_core::org::OrgKind;
use simpul_core::webhooks::{DeliveryStatus, EventType, NewWebhook};
use simpul_core::{Principal, Service};

use crate::helpers::{TestClock, TestDb};
use crate::webhooks::start_receiver;
use crate::world::org;

#[tokio::test]
async fn rest_refuses_private_targets_at_url() {
    let w = crate::world::world_on(TestDb::sqlite()).await;
    let org_admin = &w.tokens[1].1;
    let path = format!("/api/v1/organisations/{}/webhooks", w.own.id);
    for url in [
        "https://10.0.0.1/hook",
        "https://172.16.5.4/",
        "https://192.168.1.1/",
        "https://169.254.169.254/latest/meta-data/",
        "https://127.0.0.1:8443/",
        "https://[::1]/",
        "https://[fe80::1]/",
        "https://[fd00::1]/",
        "https://100.64.0.1/",
        "https://0.0.0.0/",
        "https://0.1.2.3/",
        "https://224.0.0.1/",
        "https://255.255.255.255/",
        "https://[::ffff:10.0.0.1]/",
        "https://[::]/",
        "https://localhost/",
        "https://hooks.localhost/",
        "http://127.0.0.1:9000/",
        "http://localhost:9000/",
    ] {
        let res = w
            .app
            .client
            .post(w.app.url(&path))
            .bearer_auth(org_admin)
            .json(&serde_json::json!({"url": url, "events": ["*"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400, "{url}");
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        let p: serde_json::Value = res.json().await.unwrap();
        assert_eq!(p["errors"][0]["pointer"], "/url", "{url}: {p}");
        let reason = p["errors"][0]["detail"].as_str().unwrap_or_default();
        assert!(!reason.is_empty() && !reason.contains('\n'), "{url}: {p}");
    }
    // A public one is registered.
    let res = w
        .app
        .client
        .post(w.app.url(&path))
        .bearer_auth(org_admin)
        .json(&serde_json::json!({"url": "https://hooks.example/x", "events": ["*"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    w.app.shutdown().await;
}

fn settings(allow: bool) -> WebhookSettings {
    WebhookSettings {
        poll: Duration::from_millis(50),
        batch: 8,
        connect_timeout: Duration::from_secs(2),
        timeout: Duration::from_secs(5),
        allow_private_targets: allow,
    }
}

/// Rows registered where private targets were allowed, sent by a sender that does not allow
/// them: refused for good, never retried; a sender that allows them delivers the next event.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sender_refuses_loopback_names_and_literals_unless_allowed() {
    let (rx, port) = start_receiver().await;
    let db = TestDb::sqlite();
    let clock = TestClock::new();
    let svc = Service::new(db.open().await, Arc::new(clock.clone()))
        .with_federation_key(simpul_core::federation::FederationKey::generate())
        .with_webhook_private_targets(true);
    let o = org(&svc, "SingCERT", OrgKind::NationalCert).await;
    let op = Principal::operator("test");
    for url in [
        format!("http://localhost:{port}/name"),
        format!("http://127.0.0.1:{port}/literal"),
    ] {
        let new = NewWebhook {
            url,
            events: vec!["*".into()],
            ..Default::default()
        };
        svc.create_webhook(&op, o.id, new).await.unwrap();
    }
    let grant = authorize(&op, Action::DeliverWebhooks).unwrap();
    let event = || EventType::parse("request.created").unwrap();
    let first = svc
        .queue_event(&grant, o.id, event(), &serde_json::json!({"n": 1}))
        .await
        .unwrap();
    assert_eq!(first.len(), 2);
    let holder = uuid::Uuid::new_v4();
    let strict = settings(false);
    let pass = deliver_due(&svc, &Sender::new(&strict).unwrap(), holder, &strict)
        .await
        .unwrap();
    assert_eq!((pass.claimed, pass.failed, pass.delivered), (2, 2, 0));
    assert!(rx.receipts("/name").is_empty() && rx.receipts("/literal").is_empty());
    let log = svc.list_deliveries(&op, o.id, 10).await.unwrap();
    for d in log.iter().filter(|d| first.contains(&d.id)) {
        assert_eq!((d.status, d.attempts), (DeliveryStatus::Failed, 1), "{d:?}");
        let e = d.last_error.as_deref().unwrap_or_default();
        assert!(
            e.contains("no public address") || e.contains("not a public address"),
            "{d:?}"
        );
    }
    // Given up: a day later nothing is claimed again.
    clock.advance(time::Duration::days(1));
    let pass = deliver_due(&svc, &Sender::new(&strict).unwrap(), holder, &strict)
        .await
        .unwrap();
    assert_eq!(pass.claimed, 0);

    // Allowed: the next event reaches both.
    let second = svc
        .queue_event(&grant, o.id, event(), &serde_json::json!({"n": 2}))
        .await
        .unwrap();
    let lax = settings(true);
    let pass = deliver_due(&svc, &Sender::new(&lax).unwrap(), holder, &lax)
        .await
        .unwrap();
    assert_eq!((pass.claimed, pass.delivered), (2, 2), "{pass:?}");
    assert_eq!(rx.receipts("/name").len(), 1);
    assert_eq!(rx.receipts("/literal").len(), 1);
    let log = svc.list_deliveries(&op, o.id, 10).await.unwrap();
    assert!(
        log.iter()
            .filter(|d| second.contains(&d.id))
            .all(|d| d.status == DeliveryStatus::Delivered),
        "{log:#?}"
    );
}
