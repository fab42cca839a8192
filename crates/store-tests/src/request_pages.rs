//! Keyset paging of the request list through the store's SQL: pages of a limit, newest first by
//! `(created_at, id)` — ties of the creation time broken by id — joined, are the whole list with
//! nothing twice and nothing missed; a request created between two pages does not shift the later
//! pages; the reader's filter and the list filters apply before the limit (a coordinator's pages
//! never hold a RED request, a state filter pages over the matching ones only).

use std::sync::Arc;

use serde_json::{Value, json};
use simpul_core::access::Principal;
use simpul_core::requests::reads::{PageAsk, RequestListFilter};
use simpul_core::requests::store::RequestCursor;
use simpul_core::requests::{RequestId, RequestState};
use simpul_core::{Service, Store};
use time::Duration;

use crate::comm_checks::Manual;
use crate::requests::{World, body};
use crate::support::{at, tag};

/// Every page of `limit` `p` lists with `f`, the ids of each.
async fn pages(
    svc: &Service,
    p: &Principal,
    f: &RequestListFilter,
    limit: u32,
) -> Vec<Vec<RequestId>> {
    let mut out = Vec::new();
    let mut after: Option<RequestCursor> = None;
    loop {
        let page = svc
            .list_requests_page(
                p,
                f,
                PageAsk {
                    after,
                    limit: Some(limit),
                },
            )
            .await
            .unwrap();
        assert!(page.requests.len() <= limit as usize);
        out.push(page.requests.iter().map(|v| v.request.id).collect());
        match page.next {
            Some(c) => {
                assert_eq!(
                    page.requests.len(),
                    limit as usize,
                    "a short page has no next"
                );
                // The cursor reads back as written.
                assert_eq!(c.to_string().parse::<RequestCursor>().unwrap(), c);
                after = Some(c);
            }
            None => return out,
        }
        assert!(out.len() < 100, "paging does not end");
    }
}

/// The request-paging story (see the module docs).
pub async fn request_pages(store: Arc<dyn Store>) {
    let s = &*store;
    let t = tag();
    let w = World::insert(s, &t).await;
    let start = at(0);
    let clock = Manual::new(start);
    let svc = Service::new(Arc::clone(&store), clock.clone());
    let req = w.p("req");
    let to_target = json!({"org": w.target.short_name.as_str()});
    let new = |extra: Value| body(to_target.clone(), extra);
    // Seven requests: three at one instant (the id breaks the tie), then one a minute, and a RED
    // one only the requester and the target's named user see.
    let mut made = Vec::new();
    for i in 0..7 {
        if i >= 3 {
            clock.set(start + Duration::minutes(i));
        }
        made.push(
            svc.create_request(req, new(json!({})))
                .await
                .unwrap()
                .request,
        );
    }
    clock.set(start + Duration::minutes(8));
    let red = svc
        .create_request(
            req,
            new(json!({"tlp": "red", "recipients": [w.u("tgt").email.as_str()]})),
        )
        .await
        .unwrap()
        .request;
    let all = RequestListFilter::default();
    let whole = svc.list_requests(req, &all).await.unwrap();
    let whole: Vec<RequestId> = whole.iter().map(|v| v.request.id).collect();
    assert_eq!(whole.len(), 8);
    assert_eq!(whole[0], red.id, "newest first");
    let mut tied: Vec<RequestId> = made[..3].iter().map(|r| r.id).collect();
    tied.sort();
    tied.reverse();
    assert_eq!(&whole[5..], &tied[..], "ties by id, descending");
    for limit in [1, 3, 8, 20] {
        let got = pages(&svc, req, &all, limit).await;
        let joined: Vec<RequestId> = got.concat();
        assert_eq!(joined, whole, "limit {limit}");
        let want_pages = whole.len().div_ceil(limit as usize).max(1);
        assert_eq!(got.len(), want_pages, "limit {limit}: no empty last page");
    }

    // A request created between two pages shifts nothing after the cursor.
    let first = svc
        .list_requests_page(
            req,
            &all,
            PageAsk {
                after: None,
                limit: Some(3),
            },
        )
        .await
        .unwrap();
    clock.set(start + Duration::minutes(9));
    let newer = svc
        .create_request(req, new(json!({})))
        .await
        .unwrap()
        .request;
    let rest = svc
        .list_requests_page(
            req,
            &all,
            PageAsk {
                after: first.next,
                limit: Some(100),
            },
        )
        .await
        .unwrap();
    let rest: Vec<RequestId> = rest.requests.iter().map(|v| v.request.id).collect();
    assert_eq!(rest, whole[3..].to_vec());
    assert!(!rest.contains(&newer.id));

    // The coordinator pages over what they see: never the RED request.
    let coord = pages(&svc, w.p("coord"), &all, 2).await.concat();
    assert_eq!(coord.len(), 8);
    assert!(!coord.contains(&red.id));
    // A filter applies before the limit.
    let tgt = w.p("tgt");
    for r in &made[..2] {
        let step = serde_json::from_value(json!({"to": "acknowledged"})).unwrap();
        svc.transition_request(tgt, r.id, step).await.unwrap();
    }
    let acked = RequestListFilter {
        state: Some(RequestState::Acknowledged),
        ..RequestListFilter::default()
    };
    let got = pages(&svc, tgt, &acked, 1).await;
    assert_eq!(got.len(), 2);
    let mut want: Vec<RequestId> = made[..2].iter().map(|r| r.id).collect();
    want.sort();
    want.reverse();
    assert_eq!(got.concat(), want);
}
