//! `simpul match --server URL --token T`: the values are read and normalised here, sent to the
//! server's `POST /api/v1/match` in batches as `type|key`, and its JSON lines written out as they
//! arrive, each relabelled with the value as read.

use std::cell::RefCell;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use simpul_core::clock::{Clock, SystemClock};
use simpul_matcher::input::{Matching, Reader, Source, Summary};
use simpul_matcher::{Finds, Hit, Stats};
use simpul_observable::{Canonical, Region};
use time::OffsetDateTime;

use super::{Args, Out, add, ctx_of, each_line, open_inputs, progress, report};

/// How many values one request to a server carries.
const BATCH: usize = 20_000;

/// The values of a batch for a server, as read and as sent (`type|key`); no hits of its own.
#[derive(Default)]
struct Collect {
    batch: RefCell<Vec<(String, String)>>,
}

impl Source for Collect {
    fn hits(
        &self,
        observable: &str,
        c: &Canonical,
        _now: OffsetDateTime,
        _scratch: &mut Finds,
        _emit: &mut dyn FnMut(&Hit<'_>),
    ) {
        self.batch
            .borrow_mut()
            .push((observable.to_owned(), c.to_string()));
    }

    fn stats(&self) -> Stats {
        Stats::default()
    }
}

/// A simpul server's `POST /api/v1/match`.
struct Remote {
    client: reqwest::Client,
    base: String,
    url: String,
    token: String,
}

impl Remote {
    fn new(base: &str, token: &str) -> anyhow::Result<Self> {
        let base = base.trim_end_matches('/').to_owned();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            bail!("--server must be an http:// or https:// URL (got {base:?})");
        }
        let client = reqwest::Client::builder()
            .connect_timeout(std::time::Duration::from_secs(10))
            .user_agent(concat!("simpul/", env!("CARGO_PKG_VERSION")))
            .build()
            .context("cannot set up the HTTP client")?;
        Ok(Self {
            client,
            url: format!("{base}/api/v1/match"),
            base,
            token: token.to_owned(),
        })
    }

    /// Sends `batch` and writes the answer's lines as they arrive, each naming the value as read.
    /// Answers (hits, values hit).
    async fn send(&self, batch: &[(String, String)], out: &mut Out) -> anyhow::Result<(u64, u64)> {
        let sent: Vec<&str> = batch.iter().map(|(_, s)| s.as_str()).collect();
        let body = serde_json::to_vec(&sent)?;
        let mut res = self
            .client
            .post(&self.url)
            .bearer_auth(&self.token)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await
            .with_context(|| format!("cannot reach the server at {}", self.base))?;
        let status = res.status();
        if !status.is_success() {
            let text = res.text().await.unwrap_or_default();
            let detail = serde_json::from_str::<serde_json::Value>(&text)
                .ok()
                .and_then(|v| v["detail"].as_str().map(str::to_owned))
                .unwrap_or_else(|| text.chars().take(200).collect());
            match status.as_u16() {
                401 => bail!("the server refused the token (401 Unauthorized): {detail}"),
                403 => bail!("the server refused the match (403 Forbidden): {detail}"),
                _ => bail!("the server answered {status}: {detail}"),
            }
        }
        let mut lines = Relabel::new(batch);
        let mut pending: Vec<u8> = Vec::new();
        while let Some(chunk) = res
            .chunk()
            .await
            .with_context(|| format!("reading the answer of {}", self.base))?
        {
            pending.extend_from_slice(&chunk);
            let mut start = 0;
            while let Some(i) = pending[start..].iter().position(|b| *b == b'\n') {
                lines.line(&pending[start..start + i], out);
                start += i + 1;
            }
            pending.drain(..start);
        }
        if !pending.is_empty() {
            lines.line(&pending, out);
        }
        Ok((lines.hits, lines.values_hit))
    }
}

/// Gives each line of a server's answer the value as read: the server names the value as sent
/// (`type|key`), and answers the values in order, so each line belongs to the first value at or
/// after the previous one whose `observable` it starts with.
struct Relabel<'a> {
    batch: &'a [(String, String)],
    at: usize,
    last_hit: Option<usize>,
    hits: u64,
    values_hit: u64,
}

impl<'a> Relabel<'a> {
    fn new(batch: &'a [(String, String)]) -> Self {
        Self {
            batch,
            at: 0,
            last_hit: None,
            hits: 0,
            values_hit: 0,
        }
    }

    fn prefix(s: &str) -> String {
        format!("{{\"observable\":{},", serde_json::Value::from(s))
    }

    fn line(&mut self, line: &[u8], out: &mut Out) {
        if line.iter().all(u8::is_ascii_whitespace) {
            return;
        }
        self.hits += 1;
        let found = (self.at..self.batch.len())
            .find(|&i| line.starts_with(Self::prefix(&self.batch[i].1).as_bytes()));
        let Some(i) = found else {
            // Not a line of ours: written as it came.
            out.bytes(line);
            out.bytes(b"\n");
            return;
        };
        if self.last_hit != Some(i) {
            self.values_hit += 1;
            self.last_hit = Some(i);
        }
        self.at = i;
        let old = Self::prefix(&self.batch[i].1);
        out.bytes(Self::prefix(&self.batch[i].0).as_bytes());
        out.bytes(&line[old.len()..]);
        out.bytes(b"\n");
    }
}

/// `--server URL --token T`.
pub(super) fn remote(args: &Args, url: &str, token: &str, region: Option<Region>) -> ExitCode {
    let remote = match Remote::new(url, token) {
        Ok(r) => r,
        Err(e) => return super::super::usage(&e),
    };
    let inputs = match open_inputs(args) {
        Ok(i) => i,
        Err(code) => return code,
    };
    let rt = match super::super::runtime() {
        Ok(rt) => rt,
        Err(e) => return super::super::fail(&e),
    };
    let now = SystemClock.now();
    let ctx = ctx_of(region);
    let bar = progress(inputs.iter().map(|i| i.len).sum());
    let collect = Collect::default();
    let mut out = Out::new();
    let mut sum = Summary::default();
    let flush = |out: &mut Out, summary: &mut Summary| -> anyhow::Result<()> {
        let batch = std::mem::take(&mut *collect.batch.borrow_mut());
        if batch.is_empty() {
            return Ok(());
        }
        let (hits, values_hit) = rt.block_on(remote.send(&batch, out))?;
        summary.hits += hits;
        summary.observables_hit += values_hit;
        Ok(())
    };
    for input in inputs {
        let name = input.name.clone();
        let reader = Reader::new(args.format, args.column.clone(), args.ty);
        let mut m = Matching::new(&collect, reader, ctx, now);
        let mut remote_counts = Summary::default();
        let mut r = each_line(input, bar.as_ref(), &mut |n, line| {
            m.line(n, line, &mut |_| {});
            if collect.batch.borrow().len() >= BATCH {
                flush(&mut out, &mut remote_counts)?;
            }
            Ok(())
        });
        if r.is_ok() {
            r = flush(&mut out, &mut remote_counts);
        }
        if let Err(e) = r {
            if let Some(b) = &bar {
                b.finish_and_clear();
            }
            let _ = out.finish();
            return super::super::fail(&e);
        }
        m.summary.hits += remote_counts.hits;
        m.summary.observables_hit += remote_counts.observables_hit;
        report(&name, &m.summary);
        add(&mut sum, &m.summary);
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    if let Err(code) = out.finish() {
        return code;
    }
    if args.summary {
        let mut j = sum.to_json(&Stats::default());
        // The server does not say what it holds.
        j["indicators"] = serde_json::Value::Null;
        eprintln!("{j}");
    }
    ExitCode::SUCCESS
}
