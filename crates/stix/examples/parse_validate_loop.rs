//! Parses and validates one bench fixture N times, for instruction counts
//! (`valgrind --tool=callgrind` or `perf stat -e instructions`):
//! `cargo build --release -p simpul-stix --example parse_validate_loop`, then
//! `target/release/examples/parse_validate_loop generator_like 10000`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;

#[path = "../benches/support/fixtures.rs"]
mod fixtures;

fn main() {
    let mut args = std::env::args().skip(1);
    let which = args.next().unwrap_or_else(|| "generator_like".to_owned());
    let n: usize = args.next().map_or(10_000, |s| s.parse().unwrap());
    let text = match which.as_str() {
        "simple_indicator" => fixtures::SIMPLE_INDICATOR,
        "generator_like" => fixtures::GENERATOR_LIKE,
        other => panic!("unknown fixture {other}"),
    };
    let opts = simpul_stix::ValidateOptions::default();
    let mut errors = 0usize;
    for _ in 0..n {
        let o = simpul_stix::parse_object(black_box(text.as_bytes())).unwrap();
        let issues = simpul_stix::validate(&o, &opts);
        errors += usize::from(!simpul_stix::is_valid(black_box(&issues)));
    }
    assert_eq!(errors, 0);
}
