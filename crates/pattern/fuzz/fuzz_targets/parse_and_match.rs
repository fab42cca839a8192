//! Any bytes as a pattern: parsing, linting and matching must not panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::json;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = simpul_pattern::parse(text);
    if let Ok(p) = simpul_pattern::parse_syntax(text) {
        let _ = p.lint();
        let observed = vec![json!({"type": "bundle", "id": "bundle--1", "objects": [
            {"type": "observed-data", "id": "observed-data--1", "number_observed": 2,
             "first_observed": "2020-01-01T00:00:00Z", "last_observed": "2020-01-01T00:00:05Z",
             "object_refs": ["file--1", "ipv4-addr--1"]},
            {"type": "file", "id": "file--1", "name": "a.exe", "size": 5, "x_hex": "00ff",
             "parent_directory_ref": "ipv4-addr--1", "hashes": {"MD5": "00"}},
            {"type": "ipv4-addr", "id": "ipv4-addr--1", "value": "10.0.0.1"}
        ]})];
        let _ = p.matches(&observed);
    }
});
