//! Incident cases over REST (P2.2): Indonesia's CERT opens a case with Malaysia's invited; the
//! party's steps (409 with `allowed` out of order), a party's entry held from the owner until its
//! author releases it, attachments as base64 (413 at `/size` over the bound), tasks, editing and
//! closing, keyset pages, and a problem naming the field for bad input. Who sees which route is
//! the matrix's (`matrix/cases.rs`).

use reqwest::Method;
use serde_json::{Value, json};
use simpul_core::cases::NewCase;
use simpul_core::cases::party::StatusInput;
use simpul_core::cases::timeline::NewEntry;
use simpul_core::org::OrgKind;

use crate::helpers::TestDb;
use crate::request_world::{RequestWorld, parse, problem};
use crate::world::signed_in;

/// What the contract test calls on: a case of the hub with SingCERT invited and finished with it
/// (to re-invite), an organisation `Extra` to invite, an entry of the hub's not yet released, an
/// attachment and a task of the hub's.
pub(crate) struct ContractCase {
    pub case: String,
    pub entry: String,
    pub attachment: String,
    pub task: String,
}

fn step(to: &str) -> StatusInput {
    serde_json::from_value(json!({ "to": to })).unwrap()
}

pub(crate) async fn contract_fixture(svc: &simpul_core::Service) -> ContractCase {
    crate::world::org(svc, "Extra", OrgKind::NationalCert).await;
    let hub = signed_in(svc, "sa@regional.example").await;
    let member = signed_in(svc, "an@member.example").await;
    let new: NewCase = serde_json::from_value(json!({
        "title": "Contract case", "severity": 2, "tlp": "amber", "category": "scam-operation",
        "template": "scam-operation", "parties": ["SingCERT"]
    }))
    .unwrap();
    let case = svc.open_case(&hub, new).await.unwrap();
    let singcert = simpul_core::ShortName::parse("SingCERT").unwrap();
    for to in ["acknowledged", "not-affected"] {
        svc.step_party(&member, case.id, &singcert, step(to))
            .await
            .unwrap();
    }
    let entry: NewEntry =
        serde_json::from_value(json!({"kind": "comment", "text": "held", "release": false}))
            .unwrap();
    let entry = svc
        .add_case_entry(&hub, case.id, entry, None)
        .await
        .unwrap();
    let file: NewEntry = serde_json::from_value(json!({
        "kind": "attachment", "filename": "headers.txt", "media_type": "text/plain", "size": 5
    }))
    .unwrap();
    let attachment = svc
        .add_case_entry(&hub, case.id, file, Some(b"hello".to_vec()))
        .await
        .unwrap();
    let task = svc
        .case_tasks(&hub, case.id)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.task.owner_org == case.owner_org)
        .unwrap()
        .task
        .id;
    ContractCase {
        case: case.id.to_string(),
        entry: entry.id.to_string(),
        attachment: attachment.id.to_string(),
        task: task.to_string(),
    }
}

fn open_body(extra: Value) -> Value {
    let mut b = json!({
        "title": "Scam call centre in Johor", "summary": "Victims in ID and MY",
        "severity": 3, "tlp": "amber", "category": "scam-operation",
        "template": "scam-operation", "parties": ["MyCERT"]
    });
    for (k, v) in extra.as_object().unwrap() {
        b[k] = v.clone();
    }
    b
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_case_is_worked_by_its_parties_over_rest() {
    story(TestDb::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: SIMPUL_TEST_POSTGRES"]
async fn a_case_is_worked_on_postgres() {
    story(TestDb::postgres().await).await;
}

async fn story(db: TestDb) {
    let w = RequestWorld::new(db).await;
    let (status, text) = w
        .call(
            Some("req"),
            Method::POST,
            "/api/v1/cases",
            Some(&open_body(json!({}))),
        )
        .await;
    assert_eq!(status, 201, "{text}");
    let case = parse(&text);
    let id = case["id"].as_str().unwrap().to_owned();
    let base = format!("/api/v1/cases/{id}");
    assert_eq!(case["parties"][0]["status"], json!("invited"));
    // The template made tasks for both sides.
    let (status, text) = w
        .call(Some("req"), Method::GET, &format!("{base}/tasks"), None)
        .await;
    assert_eq!(status, 200, "{text}");
    let tasks = parse(&text);
    assert!(!tasks["tasks"].as_array().unwrap().is_empty(), "{tasks}");

    // The party's steps: out of order is 409 with the allowed ones.
    let status_path = format!("{base}/parties/MyCERT/status");
    let (status, text) = w
        .call(
            Some("tgt"),
            Method::POST,
            &status_path,
            Some(&json!({"to": "resolved"})),
        )
        .await;
    assert_eq!(status, 409, "{text}");
    assert_eq!(parse(&text)["allowed"], json!(["acknowledged"]));
    insta::assert_json_snapshot!("case_step_refused", problem(&text));
    // The owner does not step for the party; an unknown status names the field.
    let (status, _) = w
        .call(
            Some("req"),
            Method::POST,
            &status_path,
            Some(&json!({"to": "acknowledged"})),
        )
        .await;
    assert_eq!(status, 409);
    let (status, text) = w
        .call(
            Some("tgt"),
            Method::POST,
            &status_path,
            Some(&json!({"to": "bored"})),
        )
        .await;
    assert_eq!(status, 400, "{text}");
    for to in ["acknowledged", "investigating"] {
        let (status, text) = w
            .call(
                Some("tgt"),
                Method::POST,
                &status_path,
                Some(&json!({ "to": to })),
            )
            .await;
        assert_eq!(status, 200, "{text}");
    }

    // A party's entry stays with it until released: absent from the owner's timeline and count.
    let (status, text) = w
        .call(
            Some("tgt"),
            Method::POST,
            &format!("{base}/timeline"),
            Some(&json!({"kind": "comment", "text": "The mule account is at our bank"})),
        )
        .await;
    assert_eq!(status, 201, "{text}");
    let held = parse(&text)["id"].as_str().unwrap().to_owned();
    let owner_sees = |text: &str| text.contains("The mule account is at our bank");
    let (_, text) = w
        .call(Some("req"), Method::GET, &format!("{base}/timeline"), None)
        .await;
    assert!(!owner_sees(&text), "{text}");
    let (_, text) = w.call(Some("req"), Method::GET, &base, None).await;
    let before = parse(&text)["entries"].as_u64().unwrap();
    // Only its author releases it.
    let release = format!("{base}/timeline/{held}/release");
    let (status, _) = w
        .call(Some("req"), Method::POST, &release, Some(&json!({})))
        .await;
    assert!(status == 403 || status == 404 || status == 409, "{status}");
    let (status, text) = w
        .call(Some("tgt"), Method::POST, &release, Some(&json!({})))
        .await;
    assert_eq!(status, 200, "{text}");
    let (_, text) = w
        .call(Some("req"), Method::GET, &format!("{base}/timeline"), None)
        .await;
    assert!(owner_sees(&text), "{text}");
    let (_, text) = w.call(Some("req"), Method::GET, &base, None).await;
    assert_eq!(parse(&text)["entries"].as_u64().unwrap(), before + 1);

    // An attachment as base64, answered as the same bytes; one over the configured
    // bound (5 MiB by default) is 413 at /size.
    let (status, text) = w
        .call(
            Some("req"),
            Method::POST,
            &format!("{base}/timeline"),
            Some(&json!({
                "kind": "attachment", "filename": "call \"log\".txt", "media_type": "text/plain",
                "size": 11, "content": "aGVsbG8gd29ybGQ="
            })),
        )
        .await;
    assert_eq!(status, 201, "{text}");
    let file = parse(&text)["id"].as_str().unwrap().to_owned();
    let res = crate::helpers::call(
        &w.app,
        Method::GET,
        &format!("{base}/timeline/{file}/attachment"),
        Some(w.token("tgt")),
        None,
    )
    .await;
    assert_eq!(res.status(), 200);
    let disposition = res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(!disposition.contains("\"log\""), "{disposition}");
    assert_eq!(res.bytes().await.unwrap().as_ref(), b"hello world");
    let (status, text) = w
        .call(
            Some("req"),
            Method::POST,
            &format!("{base}/timeline"),
            Some(&json!({
                "kind": "attachment", "filename": "big.bin", "media_type": "application/octet-stream",
                "size": 6_000_000u64, "content": "A".repeat(8_000_000)
            })),
        )
        .await;
    assert_eq!(status, 413, "{text}");
    insta::assert_json_snapshot!("case_attachment_too_large", problem(&text));
    let (status, text) = w
        .call(
            Some("req"),
            Method::POST,
            &format!("{base}/timeline"),
            Some(
                &json!({"kind": "attachment", "filename": "x", "media_type": "text/plain",
                         "size": 1, "content": "%%%"}),
            ),
        )
        .await;
    assert_eq!(status, 400, "{text}");
    assert_eq!(parse(&text)["errors"][0]["pointer"], json!("/content"));

    // Others: the third member and the partner see nothing of it, as of an unknown case.
    for who in ["third", "partner"] {
        for path in [
            base.clone(),
            format!("{base}/timeline"),
            format!("{base}/tasks"),
        ] {
            let (status, _) = w.call(Some(who), Method::GET, &path, None).await;
            assert_eq!(status, 404, "{who} {path}");
        }
        let (_, text) = w.call(Some(who), Method::GET, "/api/v1/cases", None).await;
        assert_eq!(parse(&text)["cases"], json!([]));
    }

    // Editing: the owner's; to RED is refused; closing fixes the summary.
    let (status, _) = w
        .call(
            Some("tgt"),
            Method::PATCH,
            &base,
            Some(&json!({"severity": 4})),
        )
        .await;
    assert!(status == 403 || status == 404, "{status}");
    let (status, text) = w
        .call(
            Some("req"),
            Method::PATCH,
            &base,
            Some(&json!({"tlp": "red"})),
        )
        .await;
    assert_eq!(status, 400, "{text}");
    assert_eq!(parse(&text)["errors"][0]["pointer"], json!("/tlp"));
    let (status, text) = w
        .call(
            Some("req"),
            Method::PATCH,
            &base,
            Some(&json!({"severity": 4, "pap": "green"})),
        )
        .await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(parse(&text)["severity"], json!(4));
    let (status, text) = w
        .call(
            Some("req"),
            Method::PATCH,
            &base,
            Some(&json!({"close": true})),
        )
        .await;
    assert_eq!(status, 200, "{text}");
    assert!(parse(&text)["closed_at"].is_string());
    let (status, text) = w
        .call(Some("req"), Method::GET, &format!("{base}/summary"), None)
        .await;
    assert_eq!(status, 200, "{text}");
    w.app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_cases_are_problems_and_pages_walk_each_case_once() {
    let w = RequestWorld::new(TestDb::sqlite()).await;
    for (name, b) in [
        ("case_no_title", open_body(json!({"title": ""}))),
        ("case_bad_severity", open_body(json!({"severity": 9}))),
        (
            "case_unknown_party",
            open_body(json!({"parties": ["NoSuchCERT"]})),
        ),
        (
            "case_bad_category",
            open_body(json!({"category": "gossip"})),
        ),
    ] {
        let (status, text) = w
            .call(Some("req"), Method::POST, "/api/v1/cases", Some(&b))
            .await;
        assert_eq!(status, 400, "{name}: {text}");
        insta::assert_json_snapshot!(name, problem(&text));
    }
    let (status, _) = w
        .call(
            Some("tgt_ro"),
            Method::POST,
            "/api/v1/cases",
            Some(&open_body(json!({}))),
        )
        .await;
    assert_eq!(status, 403);
    let mut made = Vec::new();
    for i in 0..5 {
        let (status, text) = w
            .call(
                Some("req"),
                Method::POST,
                "/api/v1/cases",
                Some(&open_body(json!({ "title": format!("Case {i}") }))),
            )
            .await;
        assert_eq!(status, 201, "{text}");
        made.push(parse(&text)["id"].as_str().unwrap().to_owned());
        w.clock.advance(time::Duration::seconds(1));
    }
    made.reverse();
    let mut seen = Vec::new();
    let mut path = "/api/v1/cases?limit=2".to_owned();
    loop {
        let (status, text) = w.call(Some("req"), Method::GET, &path, None).await;
        assert_eq!(status, 200, "{text}");
        let v = parse(&text);
        for c in v["cases"].as_array().unwrap() {
            seen.push(c["id"].as_str().unwrap().to_owned());
        }
        match v["next"].as_str() {
            Some(c) => path = format!("/api/v1/cases?limit=2&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen, made);
    for q in ["limit=0", "cursor=nonsense"] {
        let (status, _) = w
            .call(
                Some("req"),
                Method::GET,
                &format!("/api/v1/cases?{q}"),
                None,
            )
            .await;
        assert_eq!(status, 400, "{q}");
    }
    // Inviting: an unknown organisation names the field; the party is invited once.
    let base = format!("/api/v1/cases/{}", made[0]);
    let (status, text) = w
        .call(
            Some("req"),
            Method::POST,
            &format!("{base}/parties"),
            Some(&json!({"org": "NoSuchCERT"})),
        )
        .await;
    assert_eq!(status, 400, "{text}");
    assert_eq!(parse(&text)["errors"][0]["pointer"], json!("/org"));
    let (status, text) = w
        .call(
            Some("req"),
            Method::POST,
            &format!("{base}/parties"),
            Some(&json!({"org": "ThaiCERT"})),
        )
        .await;
    assert_eq!(status, 201, "{text}");
    let (status, _) = w
        .call(
            Some("req"),
            Method::POST,
            &format!("{base}/parties"),
            Some(&json!({"org": "ThaiCERT"})),
        )
        .await;
    assert_eq!(status, 409);
    // The invited party now lists it.
    let (_, text) = w
        .call(Some("third"), Method::GET, "/api/v1/cases", None)
        .await;
    assert_eq!(parse(&text)["cases"].as_array().unwrap().len(), 1);
    w.app.shutdown().await;
}
