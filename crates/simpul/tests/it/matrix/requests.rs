//! Matrix rows of action requests in the world's columns: the site-admin is the regional CERT's (a
//! coordinator: reads every request but RED ones, acts on none), the org-admin, analyst and
//! read-only user are of `own` (SingCERT). The setup sends four requests: `own` → `other` (AMBER),
//! `other` → `own` (AMBER), `other` → `spare` (AMBER: `own` is a third party) and `own` → `other`
//! at RED naming only our analyst and the other analyst. A request one may not see is 404, the
//! same as one that does not exist; a step one's side may not take is 409.

use serde_json::{Value, json};

use super::{Ids, Row, row};
use crate::world::{World, operator, token};

/// Placeholders [`fill`] replaces.
pub const OUT: &str = "{req_out}";
pub const IN: &str = "{req_in}";
pub const THIRD: &str = "{req_third}";
pub const RED: &str = "{req_red}";
/// A fresh request `other` → `own` for each cell (to acknowledge).
pub const FRESH_IN: &str = "{fresh_in}";

const OTHER_USER: &str = "an@other.example";

fn new(to: &str, summary: &str, extra: Value) -> Value {
    let mut b = json!({
        "kind": "takedown",
        "to": {"org": to},
        "observables": [{"type": "domain", "value": "matrix-scam.example"}],
        "summary": summary,
        "urgency": "high",
        "tlp": "amber",
    });
    for (k, v) in extra.as_object().unwrap() {
        b[k] = v.clone();
    }
    b
}

async fn send(w: &World, token: &str, body: &Value) -> String {
    let res = w
        .app
        .client
        .post(w.app.url("/api/v1/requests"))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let v: Value = res.json().await.unwrap();
    v["id"].as_str().unwrap().to_owned()
}

async fn other_token(w: &World) -> String {
    token(&w.service, OTHER_USER, "read,write", None).await
}

pub async fn setup(w: &World) {
    let own = w.tokens[2].1.clone();
    let other = other_token(w).await;
    send(w, &own, &new("MyCERT", "matrix out", json!({}))).await;
    send(w, &other, &new("SingCERT", "matrix in", json!({}))).await;
    send(w, &other, &new("Spare", "matrix third", json!({}))).await;
    let red = json!({"tlp": "red", "recipients": [OTHER_USER]});
    send(w, &own, &new("MyCERT", "matrix red", red)).await;
}

/// The id of the setup's request with `summary`, as our analyst lists them (the third one as
/// the operator does).
async fn id_of(w: &World, summary: &str) -> String {
    let res = w
        .app
        .client
        .get(w.app.url("/api/v1/requests?limit=500"))
        .bearer_auth(&w.tokens[2].1)
        .send()
        .await
        .unwrap();
    let v: Value = res.json().await.unwrap();
    let mine = v["requests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["summary"] == summary)
        .map(|r| r["id"].as_str().unwrap().to_owned());
    if let Some(id) = mine {
        return id;
    }
    let all = w
        .service
        .list_requests(&operator(), &Default::default())
        .await
        .unwrap();
    all.iter()
        .find(|r| r.request.summary == summary)
        .map(|r| r.request.id.to_string())
        .unwrap()
}

/// `path` with the placeholders replaced.
pub async fn fill(w: &World, mut path: String) -> String {
    if !path.contains("{req_") && !path.contains(FRESH_IN) {
        return path;
    }
    for (p, summary) in [
        (OUT, "matrix out"),
        (IN, "matrix in"),
        (THIRD, "matrix third"),
        (RED, "matrix red"),
    ] {
        if path.contains(p) {
            path = path.replace(p, &id_of(w, summary).await);
        }
    }
    if path.contains(FRESH_IN) {
        let other = other_token(w).await;
        let id = send(w, &other, &new("SingCERT", "matrix fresh", json!({}))).await;
        path = path.replace(FRESH_IN, &id);
    }
    path
}

pub fn rows(_: &Ids) -> Vec<Row> {
    let nowhere = "00000000-0000-4000-8000-000000000001";
    let readers = [401, 401, 200, 200, 200, 200];
    let not_third = [401, 401, 200, 404, 404, 404];
    let red_named = [401, 401, 404, 404, 200, 404];
    let hidden = [401, 401, 404, 404, 404, 404];
    let ack = json!({"to": "acknowledged"});
    let mut rows = vec![
        row!(
            "POST /requests",
            "/api/v1/requests".into(),
            Some(new("MyCERT", "matrix new {n}", json!({}))),
            [401, 401, 201, 201, 201, 403]
        ),
        row!(
            "POST /requests",
            "/api/v1/requests".into(),
            Some(new("MyCERT", "matrix bad {n}", json!({"urgency": "soon"}))),
            [401, 401, 400, 400, 400, 400]
        ),
        row!("GET /requests", "/api/v1/requests".into(), None, readers),
        row!(
            "GET /requests",
            "/api/v1/requests?limit=0".into(),
            None,
            [401, 401, 400, 400, 400, 400]
        ),
        row!(
            "GET /requests/stats",
            "/api/v1/requests/stats".into(),
            None,
            readers
        ),
        row!(
            "GET /requests/stats",
            "/api/v1/requests/stats?from=yesterday".into(),
            None,
            [401, 401, 400, 400, 400, 400]
        ),
        row!(
            "GET /requests/stats.csv",
            "/api/v1/requests/stats.csv".into(),
            None,
            readers
        ),
        // Acknowledged by the target (`own`); the coordinator sees it but acts for no side.
        row!(
            "POST /requests/{id}/transitions",
            format!("/api/v1/requests/{FRESH_IN}/transitions"),
            Some(ack.clone()),
            [401, 401, 403, 200, 200, 403]
        ),
        // The requester may not acknowledge its own request.
        row!(
            "POST /requests/{id}/transitions",
            format!("/api/v1/requests/{OUT}/transitions"),
            Some(ack.clone()),
            [401, 401, 403, 409, 409, 403]
        ),
        row!(
            "POST /requests/{id}/transitions",
            format!("/api/v1/requests/{THIRD}/transitions"),
            Some(ack.clone()),
            [401, 401, 403, 404, 404, 403]
        ),
        row!(
            "POST /requests/{id}/transitions",
            format!("/api/v1/requests/{RED}/transitions"),
            Some(ack.clone()),
            [401, 401, 404, 404, 409, 403]
        ),
        row!(
            "POST /requests/{id}/transitions",
            format!("/api/v1/requests/{nowhere}/transitions"),
            Some(ack),
            [401, 401, 404, 404, 404, 403]
        ),
        row!(
            "POST /requests/{id}/comments",
            format!("/api/v1/requests/{IN}/comments"),
            Some(json!({"text": "matrix comment {n}"})),
            [401, 401, 403, 201, 201, 403]
        ),
        row!(
            "POST /requests/{id}/comments",
            format!("/api/v1/requests/{THIRD}/comments"),
            Some(json!({"text": "matrix comment {n}"})),
            [401, 401, 403, 404, 404, 403]
        ),
        row!(
            "POST /requests/{id}/comments",
            format!("/api/v1/requests/{RED}/comments"),
            Some(json!({"text": "matrix comment {n}"})),
            [401, 401, 404, 404, 201, 403]
        ),
    ];
    for route in [
        "GET /requests/{id}",
        "GET /requests/{id}/comments",
        "GET /requests/{id}/intel",
    ] {
        let tail = route.trim_start_matches("GET /requests/{id}");
        for (id, expect) in [
            (OUT, readers),
            (IN, readers),
            (THIRD, not_third),
            (RED, red_named),
            (nowhere, hidden),
        ] {
            rows.push(Row {
                route,
                path: format!("/api/v1/requests/{id}{tail}"),
                body: None,
                expect,
            });
        }
    }
    rows
}
