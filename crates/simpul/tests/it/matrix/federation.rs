//! Matrix rows of federation peers: site-admins administer them (scope admin); nobody else, and a
//! peer's credentials are never answered (`federation.rs` checks the bodies).

use serde_json::json;
use simpul_core::federation::{CollectionMap, Direction, NewPeer, PeerAuth, PeerName};
use simpul_core::intel::CollectionId;

use super::intel::OURS;
use super::{Ids, Row, row};
use crate::world::{World, operator};

/// A peer every read row finds.
pub async fn setup(w: &World) {
    let new = NewPeer {
        name: PeerName::parse("matrix-hub").unwrap(),
        url: "http://127.0.0.1:9/taxii2/".into(),
        auth: PeerAuth::Token {
            token: "simpul_matrix".into(),
        },
        direction: Direction::Both,
        maps: vec![CollectionMap {
            remote: "remote".into(),
            local: CollectionId(OURS),
        }],
        interval_secs: 60,
        act_as: "an@other.example".into(),
    };
    w.service.add_peer(&operator(), new).await.unwrap();
}

pub fn rows(_: &Ids) -> Vec<Row> {
    let admin_only = |ok| [401, 401, ok, 403, 403, 403];
    vec![
        row!("GET /peers", "/api/v1/peers".into(), None, admin_only(200)),
        row!(
            "POST /peers",
            "/api/v1/peers".into(),
            Some(json!({
                "name": "node-{n}", "url": "https://node.example/taxii2/", "token": "secret",
                "direction": "pull", "maps": [{"remote": "r", "local": OURS}],
                "as": "an@other.example"
            })),
            admin_only(201)
        ),
        row!(
            "GET /peers/{name}",
            "/api/v1/peers/matrix-hub".into(),
            None,
            admin_only(200)
        ),
        // A round now: the matrix peer listens nowhere, so the site-admin's round fails (502).
        row!(
            "POST /peers/{name}/sync",
            "/api/v1/peers/matrix-hub/sync".into(),
            None,
            admin_only(502)
        ),
        // The site-admin's removal of a peer that is not there; the contract test removes one.
        row!(
            "DELETE /peers/{name}",
            "/api/v1/peers/ghost-{n}".into(),
            None,
            admin_only(404)
        ),
    ]
}
