//! Index build and match throughput on one core (see BENCHMARKS.md, "Matching").
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/gen.rs"]
mod generate;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use simpul_matcher::{Finds, Index};
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
    let mut finds = Finds::default();
    g.bench_function("detect + find (value, URL host, parent domains)", |b| {
        b.iter(|| {
            let mut n = 0;
            for s in &stream {
                if let Some(k) = detect_canonical(s) {
                    ix.find(&k, now, &mut finds);
                    n += finds.found().len();
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

    // The server's index replaces an indicator's entry in place when a new version arrives
    // (remove its slot, insert the new version): 10k replacements in an index of 100k.
    let mut g = c.benchmark_group("update (100k indicators)");
    g.throughput(Throughput::Elements(10_000));
    g.sample_size(10);
    g.bench_function("replace 10k (remove_slot + insert)", |b| {
        b.iter_batched(
            || {
                let mut ix = Index::default();
                let slots: Vec<_> = generated
                    .iter()
                    .map(|x| ix.insert(&x.indicator, now).unwrap().unwrap().0)
                    .collect();
                (ix, slots)
            },
            |(mut ix, slots)| {
                for (x, s) in generated[..10_000].iter().zip(&slots) {
                    ix.remove_slot(*s);
                    ix.insert(&x.indicator, now).unwrap();
                }
                ix
            },
            BatchSize::LargeInput,
        );
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
