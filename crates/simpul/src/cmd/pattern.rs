//! `simpul pattern …`: check and match STIX patterns (logic in simpul-pattern).

use std::io::{BufRead, Write};
use std::process::ExitCode;

use serde_json::{Value, json};
use simpul_pattern::{ObservationSet, StixVersion};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Check a pattern's syntax (exit 0 valid, 1 invalid, 2 unusable input).
    Check {
        /// The pattern (omit with --jsonl).
        #[arg(required_unless_present = "jsonl")]
        pattern: Option<String>,
        /// Read one JSON string per stdin line; write one verdict per line.
        #[arg(long, conflicts_with = "pattern")]
        jsonl: bool,
        /// Also reject specification problems the reference validator accepts
        /// (unknown types/properties, START after STOP, …), naming each.
        #[arg(long)]
        strict: bool,
    },
    /// Match a pattern against observations (exit 0 match, 1 no match, 2 unusable input).
    Match {
        /// The pattern (omit with --jsonl).
        #[arg(required_unless_present = "jsonl")]
        pattern: Option<String>,
        /// A JSON file: a bundle, a list of bundles/objects, or 2.0 observed-data.
        #[arg(required_unless_present = "jsonl")]
        file: Option<std::path::PathBuf>,
        /// Read `{"pattern":…,"observed":[…]}` per stdin line; write `{"match":…}` per line.
        #[arg(long, conflicts_with_all = ["pattern", "file"])]
        jsonl: bool,
        /// Observation layout: 2.0 (embedded objects) or 2.1 (bundles); detected when omitted.
        #[arg(long, value_parser = ["2.0", "2.1"])]
        stix_version: Option<String>,
    },
    /// Match every pattern against every observation set; print one line per
    /// match (`{"pattern":i,"observed":j}`, 0-based line numbers) and a summary
    /// on stderr. Exit 0 if anything matched, 1 if nothing did, 2 on bad input.
    Batch {
        /// Patterns, one per line (a JSON string or the bare pattern).
        patterns: std::path::PathBuf,
        /// Observation sets, one JSON document per line (a bundle or a list).
        observations: std::path::PathBuf,
        /// Observation layout: 2.0 or 2.1; detected per line when omitted.
        #[arg(long, value_parser = ["2.0", "2.1"])]
        stix_version: Option<String>,
        /// Parse the pattern and resolve the observations again for every
        /// pair, as a one-off caller would (for benchmarks).
        #[arg(long)]
        per_pair: bool,
    },
}

fn version_of(v: Option<&str>, observed: &[Value]) -> StixVersion {
    match v {
        Some("2.0") => StixVersion::V20,
        Some("2.1") => StixVersion::V21,
        _ => StixVersion::detect(observed),
    }
}

fn as_list(v: Value) -> Vec<Value> {
    match v {
        Value::Array(a) => a,
        other => vec![other],
    }
}

pub fn run(args: Args) -> ExitCode {
    match args.command {
        Command::Check {
            pattern: Some(p),
            jsonl: false,
            strict,
        } => match simpul_pattern::parse(&p) {
            Ok(pat) => {
                let rejected = if strict { pat.lint() } else { Vec::new() };
                if rejected.is_empty() {
                    println!("valid");
                    return ExitCode::SUCCESS;
                }
                for w in &rejected {
                    eprintln!(
                        "invalid pattern (--strict) at byte {}: {}",
                        w.offset, w.message
                    );
                }
                ExitCode::from(1)
            }
            Err(e) => {
                eprintln!("invalid pattern at byte {}: {}", e.offset, e.message);
                ExitCode::from(1)
            }
        },
        Command::Check { strict, .. } => check_jsonl(strict),
        Command::Match {
            pattern: Some(p),
            file: Some(f),
            jsonl: false,
            stix_version,
        } => {
            let pat = match simpul_pattern::parse_syntax(&p) {
                Ok(p) => p,
                Err(e) => {
                    eprintln!("invalid pattern at byte {}: {}", e.offset, e.message);
                    return ExitCode::from(2);
                }
            };
            let observed = match std::fs::read_to_string(&f)
                .map_err(|e| e.to_string())
                .and_then(|t| serde_json::from_str::<Value>(&t).map_err(|e| e.to_string()))
            {
                Ok(v) => as_list(v),
                Err(e) => {
                    eprintln!("cannot read {}: {e}", f.display());
                    return ExitCode::from(2);
                }
            };
            let version = version_of(stix_version.as_deref(), &observed);
            let result = ObservationSet::from_json(&observed, version).and_then(|set| {
                let r = pat.matches_set(&set)?;
                let ids: Vec<Value> = r
                    .observations
                    .iter()
                    .filter_map(|&i| set.observed_data(i))
                    .map(|o| o.get("id").cloned().unwrap_or(Value::Null))
                    .collect();
                Ok((r.matched, ids))
            });
            match result {
                Ok((matched, ids)) => {
                    println!("{}", json!({"match": matched, "observed_data": ids}));
                    if matched {
                        ExitCode::SUCCESS
                    } else {
                        ExitCode::from(1)
                    }
                }
                Err(e) => {
                    eprintln!("cannot match: {e}");
                    ExitCode::from(2)
                }
            }
        }
        Command::Match { stix_version, .. } => match_jsonl(stix_version.as_deref()),
        Command::Batch {
            patterns,
            observations,
            stix_version,
            per_pair,
        } => batch(&patterns, &observations, stix_version.as_deref(), per_pair),
    }
}

fn batch(
    patterns: &std::path::Path,
    observations: &std::path::Path,
    version: Option<&str>,
    per_pair: bool,
) -> ExitCode {
    let read = |p: &std::path::Path| {
        std::fs::read_to_string(p).map_err(|e| format!("cannot read {}: {e}", p.display()))
    };
    let (ptext, otext) = match (read(patterns), read(observations)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let mut pats = Vec::new();
    for (i, line) in ptext
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let text = match serde_json::from_str::<Value>(line) {
            Ok(Value::String(s)) => s,
            _ => line.to_owned(),
        };
        match simpul_pattern::parse_syntax(&text) {
            Ok(p) => pats.push((i, p, text)),
            Err(e) => {
                eprintln!(
                    "{}:{}: invalid pattern at byte {}: {}",
                    patterns.display(),
                    i + 1,
                    e.offset,
                    e.message
                );
                return ExitCode::from(2);
            }
        }
    }
    let mut docs = Vec::new();
    for (i, line) in otext
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        match serde_json::from_str::<Value>(line) {
            Ok(v) => docs.push((i, as_list(v))),
            Err(e) => {
                eprintln!("{}:{}: {e}", observations.display(), i + 1);
                return ExitCode::from(2);
            }
        }
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let (mut evaluations, mut matches, mut errors) = (0u64, 0u64, 0u64);
    for (oi, doc) in &docs {
        let set = match ObservationSet::from_json(doc, version_of(version, doc)) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("{}:{}: {e}", observations.display(), oi + 1);
                errors += 1;
                continue;
            }
        };
        for (pi, p, text) in &pats {
            evaluations += 1;
            let result = if per_pair {
                simpul_pattern::parse_syntax(text)
                    .map_err(|e| simpul_pattern::MatchError(e.message))
                    .and_then(|p| {
                        let fresh = ObservationSet::from_json(doc, version_of(version, doc))?;
                        p.matches_set(&fresh)
                    })
            } else {
                p.matches_set(&set)
            };
            match result {
                Ok(r) if r.matched => {
                    matches += 1;
                    if writeln!(out, "{{\"pattern\":{pi},\"observed\":{oi}}}").is_err() {
                        return ExitCode::from(2);
                    }
                }
                Ok(_) => {}
                Err(_) => errors += 1,
            }
        }
    }
    if out.flush().is_err() {
        return ExitCode::from(2);
    }
    eprintln!(
        "{} patterns x {} observation sets: {evaluations} evaluations, {matches} matches, {errors} errors",
        pats.len(),
        docs.len()
    );
    if matches > 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// Worst exit code over lines: 0 all good, 1 some invalid/no match, 2 some unusable.
fn lines(mut each: impl FnMut(&str) -> (String, u8)) -> ExitCode {
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut worst = 0u8;
    for line in stdin.lock().lines() {
        let Ok(line) = line else {
            eprintln!("cannot read standard input");
            return ExitCode::from(2);
        };
        if line.trim().is_empty() {
            continue;
        }
        let (v, code) = each(&line);
        worst = worst.max(code);
        if writeln!(out, "{v}").is_err() {
            return ExitCode::from(2);
        }
    }
    if out.flush().is_err() {
        return ExitCode::from(2);
    }
    ExitCode::from(worst)
}

fn check_jsonl(strict: bool) -> ExitCode {
    lines(|line| {
        let Ok(Value::String(p)) = serde_json::from_str::<Value>(line) else {
            return (json!({"error": "line is not a JSON string"}).to_string(), 2);
        };
        match simpul_pattern::parse(&p) {
            Ok(pat) => {
                let warnings = if strict { pat.lint() } else { Vec::new() };
                if warnings.is_empty() {
                    (json!({"valid": true}).to_string(), 0)
                } else {
                    let w: Vec<Value> = warnings
                        .iter()
                        .map(|w| json!({"offset": w.offset, "message": w.message}))
                        .collect();
                    // Rejected under --strict: the verdict says so, as the exit code does.
                    (json!({"valid": false, "warnings": w}).to_string(), 1)
                }
            }
            Err(e) => {
                // Written by hand to keep the documented key order.
                let msg = Value::String(e.message).to_string();
                (
                    format!(
                        "{{\"valid\":false,\"error\":{{\"offset\":{},\"message\":{msg}}}}}",
                        e.offset
                    ),
                    1,
                )
            }
        }
    })
}

fn match_jsonl(version: Option<&str>) -> ExitCode {
    lines(|line| {
        let Ok(Value::Object(mut req)) = serde_json::from_str::<Value>(line) else {
            return (
                json!({"error": "line is not a JSON object", "kind": "input"}).to_string(),
                2,
            );
        };
        let Some(Value::String(p)) = req.remove("pattern") else {
            return (
                json!({"error": "missing \"pattern\" string", "kind": "input"}).to_string(),
                2,
            );
        };
        let observed = as_list(req.remove("observed").unwrap_or(Value::Array(Vec::new())));
        let line_version = req.get("stix_version").and_then(Value::as_str).or(version);
        let pat = match simpul_pattern::parse_syntax(&p) {
            Ok(p) => p,
            Err(e) => {
                return (json!({"error": format!("invalid pattern at byte {}: {}", e.offset, e.message), "kind": "parse"}).to_string(),
                    2,
                );
            }
        };
        let v = version_of(line_version, &observed);
        match ObservationSet::from_json(&observed, v).and_then(|set| pat.matches_set(&set)) {
            Ok(r) => (
                json!({"match": r.matched}).to_string(),
                u8::from(!r.matched),
            ),
            Err(e) => (
                json!({"error": e.to_string(), "kind": "match"}).to_string(),
                2,
            ),
        }
    })
}
