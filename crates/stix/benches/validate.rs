//! parse + validate throughput on (a) a simple indicator (~360 B, valid with one SHOULD warning) and (b) an object shaped like
//! stix2-generator output (~1.1 KB). Run: `cargo bench -p simpul-stix --bench validate`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use simpul_stix::{ValidateOptions, parse_object, validate};

/// A typical shared indicator.
pub const SIMPLE_INDICATOR: &str = r#"{"type":"indicator","spec_version":"2.1","id":"indicator--a1f9c2d4-5b6e-4f70-8a9b-0c1d2e3f4a5b","created":"2024-10-16T08:00:00.000Z","modified":"2024-10-16T08:00:00.000Z","name":"Scam landing page","indicator_types":["malicious-activity"],"pattern":"[url:value = 'http://bank-login.example/verify']","pattern_type":"stix","valid_from":"2024-10-16T08:00:00Z"}"#;

/// An object with the breadth stix2-generator produces: labels, external references with hashes,
/// kill-chain phases, markings, confidence, lang, aliases, first/last seen.
pub const GENERATOR_LIKE: &str = r#"{"type":"intrusion-set","spec_version":"2.1","id":"intrusion-set--4e78f46f-a023-4e5f-bc24-71b3ca22ec29","created_by_ref":"identity--f431f809-377b-45e0-aa1c-6a4751cae5ff","created":"2024-03-07T14:11:05.314Z","modified":"2024-09-21T02:41:57.980Z","name":"Harbour Lantern","description":"Group running investment scams across the region, reusing hosting and payment mule accounts.","aliases":["Lantern Crew","HL-7"],"first_seen":"2023-01-04T00:00:00Z","last_seen":"2024-09-01T00:00:00Z","goals":["financial gain","credential theft"],"resource_level":"organization","primary_motivation":"personal-gain","secondary_motivations":["notoriety"],"labels":["scam","fraud","phishing"],"confidence":73,"lang":"en","external_references":[{"source_name":"partner-report","description":"Joint analysis of the 2024 campaign","url":"https://reports.example.org/hl7.pdf","hashes":{"SHA-256":"6db1bb1ad5ae2a4b0b2e7d3a33c2b1f1e4c6b83c1b5e8f7a2d9c3e1f0a4b5c6d"},"external_id":"HL-2024-07"},{"source_name":"capec","external_id":"CAPEC-98"}],"object_marking_refs":["marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"],"granular_markings":[{"marking_ref":"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb","selectors":["description","aliases.[0]"]}]}"#;

fn bench(c: &mut Criterion) {
    let opts = ValidateOptions::default();
    for (name, text) in [
        ("simple_indicator", SIMPLE_INDICATOR),
        ("generator_like", GENERATOR_LIKE),
    ] {
        let obj = parse_object(text.as_bytes()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let issues = validate(&obj, &opts);
        assert!(
            simpul_stix::is_valid(&issues),
            "{name} must be valid: {issues:?}"
        );
        let mut g = c.benchmark_group(name);
        g.throughput(Throughput::Elements(1));
        g.bench_function("parse+validate", |b| {
            b.iter(|| {
                let o = parse_object(black_box(text.as_bytes())).unwrap_or_else(|e| panic!("{e}"));
                black_box(validate(&o, &opts))
            })
        });
        g.bench_function("validate", |b| {
            b.iter(|| black_box(validate(black_box(&obj), &opts)))
        });
        g.bench_function("parse", |b| {
            b.iter(|| black_box(parse_object(black_box(text.as_bytes()))))
        });
        // Baseline on the same machine and load: serde_json's own Value (no order, no duplicate check).
        g.bench_function("serde_json_value", |b| {
            b.iter(|| {
                black_box(serde_json::from_slice::<serde_json::Value>(black_box(
                    text.as_bytes(),
                )))
            })
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
