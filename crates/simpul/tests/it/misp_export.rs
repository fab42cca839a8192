//! MISP out, on SQLite and PostgreSQL: a MISP event imported over REST comes back from
//! `GET /api/v1/export/misp` with its uuids, types, categories, values, to_ids, tags, objects
//! (attributes and references) and timestamps; a STIX indicator in no report is in the
//! collection's synthetic event with the MISP type of its value; the feed
//! (`/feeds/misp/{collection}/…`) lists exactly the events a reader sees, each event file as the
//! reader sees it, and `hashes.csv` is the MD5 of every value of those files. An event whose
//! report names recipients is not an event for other readers: the attributes they may see of it
//! are in the synthetic event. Outside the audience every file is 404 (snapshot of the body).
//! PyMISP loading all this is the `.ci/legs/65-misp.sh` leg.

use std::collections::BTreeSet;

use serde_json::{Value, json};
use simpul_core::intel::Tlp;
use simpul_core::misp::from_stix::synthetic_uuid;
use simpul_core::misp::write::md5_hex;

use crate::helpers::TestDb;
use crate::misp::{import_as, sing_my_collection};
use crate::world::{World, indicator, operator, token, world_on};

const A: &str = "6a1e0000-0000-4000-8000-000000000001";
const B: &str = "6a1e0000-0000-4000-8000-000000000002";

fn u(n: u32) -> String {
    format!("6a1e0000-0000-4000-8000-{n:012}")
}

fn attribute(n: u32, kind: &str, value: &str, to_ids: bool, tags: &[&str]) -> Value {
    let tags: Vec<Value> = tags.iter().map(|t| json!({"name": t})).collect();
    json!({"uuid": u(n), "type": kind, "value": value, "to_ids": to_ids,
           "category": if kind == "phone-number" { "Person" } else { "Network activity" },
           "timestamp": (1_795_700_000 + n).to_string(), "Tag": tags})
}

/// Event A: GREEN, PAP:AMBER and a label; attributes of every mapping kind, one with its own
/// TLP and tag; a bank-account object referring to an attribute.
fn event_a() -> Value {
    json!({"Event": {
        "uuid": A, "info": "Bank impersonation wave", "date": "2026-11-26",
        "timestamp": "1795701000", "distribution": "1", "threat_level_id": "2", "analysis": "1",
        "Orgc": {"name": "SingCERT", "uuid": u(900)},
        "Tag": [{"name": "tlp:green"}, {"name": "PAP:AMBER"}, {"name": "scam:bank"}],
        "Attribute": [
            attribute(11, "domain", "misp-scam.example", true, &["kill-chain:delivery"]),
            attribute(12, "phone-number", "+6591234567", false, &[]),
            attribute(13, "ip-src", "198.51.100.7", true, &["tlp:amber"]),
            attribute(14, "regkey", "HKLM\\Software\\Scam", true, &[]),
            {"uuid": u(15), "type": "text", "category": "Other", "value": "Seen by SMS",
             "to_ids": false, "timestamp": "1795700015"},
            {"uuid": u(16), "type": "domain", "category": "Network activity",
             "value": "expired.example", "to_ids": true, "timestamp": "1795700016",
             "first_seen": "2019-01-01T00:00:00Z", "last_seen": "2020-01-01T00:00:00Z"},
        ],
        "Object": [{"uuid": u(20), "name": "bank-account", "meta-category": "financial",
            "timestamp": "1795700020",
            "Attribute": [
                {"uuid": u(21), "type": "iban", "object_relation": "iban", "category": "Financial fraud",
                 "value": "CH9300762011623852957", "to_ids": true, "timestamp": "1795700021",
                 "Tag": [{"name": "mule"}]},
                {"uuid": u(22), "type": "text", "object_relation": "account-name",
                 "category": "Financial fraud", "value": "J. Mule", "to_ids": false,
                 "timestamp": "1795700022"}],
            "ObjectReference": [{"uuid": u(25), "object_uuid": u(20), "referenced_uuid": u(11),
                "relationship_type": "related-to", "timestamp": "1795700020"}]}],
    }})
}

/// Event B: one GREEN domain; its report gets named recipients later.
fn event_b() -> Value {
    json!({"Event": {
        "uuid": B, "info": "Named-only report", "date": "2026-11-27", "timestamp": "1795702000",
        "distribution": "1", "Tag": [{"name": "tlp:green"}],
        "Attribute": [attribute(31, "domain", "named-only.example", true, &[])],
    }})
}

async fn get(w: &World, token: &str, path: &str) -> (u16, String, String) {
    let res = w
        .app
        .client
        .get(w.app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let media = res.headers()["content-type"].to_str().unwrap().to_owned();
    (status, media, res.text().await.unwrap())
}

pub(crate) fn tags(x: &Value) -> Vec<&str> {
    let mut t: Vec<&str> = x["Tag"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    t.sort_unstable();
    t
}

fn by_uuid<'v>(list: &'v Value, uuid: &str) -> &'v Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|x| x["uuid"] == uuid)
        .unwrap_or_else(|| panic!("{uuid} missing in {list}"))
}

fn check_event_a(e: &Value) {
    assert_eq!(e["info"], "Bank impersonation wave");
    assert_eq!(tags(e), ["PAP:AMBER", "scam:bank", "tlp:green"]);
    assert_eq!(e["date"], "2026-11-26");
    assert_eq!(e["timestamp"], "1795701000");
    assert_eq!(
        (&e["threat_level_id"], &e["analysis"]),
        (&json!("2"), &json!("1"))
    );
    assert_eq!(e["Orgc"], json!({"name": "SingCERT", "uuid": u(900)}));
    let attrs = &e["Attribute"];
    assert_eq!(attrs.as_array().unwrap().len(), 6, "{attrs}");
    for (n, kind, value, to_ids, want_tags) in [
        (
            11,
            "domain",
            "misp-scam.example",
            true,
            vec!["kill-chain:delivery"],
        ),
        (12, "phone-number", "+6591234567", false, vec![]),
        (13, "ip-src", "198.51.100.7", true, vec!["tlp:amber"]),
        // The value as MISP wrote it, not the STIX form (HKEY_LOCAL_MACHINE).
        (14, "regkey", "HKLM\\Software\\Scam", true, vec![]),
        (15, "text", "Seen by SMS", false, vec![]),
        // No longer valid (last_seen is valid_until): kept, but not for detection.
        (16, "domain", "expired.example", false, vec![]),
    ] {
        let a = by_uuid(attrs, &u(n));
        assert_eq!(
            (&a["type"], &a["value"], &a["to_ids"]),
            (&json!(kind), &json!(value), &json!(to_ids)),
            "{a}"
        );
        assert_eq!(tags(a), want_tags, "{a}");
        assert_eq!(a["timestamp"], (1_795_700_000 + n).to_string(), "{a}");
    }
    assert_eq!(by_uuid(attrs, &u(12))["category"], "Person");
    let o = by_uuid(&e["Object"], &u(20));
    assert_eq!(
        (&o["name"], &o["timestamp"]),
        (&json!("bank-account"), &json!("1795700020"))
    );
    assert_eq!(o["meta-category"], "financial");
    let iban = by_uuid(&o["Attribute"], &u(21));
    assert_eq!(
        (&iban["object_relation"], &iban["value"], &iban["to_ids"]),
        (
            &json!("iban"),
            &json!("CH9300762011623852957"),
            &json!(true)
        )
    );
    assert_eq!(tags(iban), ["mule"]);
    assert_eq!(by_uuid(&o["Attribute"], &u(22))["value"], "J. Mule");
    assert_eq!(
        o["ObjectReference"],
        json!([{"uuid": u(25), "object_uuid": u(20), "referenced_uuid": u(11),
                "relationship_type": "related-to", "timestamp": "1795700020"}])
    );
}

/// The hashes.csv lines of event files: `md5(value),uuid` per attribute value.
fn hash_lines(events: &[Value]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for e in events {
        let e = &e["Event"];
        let uuid = e["uuid"].as_str().unwrap();
        let attrs = e["Attribute"].as_array().cloned().unwrap_or_default();
        let objs = e["Object"].as_array().cloned().unwrap_or_default();
        let inner = objs
            .iter()
            .flat_map(|o| o["Attribute"].as_array().cloned().unwrap_or_default());
        for a in attrs.into_iter().chain(inner) {
            out.insert(format!("{},{uuid}", md5_hex(a["value"].as_str().unwrap())));
        }
    }
    out
}

async fn story(w: World) {
    let op = operator();
    let c = sing_my_collection(&w, "MISP out").await;
    let analyst = &w.tokens[2].1;
    for e in [event_a(), event_b()] {
        let job = import_as(&w, analyst, &c.0.to_string(), e.to_string().into_bytes()).await;
        assert_eq!(
            (&job["state"], &job["failed"]),
            (&json!("succeeded"), &json!(0)),
            "{job}"
        );
    }
    // A STIX indicator in no report.
    let stix = "indicator--6a1e0000-0000-4000-8000-000000000099";
    // Recent (the world's clock is 2026-11-28), so it has not decayed.
    let mut body = indicator(
        stix,
        Some(Tlp::Green),
        "stix-only.example",
        "2026-11-20T00:00:00.000Z",
    );
    body["valid_from"] = json!("2026-11-20T00:00:00.000Z");
    let me = w.service.act_as(&op, "an@own.example").await.unwrap();
    let r = w
        .service
        .share(&me, c, body.to_string().as_bytes(), &[])
        .await
        .unwrap();
    assert_eq!(r.stored, [stix]);
    // A STIX report of another STIX indicator: an event of its own.
    let stix2 = "indicator--6a1e0000-0000-4000-8000-000000000098";
    let report = "report--6a1e0000-0000-4000-8000-000000000097";
    let mut ind2 = indicator(stix2, Some(Tlp::Green), "x", "2026-11-20T00:00:00.000Z");
    ind2["pattern"] = json!("[ipv4-addr:value = '198.51.100.0/24']");
    ind2["valid_from"] = json!("2026-11-20T00:00:00.000Z");
    let rep = json!({"type": "report", "spec_version": "2.1", "id": report,
        "created": "2026-11-21T00:00:00.000Z", "modified": "2026-11-21T00:00:00.000Z",
        "name": "A STIX report", "published": "2026-11-21T00:00:00.000Z",
        "object_refs": [stix2], "labels": ["stix-made"],
        "object_marking_refs": [Tlp::Green.marking_id()]});
    let r = w
        .service
        .share(&me, c, json!([ind2, rep]).to_string().as_bytes(), &[])
        .await
        .unwrap();
    assert_eq!(r.stored.len(), 2, "{r:?}");
    let stix_event = "6a1e0000-0000-4000-8000-000000000097";
    let synthetic = synthetic_uuid(c).to_string();

    // The producer's export: A, B, and the synthetic event with the STIX indicator.
    let (status, _, text) = get(
        &w,
        analyst,
        &format!("/api/v1/export/misp?collection={}", c.0),
    )
    .await;
    assert_eq!(status, 200, "{text}");
    let events: Vec<Value> = serde_json::from_str(&text).unwrap();
    let uuids: BTreeSet<&str> = events
        .iter()
        .map(|e| e["Event"]["uuid"].as_str().unwrap())
        .collect();
    assert_eq!(
        uuids,
        BTreeSet::from([A, B, stix_event, synthetic.as_str()])
    );
    let find = |uuid: &str| events.iter().find(|e| e["Event"]["uuid"] == uuid).unwrap();
    check_event_a(&find(A)["Event"]);
    let s = &find(&synthetic)["Event"];
    let a = by_uuid(&s["Attribute"], "6a1e0000-0000-4000-8000-000000000099");
    assert_eq!(
        (&a["type"], &a["value"]),
        (&json!("domain"), &json!("stix-only.example"))
    );
    assert_eq!(
        tags(a),
        ["tlp:green"],
        "the synthetic event has no TLP of its own"
    );
    assert_eq!(s["Attribute"].as_array().unwrap().len(), 1, "{s}");
    let e = &find(stix_event)["Event"];
    assert_eq!(
        (&e["info"], &e["date"]),
        (&json!("A STIX report"), &json!("2026-11-21"))
    );
    assert_eq!(tags(e), ["stix-made", "tlp:green"]);
    let a = by_uuid(&e["Attribute"], "6a1e0000-0000-4000-8000-000000000098");
    assert_eq!(
        (&a["type"], &a["value"], &a["category"], &a["to_ids"]),
        (
            &json!("ip-dst"),
            &json!("198.51.100.0/24"),
            &json!("Network activity"),
            &json!(true)
        )
    );
    assert_eq!(tags(a), Vec::<&str>::new());

    // B's report named to SingCERT's analyst only: MyCERT sees B's domain, not its report.
    w.service
        .set_object_recipients(&me, &format!("report--{B}"), &["an@own.example".into()])
        .await
        .unwrap();
    let theirs = token(&w.service, "an@other.example", "read", None).await;
    let base = format!("/feeds/misp/{}/", c.0);
    for (who, tok, want) in [
        (
            "producer",
            analyst.as_str(),
            vec![A, B, stix_event, synthetic.as_str()],
        ),
        (
            "MyCERT",
            theirs.as_str(),
            vec![A, stix_event, synthetic.as_str()],
        ),
    ] {
        let (status, media, text) = get(&w, tok, &format!("{base}manifest.json")).await;
        assert_eq!(
            (status, media.as_str()),
            (200, "application/json"),
            "{who}: {text}"
        );
        let manifest: Value = serde_json::from_str(&text).unwrap();
        let listed: BTreeSet<&str> = manifest
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(listed, want.iter().copied().collect(), "{who}");
        let mut files = Vec::new();
        for uuid in &want {
            let (status, _, text) = get(&w, tok, &format!("{base}{uuid}.json")).await;
            assert_eq!(status, 200, "{who} {uuid}: {text}");
            let doc: Value = serde_json::from_str(&text).unwrap();
            let entry = &manifest[*uuid];
            assert_eq!(
                entry["timestamp"].to_string(),
                doc["Event"]["timestamp"].as_str().unwrap()
            );
            assert_eq!(entry["info"], doc["Event"]["info"]);
            files.push(doc);
        }
        check_event_a(&files[0]["Event"]);
        let s = &files.last().unwrap()["Event"];
        let in_synthetic: BTreeSet<&str> = s["Attribute"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["uuid"].as_str().unwrap())
            .collect();
        if who == "MyCERT" {
            // B's attribute, without B's uuid, title or tags.
            assert!(in_synthetic.contains(u(31).as_str()), "{s}");
            let (status, _, _) = get(&w, tok, &format!("{base}{B}.json")).await;
            assert_eq!(status, 404);
        } else {
            assert!(!in_synthetic.contains(u(31).as_str()), "{s}");
        }
        let (status, media, csv) = get(&w, tok, &format!("{base}hashes.csv")).await;
        assert_eq!((status, media.as_str()), (200, "text/csv; charset=utf-8"));
        let lines: BTreeSet<String> = csv.lines().map(str::to_owned).collect();
        assert_eq!(lines, hash_lines(&files), "{who}");
        assert_eq!(lines.len(), csv.lines().count(), "{who}: no line twice");
    }

    // Outside the audience (the regional CERT's site-admin administers the collection): 404,
    // exactly as for a collection that does not exist.
    let sa = &w.tokens[0].1;
    let (status, media, text) = get(&w, sa, &format!("{base}manifest.json")).await;
    assert_eq!((status, media.as_str()), (404, "application/problem+json"));
    let mut body: Value = serde_json::from_str(&text).unwrap();
    let other = uuid::Uuid::new_v4();
    let (_, _, absent) = get(&w, sa, &format!("/feeds/misp/{other}/manifest.json")).await;
    let absent: Value = serde_json::from_str(&absent).unwrap();
    let ours = body["detail"]
        .as_str()
        .unwrap()
        .replace(&c.0.to_string(), "[collection]");
    let theirs = absent["detail"]
        .as_str()
        .unwrap()
        .replace(&other.to_string(), "[collection]");
    assert_eq!(ours, theirs, "no existence leak");
    body["detail"] = json!(ours);
    insta::assert_json_snapshot!("misp_feed_not_found", body, { ".request_id" => "[request_id]" });
    w.app.shutdown().await;
}

#[tokio::test]
async fn misp_round_trip_and_feed_sqlite() {
    story(world_on(TestDb::sqlite()).await).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set SIMPUL_TEST_POSTGRES (the PostgreSQL leg of .ci/run does)"]
async fn misp_round_trip_and_feed_postgres() {
    story(world_on(TestDb::postgres().await).await).await;
}
