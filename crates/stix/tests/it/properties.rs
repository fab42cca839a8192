//! Property tests: the parser and the validator never panic, whatever the input, and the round trip
//! is exact.

use proptest::prelude::*;
use simpul_stix::report::validate_reader;
use simpul_stix::{Json, ValidateOptions, parse_json, parse_object, validate};

fn arb_json() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        (-1e9f64..1e9).prop_map(serde_json::Value::from),
        "[a-z_\\-]{0,12}".prop_map(serde_json::Value::from),
        prop_oneof![
            Just("indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"),
            Just("2016-04-06T20:03:48.000Z"),
            Just("2016-02-30T20:03:48Z"),
            Just("identity--"),
            Just("marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"),
            Just("x_custom"),
        ]
        .prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::from),
            prop::collection::btree_map(
                prop_oneof![
                    Just("type".to_owned()),
                    Just("id".to_owned()),
                    Just("created".to_owned()),
                    Just("modified".to_owned()),
                    Just("objects".to_owned()),
                    Just("extensions".to_owned()),
                    Just("hashes".to_owned()),
                    Just("granular_markings".to_owned()),
                    Just("selectors".to_owned()),
                    "[a-z_]{1,10}",
                ],
                inner,
                0..8
            )
            .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

const TYPES: &[&str] = &[
    "bundle",
    "indicator",
    "malware",
    "relationship",
    "sighting",
    "observed-data",
    "marking-definition",
    "file",
    "network-traffic",
    "artifact",
    "process",
    "x509-certificate",
    "extension-definition",
    "language-content",
    "location",
    "report",
    "x-custom",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        if let Ok(o) = parse_object(&bytes) {
            let _ = validate(&o, &ValidateOptions::default());
        }
        let _ = validate_reader(&bytes[..], &ValidateOptions::default(), |_| {});
    }

    #[test]
    fn arbitrary_json_never_panics(v in arb_json(), ty in prop::sample::select(TYPES)) {
        let mut v = v;
        if let serde_json::Value::Object(m) = &mut v {
            m.insert("type".into(), ty.into());
        }
        let text = serde_json::to_vec(&v).unwrap();
        if let Ok(o) = parse_object(&text) {
            let _ = validate(&o, &ValidateOptions::default());
        }
        let _ = validate_reader(&text[..], &ValidateOptions::default(), |_| {});
    }

    #[test]
    fn round_trip_is_exact(v in arb_json()) {
        let text = serde_json::to_string(&v).unwrap();
        let parsed: Json = parse_json(text.as_bytes()).unwrap();
        prop_assert_eq!(parsed.to_json_string(), text);
    }
}

#[test]
fn deep_nesting_and_huge_strings_are_errors_or_fine_never_panics() {
    let deep = format!("{}{}", "{\"a\":".repeat(100_000), "1");
    let e = parse_object(deep.as_bytes()).unwrap_err();
    assert!(e.message.contains("recursion limit"), "{e}");
    let huge = format!(
        "{{\"type\":\"note\",\"content\":\"{}\"}}",
        "x".repeat(8 << 20)
    );
    let o = parse_object(huge.as_bytes()).unwrap();
    assert!(
        validate(&o, &ValidateOptions::default())
            .iter()
            .any(|i| i.code == "required")
    );
}

/// The straightforward definition `split_id` must agree with: split at the first `--`.
fn split_id_reference(s: &str) -> Option<(&str, &str)> {
    let (t, u) = s.split_once("--")?;
    (simpul_stix::id::is_type_name(t) && simpul_stix::id::is_uuid(u)).then_some((t, u))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn split_id_agrees_with_its_definition(
        t in "[a-z][a-z0-9-]{0,10}",
        sep in prop::sample::select(vec!["--", "---", "-", "----", "--x--"]),
        u in prop_oneof!["[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", "[0-9a-f-]{30,40}"],
    ) {
        let s = format!("{t}{sep}{u}");
        prop_assert_eq!(simpul_stix::id::split_id(&s).ok(), split_id_reference(&s));
    }
}
