//! The way back, row by row: an event converted to STIX ([`super::run`]) and read back by
//! [`crate::misp::from_stix`] gives every attribute its uuid, type, category, value and to_ids,
//! objects their attributes and references, and tags beyond the event's on what carries them.

use serde_json::{Value, json};
use time::macros::datetime;

use super::{alone, attr, event, run, u};
use crate::intel::store::StoredObject;
use crate::intel::{CollectionId, Tlp};
use crate::misp::from_stix::{Head, Piece, parse, piece, reference};
use crate::org::OrgId;
use crate::user::UserId;

/// `v` as the store would hold it (TLP from its markings, else AMBER).
fn stored(v: &Value) -> StoredObject {
    let refs: Vec<&str> = v["object_marking_refs"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let at = datetime!(2026-03-01 00:00 UTC);
    StoredObject {
        collection: CollectionId(uuid::Uuid::nil()),
        stix_id: v["id"].as_str().unwrap().to_owned(),
        stix_type: v["type"].as_str().unwrap().to_owned(),
        version: at,
        date_added: at,
        spec_version: "2.1".into(),
        producer_org: OrgId(uuid::Uuid::nil()),
        producer_user: UserId(uuid::Uuid::nil()),
        tlp: Tlp::most_restrictive(refs.iter().copied()).unwrap_or(Tlp::Amber),
        pap: simpul_vocab::Pap::most_restrictive(refs.iter().copied()).map(Into::into),
        recipients: Vec::new(),
        revoked: false,
        json: v.to_string(),
    }
}

/// The event back: its head and every piece of its objects.
fn back(ev: Value) -> (Head, Vec<Piece>, Vec<(String, Value)>) {
    let out = run(ev, &alone());
    let report = stored(out.of_type("report")[0]);
    let head = Head::of_report(&report, &parse(&report).unwrap());
    let mut pieces = Vec::new();
    let mut refs = Vec::new();
    for o in &out.objects {
        let s = stored(o);
        pieces.extend(piece(&s, &parse(&s).unwrap(), &head, true));
        if o["type"] == "relationship" {
            refs.extend(reference(o));
        }
    }
    (head, pieces, refs)
}

fn attribute<'p>(pieces: &'p [Piece], uuid: &str) -> &'p serde_json::Map<String, Value> {
    pieces
        .iter()
        .find_map(|p| match p {
            Piece::Attribute(m) if m["uuid"] == uuid => Some(m),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no attribute {uuid} in {pieces:#?}"))
}

fn tag_names(m: &serde_json::Map<String, Value>) -> Vec<&str> {
    m["Tag"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect()
}

#[test]
fn every_attribute_type_comes_back_as_it_was() {
    // Not `size-in-bytes`: alone and not `to_ids`, the import makes a `file` with only a `size`,
    // which STIX refuses (a file needs `hashes` or `name`) — an import bug, not the way back's.
    let rows: &[(&str, &str)] = &[
        ("ip-dst", "198.51.100.7"),
        ("ip-src", "2001:db8::1"),
        ("ip-dst|port", "198.51.100.7|443"),
        ("domain", "scam.example"),
        ("hostname", "www.scam.example"),
        ("domain|ip", "scam.example|198.51.100.7"),
        ("url", "https://scam.example/login"),
        ("email-src", "a@scam.example"),
        ("email-subject", "Your parcel"),
        ("md5", "0123456789abcdef0123456789abcdef"),
        ("sha256", &"a".repeat(64)),
        ("filename|sha1", &format!("x.exe|{}", "b".repeat(40))),
        ("AS", "AS64496"),
        ("mac-address", "00-1A-2B-3C-4D-5E"),
        ("regkey", "HKLM\\Software\\Scam"),
        ("mutex", "Global\\scam"),
        ("user-agent", "Mozilla/5.0 scam"),
        ("btc", "1BoatSLRHtKNngkdXEeobR76b53LETtpyT"),
        (
            "xmr",
            "4AdUndXHHZ6cfufTMvppY6JwXNouMBzSkbLYfpAV5Usx3skxNgYeYTRj5UzqtReoS44qo9mtmXCqY45DJ852K5Jv2684Rge",
        ),
        ("phone-number", "+6591234567"),
        ("iban", "DE89370400440532013000"),
        ("bic", "DEUTDEFF"),
        ("bank-account-nr", "1234567890"),
        ("cc-number", "4111111111111111"),
        ("text", "free text"),
        ("vulnerability", "CVE-2026-0001"),
    ];
    for to_ids in [true, false] {
        let attrs: Vec<Value> = rows
            .iter()
            .enumerate()
            .map(|(i, (kind, value))| attr(i as u128 + 10, kind, value, to_ids))
            .collect();
        let (_, pieces, _) = back(event(json!(attrs)));
        let missing: Vec<&str> = rows
            .iter()
            .enumerate()
            .filter(|(i, _)| {
                let id = u(*i as u128 + 10).to_string();
                !pieces
                    .iter()
                    .any(|p| matches!(p, Piece::Attribute(m) if m["uuid"] == id))
            })
            .map(|(_, (k, _))| *k)
            .collect();
        assert!(missing.is_empty(), "to_ids {to_ids}: {missing:?}");
        for (i, (kind, value)) in rows.iter().enumerate() {
            let a = attribute(&pieces, &u(i as u128 + 10).to_string());
            let to_ids = to_ids && !matches!(*kind, "text" | "vulnerability");
            assert_eq!(
                (&a["type"], &a["value"], &a["to_ids"], &a["category"]),
                (
                    &json!(kind),
                    &json!(value),
                    &json!(to_ids),
                    &json!("Network activity")
                ),
                "{kind}"
            );
            assert_eq!(a["timestamp"], "1772400000", "{kind}");
        }
        assert_eq!(
            pieces
                .iter()
                .filter(|p| matches!(p, Piece::Attribute(_)))
                .count(),
            rows.len()
        );
    }
}

#[test]
fn tags_beyond_the_event_objects_and_references_come_back() {
    let mut ev = event(json!([
        attr(1, "domain", "a.example", true),
        attr(2, "domain", "b.example", true),
    ]));
    ev["Tag"] = json!([{"name": "tlp:green"}, {"name": "PAP:AMBER"}, {"name": "scam:bank"}]);
    ev["Attribute"][0]["Tag"] = json!([{"name": "tlp:amber"}, {"name": "mule"}]);
    ev["Object"] = json!([{"uuid": u(20).to_string(), "name": "bank-account",
        "meta-category": "financial", "timestamp": "1772400100",
        "Attribute": [
            {"uuid": u(21).to_string(), "type": "iban", "object_relation": "iban",
             "category": "Financial fraud", "value": "DE89370400440532013000", "to_ids": true,
             "timestamp": "1772400100", "Tag": [{"name": "kind:mule"}]},
            {"uuid": u(22).to_string(), "type": "text", "object_relation": "account-name",
             "value": "J. Mule", "to_ids": false, "timestamp": "1772400100"}],
        "ObjectReference": [{"uuid": u(25).to_string(), "object_uuid": u(20).to_string(),
            "referenced_uuid": u(2).to_string(), "relationship_type": "related-to"}]}]);
    let (head, pieces, refs) = back(ev);
    assert_eq!(head.uuid, super::EVENT);
    assert_eq!(head.tags(), ["tlp:green", "PAP:AMBER", "scam:bank"]);
    assert_eq!(
        tag_names(attribute(&pieces, &u(1).to_string())),
        ["tlp:amber", "mule"]
    );
    assert!(tag_names(attribute(&pieces, &u(2).to_string())).is_empty());
    let Some(Piece::Object(o)) = pieces.iter().find(|p| matches!(p, Piece::Object(_))) else {
        panic!("no object in {pieces:#?}");
    };
    assert_eq!(
        (&o["uuid"], &o["name"]),
        (&json!(u(20).to_string()), &json!("bank-account"))
    );
    assert_eq!(o["meta-category"], "financial");
    let attrs = o["Attribute"].as_array().unwrap();
    assert_eq!(attrs.len(), 2);
    assert_eq!(
        (
            &attrs[0]["uuid"],
            &attrs[0]["object_relation"],
            &attrs[0]["to_ids"]
        ),
        (&json!(u(21).to_string()), &json!("iban"), &json!(true))
    );
    assert_eq!(attrs[0]["Tag"], json!([{"name": "kind:mule"}]));
    assert_eq!(attrs[1]["value"], "J. Mule");
    let (source, r) = &refs[0];
    assert_eq!(source, &format!("indicator--{}", u(20)));
    assert_eq!(
        (&r["uuid"], &r["referenced_uuid"], &r["relationship_type"]),
        (
            &json!(u(25).to_string()),
            &json!(u(2).to_string()),
            &json!("related-to")
        )
    );
}

#[test]
fn an_indicator_not_for_detection_keeps_its_value_without_to_ids() {
    let (head, _, _) = back(event(json!([attr(1, "domain", "a.example", true)])));
    let out = run(
        event(json!([attr(1, "domain", "a.example", true)])),
        &alone(),
    );
    let ind = stored(out.get(&format!("indicator--{}", u(1))));
    let p = piece(&ind, &parse(&ind).unwrap(), &head, false);
    let [Piece::Attribute(a)] = p.as_slice() else {
        panic!("{p:#?}");
    };
    assert_eq!(
        (&a["value"], &a["to_ids"]),
        (&json!("a.example"), &json!(false))
    );
}
