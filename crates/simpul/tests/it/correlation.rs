//! Correlation over HTTP: `/objects/{id}/correlations` and `/observables/{type}/{value}` list, to
//! each reader, exactly the latest versions they may see that share a canonical observable (never
//! one they may not see, never a superseded version), with their producers, countries and the
//! summary line — on SQLite and on PostgreSQL. The world is `sightings.rs`'s.

use serde_json::{Value, json};
use simpul_core::intel::Tlp;

use crate::helpers::TestDb;
use crate::sightings::{Readers, get, setup, share};
use crate::world::{World, world_on};

/// An indicator of `domains` (OR), at `modified`, marked `tlp`.
fn indicator(id: &str, tlp: Tlp, domains: &[&str], modified: &str) -> Value {
    let pattern: Vec<String> = domains
        .iter()
        .map(|d| format!("[domain-name:value = '{d}']"))
        .collect();
    json!({
        "type": "indicator",
        "spec_version": "2.1",
        "id": id,
        "created": "2026-01-01T00:00:00.000Z",
        "modified": modified,
        "name": "Correlated",
        "pattern_type": "stix",
        "pattern": pattern.join(" OR "),
        "valid_from": "2026-01-01T00:00:00.000Z",
        "object_marking_refs": [tlp.marking_id()],
    })
}

/// A reader, the correlations of A they see (`None`: A is not visible to them), those of E, and
/// what they find by value.
type Case = (&'static str, Option<Vec<String>>, Vec<String>, Vec<String>);

fn id(n: u32) -> String {
    format!("indicator--c0771000-0000-4000-8000-{n:012}")
}

/// Percent-encodes everything but unreserved characters (a path segment).
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The ids of a report list, sorted, and checks on each item: it shares exactly `key`.
fn ids(list: &Value, key: &str) -> Vec<String> {
    let mut v: Vec<String> = list["objects"]
        .as_array()
        .unwrap_or_else(|| panic!("{list}"))
        .iter()
        .map(|o| {
            assert_eq!(o["shared"], json!([key]), "{o}");
            assert!(o["producer"]["short_name"].is_string());
            o["object"]["id"].as_str().unwrap().to_owned()
        })
        .collect();
    v.sort();
    v
}

fn names(list: &Value) -> Vec<String> {
    list["organisations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            format!(
                "{} {}",
                o["short_name"].as_str().unwrap(),
                o["country"].as_str().unwrap_or("-")
            )
        })
        .collect()
}

async fn correlation(w: World) {
    let r: Readers = setup(&w).await;
    let key = "domain|corr.example";
    let t = "2026-01-01T00:00:00.000Z";
    let (a, b, c, d, e, f) = (id(1), id(2), id(3), id(4), id(5), id(6));
    // A: the producer's, GREEN, to the community.
    share(
        &w,
        r.token("producer"),
        &r.community,
        &indicator(&a, Tlp::Green, &["corr.example", "a.example"], t),
        "",
    )
    .await;
    // B: MyCERT's, whose new version no longer has the domain: never a correlation.
    share(
        &w,
        r.token("member"),
        &r.community,
        &indicator(&b, Tlp::Amber, &["corr.example"], t),
        "",
    )
    .await;
    share(
        &w,
        r.token("member"),
        &r.community,
        &indicator(&b, Tlp::Amber, &["b.example"], "2026-02-01T00:00:00.000Z"),
        "",
    )
    .await;
    // C: ThaiCERT's, GREEN but named to the outsider's named user only.
    share(
        &w,
        r.token("third"),
        &r.community,
        &indicator(&c, Tlp::Green, &["corr.example"], t),
        "named@outsider.example",
    )
    .await;
    // D: the outsider's, in their own organisation's collection.
    share(
        &w,
        r.token("outsider"),
        &r.outsiders,
        &indicator(&d, Tlp::Amber, &["corr.example"], t),
        "",
    )
    .await;
    // E: the producer's, CLEAR, the domain written otherwise (the same canonical key).
    share(
        &w,
        r.token("producer"),
        &r.community,
        &indicator(&e, Tlp::Clear, &["CORR.Example."], t),
        "",
    )
    .await;
    // F: MyCERT's, GREEN.
    share(
        &w,
        r.token("member"),
        &r.community,
        &indicator(&f, Tlp::Green, &["corr.example"], t),
        "",
    )
    .await;

    let sorted = |v: &[&String]| {
        let mut v: Vec<String> = v.iter().map(|s| (*s).clone()).collect();
        v.sort();
        v
    };
    // (reader, correlations of A (None: A not visible), of E, by value), with the organisations.
    let cases: Vec<Case> = vec![
        (
            "producer",
            Some(sorted(&[&e, &f])),
            sorted(&[&a, &f]),
            sorted(&[&a, &e, &f]),
        ),
        (
            "member",
            Some(sorted(&[&e, &f])),
            sorted(&[&a, &f]),
            sorted(&[&a, &e, &f]),
        ),
        (
            "third",
            Some(sorted(&[&c, &e, &f])),
            sorted(&[&a, &c, &f]),
            sorted(&[&a, &c, &e, &f]),
        ),
        ("outsider", None, sorted(&[&d]), sorted(&[&d, &e])),
        ("named", None, sorted(&[&c, &d]), sorted(&[&c, &d, &e])),
        ("site-admin", None, vec![], sorted(&[&e])),
    ];
    for (reader, of_a, of_e, by_value) in cases {
        let tk = r.token(reader);
        let (status, list) = get(&w, tk, &format!("/api/v1/objects/{a}/correlations")).await;
        match &of_a {
            None => {
                assert_eq!(
                    status, 404,
                    "correlations of an object {reader} may not see: {list}"
                );
                assert_eq!(list["code"], "not_found");
            }
            Some(want) => {
                assert_eq!(status, 200, "{list}");
                assert_eq!(&ids(&list, key), want, "correlations of A as {reader}");
                assert_eq!(list["total"], want.len());
                let mut keys = vec!["domain|a.example", key];
                keys.sort_unstable();
                assert_eq!(list["observables"], json!(keys));
            }
        }
        let (status, list) = get(&w, tk, &format!("/api/v1/objects/{e}/correlations")).await;
        assert_eq!(status, 200, "{list}");
        assert_eq!(ids(&list, key), of_e, "correlations of E as {reader}");
        assert_eq!(list["total"], of_e.len());
        let (status, list) = get(
            &w,
            tk,
            &format!("/api/v1/observables/domain/{}", encode("Corr.Example.")),
        )
        .await;
        assert_eq!(status, 200, "{list}");
        assert_eq!(ids(&list, key), by_value, "by value as {reader}");
        assert_eq!(list["observables"], json!([key]));
        // The organisations are those of what is listed: no more.
        let mut orgs: Vec<String> = list["objects"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| {
                format!(
                    "{} {}",
                    o["producer"]["short_name"].as_str().unwrap(),
                    o["producer"]["country"].as_str().unwrap_or("-")
                )
            })
            .collect();
        orgs.sort();
        orgs.dedup();
        assert_eq!(names(&list), orgs, "organisations as {reader}");
        // Pages of one add up to the same, in the same order.
        let (_, whole) = get(&w, tk, "/api/v1/observables/domain/corr.example?limit=1000").await;
        let mut paged = Vec::new();
        let mut next: Option<String> = None;
        loop {
            let path = match &next {
                Some(n) => format!("/api/v1/observables/domain/corr.example?limit=1&next={n}"),
                None => "/api/v1/observables/domain/corr.example?limit=1".into(),
            };
            let (_, page) = get(&w, tk, &path).await;
            assert_eq!(page["total"], by_value.len());
            paged.extend(
                page["objects"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|o| o["object"]["id"].clone()),
            );
            match page["next"].as_str() {
                Some(n) => next = Some(n.to_owned()),
                None => break,
            }
        }
        let whole: Vec<Value> = whole["objects"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["object"]["id"].clone())
            .collect();
        assert_eq!(paged, whole, "pages as {reader}");
    }

    // The summary lines name the other organisations, with their countries.
    let summary = |reader: &'static str, path: String| {
        let tk = r.token(reader).to_owned();
        let w = &w;
        async move {
            get(w, &tk, &path).await.1["summary"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    assert_eq!(
        summary("third", format!("/api/v1/objects/{a}/correlations")).await,
        "also reported by MyCERT (MY), ThaiCERT (TH)"
    );
    assert_eq!(
        summary("producer", format!("/api/v1/objects/{a}/correlations")).await,
        "also reported by MyCERT (MY)"
    );
    assert_eq!(
        summary("site-admin", format!("/api/v1/objects/{e}/correlations")).await,
        "not reported by any other organisation"
    );
    assert_eq!(
        summary("named", "/api/v1/observables/domain/corr.example".into()).await,
        "reported by Outsider (PH), SingCERT (SG), ThaiCERT (TH)"
    );
    assert_eq!(
        summary(
            "site-admin",
            "/api/v1/observables/domain/nothing.example".into()
        )
        .await,
        "not reported in anything you may see"
    );

    // A phone number in national form, read in the reader's country: SingCERT's 6123 4567 is
    // +65 6123 4567; MyCERT reads the same digits as a Malaysian number, which this is not.
    let p = id(7);
    let phone = json!({
        "type": "indicator", "spec_version": "2.1", "id": p,
        "created": t, "modified": t, "pattern_type": "stix",
        "pattern": "[phone-number:value = '+65 6123 4567']",
        "valid_from": t, "object_marking_refs": [Tlp::Clear.marking_id()],
    });
    share(&w, r.token("producer"), &r.community, &phone, "").await;
    let path = format!("/api/v1/observables/phone/{}", encode("6123 4567"));
    let (status, list) = get(&w, r.token("producer"), &path).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["observables"], json!(["phone|+6561234567"]));
    assert_eq!(ids(&list, "phone|+6561234567"), vec![p.clone()]);
    let (status, list) = get(&w, r.token("member"), &path).await;
    assert_eq!(status, 400, "not a Malaysian number: {list}");
    assert_eq!(list["errors"][0]["pointer"], "/value");
    // An object that yields no observable correlates with nothing (not with everything).
    let (_, s) = crate::sightings::post(
        &w,
        r.token("member"),
        &format!("/api/v1/objects/{p}/sightings"),
        &json!({}),
    )
    .await;
    let sighting = s["object"]["id"].as_str().unwrap().to_owned();
    let (status, list) = get(
        &w,
        r.token("member"),
        &format!("/api/v1/objects/{sighting}/correlations"),
    )
    .await;
    assert_eq!(
        (status, &list["objects"], &list["total"]),
        (200, &json!([]), &json!(0)),
        "{list}"
    );

    // Bad input names the parameter.
    for (path, pointer) in [
        ("/api/v1/observables/nope/x".to_owned(), "/type"),
        ("/api/v1/observables/ipv4/999.1.2.3".to_owned(), "/value"),
        (
            format!("/api/v1/observables/domain/{}", encode("a b")),
            "/value",
        ),
        (
            "/api/v1/observables/domain/x.example?limit=0".to_owned(),
            "limit",
        ),
        (
            format!("/api/v1/objects/{a}/correlations?next=nope"),
            "next",
        ),
    ] {
        let (status, e) = get(&w, r.token("producer"), &path).await;
        assert_eq!(status, 400, "{path}: {e}");
        assert_eq!(e["errors"][0]["pointer"], pointer, "{path}: {e}");
    }
    let (status, _) = get(
        &w,
        r.token("producer"),
        "/api/v1/objects/indicator--c0771000-0000-4000-8000-0000000000ff/correlations",
    )
    .await;
    assert_eq!(status, 404);
    w.app.shutdown().await;
}

#[tokio::test]
async fn correlations_show_only_what_each_reader_may_see_sqlite() {
    correlation(world_on(TestDb::sqlite()).await).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set SIMPUL_TEST_POSTGRES (the PostgreSQL leg of .ci/run does)"]
async fn correlations_show_only_what_each_reader_may_see_postgres() {
    correlation(world_on(TestDb::postgres().await).await).await;
}
