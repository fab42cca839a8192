//! The OASIS pattern-validator and pattern-matcher suites, table-driven.
//! Data is read in place from `$SIMPUL_CONFORMANCE_DIR`; skipped when unset.

use std::path::PathBuf;

use serde_json::Value;
use simpul_pattern::{ObservationSet, StixVersion, parse, parse_syntax};

fn dir() -> Option<PathBuf> {
    match std::env::var_os("SIMPUL_CONFORMANCE_DIR") {
        Some(d) => Some(PathBuf::from(d)),
        None => {
            println!("SIMPUL_CONFORMANCE_DIR not set: pattern conformance skipped");
            None
        }
    }
}

fn load(name: &str) -> Option<Value> {
    let path = dir()?.join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Some(serde_json::from_str(&text).unwrap())
}

/// Outcome of one matcher case, in the suite's vocabulary.
pub fn match_outcome(pattern: &str, observed: &[Value], version: StixVersion) -> &'static str {
    let Ok(p) = parse_syntax(pattern) else {
        return "parse_error";
    };
    let set = match ObservationSet::from_json(observed, version) {
        Ok(s) => s,
        Err(_) => return "matcher_error",
    };
    match p.matches_set(&set) {
        Ok(r) if r.matched => "match",
        Ok(_) => "nomatch",
        Err(_) => "matcher_error",
    }
}

#[test]
fn pattern_validator_suite() {
    let Some(data) = load("pattern-validator-v21.json") else {
        return;
    };
    let cases = data["cases"].as_array().unwrap();
    let mut bad = Vec::new();
    for c in cases {
        let pattern = c["pattern"].as_str().unwrap();
        let ours = match parse(pattern) {
            Ok(_) => "valid",
            Err(_) => "invalid",
        };
        if ours != c["reference"].as_str().unwrap() {
            bad.push(format!(
                "{pattern:?}: ours {ours}, reference {}",
                c["reference"]
            ));
        }
    }
    println!(
        "pattern validator conformance: {} cases, {} agree",
        cases.len(),
        cases.len() - bad.len()
    );
    assert!(bad.is_empty(), "disagreements:\n{}", bad.join("\n"));
}

#[test]
fn pattern_matcher_suite() {
    let Some(data) = load("pattern-matcher-v21.json") else {
        return;
    };
    let cases = data["cases"].as_array().unwrap();
    let mut bad = Vec::new();
    for c in cases {
        let pattern = c["pattern"].as_str().unwrap();
        let observed = data["observations"][c["observations"].as_str().unwrap()]
            .as_array()
            .unwrap();
        let version = if c["stix_version"] == "2.0" {
            StixVersion::V20
        } else {
            StixVersion::V21
        };
        let ours = match_outcome(pattern, observed, version);
        if ours != c["reference"].as_str().unwrap() {
            bad.push(format!(
                "[{}] {pattern:?}: ours {ours}, reference {}",
                c["stix_version"], c["reference"]
            ));
        }
    }
    println!(
        "pattern matcher conformance: {} cases, {} agree",
        cases.len(),
        cases.len() - bad.len()
    );
    assert!(
        bad.is_empty(),
        "{} disagreements:\n{}",
        bad.len(),
        bad.join("\n")
    );
}
