//! Behaviour users depend on: errors point at the problem, matches follow the spec.

use serde_json::json;
use simpul_pattern::{Operator, PathStep, parse};

#[test]
fn error_offsets_and_expectations() {
    let cases = [
        ("file:size = 1280", 0, "expected '['"),
        ("[file:size = ]", 13, "expected a constant"),
        ("[file.size = 1280]", 5, "expected ':'"),
        ("[file:name MATCHES /.*/]", 19, "expected a string constant"),
        (
            "[a:b = 1] WITHIN -5 SECONDS",
            17,
            "expected a positive number",
        ),
        ("[a:b = 1] WITHIN 5 HOURS", 19, "expected 'SECONDS'"),
    ];
    for (src, offset, msg) in cases {
        let e = parse(src).err().unwrap_or_else(|| panic!("{src} parsed"));
        assert_eq!(e.offset, offset, "{src}: {e}");
        assert!(e.message.starts_with(msg), "{src}: {}", e.message);
    }
}

#[test]
fn comparisons_are_exposed_for_indexing() {
    let p = parse("[ipv4-addr:value = '1.2.3.4' OR file:hashes.'SHA-256' IN ('aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f')]").unwrap();
    let c = p.comparisons();
    assert_eq!(c.len(), 2);
    assert_eq!(c[0].object_type, "ipv4-addr");
    assert_eq!(c[0].path, vec![PathStep::Key("value".into())]);
    assert_eq!(c[0].operator, Operator::Eq);
    assert_eq!(c[1].path_string(), "hashes.'SHA-256'");
    assert_eq!(c[1].operator, Operator::In);
}

fn bundle(objects: serde_json::Value) -> Vec<serde_json::Value> {
    vec![json!({"type": "bundle", "id": "bundle--1", "objects": objects})]
}

fn od(id: &str, first: &str, last: &str, refs: &[&str]) -> serde_json::Value {
    json!({"type": "observed-data", "id": id, "number_observed": 1, "first_observed": first, "last_observed": last, "object_refs": refs})
}

#[test]
fn references_lists_and_followedby() {
    let obs = bundle(json!([
        od("observed-data--1", "2020-01-01T00:00:00Z", "2020-01-01T00:00:00Z", &["network-traffic--1", "ipv4-addr--1"]),
        od("observed-data--2", "2020-01-01T00:01:00Z", "2020-01-01T00:01:00Z", &["domain-name--1"]),
        {"type": "network-traffic", "id": "network-traffic--1", "dst_ref": "ipv4-addr--1", "protocols": ["tcp", "http"]},
        {"type": "ipv4-addr", "id": "ipv4-addr--1", "value": "198.51.100.7"},
        {"type": "domain-name", "id": "domain-name--1", "value": "evil.example"}
    ]));
    let m = |p: &str| parse(p).unwrap().matches(&obs).unwrap().matched;
    assert!(m(
        "[network-traffic:dst_ref.value ISSUBSET '198.51.100.0/24']"
    ));
    assert!(m("[network-traffic:protocols[*] = 'http']"));
    assert!(!m("[network-traffic:protocols[0] = 'http']"));
    assert!(m(
        "[network-traffic:protocols[*] = 'tcp'] FOLLOWEDBY [domain-name:value LIKE '%.example']"
    ));
    assert!(!m(
        "[domain-name:value = 'evil.example'] FOLLOWEDBY [network-traffic:protocols[*] = 'tcp']"
    ));
    assert!(m(
        "[network-traffic:protocols[*] = 'tcp'] AND [domain-name:value = 'evil.example'] WITHIN 60 SECONDS"
    ));
    assert!(!m(
        "([network-traffic:protocols[*] = 'tcp'] AND [domain-name:value = 'evil.example']) WITHIN 59 SECONDS"
    ));
    assert!(!m("[domain-name:value = 'evil.example'] REPEATS 2 TIMES"));
    assert!(m("[domain-name:value MATCHES '^evil\\\\.']"));
    let r = parse("[domain-name:value = 'evil.example']")
        .unwrap()
        .matches(&obs)
        .unwrap();
    assert_eq!(r.observations, vec![1]);
}

#[test]
fn huge_number_observed_is_not_expanded() {
    let obs = bundle(json!([
        {"type": "observed-data", "id": "observed-data--1", "number_observed": 4_000_000_000u64,
         "first_observed": "2020-01-01T00:01:00Z", "last_observed": "2020-01-01T00:01:00Z", "object_refs": ["domain-name--1"]},
        {"type": "domain-name", "id": "domain-name--1", "value": "evil.example"}
    ]));
    let m = |p: &str| parse(p).unwrap().matches(&obs).unwrap().matched;
    // Would enumerate billions of instances without the per-binding cap.
    assert!(!m(
        "[domain-name:value = 'x'] FOLLOWEDBY [domain-name:value = 'evil.example']"
    ));
    assert!(m("[domain-name:value = 'evil.example'] REPEATS 3 TIMES"));
    assert!(m(
        "[domain-name:value = 'evil.example'] AND [domain-name:value = 'evil.example']"
    ));
}

#[test]
fn very_long_chains_are_refused_not_overflowed() {
    let long = vec!["[a:b = 1]"; 5000].join(" AND ");
    let p = simpul_pattern::parse_syntax(&long).unwrap();
    assert!(p.matches(&bundle(json!([]))).is_err());
}

/// The error messages users see, reviewed as a whole.
#[test]
fn error_messages_snapshot() {
    let cases = [
        "",
        "file:size = 1280",
        "[file:size = ]",
        "[file:hashes.MD5 = cead3f77f6cda6ec00f57d76c9a6879f]",
        "[file.size = 1280]",
        "[file:name MATCHES /.*\\.dll/]",
        "[a:b = 1] WITHIN ]",
        "[a:b = 1] WITHIN 5 HOURS",
        "[a:b = 1] WITHIN -5 SECONDS",
        "[network-traffic:dst_ref.value ISSUBSET ]",
        "[file:hashes.MD5 =? 'x']",
        "[x:created = t'2024-13-01T12:00:00Z']",
        "[foo:bar=1] within 2 seconds",
        "[file:hashes.'SHA-256' = 'f00']",
        "[a:b = 1] WITHIN 5 SECONDS WITHIN 6 SECONDS",
        "[a:b = 1] START t'2016-06-01T01:30:00Z' STOP t'2016-06-01T02:20:00Z' START t'2016-06-01T01:30:00Z' STOP t'2016-06-01T02:20:00Z'",
        "[a:b NOT EXISTS]",
        "[a:b-c = 1]",
        "[a:b = 1",
        "([a:b = 1]",
        "[a:b[x] = 1]",
        "[a:b IN (1, 2]",
    ];
    let out: Vec<String> = cases
        .iter()
        .map(|c| match parse(c) {
            Ok(_) => format!("    {c}\n    valid"),
            Err(e) => format!(
                "    {c}\n    {}^ {}",
                " ".repeat(c[..e.offset].chars().count()),
                e.message
            ),
        })
        .collect();
    insta::assert_snapshot!(out.join("\n"));
}
