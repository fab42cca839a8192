//! Arbitrary input never panics the parser or the matcher.

use proptest::prelude::*;
use serde_json::json;

fn observed() -> Vec<serde_json::Value> {
    vec![json!({"type": "bundle", "id": "bundle--1", "objects": [
        {"type": "observed-data", "id": "observed-data--1", "number_observed": 2,
         "first_observed": "2020-01-01T00:00:00Z", "last_observed": "2020-01-01T00:00:05Z",
         "object_refs": ["file--1", "ipv4-addr--1"]},
        {"type": "file", "id": "file--1", "name": "a.exe", "size": 5, "hashes": {"MD5": "00"},
         "parent_directory_ref": "ipv4-addr--1", "x_hex": "00ff"},
        {"type": "ipv4-addr", "id": "ipv4-addr--1", "value": "10.0.0.1"}
    ]})]
}

const PIECES: &[&str] = &[
    "[",
    "]",
    "(",
    ")",
    "file",
    ":",
    "name",
    "size",
    ".",
    "'a'",
    "=",
    "!=",
    "<",
    ">=",
    "IN",
    "LIKE",
    "MATCHES",
    "ISSUBSET",
    "AND",
    "OR",
    "NOT",
    "EXISTS",
    "FOLLOWEDBY",
    "WITHIN",
    "5",
    "SECONDS",
    "REPEATS",
    "2",
    "TIMES",
    "START",
    "t'2020-01-01T00:00:00Z'",
    "STOP",
    "h'ff'",
    "b'YQ=='",
    "[*]",
    "[0]",
    "true",
    "1.5",
    "-3",
    ",",
    "ipv4-addr",
    "value",
    "'10.0.0.0/8'",
    "parent_directory_ref",
    "hashes",
    "x_hex",
    "'%.exe'",
    "'^a.*$'",
    " ",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_strings_never_panic(s in any::<String>()) {
        let _ = simpul_pattern::parse(&s);
        let _ = simpul_pattern::parse_syntax(&s);
    }

    #[test]
    fn token_soup_never_panics(idx in proptest::collection::vec(0..PIECES.len(), 0..30)) {
        let s: String = idx.iter().map(|&i| PIECES[i]).collect::<Vec<_>>().join(" ");
        let _ = simpul_pattern::parse(&s);
        if let Ok(p) = simpul_pattern::parse_syntax(&s) {
            let _ = p.matches(&observed());
            let _ = p.lint();
        }
    }
}
