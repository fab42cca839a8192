//! Patterns parsed per second; pattern × observation evaluations per second.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::json;
use simpul_pattern::{ObservationSet, StixVersion, parse, parse_syntax};
use std::hint::black_box;

const PATTERNS: &[&str] = &[
    "[ipv4-addr:value = '198.51.100.7']",
    "[domain-name:value = 'evil.example' OR domain-name:value = 'bad.example']",
    "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
    "[url:value LIKE 'http://%.example/%']",
    "[network-traffic:dst_ref.value ISSUBSET '198.51.100.0/24' AND network-traffic:dst_port = 443]",
    "[email-addr:value MATCHES '^.+@example\\\\.com$']",
    "[file:name = 'a.exe'] FOLLOWEDBY [network-traffic:dst_port IN (80, 443, 8080)] WITHIN 300 SECONDS",
    "[domain-name:value = 'evil.example'] REPEATS 2 TIMES",
    "[network-traffic:protocols[*] = 'tcp' AND network-traffic:src_port > 1024]",
    "([ipv4-addr:value = '10.0.0.1'] AND [domain-name:value = 'evil.example']) START t'2020-01-01T00:00:00Z' STOP t'2020-01-02T00:00:00Z'",
];

fn observed() -> Vec<serde_json::Value> {
    let mut objects = Vec::new();
    for i in 0..5 {
        objects.push(json!({"type": "observed-data", "id": format!("observed-data--{i}"), "number_observed": 1,
            "first_observed": format!("2020-01-01T00:0{i}:00Z"), "last_observed": format!("2020-01-01T00:0{i}:30Z"),
            "object_refs": [format!("ipv4-addr--{i}"), format!("network-traffic--{i}"), format!("domain-name--{i}")]}));
        objects.push(json!({"type": "ipv4-addr", "id": format!("ipv4-addr--{i}"), "value": format!("198.51.100.{i}")}));
        objects.push(json!({"type": "domain-name", "id": format!("domain-name--{i}"), "value": "evil.example"}));
        objects.push(json!({"type": "network-traffic", "id": format!("network-traffic--{i}"), "dst_ref": format!("ipv4-addr--{i}"),
            "dst_port": 443, "src_port": 50000 + i, "protocols": ["ipv4", "tcp"]}));
    }
    vec![json!({"type": "bundle", "id": "bundle--1", "objects": objects})]
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("pattern");
    g.throughput(Throughput::Elements(PATTERNS.len() as u64));
    g.bench_function("parse", |b| {
        b.iter(|| {
            for p in PATTERNS {
                black_box(parse(black_box(p)).is_ok());
            }
        })
    });
    let compiled: Vec<_> = PATTERNS.iter().map(|p| parse_syntax(p).unwrap()).collect();
    let obs = observed();
    let set = ObservationSet::from_json(&obs, StixVersion::V21).unwrap();
    g.bench_function("evaluate (pre-resolved)", |b| {
        b.iter(|| {
            for p in &compiled {
                black_box(
                    p.matches_set(black_box(&set))
                        .map(|r| r.matched)
                        .unwrap_or(false),
                );
            }
        })
    });
    g.bench_function("parse + resolve + evaluate", |b| {
        b.iter(|| {
            for p in PATTERNS {
                let pat = parse_syntax(p).unwrap();
                black_box(
                    pat.matches(black_box(&obs))
                        .map(|r| r.matched)
                        .unwrap_or(false),
                );
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
