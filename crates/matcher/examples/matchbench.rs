//! Whole-index benchmark (run by `bench/match.sh`; release build only).
//!
//! `matchbench measure N M RATE`: builds an index of N generated indicators (time, and memory as
//! the growth of resident memory from /proc/self/statm), then matches M generated observables
//! at hit rate RATE on one thread (CPU time of the thread and wall clock), as plain values
//! typed by `detect_canonical` and looked up, and again as pre-normalised keys (lookup only).
//! Prints one JSON object. `MATCH_RESIDUALS=K` adds K residual (evaluator-decided) patterns
//! on domain names.
//!
//! `matchbench write DIR N M RATE [SUBSET_INDICATORS SUBSET_OBSERVABLES]`: writes the same
//! data for whole-process comparisons: DIR/indicators.jsonl, DIR/observables.txt,
//! DIR/exact.txt (the literals of plain `=` indicators, for `grep -F -x -f`), and a subset
//! for stix2-matcher: DIR/subset_indicators.jsonl, DIR/subset_patterns.txt (one pattern
//! per line), DIR/subset_observables.txt and DIR/subset_observations.jsonl (each observable
//! as a bundle of one observed-data, as the matcher's residual evaluation builds it).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../benches/support/gen.rs"]
mod generate;

use std::io::Write;
use std::time::Instant;

use simpul_matcher::Index;
use simpul_observable::detect_canonical;
use time::macros::datetime;

fn rss_bytes() -> u64 {
    let s = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = s
        .split_whitespace()
        .nth(1)
        .and_then(|x| x.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

fn thread_cpu() -> std::time::Duration {
    cpu_time::ThreadTime::now().as_duration()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let num = |i: usize| -> u64 { args[i].parse().unwrap() };
    match args.get(1).map(String::as_str) {
        Some("measure") => measure(num(2), num(3), args[4].parse().unwrap()),
        Some("write") => write(
            &args[2],
            num(3),
            num(4),
            args[5].parse().unwrap(),
            args.get(6).map_or(200, |s| s.parse().unwrap()),
            args.get(7).map_or(2000, |s| s.parse().unwrap()),
        ),
        _ => {
            eprintln!("usage: matchbench measure N M RATE | write DIR N M RATE [SUBSET_I SUBSET_O]")
        }
    }
}

const SEED: u64 = 2026;

fn hits_of(n: u64) -> Vec<String> {
    let mut r = generate::Rng::new(SEED);
    (0..n).map(|i| generate::indicator(&mut r, i).hit).collect()
}

fn measure(n: u64, m: u64, rate: f64) {
    let now = datetime!(2026-06-01 00:00 UTC);
    let rss0 = rss_bytes();
    let t = Instant::now();
    let c = thread_cpu();
    let mut ix = Index::default();
    let mut r = generate::Rng::new(SEED);
    for i in 0..n {
        let g = generate::indicator(&mut r, i);
        ix.offer(&g.indicator, now).unwrap();
    }
    // MATCH_RESIDUALS=K adds K residual patterns on domain names (`LIKE '%word%'`), each
    // evaluated for every domain observable.
    let residuals: u64 = std::env::var("MATCH_RESIDUALS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    for k in 0..residuals {
        let v = serde_json::json!({
            "type": "indicator", "id": format!("indicator--ffffffff-0000-4000-8000-{k:012x}"),
            "pattern_type": "stix", "modified": "2026-01-01T00:00:00Z",
            "pattern": format!("[domain-name:value LIKE '%zq{k}x%']"),
        });
        ix.offer(&v, now).unwrap();
    }
    let build_cpu = thread_cpu() - c;
    let build_wall = t.elapsed();
    let rss1 = rss_bytes();
    let stats = ix.stats();

    let hits = hits_of(n);
    let mut r = generate::Rng::new(SEED + 1);
    let stream: Vec<String> = (0..m)
        .map(|_| generate::observable(&mut r, rate, &hits))
        .collect();
    drop(hits);

    let mut slots = Vec::new();
    let (mut nhits, mut nobs) = (0u64, 0u64);
    let t = Instant::now();
    let c = thread_cpu();
    for s in &stream {
        if let Some(k) = detect_canonical(s) {
            nobs += 1;
            ix.lookup(&k, now, &mut slots);
            nhits += slots.len() as u64;
        }
    }
    let match_cpu = thread_cpu() - c;
    let match_wall = t.elapsed();

    // What `simpul match` does since URLs also check their host (P1.7): find, with parts.
    let mut finds = simpul_matcher::Finds::default();
    let mut fhits = 0u64;
    let t = Instant::now();
    let c = thread_cpu();
    for s in &stream {
        if let Some(k) = detect_canonical(s) {
            ix.find(&k, now, &mut finds);
            fhits += finds.found().len() as u64;
        }
    }
    let find_cpu = thread_cpu() - c;
    let find_wall = t.elapsed();
    assert!(fhits >= nhits);

    let keys: Vec<_> = stream.iter().filter_map(|s| detect_canonical(s)).collect();
    drop(stream);
    let t = Instant::now();
    let c = thread_cpu();
    let mut lhits = 0u64;
    for k in &keys {
        ix.lookup(k, now, &mut slots);
        lhits += slots.len() as u64;
    }
    let lookup_cpu = thread_cpu() - c;
    let lookup_wall = t.elapsed();
    assert_eq!(lhits, nhits);

    let per_s = |count: u64, d: std::time::Duration| count as f64 / d.as_secs_f64();
    println!(
        "{}",
        serde_json::json!({
            "indicators": n,
            "stats": format!("{stats:?}"),
            "build_wall_s": build_wall.as_secs_f64(),
            "build_cpu_s": build_cpu.as_secs_f64(),
            "build_indicators_per_s": per_s(n, build_cpu),
            "rss_growth_bytes": rss1.saturating_sub(rss0),
            "bytes_per_indicator": rss1.saturating_sub(rss0) as f64 / n as f64,
            "observables": m,
            "typed_observables": nobs,
            "hits": nhits,
            "hit_rate": nhits as f64 / m as f64,
            "detect_and_match_cpu_per_s": per_s(m, match_cpu),
            "detect_and_match_wall_per_s": per_s(m, match_wall),
            "detect_and_find_cpu_per_s": per_s(m, find_cpu),
            "detect_and_find_wall_per_s": per_s(m, find_wall),
            "find_hits": fhits,
            "lookup_only_cpu_per_s": per_s(keys.len() as u64, lookup_cpu),
            "lookup_only_wall_per_s": per_s(keys.len() as u64, lookup_wall),
        })
    );
}

fn write(dir: &str, n: u64, m: u64, rate: f64, sub_i: u64, sub_o: u64) {
    std::fs::create_dir_all(dir).unwrap();
    let file = |name: &str| {
        std::io::BufWriter::new(std::fs::File::create(format!("{dir}/{name}")).unwrap())
    };
    let (mut ind, mut exact) = (file("indicators.jsonl"), file("exact.txt"));
    let (mut sub_ind, mut sub_pat) = (file("subset_indicators.jsonl"), file("subset_patterns.txt"));
    let mut r = generate::Rng::new(SEED);
    let mut hits = Vec::with_capacity(n as usize);
    for i in 0..n {
        let g = generate::indicator(&mut r, i);
        let line = g.indicator.to_string();
        writeln!(ind, "{line}").unwrap();
        if i < sub_i {
            writeln!(sub_ind, "{line}").unwrap();
            writeln!(sub_pat, "{}", g.indicator["pattern"].as_str().unwrap()).unwrap();
        }
        if let Some(e) = g.exact {
            writeln!(exact, "{e}").unwrap();
        }
        hits.push(g.hit);
    }
    let mut obs = file("observables.txt");
    let mut r = generate::Rng::new(SEED + 1);
    for _ in 0..m {
        writeln!(obs, "{}", generate::observable(&mut r, rate, &hits)).unwrap();
    }
    // The subset: observables hitting the subset's indicators at the same rate.
    let (mut sub_obs, mut sub_od) = (
        file("subset_observables.txt"),
        file("subset_observations.jsonl"),
    );
    let sub_hits = &hits[..(sub_i as usize).min(hits.len())];
    let mut r = generate::Rng::new(SEED + 2);
    let mut written = 0;
    while written < sub_o {
        let v = generate::observable(&mut r, rate.max(0.05), sub_hits);
        if let Some(c) = detect_canonical(&v) {
            writeln!(sub_obs, "{v}").unwrap();
            let b = simpul_matcher::sco::observation(&c, "2026-06-01T00:00:00Z");
            writeln!(sub_od, "{b}").unwrap();
            written += 1;
        }
    }
}
