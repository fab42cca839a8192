//! Matrix rows of incident cases, and the cases' own leak matrix.
//!
//! The rows: `own` opened `{own_case}` (TLP:AMBER) with `other` invited; `other` opened
//! `{other_case}` without us and `{red_case}` (TLP:RED, naming only its own user). Our users
//! read and work in our case (read-only users read only); the regional CERT's site-admin is a
//! coordinator: it reads a case's record that is not RED, never its timeline, tasks or
//! summary, and manages nothing. Cases we are not in are 404 like unknown ones.
//!
//! The leak matrix ([`leak_matrix_sqlite`]): the owner, an invited party, a third member, a
//! partner and a coordinator (and for RED a party user who is not named) × every TLP × every
//! case route, with a party's not-yet-released entry absent from the owner's timeline and count
//! until its author releases it.

use reqwest::Method;
use serde_json::{Value, json};
use simpul_core::Role;
use simpul_core::cases::NewCase;
use simpul_core::cases::party::StatusInput;
use simpul_core::cases::timeline::NewEntry;
use simpul_core::org::{OrgKind, ShortName};

use super::{Ids, Row, row};
use crate::helpers::TestDb;
use crate::world::{World, org, token, user, world_on};

pub const OWN_CASE: &str = "{own_case}";
pub const OTHER_CASE: &str = "{other_case}";
pub const RED_CASE: &str = "{red_case}";
/// A fresh case of ours for each cell (to invite to).
pub const FRESH_CASE: &str = "{fresh_case}";
pub const OWN_ENTRY: &str = "{own_entry}";
pub const OWN_ATTACHMENT: &str = "{own_attachment}";
pub const OWN_TASK: &str = "{own_task}";

fn new_case(title: &str, tlp: &str, parties: &[&str], recipients: &[&str]) -> NewCase {
    serde_json::from_value(json!({
        "title": title, "severity": 2, "tlp": tlp, "category": "scam-operation",
        "template": "scam-operation", "parties": parties, "recipients": recipients,
    }))
    .unwrap()
}

fn entry(v: Value) -> NewEntry {
    serde_json::from_value(v).unwrap()
}

fn step(to: &str) -> StatusInput {
    serde_json::from_value(json!({ "to": to })).unwrap()
}

/// `email`'s principal in `w`, signed in with a fresh token.
pub async fn signed_in(w: &World, email: &str) -> simpul_core::Principal {
    crate::world::signed_in(&w.service, email).await
}

/// A task of the case's template owned by the case's owner.
async fn owners_task(
    w: &World,
    p: &simpul_core::Principal,
    case: &simpul_core::cases::store::Case,
) -> uuid::Uuid {
    let tasks = w.service.case_tasks(p, case.id).await.unwrap();
    tasks
        .iter()
        .find(|t| t.task.owner_org == case.owner_org)
        .unwrap()
        .task
        .id
}

/// The world's cases, as placeholder → id.
pub async fn setup(w: &World) -> Vec<(&'static str, String)> {
    let me = signed_in(w, "an@own.example").await;
    let them = signed_in(w, "an@other.example").await;
    let case = w
        .service
        .open_case(&me, new_case("matrix own", "amber", &["MyCERT"], &[]))
        .await
        .unwrap();
    let e = w
        .service
        .add_case_entry(
            &me,
            case.id,
            entry(json!({"kind": "comment", "text": "hi"})),
            None,
        )
        .await
        .unwrap();
    let a = w
        .service
        .add_case_entry(
            &me,
            case.id,
            entry(json!({"kind": "attachment", "filename": "a.txt", "media_type": "text/plain", "size": 3})),
            Some(b"abc".to_vec()),
        )
        .await
        .unwrap();
    let task = owners_task(w, &me, &case).await;
    let other = w
        .service
        .open_case(&them, new_case("matrix other", "green", &[], &[]))
        .await
        .unwrap();
    let red = w
        .service
        .open_case(
            &them,
            new_case("matrix red", "red", &[], &["an@other.example"]),
        )
        .await
        .unwrap();
    vec![
        (OWN_CASE, case.id.to_string()),
        (OWN_ENTRY, e.id.to_string()),
        (OWN_ATTACHMENT, a.id.to_string()),
        (OWN_TASK, task.to_string()),
        (OTHER_CASE, other.id.to_string()),
        (RED_CASE, red.id.to_string()),
    ]
}

/// `path` with the placeholders replaced (`fixed` from [`setup`]).
pub async fn fill(w: &World, fixed: &[(&str, String)], mut path: String) -> String {
    if path.contains(FRESH_CASE) {
        let me = signed_in(w, "an@own.example").await;
        let c = w
            .service
            .open_case(&me, new_case("fresh", "green", &["MyCERT"], &[]))
            .await
            .unwrap();
        path = path.replace(FRESH_CASE, &c.id.to_string());
    }
    for (k, v) in fixed {
        path = path.replace(k, v);
    }
    path
}

pub fn rows(_: &Ids) -> Vec<Row> {
    let own = format!("/api/v1/cases/{OWN_CASE}");
    let other = format!("/api/v1/cases/{OTHER_CASE}");
    let red = format!("/api/v1/cases/{RED_CASE}");
    let comment = json!({"kind": "comment", "text": "m{n}"});
    vec![
        row!(
            "GET /cases",
            "/api/v1/cases".into(),
            None,
            [401, 401, 200, 200, 200, 200]
        ),
        row!(
            "GET /cases",
            "/api/v1/cases?limit=0".into(),
            None,
            [401, 401, 400, 400, 400, 400]
        ),
        row!(
            "GET /cases",
            "/api/v1/cases?cursor=nope".into(),
            None,
            [401, 401, 400, 400, 400, 400]
        ),
        row!(
            "POST /cases",
            "/api/v1/cases".into(),
            Some(json!({"title": "m{n}", "severity": 2, "tlp": "green", "category": "other"})),
            [401, 401, 201, 201, 201, 403]
        ),
        row!(
            "POST /cases",
            "/api/v1/cases".into(),
            Some(json!({"title": "m{n}", "severity": 7, "tlp": "green", "category": "other"})),
            [401, 401, 400, 400, 400, 403]
        ),
        row!(
            "GET /cases/{id}",
            own.clone(),
            None,
            [401, 401, 200, 200, 200, 200]
        ),
        row!(
            "GET /cases/{id}",
            other.clone(),
            None,
            [401, 401, 200, 404, 404, 404]
        ),
        row!(
            "GET /cases/{id}",
            red.clone(),
            None,
            [401, 401, 404, 404, 404, 404]
        ),
        row!(
            "GET /cases/{id}",
            "/api/v1/cases/not-a-case".into(),
            None,
            [401, 401, 404, 404, 404, 404]
        ),
        row!(
            "PATCH /cases/{id}",
            own.clone(),
            Some(json!({"summary": "m{n}"})),
            [401, 401, 403, 200, 200, 403]
        ),
        row!(
            "PATCH /cases/{id}",
            other.clone(),
            Some(json!({"summary": "m{n}"})),
            [401, 401, 403, 404, 404, 403]
        ),
        row!(
            "PATCH /cases/{id}",
            red.clone(),
            Some(json!({"summary": "m{n}"})),
            [401, 401, 404, 404, 404, 403]
        ),
        row!(
            "GET /cases/{id}/parties",
            format!("{own}/parties"),
            None,
            [401, 401, 200, 200, 200, 200]
        ),
        row!(
            "GET /cases/{id}/parties",
            format!("{red}/parties"),
            None,
            [401, 401, 404, 404, 404, 404]
        ),
        // The regional CERT invited (`Spare` is suspended by a directory row).
        row!(
            "POST /cases/{id}/parties",
            format!("/api/v1/cases/{FRESH_CASE}/parties"),
            Some(json!({"org": "ASEAN-CERT"})),
            [401, 401, 403, 201, 201, 403]
        ),
        row!(
            "POST /cases/{id}/parties",
            format!("{other}/parties"),
            Some(json!({"org": "ASEAN-CERT"})),
            [401, 401, 403, 404, 404, 403]
        ),
        // The owner may not move an invited party: 409 with the (empty) allowed list.
        row!(
            "POST /cases/{id}/parties/{party}/status",
            format!("{own}/parties/MyCERT/status"),
            Some(json!({"to": "acknowledged"})),
            [401, 401, 403, 409, 409, 403]
        ),
        row!(
            "POST /cases/{id}/parties/{party}/status",
            format!("{own}/parties/Spare/status"),
            Some(json!({"to": "acknowledged"})),
            [401, 401, 404, 404, 404, 403]
        ),
        row!(
            "GET /cases/{id}/timeline",
            format!("{own}/timeline"),
            None,
            [401, 401, 404, 200, 200, 200]
        ),
        row!(
            "GET /cases/{id}/timeline",
            format!("{other}/timeline"),
            None,
            [401, 401, 404, 404, 404, 404]
        ),
        row!(
            "POST /cases/{id}/timeline",
            format!("{own}/timeline"),
            Some(comment.clone()),
            [401, 401, 404, 201, 201, 403]
        ),
        row!(
            "POST /cases/{id}/timeline",
            format!("{other}/timeline"),
            Some(comment),
            [401, 401, 404, 404, 404, 403]
        ),
        row!(
            "POST /cases/{id}/timeline/{entry}/release",
            format!("{own}/timeline/{OWN_ENTRY}/release"),
            Some(json!({})),
            [401, 401, 404, 200, 200, 403]
        ),
        row!(
            "POST /cases/{id}/timeline/{entry}/release",
            format!("{own}/timeline/00000000-0000-4000-8000-000000000001/release"),
            Some(json!({})),
            [401, 401, 404, 404, 404, 403]
        ),
        row!(
            "GET /cases/{id}/timeline/{entry}/attachment",
            format!("{own}/timeline/{OWN_ATTACHMENT}/attachment"),
            None,
            [401, 401, 404, 200, 200, 200]
        ),
        row!(
            "GET /cases/{id}/timeline/{entry}/attachment",
            format!("{own}/timeline/{OWN_ENTRY}/attachment"),
            None,
            [401, 401, 404, 404, 404, 404]
        ),
        row!(
            "GET /cases/{id}/tasks",
            format!("{own}/tasks"),
            None,
            [401, 401, 404, 200, 200, 200]
        ),
        row!(
            "GET /cases/{id}/tasks",
            format!("{other}/tasks"),
            None,
            [401, 401, 404, 404, 404, 404]
        ),
        row!(
            "POST /cases/{id}/tasks",
            format!("{own}/tasks"),
            Some(json!({"title": "m{n}"})),
            [401, 401, 404, 201, 201, 403]
        ),
        row!(
            "PATCH /cases/{id}/tasks/{task}",
            format!("{own}/tasks/{OWN_TASK}"),
            Some(json!({"assignee": "an@own.example"})),
            [401, 401, 404, 200, 200, 403]
        ),
        // A coordinator never reaches the tasks: 404 before the body is read.
        row!(
            "PATCH /cases/{id}/tasks/{task}",
            format!("{own}/tasks/{OWN_TASK}"),
            Some(json!({"state": "flying"})),
            [401, 401, 404, 400, 400, 403]
        ),
        row!(
            "GET /cases/{id}/summary",
            format!("{own}/summary"),
            None,
            [401, 401, 404, 200, 200, 200]
        ),
        row!(
            "GET /cases/{id}/summary",
            format!("{other}/summary"),
            None,
            [401, 401, 404, 404, 404, 404]
        ),
    ]
}

/// The principals of the leak matrix.
const WHO: [&str; 6] = [
    "owner",
    "party",
    "third",
    "partner",
    "coordinator",
    "unnamed",
];

struct Leak {
    w: World,
    tokens: Vec<(&'static str, String)>,
}

impl Leak {
    async fn new(db: TestDb) -> Self {
        let w = world_on(db).await;
        let third = org(&w.service, "ThaiCERT", OrgKind::NationalCert).await;
        let partner = org(&w.service, "Bank", OrgKind::Industry).await;
        let regional = org(&w.service, "Hub", OrgKind::RegionalCert).await;
        user(&w.service, &third, "an@third.example", Role::Analyst).await;
        user(&w.service, &partner, "an@partner.example", Role::Analyst).await;
        user(&w.service, &regional, "co@regional.example", Role::Analyst).await;
        user(&w.service, &w.other, "an2@other.example", Role::Analyst).await;
        let mut tokens = Vec::new();
        for (who, email) in WHO.iter().zip([
            "an@own.example",
            "an@other.example",
            "an@third.example",
            "an@partner.example",
            "co@regional.example",
            "an2@other.example",
        ]) {
            tokens.push((*who, token(&w.service, email, "read,write", None).await));
        }
        Self { w, tokens }
    }

    async fn call(
        &self,
        who: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let t = &self.tokens.iter().find(|(n, _)| *n == who).unwrap().1;
        let mut req = self
            .w
            .app
            .client
            .request(method, self.w.app.url(path))
            .bearer_auth(t);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let text = res.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }
}

/// What a reader may do in a case at `tlp`: (sees the record, reads the timeline, acts).
fn expected(who: &str, red: bool) -> (bool, bool) {
    match who {
        "owner" | "party" => (true, true),
        "unnamed" => (!red, !red),
        "coordinator" => (!red, false),
        _ => (false, false),
    }
}

async fn leak(db: TestDb) {
    let l = Leak::new(db).await;
    let w = &l.w;
    let owner = signed_in(w, "an@own.example").await;
    let party = signed_in(w, "an@other.example").await;
    for tlp in ["clear", "green", "amber", "amber+strict", "red"] {
        let red = tlp == "red";
        let named: &[&str] = if red { &["an@other.example"] } else { &[] };
        let case = w
            .service
            .open_case(
                &owner,
                new_case(&format!("leak {tlp}"), tlp, &["MyCERT"], named),
            )
            .await
            .unwrap();
        let mycert = ShortName::parse("MyCERT").unwrap();
        w.service
            .step_party(&party, case.id, &mycert, step("acknowledged"))
            .await
            .unwrap();
        let to = |v: Value| {
            let mut v = v;
            if red {
                v["recipients"] = json!(["an@own.example", "an@other.example"]);
            }
            v
        };
        let secret = w
            .service
            .add_case_entry(
                &party,
                case.id,
                entry(to(json!({"kind": "comment", "text": "not yet"}))),
                None,
            )
            .await
            .unwrap();
        let att = w
            .service
            .add_case_entry(
                &owner,
                case.id,
                entry(to(json!({"kind": "attachment", "filename": "x", "media_type": "text/plain", "size": 1}))),
                Some(b"x".to_vec()),
            )
            .await
            .unwrap();
        let task = owners_task(w, &owner, &case).await;
        let base = format!("/api/v1/cases/{}", case.id);
        // Reads first (the writes below change what there is to count).
        for who in WHO {
            let (sees, reads) = expected(who, red);
            let at = format!("{who} at {tlp}");
            let (s, list) = l
                .call(who, Method::GET, "/api/v1/cases?limit=500", None)
                .await;
            assert_eq!(s, 200, "{at}");
            let listed = list["cases"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["id"] == case.id.to_string());
            assert_eq!(listed, sees, "{at}: listed");
            let see = if sees { 200 } else { 404 };
            let read = if reads { 200 } else { 404 };
            let (s, got) = l.call(who, Method::GET, &base, None).await;
            assert_eq!(s, see, "{at}: GET case");
            if sees {
                // The status change, the party's unreleased comment, the owner's attachment:
                // the owner's count lacks the comment.
                let want = match who {
                    "owner" => json!(2),
                    "party" | "unnamed" => json!(3),
                    _ => Value::Null,
                };
                assert_eq!(got["entries"], want, "{at}: count");
            }
            assert_eq!(
                l.call(who, Method::GET, &format!("{base}/parties"), None)
                    .await
                    .0,
                see,
                "{at}"
            );
            let (s, tl) = l
                .call(who, Method::GET, &format!("{base}/timeline"), None)
                .await;
            assert_eq!(s, read, "{at}: timeline");
            if reads {
                let has = tl["entries"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|e| e["id"] == secret.id.to_string());
                assert_eq!(has, who != "owner", "{at}: the unreleased entry");
            }
            for path in [
                format!("{base}/tasks"),
                format!("{base}/summary"),
                format!("{base}/timeline/{}/attachment", att.id),
            ] {
                assert_eq!(
                    l.call(who, Method::GET, &path, None).await.0,
                    read,
                    "{at}: {path}"
                );
            }
            // The owner does not see the unreleased entry: releasing it is 404 to it.
            if who == "owner" {
                let (s, _) = l
                    .call(
                        who,
                        Method::POST,
                        &format!("{base}/timeline/{}/release", secret.id),
                        Some(json!({})),
                    )
                    .await;
                assert_eq!(s, 404, "{at}: release");
            }
        }
        for who in WHO {
            let (sees, reads) = expected(who, red);
            let at = format!("{who} at {tlp}");
            // Writes: outsiders and coordinators get what a reader of nothing gets.
            let write = if reads { 201 } else { 404 };
            let (s, _) = l
                .call(
                    who,
                    Method::POST,
                    &format!("{base}/timeline"),
                    Some(to(json!({"kind": "comment", "text": "w"}))),
                )
                .await;
            assert_eq!(s, write, "{at}: write");
            let (s, _) = l
                .call(
                    who,
                    Method::POST,
                    &format!("{base}/tasks"),
                    Some(json!({"title": "t"})),
                )
                .await;
            assert_eq!(s, write, "{at}: task");
            let (s, _) = l
                .call(
                    who,
                    Method::PATCH,
                    &format!("{base}/tasks/{task}"),
                    Some(json!({"assignee": "an@own.example"})),
                )
                .await;
            let want = match who {
                "owner" => 200,
                _ if reads => 403,
                _ => 404,
            };
            assert_eq!(s, want, "{at}: task assignment");
            let manage = match who {
                "owner" => 200,
                _ if sees => 403,
                _ => 404,
            };
            let (s, _) = l
                .call(who, Method::PATCH, &base, Some(json!({"summary": who})))
                .await;
            assert_eq!(s, manage, "{at}: edit");
            let (s, _) = l
                .call(
                    who,
                    Method::POST,
                    &format!("{base}/parties"),
                    Some(json!({"org": "Spare"})),
                )
                .await;
            let invite = match who {
                "owner" => 201,
                _ if sees => 403,
                _ => 404,
            };
            assert_eq!(s, invite, "{at}: invite");
            if who != "owner" {
                let (s, _) = l
                    .call(
                        who,
                        Method::POST,
                        &format!("{base}/timeline/{}/release", secret.id),
                        Some(json!({})),
                    )
                    .await;
                let want = match who {
                    "party" | "unnamed" if reads => 200,
                    _ => 404,
                };
                assert_eq!(s, want, "{at}: release");
            }
        }
        // Released by its author: now the owner sees it too.
        let (_, tl) = l
            .call("owner", Method::GET, &format!("{base}/timeline"), None)
            .await;
        assert!(
            tl["entries"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["id"] == secret.id.to_string()),
            "{tlp}: released"
        );
        // A party invited later sees the record (not RED: it is not named), and the timeline only
        // once it acknowledges.
        let (s, _) = l
            .call(
                "owner",
                Method::POST,
                &format!("{base}/parties"),
                Some(json!({"org": "ThaiCERT"})),
            )
            .await;
        assert_eq!(s, 201, "{tlp}: invite");
        assert_eq!(
            l.call("third", Method::GET, &base, None).await.0,
            if red { 404 } else { 200 }
        );
        assert_eq!(
            l.call("third", Method::GET, &format!("{base}/timeline"), None)
                .await
                .0,
            404
        );
    }
    l.w.app.shutdown().await;
}

#[tokio::test]
async fn leak_matrix_sqlite() {
    leak(TestDb::sqlite()).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set SIMPUL_TEST_POSTGRES (the PostgreSQL leg of .ci/run does)"]
async fn leak_matrix_postgres() {
    leak(TestDb::postgres().await).await;
}
