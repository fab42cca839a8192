//! Index build and match throughput on one core (see BENCHMARKS.md, "Matching").
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/gen.rs"]
mod generate;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use simpul_matcher::Index;
use simpul_observable::detect_canonical;
use time::macros::datetime;

const N: u64 = 100_000;
const M: usize = 100_000;

fn bench(c: &mut Criterion) {
    let now = datetime!(2026-06-01 00:00 UTC);
    let mut r = generate::Rng::new(7);
    let generated: Vec<_> = (0..N).map(|i| generate::indicator(&mut r, i)).collect();
    let hits: Vec<String> = generated.iter().map(|g| g.hit.clone()).collect();

    let mut g = c.benchmark_group("build");
    g.throughput(Throughput::Elements(10_000));
    g.sample_size(10);
    g.bench_function("offer 10k indicators", |b| {
        b.iter_batched(
            Index::default,
            |mut ix| {
                for x in &generated[..10_000] {
                    ix.offer(&x.indicator, now).unwrap();
                }
                ix
            },
            BatchSize::LargeInput,
        );
    });
    g.finish();

    let mut ix = Index::default();
    for x in &generated {
        ix.offer(&x.indicator, now).unwrap();
    }
    let mut r = generate::Rng::new(8);
    let stream: Vec<String> = (0..M)
        .map(|_| generate::observable(&mut r, 0.01, &hits))
        .collect();
    let keys: Vec<_> = stream.iter().filter_map(|s| detect_canonical(s)).collect();
    let mut slots = Vec::new();

    let mut g = c.benchmark_group("match (100k indicators, 1% hits)");
    g.throughput(Throughput::Elements(M as u64));
    g.sample_size(10);
    g.bench_function("detect + lookup", |b| {
        b.iter(|| {
            let mut n = 0;
            for s in &stream {
                if let Some(k) = detect_canonical(s) {
                    ix.lookup(&k, now, &mut slots);
                    n += slots.len();
                }
            }
            n
        });
    });
    g.bench_function("lookup only (keys normalised)", |b| {
        b.iter(|| {
            let mut n = 0;
            for k in &keys {
                ix.lookup(k, now, &mut slots);
                n += slots.len();
            }
            n
        });
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
