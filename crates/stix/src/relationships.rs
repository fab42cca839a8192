//! The relationships the STIX 2.1 specification suggests between SDOs (spec §4, each object's
//! "Relationships" table). Others are permitted, so a mismatch is a warning.

use crate::id::split_id;
use crate::json::{Json, Map};

pub(crate) trait Sink {
    fn warn(&mut self, rel: &str, msg: String);
}

type Row = (&'static str, &'static str, &'static [&'static str]);

const NET: &[&str] = &["ipv4-addr", "ipv6-addr", "domain-name", "url"];

static SUGGESTED: &[Row] = &[
    ("attack-pattern", "delivers", &["malware"]),
    (
        "attack-pattern",
        "targets",
        &["identity", "location", "vulnerability"],
    ),
    ("attack-pattern", "uses", &["malware", "tool"]),
    (
        "campaign",
        "attributed-to",
        &["intrusion-set", "threat-actor"],
    ),
    ("campaign", "compromises", &["infrastructure"]),
    ("campaign", "originates-from", &["location"]),
    (
        "campaign",
        "targets",
        &["identity", "location", "vulnerability"],
    ),
    (
        "campaign",
        "uses",
        &["attack-pattern", "infrastructure", "malware", "tool"],
    ),
    ("course-of-action", "investigates", &["indicator"]),
    (
        "course-of-action",
        "mitigates",
        &[
            "attack-pattern",
            "indicator",
            "malware",
            "tool",
            "vulnerability",
        ],
    ),
    (
        "course-of-action",
        "remediates",
        &["malware", "vulnerability"],
    ),
    ("identity", "located-at", &["location"]),
    (
        "indicator",
        "indicates",
        &[
            "attack-pattern",
            "campaign",
            "infrastructure",
            "intrusion-set",
            "malware",
            "threat-actor",
            "tool",
        ],
    ),
    ("indicator", "based-on", &["observed-data"]),
    (
        "infrastructure",
        "communicates-with",
        &[
            "infrastructure",
            "ipv4-addr",
            "ipv6-addr",
            "domain-name",
            "url",
        ],
    ),
    (
        "infrastructure",
        "consists-of",
        &["infrastructure", "observed-data", "~sco"],
    ),
    ("infrastructure", "controls", &["infrastructure", "malware"]),
    ("infrastructure", "delivers", &["malware"]),
    ("infrastructure", "has", &["vulnerability"]),
    ("infrastructure", "hosts", &["tool", "malware"]),
    ("infrastructure", "located-at", &["location"]),
    ("infrastructure", "uses", &["infrastructure"]),
    ("intrusion-set", "attributed-to", &["threat-actor"]),
    ("intrusion-set", "compromises", &["infrastructure"]),
    ("intrusion-set", "hosts", &["infrastructure"]),
    ("intrusion-set", "owns", &["infrastructure"]),
    ("intrusion-set", "originates-from", &["location"]),
    (
        "intrusion-set",
        "targets",
        &["identity", "location", "vulnerability"],
    ),
    (
        "intrusion-set",
        "uses",
        &["attack-pattern", "infrastructure", "malware", "tool"],
    ),
    ("malware", "authored-by", &["threat-actor", "intrusion-set"]),
    ("malware", "beacons-to", &["infrastructure"]),
    ("malware", "exfiltrates-to", &["infrastructure"]),
    ("malware", "communicates-with", NET),
    ("malware", "controls", &["malware"]),
    ("malware", "downloads", &["malware", "tool", "file"]),
    ("malware", "drops", &["malware", "tool", "file"]),
    ("malware", "exploits", &["vulnerability"]),
    ("malware", "originates-from", &["location"]),
    (
        "malware",
        "targets",
        &["identity", "infrastructure", "location", "vulnerability"],
    ),
    (
        "malware",
        "uses",
        &["attack-pattern", "infrastructure", "malware", "tool"],
    ),
    ("malware", "variant-of", &["malware"]),
    ("malware-analysis", "characterizes", &["malware"]),
    ("malware-analysis", "analysis-of", &["malware"]),
    ("malware-analysis", "static-analysis-of", &["malware"]),
    ("malware-analysis", "dynamic-analysis-of", &["malware"]),
    ("threat-actor", "attributed-to", &["identity"]),
    ("threat-actor", "compromises", &["infrastructure"]),
    ("threat-actor", "hosts", &["infrastructure"]),
    ("threat-actor", "owns", &["infrastructure"]),
    ("threat-actor", "impersonates", &["identity"]),
    ("threat-actor", "located-at", &["location"]),
    (
        "threat-actor",
        "targets",
        &["identity", "location", "vulnerability"],
    ),
    (
        "threat-actor",
        "uses",
        &["attack-pattern", "infrastructure", "malware", "tool"],
    ),
    ("tool", "delivers", &["malware"]),
    ("tool", "drops", &["malware"]),
    ("tool", "has", &["vulnerability"]),
    (
        "tool",
        "targets",
        &["identity", "infrastructure", "location", "vulnerability"],
    ),
    ("tool", "uses", &["infrastructure"]),
];

/// Relationship types every object may use (spec §5.1.1 "common relationships").
const COMMON: &[&str] = &["derived-from", "duplicate-of", "related-to"];

/// Warns when a relationship is not one the spec suggests for its source/target types.
pub(crate) fn check_suggested(m: &Map, sink: impl Sink) {
    let mut sink = sink;
    let (Some(rt), Some(src), Some(tgt)) = (
        m.get("relationship_type").and_then(Json::as_str),
        m.get("source_ref")
            .and_then(Json::as_str)
            .and_then(|s| split_id(s).ok())
            .map(|x| x.0),
        m.get("target_ref")
            .and_then(Json::as_str)
            .and_then(|s| split_id(s).ok())
            .map(|x| x.0),
    ) else {
        return;
    };
    if COMMON.contains(&rt) || !SUGGESTED.iter().any(|(s, _, _)| *s == src) {
        return;
    }
    match SUGGESTED.iter().find(|(s, r, _)| *s == src && *r == rt) {
        None => sink.warn(
            "relationship_type",
            format!(
                "'{rt}' is permitted, but not a suggested relationship type for '{src}' objects"
            ),
        ),
        Some((_, _, targets)) => {
            let ok = targets
                .iter()
                .any(|t| *t == tgt || (*t == "~sco" && crate::schema::is_sco_type(tgt)));
            if !ok {
                sink.warn("target_ref", format!("'{tgt}' is permitted, but not a suggested target for '{src}' objects with the '{rt}' relationship"));
            }
        }
    }
}
