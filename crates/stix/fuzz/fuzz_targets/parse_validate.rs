//! Feeds arbitrary bytes to the STIX parser, the validator and the streaming reader: none of them
//! may panic. Run: `cd crates/stix/fuzz && cargo +nightly fuzz run parse_validate -- -max_total_time=60`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use simpul_stix::report::validate_reader;
use simpul_stix::{ValidateOptions, parse_object, validate};

fuzz_target!(|data: &[u8]| {
    let opts = ValidateOptions::default();
    if let Ok(obj) = parse_object(data) {
        let issues = validate(&obj, &opts);
        // Round trip: what we print parses back to the same object.
        let text = obj.to_json_string();
        let again = parse_object(text.as_bytes()).expect("our own output parses");
        assert_eq!(again, obj);
        let _ = issues;
    }
    let _ = validate_reader(data, &opts, |_| {});
});
