//! The conversion's tests: the mapping table row by row ([`rows`]), tags, galaxies, sightings,
//! references, distribution and versions; every object converted validates.
#![allow(clippy::unwrap_used, clippy::panic)]

use serde_json::{Value, json};
use uuid::Uuid;

use super::distribution::{OrgName, Target};
use super::model::Event;
use super::to_stix::{Emit, convert};
use crate::intel::ingest::stix_validate_options;
use crate::intel::observables::keys_of;

const ME: u128 = 1;
pub(super) const EVENT: &str = "5f6b2c3e-1d2a-4b7c-9e8f-0a1b2c3d4e5f";

/// A version 5 uuid per number, as MISP's (version 4) are RFC 4122 uuids.
pub(super) fn u(n: u128) -> Uuid {
    Uuid::new_v5(&Uuid::NAMESPACE_OID, &n.to_be_bytes())
}

fn me() -> OrgName {
    OrgName {
        id: u(ME),
        name: "CERT-A".into(),
    }
}

pub(super) fn alone() -> Target {
    Target {
        importer: me(),
        audience: vec![me()],
    }
}

#[derive(Debug, Default)]
pub(super) struct Out {
    pub(super) objects: Vec<Value>,
    pub(super) refused: Vec<(String, String)>,
    pub(super) warnings: Vec<(String, String)>,
}

impl Out {
    pub(super) fn of_type(&self, ty: &str) -> Vec<&Value> {
        self.objects.iter().filter(|o| o["type"] == ty).collect()
    }

    pub(super) fn get(&self, id: &str) -> &Value {
        self.objects
            .iter()
            .find(|o| o["id"] == id)
            .unwrap_or_else(|| panic!("no {id} in {:#?}", self.objects))
    }
}

pub(super) fn run(event: Value, target: &Target) -> Out {
    let ev: Event = serde_json::from_value(event).unwrap();
    let mut out = Out::default();
    convert(&ev, "/Event", target, &mut |path: &str, e: Emit| match e {
        Emit::Object(v) => out.objects.push(v),
        Emit::Refused(w) => out.refused.push((path.to_owned(), w)),
        Emit::Warning(w) => out.warnings.push((path.to_owned(), w)),
    });
    // Every object converted is valid STIX 2.1 (patterns checked by simpul-pattern).
    for o in &out.objects {
        let text = o.to_string();
        let obj = simpul_stix::parse_object(text.as_bytes()).unwrap();
        let errors: Vec<_> = simpul_stix::validate(&obj, &stix_validate_options())
            .into_iter()
            .filter(|i| i.severity == simpul_stix::Severity::Error)
            .collect();
        assert!(errors.is_empty(), "{text}: {errors:?}");
    }
    out
}

pub(super) fn event(attributes: Value) -> Value {
    json!({
        "uuid": EVENT, "info": "Scam wave", "date": "2026-03-01", "timestamp": "1772400000",
        "distribution": "1", "Attribute": attributes,
    })
}

pub(super) fn attr(n: u128, kind: &str, value: &str, to_ids: bool) -> Value {
    json!({"uuid": u(n).to_string(), "type": kind, "value": value,
           "to_ids": if to_ids { "1" } else { "0" }, "category": "Network activity",
           "timestamp": "1772400000"})
}

pub(super) fn keys(v: &Value) -> Vec<String> {
    let text = v.to_string();
    let obj = simpul_stix::parse_object(text.as_bytes()).unwrap();
    keys_of(&obj, &simpul_observable::Context::default())
}

mod back;
mod rows;

use rows::object;
#[test]
fn tags_become_markings_and_labels_and_galaxies_sdos() {
    let mut a = attr(1, "domain", "bank-login.example", true);
    a["Tag"] = json!([{"name": "tlp:amber+strict"}, {"name": "kill-chain:delivery"}]);
    a["Galaxy"] = json!([{"type": "threat-actor", "GalaxyCluster": [{
        "uuid": u(77).to_string(), "value": "Scam Crew",
        "tag_name": "misp-galaxy:threat-actor=\"Scam Crew\""}]}]);
    let mut ev = event(json!([a, attr(2, "domain", "other.example", true)]));
    ev["Tag"] = json!([{"name": "tlp:white"}, {"name": "PAP:AMBER"}, {"name": "scam"}]);
    let out = run(ev, &alone());
    let one = out.get(&format!("indicator--{}", u(1)));
    assert_eq!(
        one["object_marking_refs"],
        json!([
            crate::intel::Tlp::AmberStrict.marking_id(),
            simpul_vocab::Pap::Amber.marking_id()
        ])
    );
    assert_eq!(
        one["labels"],
        json!([
            "scam",
            "kill-chain:delivery",
            "misp-galaxy:threat-actor=\"Scam Crew\""
        ])
    );
    let two = out.get(&format!("indicator--{}", u(2)));
    assert_eq!(
        two["object_marking_refs"][0],
        crate::intel::Tlp::Clear.marking_id()
    );
    let actor = out.get(&format!("threat-actor--{}", u(77)));
    assert_eq!(actor["name"], "Scam Crew");
    let rel = out.of_type("relationship");
    assert_eq!(rel.len(), 1);
    assert_eq!(rel[0]["relationship_type"], "indicates");
    assert_eq!(rel[0]["source_ref"], one["id"]);
    assert_eq!(rel[0]["target_ref"], actor["id"]);
    let report = out.get(&format!("report--{EVENT}"));
    assert_eq!(report["name"], "Scam wave");
    let refs = report["object_refs"].as_array().unwrap();
    assert!(
        refs.contains(&one["id"]) && refs.contains(&actor["id"]) && refs.contains(&rel[0]["id"])
    );
    assert_eq!(report["created"], "2026-03-01T00:00:00.000Z");
    assert_eq!(report["modified"], "2026-03-01T21:20:00.000Z");
}

#[test]
fn sightings_reports_and_references_keep_their_uuids() {
    let mut a = attr(1, "ip-dst", "192.0.2.1", true);
    a["Sighting"] = json!([
        {"uuid": u(50).to_string(), "type": "0", "date_sighting": "1772403600", "source": "honeypot"},
        {"uuid": u(51).to_string(), "type": "1", "date_sighting": "1772403600"},
        {"type": "2", "date_sighting": "1772403600"},
    ]);
    let mut ev = event(json!([a]));
    let mut o = object(
        9,
        "domain-ip",
        &[("domain", "domain", "bank-login.example")],
        true,
    );
    o["ObjectReference"] = json!([{"uuid": u(60).to_string(),
        "referenced_uuid": u(1).to_string(), "relationship_type": "resolves-to"},
        {"uuid": u(61).to_string(), "referenced_uuid": u(999).to_string(),
         "relationship_type": "related-to"}]);
    ev["Object"] = json!([o]);
    ev["EventReport"] = json!([{"uuid": u(70).to_string(), "name": "Summary",
        "content": "# Wave\nCalls then SMS.", "timestamp": "1772400000", "distribution": "5"}]);
    let out = run(ev, &alone());
    let s = out.get(&format!("sighting--{}", u(50)));
    assert_eq!(s["sighting_of_ref"], format!("indicator--{}", u(1)));
    assert_eq!(s["description"], "source: honeypot");
    let fp = out.get(&format!("sighting--{}", u(51)));
    assert_eq!(fp["x_simpul_false_positive"], true);
    assert_eq!(out.of_type("sighting").len(), 2);
    let rel = out.get(&format!("relationship--{}", u(60)));
    assert_eq!(rel["source_ref"], format!("indicator--{}", u(9)));
    assert_eq!(rel["target_ref"], format!("indicator--{}", u(1)));
    assert_eq!(rel["relationship_type"], "resolves-to");
    let note = out.get(&format!("note--{}", u(70)));
    assert_eq!(note["abstract"], "Summary");
    let w: Vec<&str> = out.warnings.iter().map(|w| w.1.as_str()).collect();
    assert!(w.iter().any(|w| w.contains("expiration")), "{w:?}");
    assert!(
        w.iter()
            .any(|w| w.contains("not imported: no relationship")),
        "{w:?}"
    );
}

#[test]
fn distributions_are_refused_where_they_would_widen() {
    let shared = Target {
        importer: me(),
        audience: vec![
            me(),
            OrgName {
                id: u(2),
                name: "Bank B".into(),
            },
        ],
    };
    let mut ev = event(json!([attr(1, "domain", "a.example", true)]));
    ev["distribution"] = json!("0");
    let out = run(ev.clone(), &shared);
    assert!(out.objects.is_empty());
    assert_eq!(out.refused[0].0, "/Event/distribution");
    assert!(run(ev, &alone()).refused.is_empty());
    // Attribute level: 0 refused in a shared collection, 4 admitted when every organisation of
    // the audience is in the group, else refused.
    let sg = |orgs: Value| json!({"id": "7", "name": "fraud", "SharingGroupOrg": orgs});
    let mut a0 = attr(1, "domain", "a.example", true);
    a0["distribution"] = json!(0);
    let mut a4 = attr(2, "domain", "b.example", true);
    a4["distribution"] = json!("4");
    a4["sharing_group_id"] = json!("7");
    a4["SharingGroup"] = sg(json!([{"Organisation": {"name": "cert-a"}},
                                   {"Organisation": {"uuid": u(2).to_string()}}]));
    let mut a4n = attr(3, "domain", "c.example", true);
    a4n["distribution"] = json!(4);
    a4n["SharingGroup"] = sg(json!([{"Organisation": {"name": "CERT-A"}}]));
    let out = run(event(json!([a0, a4, a4n])), &shared);
    let ids: Vec<&str> = out
        .of_type("indicator")
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [format!("indicator--{}", u(2))]);
    let paths: Vec<&str> = out.refused.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/Event/Attribute/0/distribution",
            "/Event/Attribute/2/distribution"
        ]
    );
    assert!(out.refused[1].1.contains("does not include Bank B"));
}

#[test]
fn a_newer_timestamp_is_a_newer_version_with_the_same_ids() {
    let one = run(
        event(json!([attr(1, "domain", "a.example", true)])),
        &alone(),
    );
    let mut later = event(json!([attr(1, "domain", "a.example", true)]));
    later["timestamp"] = json!("1772500000");
    later["Attribute"][0]["timestamp"] = json!("1772500000");
    let two = run(later, &alone());
    let id = format!("indicator--{}", u(1));
    assert_eq!(one.get(&id)["created"], two.get(&id)["created"]);
    assert_ne!(one.get(&id)["modified"], two.get(&id)["modified"]);
    // The same event converts to the same objects: importing it again stores nothing new.
    let again = run(
        event(json!([attr(1, "domain", "a.example", true)])),
        &alone(),
    );
    assert_eq!(one.objects, again.objects);
}
