//! The cost of one decay score (the model alone: on the export path the pattern is compiled
//! anyway and the sightings of a page are one statement), single thread.
//!
//! `cargo bench -p simpul-core --bench decay`; numbers in BENCHMARKS.md, "Decay score per
//! indicator".

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use simpul_core::decay::{DecayModel, Facts, Sighted, score};
use time::Duration;
use time::macros::datetime;

fn bench(c: &mut Criterion) {
    let model = DecayModel::default();
    let t0 = datetime!(2026-03-01 00:00 UTC);
    let kinds: [&[&'static str]; 4] = [&["ipv4"], &["domain"], &["sha256", "md5"], &["phone"]];
    let n = 10_000u32;
    let inputs: Vec<(Facts, Sighted)> = (0..n)
        .map(|i| {
            let facts = Facts {
                kinds: kinds[(i % 4) as usize].to_vec(),
                valid_from: t0,
                confidence: u8::try_from(i % 101).ok(),
            };
            let seen = Sighted {
                sightings: u64::from(i % 3),
                false_positives: u64::from(i % 17 == 0),
                last_sighting: Some(t0 + Duration::hours(i64::from(i % 500))),
                last_false_positive: Some(t0),
            };
            (facts, seen)
        })
        .collect();
    let now = t0 + Duration::days(20);
    let mut g = c.benchmark_group("decay");
    g.throughput(Throughput::Elements(u64::from(n)));
    g.bench_function("score, mixed kinds", |b| {
        b.iter(|| {
            let mut sum = 0.0;
            for (f, s) in &inputs {
                sum += score(&model, black_box(f), black_box(s), now).score;
            }
            black_box(sum)
        });
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
