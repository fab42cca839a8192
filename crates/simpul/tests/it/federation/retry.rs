//! What a round did not push is pushed later: a collection whose audience widens to the peer's
//! organisation is rescanned at the next round (its push cursor is reset), and the push retry
//! queue re-pushes due entries as the objects are now — dropped (withheld) when the peer may no
//! longer have them, removed once the peer accepts them.

use std::sync::Arc;

use simpul_core::federation::PeerName;
use simpul_core::federation::store::PushRetry;
use simpul_core::intel::Tlp;
use simpul_core::intel::collection_change::CollectionPatch;
use simpul_core::intel::service::AudienceNames;
use simpul_core::store::Store;

use super::ind;
use super::node::{Node, ids};
use crate::world::operator;

/// Node `a`: A-CERT's analyst and B-CERT's node account, collection `shared` for `audience`.
async fn node_a(audience: &[&str]) -> Node {
    Node::new(
        "a",
        &["A-CERT", "B-CERT"],
        &[
            ("A-CERT", "analyst@a.example"),
            ("B-CERT", "node@b.example"),
        ],
        &[("shared", audience)],
    )
    .await
}

/// Node `a` holds A-CERT and B-CERT, with collection `shared` for A-CERT alone; node `b` holds
/// both, with `shared` for both. `a` pushes `shared` to `b` (signing in there as A-CERT's node
/// account, acting here as B-CERT's).
async fn two_nodes() -> (Node, Node) {
    let mut a = node_a(&["A-CERT"]).await;
    let mut b = Node::new(
        "b",
        &["B-CERT", "A-CERT"],
        &[
            ("B-CERT", "analyst@b.example"),
            ("A-CERT", "node@a.example"),
        ],
        &[("shared", &["B-CERT", "A-CERT"])],
    )
    .await;
    a.start().await;
    b.start().await;
    a.add_peer(
        "b",
        &b,
        &b.tokens["node@a.example"],
        "push",
        &[("shared", "shared")],
        "node@b.example",
    );
    (a, b)
}

async fn store_of(n: &Node) -> Arc<dyn Store> {
    simpul::open_store(&simpul::config::DatabaseUrl::new(n.db_url()))
        .await
        .unwrap()
}

/// The RETRYING column of `simpul peer list` for its one peer.
fn retrying(n: &Node) -> String {
    let text = listed(n);
    let mut lines = text.lines();
    let head: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    let col = head.iter().position(|h| *h == "RETRYING").unwrap() - 1;
    let row: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    // "LAST SYNC" is one heading of two words.
    row[col].to_owned()
}

#[tokio::test]
async fn a_widened_audience_and_the_retry_queue_push_what_was_held_back() {
    let (a, b) = two_nodes().await;
    // AMBER for A-CERT's audience only: B-CERT's node may not have it. Then a GREEN object named
    // to B-CERT's node account, which may: the push cursor moves past the AMBER one.
    let amber = a
        .share(
            "analyst@a.example",
            "shared",
            vec![ind("held", 0, Tlp::Amber)],
        )
        .await;
    let named = a
        .share_named(
            "analyst@a.example",
            "shared",
            vec![ind("named", 0, Tlp::Green)],
            &["node@b.example"],
        )
        .await;
    // A retry queued for the AMBER one (as if the peer had failed it before): the peer may not
    // have it, so the round drops it.
    let store = store_of(&a).await;
    let peer = store
        .get_peer(&PeerName::parse("b").unwrap())
        .await
        .unwrap()
        .unwrap()
        .peer;
    let entry = |id: &str| PushRetry {
        peer: peer.id,
        local: a.collections["shared"],
        remote: b.collections["shared"].to_string(),
        stix_id: id.to_owned(),
        version: time::macros::datetime!(2026-01-01 00:00 UTC),
        attempts: 1,
        next_at: time::OffsetDateTime::UNIX_EPOCH,
        last_error: Some("failed before".into()),
    };
    store.put_push_retry(&entry(&amber[0])).await.unwrap();
    assert_eq!(retrying(&a), "1");
    assert_eq!(a.sync("b"), (0, 1, 0), "only the named GREEN object");
    assert_eq!(retrying(&a), "0", "the withheld entry is dropped");
    let at_b = ids(&b.taxii_all("analyst@b.example", "shared").await);
    assert_eq!(at_b, named);

    // The audience widens to B-CERT: the next round rescans the collection and pushes the AMBER
    // object (the named one again, which the peer answers as held).
    let svc = simpul::service(Arc::clone(&store));
    let patch = CollectionPatch {
        audience: Some(AudienceNames::Orgs(vec!["A-CERT".into(), "B-CERT".into()])),
        ..CollectionPatch::default()
    };
    svc.update_collection(&operator(), a.collections["shared"], patch)
        .await
        .unwrap();
    assert_eq!(a.sync("b"), (0, 2, 0));
    let mut expected = vec![amber[0].clone(), named[0].clone()];
    expected.sort();
    assert_eq!(
        ids(&b.taxii_all("analyst@b.example", "shared").await),
        expected
    );
    assert_eq!(a.sync("b"), (0, 0, 0), "converged");

    // A due retry of a version the peer may have is pushed as the object is now (its newest
    // version, whatever version failed), and removed once the peer accepts it.
    a.revoke("analyst@a.example", &amber[0]).await;
    store.put_push_retry(&entry(&amber[0])).await.unwrap();
    let (_, pushed, refused) = a.sync("b");
    assert_eq!((pushed, refused), (2, 0), "the retry, then the new version");
    assert_eq!(retrying(&a), "0");
    let latest = b.taxii("analyst@b.example", "shared", "last").await;
    let got: Vec<_> = latest
        .iter()
        .filter(|o| o["id"] == amber[0].as_str())
        .collect();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["revoked"], true);
}

/// A TAXII 2.1 server that stores what is posted and fails the objects whose ids it is told to
/// (a real simpul peer fails an object only for reasons that do not pass: invalid, or RED
/// without recipients): the peer the queue is for.
mod flaky {
    use std::collections::HashSet;
    use std::sync::{Arc, Mutex};

    use axum::Json;
    use axum::routing::{get, post};
    use serde_json::{Value, json};

    #[derive(Default)]
    pub struct State {
        pub failing: HashSet<String>,
        pub stored: Vec<String>,
    }

    pub struct Peer {
        pub url: String,
        pub state: Arc<Mutex<State>>,
        task: tokio::task::JoinHandle<()>,
    }

    impl Drop for Peer {
        fn drop(&mut self) {
            self.task.abort();
        }
    }

    pub async fn start() -> Peer {
        let state: Arc<Mutex<State>> = Arc::default();
        let s = Arc::clone(&state);
        let app = axum::Router::new()
            .route(
                "/taxii2/",
                get(|| async { Json(json!({ "api_roots": ["/api/"] })) }),
            )
            .route(
                "/api/collections/{id}/objects/",
                post(move |body: String| {
                    let s = Arc::clone(&s);
                    async move {
                        let env: Value = serde_json::from_str(&body).unwrap();
                        let mut st = s.lock().unwrap();
                        let (mut ok, mut failures) = (0, Vec::new());
                        for o in env["objects"].as_array().unwrap() {
                            let id = o["id"].as_str().unwrap().to_owned();
                            if st.failing.contains(&id) {
                                failures.push(json!({
                                    "id": id,
                                    "version": o["modified"],
                                    "message": "too large\nfor this peer",
                                }));
                            } else {
                                ok += 1;
                                st.stored.push(id);
                            }
                        }
                        Json(json!({
                            "id": uuid::Uuid::new_v4().to_string(),
                            "status": "complete",
                            "total_count": ok + failures.len(),
                            "success_count": ok,
                            "failure_count": failures.len(),
                            "pending_count": 0,
                            "failures": failures,
                        }))
                    }
                }),
            );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/taxii2/", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Peer { url, state, task }
    }
}

/// `simpul peer list`, as printed.
fn listed(n: &Node) -> String {
    String::from_utf8_lossy(&n.peer(&["list"], "").stdout).to_string()
}

// Multi-threaded: `peer sync` is a blocking child process while the flaky peer answers it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_version_the_peer_fails_is_queued_pushed_once_it_passes_and_given_up_at_last() {
    let mut a = node_a(&["A-CERT", "B-CERT"]).await;
    a.start().await;
    let peer = flaky::start().await;
    let map = format!("remote-1={}", a.collections["shared"]);
    let out = a.peer(
        &[
            "add",
            "flaky",
            "--url",
            &peer.url,
            "--token-stdin",
            "--direction",
            "push",
            "--as",
            "node@b.example",
            "--map",
            &map,
        ],
        "token\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let x = a
        .share("analyst@a.example", "shared", vec![ind("x", 0, Tlp::Green)])
        .await;
    let y = a
        .share("analyst@a.example", "shared", vec![ind("y", 0, Tlp::Green)])
        .await;
    peer.state.lock().unwrap().failing.insert(x[0].clone());

    // The peer fails x (after the round's own re-posts): queued, not refused; y passes.
    assert_eq!(a.sync("flaky"), (0, 1, 0));
    assert_eq!(retrying(&a), "1");
    assert_eq!(peer.state.lock().unwrap().stored, y);
    // Fixed at the peer: the next round pushes it from the queue.
    peer.state.lock().unwrap().failing.clear();
    assert_eq!(a.sync("flaky"), (0, 1, 0));
    assert_eq!(retrying(&a), "0");
    assert_eq!(
        peer.state.lock().unwrap().stored,
        [y[0].clone(), x[0].clone()]
    );
    assert_eq!(a.sync("flaky"), (0, 0, 0), "nothing left");

    // One the peer keeps failing is given up after the last attempt: refused, and why is the
    // peer's last error (one line).
    let z = a
        .share("analyst@a.example", "shared", vec![ind("z", 0, Tlp::Green)])
        .await;
    peer.state.lock().unwrap().failing.insert(z[0].clone());
    assert_eq!(a.sync("flaky"), (0, 0, 0));
    assert_eq!(retrying(&a), "1");
    // Its earlier attempts (the backoff would space them over hours): all but the last.
    let store = store_of(&a).await;
    let pid = store
        .get_peer(&PeerName::parse("flaky").unwrap())
        .await
        .unwrap()
        .unwrap()
        .peer
        .id;
    let far = time::macros::datetime!(2100-01-01 00:00 UTC);
    let mut due = store.due_push_retries(pid, far, 10).await.unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(
        due[0].last_error.as_deref(),
        Some("too large for this peer")
    );
    due[0].attempts = simpul_core::federation::PUSH_RETRY_ATTEMPTS - 1;
    due[0].next_at = time::OffsetDateTime::UNIX_EPOCH;
    store.put_push_retry(&due[0]).await.unwrap();
    assert_eq!(a.sync("flaky"), (0, 0, 1));
    assert_eq!(retrying(&a), "0");
    let listed = listed(&a);
    assert!(
        listed.contains(&format!(
            "gave up pushing {} to collection remote-1 after 8 attempts: too large for this peer",
            z[0]
        )),
        "{listed}"
    );
}
