//! No acknowledged TAXII post is lost: the real `simpul serve` takes concurrent TAXII writers, is
//! SIGKILLed mid-stream and restarted on the same database. Every object a 202 status listed as a
//! success is served back over TAXII, and the status itself is still there for its poster.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::Mutex;

use super::MEDIA;
use crate::durability::{free_port, ready, serve, writer_world};
use crate::helpers::TestDb;
use crate::world::indicator;

const WRITERS: usize = 4;
const BATCH: usize = 20;
const EMAIL: &str = "an@own.example";

/// One acknowledged post: its status id and the ids its status listed as successes.
struct Acked {
    status: String,
    successes: Vec<String>,
}

pub async fn run(db: TestDb) {
    let (c, secret) = writer_world(&db, EMAIL, "Durable TAXII").await;

    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let objects_url = format!("{base}/taxii2/api/collections/{c}/objects/");
    let client = reqwest::Client::new();
    let mut server = serve(&db, dir.path(), port, 1);
    ready(&client, &base).await;

    let stop = Arc::new(AtomicBool::new(false));
    let acked: Arc<Mutex<Vec<Acked>>> = Arc::default();
    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let (client, url, secret, stop, acked) = (
            client.clone(),
            objects_url.clone(),
            secret.clone(),
            Arc::clone(&stop),
            Arc::clone(&acked),
        );
        writers.push(tokio::spawn(async move {
            for b in 0..10_000usize {
                if stop.load(Ordering::Relaxed) {
                    return;
                }
                let objects: Vec<Value> = (0..BATCH)
                    .map(|n| {
                        let id =
                            format!("indicator--7a11d0ab-{w:04}-4000-8000-{:012}", b * 1000 + n);
                        indicator(&id, None, "written.example", "2026-01-01T00:00:00.000Z")
                    })
                    .collect();
                let answer = client
                    .post(&url)
                    .basic_auth(EMAIL, Some(&secret))
                    .header("accept", MEDIA)
                    .header("content-type", MEDIA)
                    .body(json!({ "objects": objects }).to_string())
                    .send()
                    .await;
                let Ok(r) = answer else { continue };
                if r.status() != 202 {
                    continue;
                }
                let Ok(s) = r.json::<Value>().await else {
                    continue;
                };
                let successes: Vec<String> = s["successes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|d| d["id"].as_str().unwrap().to_owned())
                    .collect();
                assert_eq!(successes.len(), BATCH, "{s}");
                acked.lock().await.push(Acked {
                    status: s["id"].as_str().unwrap().to_owned(),
                    successes,
                });
            }
        }));
    }
    for _ in 0..2000 {
        if acked.lock().await.len() >= 3 * WRITERS {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.kill().unwrap();
    server.wait().unwrap();
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.await.unwrap();
    }

    let mut server = serve(&db, dir.path(), port, 2);
    ready(&client, &base).await;
    let get = |url: String| {
        let (client, secret) = (client.clone(), secret.clone());
        async move {
            let r = client
                .get(url)
                .basic_auth(EMAIL, Some(&secret))
                .header("accept", MEDIA)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    let mut present: HashSet<String> = HashSet::new();
    let mut next: Option<String> = None;
    loop {
        let url = match &next {
            Some(n) => format!("{objects_url}?limit=1000&next={n}"),
            None => format!("{objects_url}?limit=1000"),
        };
        let (status, page) = get(url).await;
        assert_eq!(status, 200);
        for o in page["objects"].as_array().unwrap() {
            assert!(
                present.insert(o["id"].as_str().unwrap().to_owned()),
                "served twice"
            );
        }
        match page["next"].as_str() {
            Some(n) if page["more"] == true => next = Some(n.to_owned()),
            _ => break,
        }
    }
    let acked = acked.lock().await;
    assert!(
        acked.len() >= 3 * WRITERS,
        "only {} posts were answered",
        acked.len()
    );
    for a in acked.iter() {
        for id in &a.successes {
            assert!(present.contains(id), "{id} was a success but is not served");
        }
        let (status, s) = get(format!("{base}/taxii2/api/status/{}/", a.status)).await;
        assert_eq!(status, 200, "the status of an answered post is kept: {s}");
        assert_eq!(s["success_count"], BATCH);
    }
    server.kill().unwrap();
    server.wait().unwrap();
}
