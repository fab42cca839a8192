//! Action requests' statistics through the store: the requests a reader sees, created in the
//! period asked, with their first acknowledgement and closing read from the transitions — the
//! parties count their own, the coordinator every request but RED ones, a third member nothing;
//! times to acknowledge and to outcome, and the amount frozen.

use std::sync::Arc;

use serde_json::{Value, json};
use simpul_core::requests::RequestKind;
use simpul_core::requests::state::TransitionInput;
use simpul_core::requests::stats::{Figures, Period};
use simpul_core::{Service, Store};
use time::Duration;

use crate::comm_checks::Manual;
use crate::requests::{World, body};
use crate::support::{at, tag};

fn step(v: Value) -> TransitionInput {
    serde_json::from_value(v).unwrap()
}

/// The request-statistics story (see the module docs).
pub async fn request_stats(store: Arc<dyn Store>) {
    let s = &*store;
    let t = tag();
    let w = World::insert(s, &t).await;
    let start = at(0);
    let clock = Manual::new(start);
    let svc = Service::new(Arc::clone(&store), clock.clone());
    let (req, tgt) = (w.p("req"), w.p("tgt"));
    let to = json!({"org": w.target.short_name.as_str()});

    // Before the period: not counted.
    svc.create_request(req, body(to.clone(), json!({})))
        .await
        .unwrap();
    // In the period: one frozen after 10 minutes' acknowledgement and 2 hours' work, one
    // declined at once, one RED left open past its due time.
    clock.set(start + Duration::hours(1));
    let frozen = svc
        .create_request(req, body(to.clone(), json!({})))
        .await
        .unwrap()
        .request
        .id;
    let declined = svc
        .create_request(req, body(to.clone(), json!({"kind": "information", "observables": [{"type": "domain", "value": "scam.example"}]})))
        .await
        .unwrap()
        .request
        .id;
    svc.create_request(
        req,
        body(
            to.clone(),
            json!({"tlp": "red", "recipients": [w.u("tgt").email.as_str()]}),
        ),
    )
    .await
    .unwrap();
    clock.set(start + Duration::hours(1) + Duration::minutes(10));
    svc.transition_request(tgt, frozen, step(json!({"to": "acknowledged"})))
        .await
        .unwrap();
    svc.transition_request(
        tgt,
        declined,
        step(json!({"to": "declined", "reason": "Not ours."})),
    )
    .await
    .unwrap();
    svc.transition_request(tgt, frozen, step(json!({"to": "in-progress"})))
        .await
        .unwrap();
    clock.set(start + Duration::hours(3) + Duration::minutes(10));
    svc.transition_request(
        tgt,
        frozen,
        step(json!({"to": "actioned", "outcome": {
            "result": "done", "details": "Frozen.", "amount": {"value": "1500.50", "currency": "MYR"}
        }})),
    )
    .await
    .unwrap();
    clock.set(start + Duration::days(2));

    let period = Period::new(start + Duration::minutes(30), start + Duration::days(1)).unwrap();
    let total = |name: &'static str| {
        let svc = &svc;
        let w = &w;
        async move { svc.request_stats(w.p(name), period).await.unwrap().total }
    };
    // The two parties (and the requester's other analyst, not named in the RED one) count the
    // same but for the RED request, which only its named users count.
    let req_total = total("req").await;
    assert_eq!(req_total.opened, 3, "{req_total:?}");
    assert_eq!(
        (req_total.actioned, req_total.declined, req_total.overdue),
        (1, 1, 1)
    );
    assert_eq!(req_total.results.done, 1);
    assert_eq!(req_total.time_to_acknowledge.count, 1);
    assert_eq!(req_total.time_to_acknowledge.median_secs, Some(600));
    // To outcome: from creation to the reported outcome, for the actioned request only.
    assert_eq!(req_total.time_to_outcome.count, 1);
    assert_eq!(req_total.time_to_outcome.median_secs, Some(7800));
    assert_eq!(
        frozen_in(&req_total),
        vec![("MYR".to_string(), "1500.5".to_string(), 1)]
    );
    assert_eq!(total("tgt").await, req_total);
    assert_eq!(total("req2").await.opened, 2);
    // The coordinator counts every request but RED ones; a third member and a partner nothing.
    let coord = svc.request_stats(w.p("coord"), period).await.unwrap();
    assert_eq!(coord.total.opened, 2);
    assert_eq!(coord.total.overdue, 0);
    assert_eq!(
        coord
            .by_target
            .iter()
            .map(|r| (
                r.country.map(|c| c.as_str().to_string()),
                r.kind,
                r.figures.opened
            ))
            .collect::<Vec<_>>(),
        vec![
            (Some("MY".into()), RequestKind::Freeze, 1),
            (Some("MY".into()), RequestKind::Information, 1)
        ]
    );
    assert_eq!(coord.by_requester.len(), 2);
    for name in ["third", "partner", "third_admin"] {
        assert_eq!(total(name).await, Figures::default(), "{name}");
    }
    // A wider period counts the first request too.
    let all = Period::new(start, start + Duration::days(2)).unwrap();
    assert_eq!(svc.request_stats(req, all).await.unwrap().total.opened, 4);
}

fn frozen_in(f: &Figures) -> Vec<(String, String, u64)> {
    f.frozen
        .iter()
        .map(|z| (z.currency.clone(), z.value.clone(), z.requests))
        .collect()
}
