//! Paging while others write: a reader paging a collection with a small `limit` while writers
//! post sees every object stored before it started exactly once, in `date_added` order.

use std::collections::HashSet;

use serde_json::Value;

use super::{Fixture, OURS, ind, ind_id, json_of, objects_path};

pub async fn paging_under_concurrent_writes(f: Fixture) {
    let analyst = f.analyst().await;
    let before: Vec<Value> = (0..250)
        .map(|n| ind(n, "2026-01-01T00:00:00.000Z"))
        .collect();
    for chunk in before.chunks(100) {
        let s = f.add(&analyst, OURS, chunk.to_vec()).await;
        assert_eq!(s["failure_count"], 0, "{s}");
    }
    let writer = {
        let (f, analyst) = (&f, analyst.clone());
        async move {
            for batch in 0..10u32 {
                let objects: Vec<Value> = (0..20)
                    .map(|i| ind(1000 + batch * 20 + i, "2026-01-01T00:00:00.000Z"))
                    .collect();
                f.add(&analyst, OURS, objects).await;
                tokio::task::yield_now().await;
            }
        }
    };
    let reader = async {
        let mut seen: Vec<String> = Vec::new();
        let mut last_added = String::new();
        let mut next: Option<String> = None;
        loop {
            let path = match &next {
                Some(n) => format!("{}?limit=7&next={n}", objects_path(OURS)),
                None => format!("{}?limit=7", objects_path(OURS)),
            };
            let res = f.get(&analyst, &path).await;
            assert_eq!(res.status(), 200);
            if let Some(first) = res.headers().get("x-taxii-date-added-first") {
                let first = first.to_str().unwrap().to_owned();
                assert!(
                    first > last_added,
                    "pages go forward: {first} after {last_added}"
                );
                last_added = res.headers()["x-taxii-date-added-last"]
                    .to_str()
                    .unwrap()
                    .to_owned();
            }
            let page = json_of(res).await;
            for o in page["objects"].as_array().unwrap() {
                seen.push(o["id"].as_str().unwrap().to_owned());
            }
            tokio::task::yield_now().await;
            match page["next"].as_str() {
                Some(n) if page["more"] == true => next = Some(n.to_owned()),
                _ => break,
            }
        }
        seen
    };
    let ((), seen) = tokio::join!(writer, reader);
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no object twice");
    for n in 0..250 {
        assert!(unique.contains(&ind_id(n)), "{} missing", ind_id(n));
    }
    f.w.app.shutdown().await;
}
