//! Federation (P1.10) with real processes on loopback: `simpul serve` nodes on random ports with
//! their own data directories, synced by `simpul peer sync` (`node.rs`). A hub and two national
//! nodes converge without duplicates; TLP:RED and AMBER+STRICT never leave; AMBER reaches only
//! nodes of organisations in its audience; a revocation travels; a ring does not ping-pong;
//! `kill -9` mid-sync loses and duplicates nothing; what a round did not push (a widened
//! audience, a version the peer failed) a later round pushes (`retry.rs`). Peers over REST and
//! the CLI never show their credentials.

mod node;
mod peers;
mod retry;

use std::collections::HashSet;

use serde_json::Value;
use simpul_core::intel::Tlp;

use crate::world::indicator;
use node::{Node, ids};

fn ind(tag: &str, n: usize, tlp: Tlp) -> Value {
    indicator(
        &format!("indicator--{}", uuid::Uuid::new_v4()),
        Some(tlp),
        &format!("{tag}{n}.example"),
        "2026-01-01T00:00:00.000Z",
    )
}

fn no_duplicates(objects: &[Value], what: &str) {
    let all = ids(objects);
    let unique: HashSet<&String> = all.iter().collect();
    assert_eq!(all.len(), unique.len(), "{what}: an object is duplicated");
}

/// The hub (ASEAN-CERT) and two national nodes (SingCERT, MyCERT). Each node's directory holds
/// its own organisation and the hub's; the hub's holds all three. The nodes sync with the hub
/// (both ways); the hub only serves.
async fn hub_and_nodes() -> (Node, Node, Node) {
    let mut hub = Node::new(
        "hub",
        &["ASEAN-CERT", "SingCERT", "MyCERT"],
        &[
            ("ASEAN-CERT", "analyst@hub.example"),
            ("SingCERT", "node@sg.example"),
            ("MyCERT", "node@my.example"),
        ],
        &[("regional", &["ASEAN-CERT", "SingCERT", "MyCERT"])],
    )
    .await;
    let mut sg = Node::new(
        "sg",
        &["SingCERT", "ASEAN-CERT"],
        &[
            ("SingCERT", "analyst@sg.example"),
            ("ASEAN-CERT", "hub@asean.example"),
        ],
        &[("regional", &["SingCERT", "ASEAN-CERT"])],
    )
    .await;
    let mut my = Node::new(
        "my",
        &["MyCERT", "ASEAN-CERT"],
        &[
            ("MyCERT", "analyst@my.example"),
            ("ASEAN-CERT", "hub@asean.example"),
        ],
        &[("regional", &["MyCERT", "ASEAN-CERT"])],
    )
    .await;
    for n in [&mut hub, &mut sg, &mut my] {
        n.start().await;
    }
    sg.add_peer(
        "hub",
        &hub,
        &hub.tokens["node@sg.example"],
        "both",
        &[("regional", "regional")],
        "hub@asean.example",
    );
    my.add_peer(
        "hub",
        &hub,
        &hub.tokens["node@my.example"],
        "both",
        &[("regional", "regional")],
        "hub@asean.example",
    );
    (hub, sg, my)
}

#[tokio::test]
async fn a_hub_and_two_nodes_converge_within_the_tlp() {
    let (hub, sg, my) = hub_and_nodes().await;
    // Writes on each node, of every level.
    let mut shareable: Vec<String> = Vec::new();
    for (node, email, tag) in [
        (&sg, "analyst@sg.example", "sg"),
        (&my, "analyst@my.example", "my"),
        (&hub, "analyst@hub.example", "hub"),
    ] {
        let objects: Vec<Value> = (0..15)
            .map(|n| ind(tag, n, [Tlp::Clear, Tlp::Green, Tlp::Amber][n % 3]))
            .collect();
        shareable.extend(node.share(email, "regional", objects).await);
        let kept = node
            .share(
                email,
                "regional",
                vec![ind(&format!("{tag}-strict"), 0, Tlp::AmberStrict)],
            )
            .await;
        assert_eq!(kept.len(), 1);
    }
    // An AMBER object of the hub named to SingCERT's node only.
    let amber_sg = hub
        .share_named(
            "analyst@hub.example",
            "regional",
            vec![ind("hub-sg", 0, Tlp::Amber)],
            &["node@sg.example"],
        )
        .await;
    // Two rounds each: what one node pushes, the other pulls in its next round.
    for _ in 0..2 {
        for node in [&sg, &my] {
            node.sync("hub");
        }
    }
    shareable.sort();
    for (node, email) in [
        (&hub, "analyst@hub.example"),
        (&sg, "analyst@sg.example"),
        (&my, "analyst@my.example"),
    ] {
        let seen = node.taxii_all(email, "regional").await;
        no_duplicates(&seen, node.name);
        let got: Vec<String> = ids(&seen)
            .into_iter()
            .filter(|id| shareable.contains(id))
            .collect();
        assert_eq!(
            got, shareable,
            "{} holds every shareable object once",
            node.name
        );
        // AMBER+STRICT: only the node that wrote it holds one.
        let strict = seen
            .iter()
            .filter(|o| o["object_marking_refs"][0] == Tlp::AmberStrict.marking_id())
            .count();
        assert_eq!(strict, 1, "{}: only its own AMBER+STRICT object", node.name);
    }
    // The hub's AMBER object for SingCERT reached SingCERT's node, not MyCERT's.
    let at_sg = ids(&sg.taxii_all("analyst@sg.example", "regional").await);
    let at_my = ids(&my.taxii_all("analyst@my.example", "regional").await);
    assert!(
        at_sg.contains(&amber_sg[0]),
        "AMBER reached its audience's node"
    );
    assert!(!at_my.contains(&amber_sg[0]), "AMBER left its audience");
    // Another round moves nothing: converged.
    for node in [&sg, &my] {
        assert_eq!(
            node.sync("hub"),
            (0, 0, 0),
            "{} after convergence",
            node.name
        );
    }
}

#[tokio::test]
async fn red_never_leaves_and_a_revocation_travels() {
    let (hub, sg, my) = hub_and_nodes().await;
    // RED, named to the hub's account on SingCERT's node: still never pushed.
    let red = sg
        .share_named(
            "analyst@sg.example",
            "regional",
            vec![ind("red", 0, Tlp::Red)],
            &["hub@asean.example"],
        )
        .await;
    let green = sg
        .share(
            "analyst@sg.example",
            "regional",
            vec![ind("green", 0, Tlp::Green)],
        )
        .await;
    sg.sync("hub");
    my.sync("hub");
    let at_hub = ids(&hub.taxii_all("analyst@hub.example", "regional").await);
    let at_my = ids(&my.taxii_all("analyst@my.example", "regional").await);
    assert!(at_hub.contains(&green[0]) && at_my.contains(&green[0]));
    assert!(
        !at_hub.contains(&red[0]) && !at_my.contains(&red[0]),
        "RED left its node"
    );

    // SingCERT revokes it: after one round each, MyCERT's node serves only the revoked version
    // as the latest and no longer exports it.
    sg.revoke("analyst@sg.example", &green[0]).await;
    sg.sync("hub");
    my.sync("hub");
    let latest = my.taxii("analyst@my.example", "regional", "last").await;
    let g: Vec<&Value> = latest
        .iter()
        .filter(|o| o["id"] == green[0].as_str())
        .collect();
    assert_eq!(g.len(), 1);
    assert_eq!(g[0]["revoked"], true, "{:?}", g[0]);
    let csv = my.export("analyst@my.example", "csv").await;
    assert!(!csv.contains("green0.example"), "{csv}");
}

#[tokio::test]
async fn a_ring_of_three_does_not_ping_pong() {
    let all = ["X-CERT", "Y-CERT", "Z-CERT"];
    let users: Vec<(&str, String)> = all
        .iter()
        .map(|o| (*o, format!("node@{}.example", &o[..1].to_lowercase())))
        .collect();
    let users: Vec<(&str, &str)> = users.iter().map(|(o, e)| (*o, e.as_str())).collect();
    let mut nodes = Vec::new();
    for name in ["x", "y", "z"] {
        nodes.push(Node::new(name, &all, &users, &[("ring", &all[..])]).await);
    }
    for n in &mut nodes {
        n.start().await;
    }
    // x → y → z → x, both ways: each node signs in at the next as its own organisation's
    // account, and acts locally as the next one's.
    let emails = ["node@x.example", "node@y.example", "node@z.example"];
    for i in 0..3 {
        let next = (i + 1) % 3;
        nodes[i].add_peer(
            "next",
            &nodes[next],
            &nodes[next].tokens[emails[i]],
            "both",
            &[("ring", "ring")],
            emails[next],
        );
    }
    let mut written = Vec::new();
    for (i, n) in nodes.iter().enumerate() {
        let objects = (0..10)
            .map(|k| ind(&format!("ring{i}-"), k, Tlp::Green))
            .collect();
        written.extend(n.share(emails[i], "ring", objects).await);
    }
    written.sort();
    for _ in 0..3 {
        for n in &nodes {
            n.sync("next");
        }
    }
    for (i, n) in nodes.iter().enumerate() {
        let seen = n.taxii_all(emails[i], "ring").await;
        no_duplicates(&seen, n.name);
        assert_eq!(ids(&seen), written, "{} holds everything once", n.name);
    }
    for n in &nodes {
        assert_eq!(
            n.sync("next"),
            (0, 0, 0),
            "{}: nothing travels any more",
            n.name
        );
    }
}

#[tokio::test]
async fn kill_minus_9_mid_sync_then_restart_converges() {
    let (hub, sg, mut my) = hub_and_nodes().await;
    let _ = &sg;
    let mut written = Vec::new();
    for chunk in 0..6 {
        let objects = (0..1000)
            .map(|n| ind(&format!("bulk{chunk}-"), n, Tlp::Green))
            .collect();
        written.extend(hub.share("analyst@hub.example", "regional", objects).await);
    }
    written.sort();
    // MyCERT's node pulls; it is killed (server and the syncing process) once some of it is in.
    let mut cmd = crate::helpers::simpul_cmd();
    cmd.args(["peer", "sync", "hub", "--data"]).arg(my.data());
    cmd.env("SIMPUL_FEDERATION_LEASE_SECS", node::LEASE_SECS);
    let mut child = cmd
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut seen = 0;
    for _ in 0..600 {
        seen = my.taxii_all("analyst@my.example", "regional").await.len();
        if seen > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    my.kill();
    assert!(
        seen > 0 && seen < written.len(),
        "killed mid-sync ({seen} of {})",
        written.len()
    );
    my.start().await;
    // The killed round's lease runs out (it is not renewed any more), then a round resumes; until
    // then `peer sync` says why it does not run.
    for attempt in 0.. {
        let out = my.peer(&["sync", "hub"], "");
        if out.status.success() {
            break;
        }
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(err.contains("holds its lease"), "{err}");
        assert!(attempt < 100, "the dead round's lease never ran out");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let got = my.taxii_all("analyst@my.example", "regional").await;
    no_duplicates(&got, "my");
    assert_eq!(ids(&got), written, "nothing lost");
}

#[tokio::test]
async fn the_server_syncs_its_peers_on_their_interval_and_reports_them() {
    let (hub, mut sg, _my) = hub_and_nodes().await;
    // SingCERT's node, restarted with its scheduler on and a 1 s interval.
    sg.kill();
    sg.schedule = true;
    sg.interval = 1;
    sg.add_peer(
        "hub",
        &hub,
        &hub.tokens["node@sg.example"],
        "both",
        &[("regional", "regional")],
        "hub@asean.example",
    );
    sg.start().await;
    let written = sg
        .share(
            "analyst@sg.example",
            "regional",
            vec![ind("sched", 0, Tlp::Green)],
        )
        .await;
    let mut arrived = false;
    for _ in 0..200 {
        let at_hub = ids(&hub.taxii_all("analyst@hub.example", "regional").await);
        if at_hub.contains(&written[0]) {
            arrived = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(arrived, "the server pushed on its own");
    // The round is recorded when it ends, a moment after the hub stored the object.
    let mut metrics = String::new();
    let mut out_count = 0;
    for _ in 0..100 {
        metrics = sg.metrics(Some(node::METRICS_TOKEN)).await.1;
        out_count = metrics
            .lines()
            .find(|l| l.starts_with("simpul_federation_objects_out{peer=\"hub\"}"))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or(0);
        if out_count >= 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(out_count >= 1, "{metrics}");
    assert!(metrics.contains("simpul_federation_lag_seconds{peer=\"hub\"}"));
    // Without the token: 401, and no peer named; with a wrong one too.
    for token in [None, Some("not-the-metrics-token")] {
        let (status, body) = sg.metrics(token).await;
        assert_eq!(status, 401, "{body}");
        assert!(!body.contains("hub"), "{body}");
    }
}

#[tokio::test]
async fn a_site_admin_runs_a_round_over_rest() {
    let (hub, sg, _my) = hub_and_nodes().await;
    // A site-admin of SingCERT's node (added beside the running server: SQLite takes both).
    let store = simpul::open_store(&simpul::config::DatabaseUrl::new(sg.db_url()))
        .await
        .unwrap();
    let svc = simpul::service(store);
    let own = svc
        .org_by_short_name(&crate::world::operator(), "SingCERT")
        .await
        .unwrap();
    crate::world::user(&svc, &own, "sa@sg.example", simpul_core::Role::SiteAdmin).await;
    let sa = crate::world::token(&svc, "sa@sg.example", "admin,read", None).await;
    drop(svc);
    let written = sg
        .share(
            "analyst@sg.example",
            "regional",
            vec![ind("rest", 0, Tlp::Green)],
        )
        .await;
    let post = |path: &str, token: &str| {
        sg.client
            .post(format!("{}{path}", sg.base()))
            .bearer_auth(token)
            .send()
    };
    // Only a site-admin; an unknown peer is 404.
    let res = post("/api/v1/peers/hub/sync", &sg.tokens["analyst@sg.example"])
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = post("/api/v1/peers/nowhere/sync", &sa).await.unwrap();
    assert_eq!(res.status(), 404);
    // The round runs now and says what it did; the object is at the hub.
    let res = post("/api/v1/peers/hub/sync", &sa).await.unwrap();
    assert_eq!(res.status(), 200);
    let counts: Value = res.json().await.unwrap();
    assert_eq!(counts["pushed"], 1, "{counts}");
    let at_hub = ids(&hub.taxii_all("analyst@hub.example", "regional").await);
    assert!(at_hub.contains(&written[0]), "{at_hub:?}");
    // A round of an unreachable peer is 502 with the one-line reason, the token not in it.
    drop(hub);
    let res = post("/api/v1/peers/hub/sync", &sa).await.unwrap();
    assert_eq!(res.status(), 502);
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["code"], "peer_failed", "{problem}");
    let detail = problem["detail"].as_str().unwrap();
    assert!(detail.starts_with("the round failed: "), "{detail}");
    assert!(!detail.contains(&sg.tokens["analyst@sg.example"]));
}
