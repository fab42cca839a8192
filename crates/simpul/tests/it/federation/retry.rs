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

/// Node `a` holds A-CERT and B-CERT, with collection `shared` for A-CERT alone; node `b` holds
/// both, with `shared` for both. `a` pushes `shared` to `b` (signing in there as A-CERT's node
/// account, acting here as B-CERT's).
async fn two_nodes() -> (Node, Node) {
    let mut a = Node::new(
        "a",
        &["A-CERT", "B-CERT"],
        &[
            ("A-CERT", "analyst@a.example"),
            ("B-CERT", "node@b.example"),
        ],
        &[("shared", &["A-CERT"])],
    )
    .await;
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

fn retrying(n: &Node) -> String {
    let out = n.peer(&["list"], "");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
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
