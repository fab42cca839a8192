//! Action requests over REST (P2.2): a freeze request from Indonesia's CERT routed by country to
//! Malaysia's, stepped through its state machine by the two sides, what every other reader sees
//! of it, the refusals (a step out of order is 409 with `allowed`, bad input a problem naming the
//! field), keyset pages that never repeat or skip, and the statistics as JSON and CSV.

use reqwest::Method;
use serde_json::{Value, json};
use simpul_core::requests::new::NewRequest;

use crate::helpers::TestDb;
use crate::request_world::{
    HOLDER, HOLDER_ID, PERSONAL_PHONE, RequestWorld, body, parse, problem, to_my,
};

/// The contract test's request: the hub's site-admin asks the member for information (its id).
pub(crate) async fn contract_fixture(svc: &simpul_core::Service) -> String {
    let p = crate::world::signed_in(svc, "sa@regional.example").await;
    let new: NewRequest = serde_json::from_value(json!({
        "kind": "information", "to": {"org": "SingCERT"},
        "observables": [{"type": "domain", "value": "contract.example"}],
        "summary": "Who hosts this?", "urgency": "normal", "tlp": "green"
    }))
    .unwrap();
    svc.create_request(&p, new)
        .await
        .unwrap()
        .request
        .id
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_freeze_request_travels_from_requester_to_target_and_nobody_else_sees_its_people() {
    story(TestDb::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: SIMPUL_TEST_POSTGRES"]
async fn a_freeze_request_travels_on_postgres() {
    story(TestDb::postgres().await).await;
}

async fn story(db: TestDb) {
    let w = RequestWorld::new(db).await;
    // Routed by country: Malaysia's one national CERT (not the bank of the same country).
    let id = w
        .create("req", &body(json!({"country": "MY"}), json!({})))
        .await;
    let my = w.org("MyCERT").id.to_string();
    let (status, text) = w
        .call(
            Some("tgt"),
            Method::GET,
            &format!("/api/v1/requests/{id}"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{text}");
    let d = parse(&text);
    assert_eq!(d["request"]["target_org"], json!(my));
    assert_eq!(d["request"]["to_country"], json!("MY"));
    assert_eq!(d["request"]["state"], json!("submitted"));
    assert_eq!(d["request"]["party"], json!("target"));
    assert_eq!(d["allowed"], json!(["acknowledged", "declined"]));
    assert_eq!(d["personal_data"][0]["name"], json!(HOLDER));
    // The IBAN keeps its writing and gains its canonical key; the personal phone is shown to
    // the parties.
    let obs = d["request"]["observables"].as_array().unwrap();
    assert!(
        obs.iter()
            .any(|o| o["type"] == "iban" && o["key"] == "iban|GB82WEST12345698765432"),
        "{obs:?}"
    );
    assert!(obs.iter().any(|o| o["value"] == PERSONAL_PHONE));

    // Out of order: 409 with the allowed steps, nothing changed.
    let (status, refused) = w
        .step(
            "tgt",
            &id,
            json!({"to": "actioned", "outcome": {"result": "done"}}),
        )
        .await;
    assert_eq!(status, 409, "{refused}");
    assert_eq!(refused["allowed"], json!(["acknowledged", "declined"]));
    let mut snap = refused.clone();
    snap["request_id"] = json!("[request_id]");
    insta::assert_json_snapshot!("request_step_refused", snap);
    // The requester may not take the target's steps; a read-only user takes none.
    let (status, _) = w.step("req", &id, json!({"to": "acknowledged"})).await;
    assert_eq!(status, 409);
    let (status, _) = w.step("tgt_ro", &id, json!({"to": "acknowledged"})).await;
    assert_eq!(status, 403);
    // Declining needs a reason, by pointer.
    let (status, p) = w.step("tgt", &id, json!({"to": "declined"})).await;
    assert_eq!(status, 400, "{p}");
    assert_eq!(p["errors"][0]["pointer"], json!("/reason"), "{p}");

    for (who, to) in [("tgt", "acknowledged"), ("tgt2", "in-progress")] {
        let (status, v) = w.step(who, &id, json!({ "to": to })).await;
        assert_eq!(status, 200, "{v}");
        assert_eq!(v["state"], json!(to));
    }
    let (status, text) = w
        .call(
            Some("req2"),
            Method::POST,
            &format!("/api/v1/requests/{id}/comments"),
            Some(&json!({"text": "Any news on the account?"})),
        )
        .await;
    assert_eq!(status, 201, "{text}");
    let (status, v) = w
        .step(
            "tgt",
            &id,
            json!({"to": "actioned", "outcome": {
                "result": "partial", "details": "Frozen what was left", "reference": "MY-2026-17",
                "amount": {"value": "12500.50", "currency": "myr"}
            }}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["state"], json!("actioned"));
    assert_eq!(v["outcome"]["result"], json!("partial"));
    // Finished: nobody steps again.
    let (status, v) = w.step("req", &id, json!({"to": "withdrawn"})).await;
    assert_eq!(status, 409, "{v}");
    assert_eq!(v["allowed"], json!([]));

    // The requester reads the whole history.
    let (_, text) = w
        .call(
            Some("req"),
            Method::GET,
            &format!("/api/v1/requests/{id}"),
            None,
        )
        .await;
    let d = parse(&text);
    let steps: Vec<&str> = d["transitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["to"].as_str().unwrap())
        .collect();
    assert_eq!(steps, ["acknowledged", "in-progress", "actioned"], "{d}");
    assert_eq!(d["comments"].as_array().unwrap().len(), 1);

    // A coordinator sees the request, never its people, comments or personal observables.
    for who in ["coord"] {
        let (status, text) = w
            .call(
                Some(who),
                Method::GET,
                &format!("/api/v1/requests/{id}"),
                None,
            )
            .await;
        assert_eq!(status, 200, "{who}: {text}");
        for secret in [HOLDER, HOLDER_ID, PERSONAL_PHONE, "Any news"] {
            assert!(!text.contains(secret), "{who} sees {secret}: {text}");
        }
        let d = parse(&text);
        assert_eq!(d["request"]["personal_hidden"], json!(true));
        assert_eq!(d["allowed"], json!([]));
        let (status, text) = w
            .call(
                Some(who),
                Method::GET,
                &format!("/api/v1/requests/{id}/comments"),
                None,
            )
            .await;
        assert_eq!((status, parse(&text)["comments"].clone()), (200, json!([])));
        let (status, _) = w.step(who, &id, json!({"to": "withdrawn"})).await;
        assert!(status == 403 || status == 404, "{who}: {status}");
    }
    // Anyone else (the regional CERT's read-only users are no coordinators): not found, exactly
    // as an unknown id; the lists leave it out.
    let unknown = uuid::Uuid::new_v4();
    for who in ["third", "partner", "coord_ro"] {
        for path in [
            format!("/api/v1/requests/{id}"),
            format!("/api/v1/requests/{id}/comments"),
            format!("/api/v1/requests/{id}/intel"),
        ] {
            let (status, text) = w.call(Some(who), Method::GET, &path, None).await;
            assert_eq!(status, 404, "{who} {path}: {text}");
            let (_, unknown_text) = w
                .call(
                    Some(who),
                    Method::GET,
                    &path.replace(&id, &unknown.to_string()),
                    None,
                )
                .await;
            let unknown_text = unknown_text.replace(&unknown.to_string(), &id);
            assert_eq!(problem(&text), problem(&unknown_text));
        }
        let (_, text) = w
            .call(Some(who), Method::GET, "/api/v1/requests", None)
            .await;
        assert_eq!(parse(&text)["requests"], json!([]), "{who}");
        // (A read-only token is refused for its scope before anything is looked up.)
        let (status, _) = w.step(who, &id, json!({"to": "withdrawn"})).await;
        let want = if who == "coord_ro" { 403 } else { 404 };
        assert_eq!(status, want, "{who}");
    }
    let (status, _) = w
        .call(None, Method::GET, &format!("/api/v1/requests/{id}"), None)
        .await;
    assert_eq!(status, 401);

    // The statistics: one request to Malaysia, actioned with a partial result and MYR frozen.
    // (A period is half-open, [from, to): the clock moves past the request's creation first.)
    w.clock.advance(time::Duration::minutes(5));
    let (status, text) = w
        .call(Some("coord"), Method::GET, "/api/v1/requests/stats", None)
        .await;
    assert_eq!(status, 200, "{text}");
    let s = parse(&text);
    assert_eq!(s["total"]["opened"], json!(1), "{s}");
    assert_eq!(s["total"]["actioned"], json!(1));
    assert_eq!(s["total"]["results"]["partial"], json!(1));
    let row = &s["by_target"][0];
    assert_eq!(row["country"], json!("MY"), "{s}");
    assert_eq!(row["figures"]["frozen"][0]["currency"], json!("MYR"), "{s}");
    let (status, csv) = w
        .call(
            Some("coord"),
            Method::GET,
            "/api/v1/requests/stats.csv",
            None,
        )
        .await;
    assert_eq!(status, 200);
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines.len() >= 2, "{csv}");
    assert!(lines.iter().skip(1).any(|l| l.contains("MY")), "{csv}");
    w.app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_are_problems_naming_the_field_and_nothing_is_stored() {
    let w = RequestWorld::new(TestDb::sqlite()).await;
    let cases: [(&str, Value); 7] = [
        ("request_no_summary", to_my(json!({"summary": ""}))),
        (
            "request_bad_iban",
            to_my(json!({"observables": [{"type": "iban", "value": "GB00 NOT AN IBAN"}]})),
        ),
        (
            "request_unknown_country",
            body(json!({"country": "ZZ"}), json!({})),
        ),
        ("request_bad_tlp", to_my(json!({"tlp": "purple"}))),
        ("request_unknown_field", to_my(json!({"priority": 1}))),
        (
            "request_to_self",
            body(json!({"org": "ID-CERT"}), json!({})),
        ),
        ("request_bad_kind", to_my(json!({"kind": "arrest"}))),
    ];
    for (name, b) in cases {
        let (status, text) = w
            .call(Some("req"), Method::POST, "/api/v1/requests", Some(&b))
            .await;
        assert_eq!(status, 400, "{name}: {text}");
        insta::assert_json_snapshot!(name, problem(&text));
    }
    // A country with no national CERT of its own (the bank is not one) is refused, by pointer.
    let (status, text) = w
        .call(
            Some("req"),
            Method::POST,
            "/api/v1/requests",
            Some(&body(json!({"country": "VN"}), json!({}))),
        )
        .await;
    assert_eq!(status, 400, "{text}");
    assert_eq!(parse(&text)["errors"][0]["pointer"], json!("/to/country"));
    // A read-only user sends nothing; neither does an anonymous caller.
    let (status, _) = w
        .call(
            Some("tgt_ro"),
            Method::POST,
            "/api/v1/requests",
            Some(&to_my(json!({}))),
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = w
        .call(
            None,
            Method::POST,
            "/api/v1/requests",
            Some(&to_my(json!({}))),
        )
        .await;
    assert_eq!(status, 401);
    // A huge summary is refused without being echoed.
    let huge = "x".repeat(200_000);
    let (status, text) = w
        .call(
            Some("req"),
            Method::POST,
            "/api/v1/requests",
            Some(&to_my(json!({ "summary": huge }))),
        )
        .await;
    assert!(status == 400 || status == 413, "{status}");
    assert!(
        text.len() < 2_000,
        "the error echoes the input: {} bytes",
        text.len()
    );
    // Nothing of it was stored.
    let (_, text) = w
        .call(Some("req"), Method::GET, "/api/v1/requests", None)
        .await;
    assert_eq!(parse(&text)["requests"], json!([]));
    // Bad query parameters name themselves.
    for q in [
        "cursor=nonsense",
        "limit=0",
        "limit=501",
        "state=lost",
        "colour=red",
    ] {
        let (status, text) = w
            .call(
                Some("req"),
                Method::GET,
                &format!("/api/v1/requests?{q}"),
                None,
            )
            .await;
        assert_eq!(status, 400, "{q}: {text}");
    }
    w.app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_walk_every_visible_request_once_newest_first_with_filters() {
    let w = RequestWorld::new(TestDb::sqlite()).await;
    let mut made = Vec::new();
    for i in 0..7 {
        let to = if i % 2 == 0 { "MyCERT" } else { "ThaiCERT" };
        let b = body(
            json!({ "org": to }),
            json!({ "summary": format!("Mule account {i}") }),
        );
        made.push(w.create("req", &b).await);
        w.clock.advance(time::Duration::seconds(1));
    }
    // The requester walks all seven, two at a time, newest first.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/requests?limit=2&cursor={c}"),
            None => "/api/v1/requests?limit=2".to_owned(),
        };
        let (status, text) = w.call(Some("req"), Method::GET, &path, None).await;
        assert_eq!(status, 200, "{text}");
        let v = parse(&text);
        for r in v["requests"].as_array().unwrap() {
            seen.push(r["id"].as_str().unwrap().to_owned());
        }
        pages += 1;
        match v["next"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    made.reverse();
    assert_eq!(seen, made);
    assert_eq!(pages, 4);
    // The target sees only its own four; the third member none of them.
    let (_, text) = w
        .call(Some("tgt"), Method::GET, "/api/v1/requests?limit=100", None)
        .await;
    assert_eq!(parse(&text)["requests"].as_array().unwrap().len(), 4);
    // Filters: the organisation it went to, the one it came from, and its state.
    let (_, text) = w
        .call(
            Some("req"),
            Method::GET,
            "/api/v1/requests?to=ThaiCERT",
            None,
        )
        .await;
    assert_eq!(parse(&text)["requests"].as_array().unwrap().len(), 3);
    let (_, text) = w
        .call(
            Some("tgt"),
            Method::GET,
            "/api/v1/requests?from=MyCERT",
            None,
        )
        .await;
    assert_eq!(parse(&text)["requests"], json!([]), "{text}");
    // The newest (the seventh, to MyCERT) acknowledged: six remain submitted.
    let (status, v) = w.step("tgt", &made[0], json!({"to": "acknowledged"})).await;
    assert_eq!(status, 200, "{v}");
    let (_, text) = w
        .call(
            Some("req"),
            Method::GET,
            "/api/v1/requests?state=submitted",
            None,
        )
        .await;
    let submitted: Vec<String> = parse(&text)["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(submitted, made[1..].to_vec());
    w.app.shutdown().await;
}

/// The regional CERT's coordinators see every request that is not RED; a RED request is for the
/// users it names.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_red_request_is_for_its_named_users_only() {
    let w = RequestWorld::new(TestDb::sqlite()).await;
    let id = w
        .create(
            "req",
            &to_my(json!({
                "tlp": "red",
                "recipients": [crate::request_world::email("tgt")]
            })),
        )
        .await;
    for (who, status) in [
        ("req", 200),
        ("tgt", 200),
        ("req2", 404),
        ("tgt2", 404),
        ("coord", 404),
        ("third", 404),
    ] {
        let (got, text) = w
            .call(
                Some(who),
                Method::GET,
                &format!("/api/v1/requests/{id}"),
                None,
            )
            .await;
        assert_eq!(got, status, "{who}: {text}");
    }
    w.app.shutdown().await;
}
