//! What webhooks need of a store: webhooks kept per organisation (each sees only its own, with
//! their sealed secrets only in claims), one delivery per matching active webhook, claims that are
//! exclusive (also when claimed at once) and expire, retries after their backoff, and a delivery
//! that once delivered or given up is never claimed again.

use std::collections::HashSet;
use std::sync::Arc;

use simpul_core::Store;
use simpul_core::audit::AuditAction;
use simpul_core::org::{OrgId, OrgKind};
use simpul_core::webhooks::{
    DeliveryId, DeliveryStatus, EventId, EventPattern, EventType, QueuedEvent, StoredWebhook,
    Webhook, WebhookId, WebhookUrl, classify, next_state,
};
use uuid::Uuid;

use crate::support::{at, entries_after, event, insert_org, last_seq, org, tag};

fn hook(org: OrgId, n: u32, events: &[&str], active: bool) -> StoredWebhook {
    StoredWebhook {
        webhook: Webhook {
            id: WebhookId::new_random(),
            org,
            url: WebhookUrl::parse(&format!("https://hooks{n}.example/simpul?n={n}")).unwrap(),
            events: events
                .iter()
                .map(|e| EventPattern::parse(e).unwrap())
                .collect(),
            description: n.is_multiple_of(2).then(|| format!("Hook {n}")),
            active,
            created_at: at(i64::from(n)),
        },
        sealed_secret: format!("xc20p1:sealed-{n}"),
    }
}

fn queued(org: OrgId, t: &str, created: i64) -> QueuedEvent {
    let id = EventId::new_random();
    QueuedEvent {
        id,
        org,
        event_type: EventType::parse(t).unwrap(),
        created_at: at(created),
        body: format!("{{\"id\":\"{id}\",\"type\":\"{t}\"}}"),
    }
}

pub async fn webhooks(store: Arc<dyn Store>) {
    let t = tag();
    let a = org(&format!("{t}a"), OrgKind::NationalCert, Some("SG"));
    let b = org(&format!("{t}b"), OrgKind::NationalCert, Some("MY"));
    insert_org(&*store, &a).await;
    insert_org(&*store, &b).await;
    let seq = last_seq(&*store).await;
    let a1 = hook(a.id, 1, &["request.*"], true);
    let a2 = hook(a.id, 2, &["case.created", "case.closed"], true);
    let a3 = hook(a.id, 3, &["*"], false);
    let b1 = hook(b.id, 4, &["*"], true);
    for h in [&a1, &a2, &a3, &b1] {
        let target = format!("webhook:{}", h.webhook.id);
        store
            .insert_webhook(
                h,
                &event(AuditAction::WebhookCreate, &target, Some(h.webhook.org)),
            )
            .await
            .unwrap();
    }
    assert_eq!(
        entries_after(&*store, seq).await.len(),
        4,
        "each creation is audited"
    );

    // Each organisation sees its own webhooks, oldest first, as written.
    let of_a = store.list_webhooks(a.id).await.unwrap();
    assert_eq!(
        of_a,
        vec![a1.webhook.clone(), a2.webhook.clone(), a3.webhook.clone()]
    );
    assert_eq!(
        store.list_webhooks(b.id).await.unwrap(),
        vec![b1.webhook.clone()]
    );
    assert!(
        store
            .list_webhooks(OrgId::new_random())
            .await
            .unwrap()
            .is_empty()
    );

    // One delivery per active webhook of the event's organisation whose patterns match.
    let e1 = queued(a.id, "request.created", 100);
    let d1 = store.queue_webhook_event(&e1).await.unwrap();
    assert_eq!(
        d1.iter().map(|d| d.1).collect::<Vec<_>>(),
        vec![a1.webhook.id]
    );
    let e2 = queued(a.id, "case.closed", 101);
    let d2 = store.queue_webhook_event(&e2).await.unwrap();
    assert_eq!(
        d2.iter().map(|d| d.1).collect::<Vec<_>>(),
        vec![a2.webhook.id]
    );
    let e3 = queued(b.id, "request.created", 102);
    let d3 = store.queue_webhook_event(&e3).await.unwrap();
    assert_eq!(
        d3.iter().map(|d| d.1).collect::<Vec<_>>(),
        vec![b1.webhook.id]
    );
    let none = store
        .queue_webhook_event(&queued(a.id, "comm_check.started", 103))
        .await
        .unwrap();
    assert!(
        none.is_empty(),
        "no webhook wants it (the inactive `*` one is off)"
    );
    let (da1, da2, db1) = (d1[0].0, d2[0].0, d3[0].0);
    let mine: HashSet<DeliveryId> = [da1, da2, db1].into();

    // Nothing is claimed before its time.
    let (h1, h2) = (Uuid::new_v4(), Uuid::new_v4());
    let early = store
        .claim_webhook_deliveries(at(50), h1, at(60), 100)
        .await
        .unwrap();
    assert!(early.iter().all(|c| !mine.contains(&c.id)));

    // Two senders claiming at once never get the same delivery.
    let (s1, s2) = (Arc::clone(&store), Arc::clone(&store));
    let (c1, c2) = tokio::join!(
        async move {
            s1.claim_webhook_deliveries(at(200), h1, at(260), 2)
                .await
                .unwrap()
        },
        async move {
            s2.claim_webhook_deliveries(at(200), h2, at(260), 2)
                .await
                .unwrap()
        },
    );
    let ids1: HashSet<_> = c1.iter().map(|c| c.id).collect();
    let ids2: HashSet<_> = c2.iter().map(|c| c.id).collect();
    assert!(ids1.is_disjoint(&ids2), "a delivery claimed twice");
    let all: Vec<_> = c1
        .iter()
        .chain(&c2)
        .filter(|c| mine.contains(&c.id))
        .collect();
    assert_eq!(all.len(), 3, "every due delivery is claimed by one sender");
    let holder_of = |id: DeliveryId| if ids1.contains(&id) { h1 } else { h2 };
    let claimed = |id: DeliveryId| *all.iter().find(|c| c.id == id).unwrap();
    let ca1 = claimed(da1);
    assert_eq!(
        (
            ca1.webhook,
            ca1.url.as_str(),
            ca1.event_id,
            ca1.event_type.as_str(),
            ca1.body.as_str(),
            ca1.attempts,
            ca1.sealed_secret.as_str()
        ),
        (
            a1.webhook.id,
            a1.webhook.url.as_str(),
            e1.id,
            "request.created",
            e1.body.as_str(),
            0,
            "xc20p1:sealed-1"
        )
    );
    // While the claims last, nobody else gets them.
    let h3 = Uuid::new_v4();
    let during = store
        .claim_webhook_deliveries(at(230), h3, at(300), 100)
        .await
        .unwrap();
    assert!(during.iter().all(|c| !mine.contains(&c.id)));

    // Delivered: recorded once, by the holder only; never claimed again.
    let ok = next_state(0, classify(204, None), at(201), 0.0);
    assert!(
        !store.record_webhook_attempt(da1, h3, &ok).await.unwrap(),
        "another holder"
    );
    assert!(
        store
            .record_webhook_attempt(da1, holder_of(da1), &ok)
            .await
            .unwrap()
    );
    assert!(
        !store
            .record_webhook_attempt(da1, holder_of(da1), &ok)
            .await
            .unwrap(),
        "recorded once"
    );

    // A 500: queued again after the backoff (30 s), the same body.
    let retry = next_state(0, classify(500, None), at(202), 0.0);
    assert_eq!(retry.next_attempt_at, at(232));
    assert!(
        store
            .record_webhook_attempt(da2, holder_of(da2), &retry)
            .await
            .unwrap()
    );
    let before = store
        .claim_webhook_deliveries(at(231), h3, at(400), 100)
        .await
        .unwrap();
    assert!(
        before.iter().all(|c| c.id != da2),
        "claimed before its backoff"
    );
    let back = store
        .claim_webhook_deliveries(at(233), h3, at(400), 100)
        .await
        .unwrap();
    let again = back
        .iter()
        .find(|c| c.id == da2)
        .expect("due after its backoff");
    assert_eq!((again.attempts, again.body.as_str()), (1, e2.body.as_str()));

    // A crashed sender's claim (until 260) expires and the delivery is claimed again; the old
    // holder can no longer record.
    let h4 = Uuid::new_v4();
    let retaken = store
        .claim_webhook_deliveries(at(261), h4, at(500), 100)
        .await
        .unwrap();
    assert!(
        retaken.iter().any(|c| c.id == db1),
        "an expired claim was not retried"
    );
    assert!(retaken.iter().all(|c| c.id != da1 && c.id != da2));
    assert!(
        !store
            .record_webhook_attempt(db1, holder_of(db1), &ok)
            .await
            .unwrap()
    );
    // Given up for good (a 410).
    let gone = next_state(0, classify(410, None), at(262), 0.0);
    assert!(store.record_webhook_attempt(db1, h4, &gone).await.unwrap());

    // The log, per organisation, newest first; never a body.
    let log_a = store.list_webhook_deliveries(a.id, 100).await.unwrap();
    assert_eq!(
        log_a.iter().map(|d| d.id).collect::<Vec<_>>(),
        vec![da2, da1]
    );
    assert!(log_a.iter().all(|d| d.org == a.id));
    let (la2, la1) = (&log_a[0], &log_a[1]);
    assert_eq!(
        (
            la1.status,
            la1.attempts,
            la1.last_status_code,
            la1.delivered_at,
            la1.event_id
        ),
        (
            DeliveryStatus::Delivered,
            1,
            Some(204),
            Some(at(201)),
            e1.id
        )
    );
    assert_eq!(
        (
            la2.status,
            la2.attempts,
            la2.last_status_code,
            la2.event_type.as_str()
        ),
        (DeliveryStatus::Sending, 1, Some(500), "case.closed")
    );
    assert_eq!(la2.last_error.as_deref(), Some("the receiver answered 500"));
    let log_b = store.list_webhook_deliveries(b.id, 100).await.unwrap();
    assert_eq!(log_b.len(), 1);
    assert_eq!(
        (
            log_b[0].status,
            log_b[0].last_status_code,
            log_b[0].delivered_at
        ),
        (DeliveryStatus::Failed, Some(410), None)
    );
    assert_eq!(
        store.list_webhook_deliveries(a.id, 1).await.unwrap().len(),
        1
    );

    // Delivered and failed deliveries are never claimed again.
    let late = store
        .claim_webhook_deliveries(at(1_000_000), Uuid::new_v4(), at(1_000_100), 1000)
        .await
        .unwrap();
    assert!(late.iter().all(|c| c.id != da1 && c.id != db1));

    // Deleting: only the owner organisation's, and its log goes with it.
    let seq = last_seq(&*store).await;
    let del = |o: OrgId, id: WebhookId| {
        let s = Arc::clone(&store);
        async move {
            let target = format!("webhook:{id}");
            s.delete_webhook(o, id, &event(AuditAction::WebhookDelete, &target, Some(o)))
                .await
                .unwrap()
        }
    };
    assert!(
        !del(b.id, a1.webhook.id).await,
        "another organisation's webhook"
    );
    assert!(del(a.id, a1.webhook.id).await);
    assert!(!del(a.id, a1.webhook.id).await, "deleted once");
    assert_eq!(
        entries_after(&*store, seq).await.len(),
        1,
        "only the deletion is audited"
    );
    assert_eq!(
        store.list_webhooks(a.id).await.unwrap(),
        vec![a2.webhook.clone(), a3.webhook.clone()]
    );
    let log_a = store.list_webhook_deliveries(a.id, 100).await.unwrap();
    assert_eq!(log_a.iter().map(|d| d.id).collect::<Vec<_>>(), vec![da2]);
}
