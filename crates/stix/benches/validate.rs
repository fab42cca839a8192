//! parse + validate throughput on (a) a simple indicator (~360 B, valid with one SHOULD warning) and (b) an object shaped like
//! stix2-generator output (~1.1 KB). Run: `cargo bench -p simpul-stix --bench validate`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use simpul_stix::{ValidateOptions, parse_object, validate};

#[path = "support/fixtures.rs"]
mod fixtures;
use fixtures::{GENERATOR_LIKE, SIMPLE_INDICATOR};

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
