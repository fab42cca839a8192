//! A closed-loop HTTP load generator for the whole-system benchmarks in `bench/`: `C` workers each
//! send GET requests one after another for `SECONDS`, cycling through the URLs given (one per line
//! in a file), and the run prints one JSON line: requests, errors, statuses, throughput and the
//! latency percentiles.
//!
//! ```text
//! loadgen URLS_FILE CONCURRENCY SECONDS [BEARER_TOKEN]
//! ```
//!
//! `LOADGEN_ACCEPT` sets the `Accept` header (TAXII needs `application/taxii+json;version=2.1`).
//!
//! Latency is measured from sending the request to reading the whole body, on loopback, with
//! keep-alive connections (one per worker), as a client would see it.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [file, concurrency, seconds, rest @ ..] = args.as_slice() else {
        return Err("usage: loadgen URLS_FILE CONCURRENCY SECONDS [BEARER_TOKEN]".into());
    };
    let urls: Vec<String> = std::fs::read_to_string(file)?
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect();
    if urls.is_empty() {
        return Err(format!("{file} holds no URL").into());
    }
    let concurrency: usize = concurrency.parse()?;
    let duration = Duration::from_secs_f64(seconds.parse()?);
    let token = rest.first().cloned();
    let accept = std::env::var("LOADGEN_ACCEPT").ok();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(run(Arc::new(urls), concurrency, duration, token, accept))
}

#[derive(Default)]
struct Tally {
    latencies_us: Vec<u64>,
    statuses: BTreeMap<u16, u64>,
    errors: u64,
    bytes: u64,
}

async fn run(
    urls: Arc<Vec<String>>,
    concurrency: usize,
    duration: Duration,
    token: Option<String>,
    accept: Option<String>,
) -> Result<(), Box<dyn std::error::Error>> {
    let start = Instant::now();
    let mut workers = Vec::new();
    for w in 0..concurrency {
        let urls = urls.clone();
        let token = token.clone();
        let accept = accept.clone();
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(1)
            .timeout(Duration::from_secs(60))
            .build()?;
        workers.push(tokio::spawn(async move {
            let mut t = Tally::default();
            let mut i = w;
            while start.elapsed() < duration {
                let url = &urls[i % urls.len()];
                i += concurrency;
                let mut req = client.get(url);
                if let Some(tok) = &token {
                    req = req.bearer_auth(tok);
                }
                if let Some(a) = &accept {
                    req = req.header(reqwest::header::ACCEPT, a);
                }
                let sent = Instant::now();
                match req.send().await {
                    Ok(resp) => {
                        let status = resp.status().as_u16();
                        match resp.bytes().await {
                            Ok(body) => {
                                t.bytes += body.len() as u64;
                                t.latencies_us.push(sent.elapsed().as_micros() as u64);
                                *t.statuses.entry(status).or_default() += 1;
                            }
                            Err(_) => t.errors += 1,
                        }
                    }
                    Err(_) => t.errors += 1,
                }
            }
            t
        }));
    }
    let mut all = Tally::default();
    for w in workers {
        let t = w.await?;
        all.latencies_us.extend(t.latencies_us);
        for (s, n) in t.statuses {
            *all.statuses.entry(s).or_default() += n;
        }
        all.errors += t.errors;
        all.bytes += t.bytes;
    }
    let elapsed = start.elapsed().as_secs_f64();
    all.latencies_us.sort_unstable();
    let pct = |p: f64| -> f64 {
        let l = &all.latencies_us;
        if l.is_empty() {
            return 0.0;
        }
        let i = ((l.len() as f64 - 1.0) * p).round() as usize;
        l[i] as f64 / 1000.0
    };
    let statuses: BTreeMap<String, u64> = all
        .statuses
        .iter()
        .map(|(s, n)| (s.to_string(), *n))
        .collect();
    let summary = serde_json::json!({
        "requests": all.latencies_us.len(),
        "errors": all.errors,
        "statuses": statuses,
        "seconds": elapsed,
        "requests_per_s": all.latencies_us.len() as f64 / elapsed,
        "mean_body_bytes": all.bytes / (all.latencies_us.len().max(1) as u64),
        "p50_ms": pct(0.50),
        "p90_ms": pct(0.90),
        "p99_ms": pct(0.99),
        "max_ms": pct(1.0),
    });
    println!("{summary}");
    Ok(())
}
