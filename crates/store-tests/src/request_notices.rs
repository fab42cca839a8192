//! Action requests' notices through the store: the `request.created` event queued with the
//! request for the target's webhook, the due-soon notice once a quarter of the time is left and
//! the overdue one once `due` passed, each exactly once over a controlled clock however often the
//! sweep runs, and the store's compare-and-set mark refusing a second write.

use std::sync::Arc;

use serde_json::json;
use simpul_core::access::Principal;
use simpul_core::requests::notify::{Deadline, Notices};
use simpul_core::webhooks::NewWebhook;
use simpul_core::{Service, Store};
use time::Duration;

use crate::comm_checks::Manual;
use crate::requests::{World, body};
use crate::support::{at, tag};

/// The request-notices story (see the module docs).
pub async fn request_notices(store: Arc<dyn Store>) {
    let s = &*store;
    let t = tag();
    let w = World::insert(s, &t).await;
    let start = at(0);
    let clock = Manual::new(start);
    let svc = Service::new(Arc::clone(&store), clock.clone())
        .with_federation_key(simpul_core::federation::FederationKey::generate());
    let op = Principal::operator("test");
    let hook = NewWebhook {
        url: "https://hooks.example/requests".into(),
        events: vec!["request.*".into()],
        ..Default::default()
    };
    svc.create_webhook(&op, w.target.id, hook).await.unwrap();
    let deliveries = || async {
        let mut types: Vec<String> = svc
            .list_deliveries(&op, w.target.id, 100)
            .await
            .unwrap()
            .into_iter()
            .map(|d| d.event_type.as_str().to_owned())
            .collect();
        types.sort();
        types
    };
    // Critical: due in 4 h, the due-soon notice at 3 h.
    let id = svc
        .create_request(
            w.p("req"),
            body(json!({"org": w.target.short_name.as_str()}), json!({})),
        )
        .await
        .unwrap()
        .request
        .id;
    assert_eq!(deliveries().await, ["request.created"]);

    let sweep = || async { svc.notify_request_deadlines(&op).await.unwrap() };
    clock.set(start + Duration::hours(2) + Duration::minutes(59));
    assert!(!sweep().await.iter().any(|(r, _)| *r == id), "not yet");
    clock.set(start + Duration::hours(3));
    assert!(sweep().await.contains(&(id, Deadline::DueSoon)));
    assert!(!sweep().await.iter().any(|(r, _)| *r == id), "once");
    clock.set(start + Duration::hours(3) + Duration::minutes(30));
    assert!(!sweep().await.iter().any(|(r, _)| *r == id), "still once");
    clock.set(start + Duration::hours(4) + Duration::seconds(1));
    assert!(sweep().await.contains(&(id, Deadline::Overdue)));
    clock.set(start + Duration::days(2));
    assert!(!sweep().await.iter().any(|(r, _)| *r == id), "overdue once");
    assert_eq!(
        deliveries().await,
        ["request.created", "request.due_soon", "request.overdue"]
    );
    // The mark is a compare-and-set: a second write is refused and writes nothing.
    let now = svc.now();
    assert!(
        !s.record_request_notice(id, Deadline::Overdue, now, &Notices::default())
            .await
            .unwrap()
    );
    assert!(
        !s.record_request_notice(id, Deadline::DueSoon, now, &Notices::default())
            .await
            .unwrap()
    );
    assert!(
        s.requests_due_notice(now, 100)
            .await
            .unwrap()
            .iter()
            .all(|r| *r != id)
    );
}
