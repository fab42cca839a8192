//! `simpul match`: match observables from logs and lists against indicators (logic in
//! simpul-matcher: `input` reads the formats, `Index` matches, `load` reads indicator files).
//!
//! Output: one JSON line per hit on stdout. Diagnostics on stderr: malformed input lines (the
//! first 20 of each input, `FILE:LINE: problem`), refused indicators (the first 20), and with
//! `--summary` one JSON object of counts as the last stderr line — stdout stays hits only, so
//! it can be piped. Exit 0 whether or not anything hit; 2 for unusable input (a missing
//! file, an unreadable indicators file, a bad option value).

use std::io::{BufRead, BufReader, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use simpul_core::clock::{Clock, SystemClock};
use simpul_matcher::input::{Format, Matching, Reader, Summary};
use simpul_matcher::{Index, load};
use simpul_observable::{Context, ObservableType, Region};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Input files (`-` or none: standard input).
    inputs: Vec<PathBuf>,
    /// Indicators: a STIX bundle, a JSON list of objects, or JSON lines of objects.
    #[arg(long, value_name = "FILE")]
    indicators: PathBuf,
    /// Input format: auto, lines, jsonl, csv, zeek (auto: decided per input by its first line).
    #[arg(long, default_value = "auto")]
    format: Format,
    /// The CSV column holding the observable.
    #[arg(long, value_name = "NAME")]
    column: Option<String>,
    /// The type of every value (e.g. phone, domain, iban), instead of detecting it. Detection
    /// never guesses national phone numbers or account numbers.
    #[arg(long = "type", value_name = "TYPE")]
    ty: Option<ObservableType>,
    /// Default region for national phone numbers and bank accounts (ISO 3166 code, e.g. ID).
    #[arg(long, value_name = "CC")]
    region: Option<String>,
    /// Print counts as one JSON object on stderr at the end.
    #[arg(long)]
    summary: bool,
}

pub fn run(args: Args) -> ExitCode {
    let ctx = match args.region.as_deref().map(Region::parse).transpose() {
        Ok(r) => r.map_or_else(Context::new, Context::with_region),
        Err(e) => return super::usage(&e),
    };
    if args.format == Format::Csv && args.column.is_none() {
        return super::usage(&"--format csv needs --column NAME");
    }
    let now = SystemClock.now();
    let mut index = Index::new(Context::new());
    let loaded = match load_indicators(&args.indicators, &mut index, now) {
        Ok(l) => l,
        Err(e) => {
            return super::usage(&format!(
                "indicators file {}: {e}",
                args.indicators.display()
            ));
        }
    };
    for r in &loaded.reasons {
        eprintln!("simpul: warning: {r}");
    }
    if loaded.refused > loaded.reasons.len() {
        eprintln!(
            "simpul: warning: {} indicators refused in all",
            loaded.refused
        );
    }
    // Open every input first: a missing file is unusable input, before any output.
    let inputs: Vec<PathBuf> = if args.inputs.is_empty() {
        vec![PathBuf::from("-")]
    } else {
        args.inputs.clone()
    };
    let mut sources: Vec<(String, Box<dyn Read>, Option<u64>)> = Vec::new();
    for p in &inputs {
        if p.as_os_str() == "-" {
            sources.push(("<stdin>".into(), Box::new(std::io::stdin()), None));
        } else {
            match std::fs::File::open(p) {
                Ok(f) => {
                    let len = f.metadata().ok().map(|m| m.len());
                    sources.push((p.display().to_string(), Box::new(f), len));
                }
                Err(e) => return super::usage(&format!("input {}: {e}", p.display())),
            }
        }
    }
    let total: Option<u64> = sources.iter().map(|s| s.2).sum();
    let bar = progress(total);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut sum = Summary::default();
    let mut write_err: Option<std::io::Error> = None;
    for (name, src, _) in sources {
        let reader = Reader::new(args.format, args.column.clone(), args.ty);
        let mut m = Matching::new(&index, reader, ctx, now);
        let mut lines = BufReader::with_capacity(1 << 16, src);
        let mut buf = Vec::new();
        let mut n: u64 = 0;
        let mut pending: u64 = 0;
        loop {
            buf.clear();
            match lines.read_until(b'\n', &mut buf) {
                Ok(0) => break,
                Ok(k) => {
                    n += 1;
                    pending += k as u64;
                    if let Some(b) = &bar
                        && n.is_multiple_of(4096)
                    {
                        b.inc(std::mem::take(&mut pending));
                    }
                    let line = String::from_utf8_lossy(&buf);
                    let line = line.strip_suffix('\n').unwrap_or(&line);
                    m.line(n, line, &mut |hit| {
                        if write_err.is_none() {
                            let r = serde_json::to_writer(&mut out, hit)
                                .map_err(std::io::Error::from)
                                .and_then(|()| out.write_all(b"\n"));
                            if let Err(e) = r {
                                write_err = Some(e);
                            }
                        }
                    });
                }
                Err(e) => {
                    eprintln!("simpul: warning: {name}: read error after line {n}: {e}");
                    break;
                }
            }
        }
        for (line, why) in &m.summary.malformed_lines {
            eprintln!("simpul: warning: {name}:{line}: {why}");
        }
        if m.summary.malformed > m.summary.malformed_lines.len() as u64 {
            eprintln!(
                "simpul: warning: {name}: {} malformed lines in all",
                m.summary.malformed
            );
        }
        add(&mut sum, &m.summary);
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    if let Err(e) = out.flush() {
        write_err.get_or_insert(e);
    }
    if let Some(e) = write_err {
        // A closed pipe (`| head`) is not an error of the run.
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return super::fail(&anyhow::anyhow!("writing hits: {e}"));
        }
    }
    if args.summary {
        let mut j = sum.to_json(&index.stats());
        j["indicators"]["refused"] = loaded.refused.into();
        j["indicators"]["dropped"] = loaded.dropped.into();
        eprintln!("{j}");
    }
    ExitCode::SUCCESS
}

/// Loads an indicators file. JSON lines (the first non-empty line is a whole JSON value) are
/// read and indexed line by line, so a large feed is never held in memory as text; anything
/// else (a pretty-printed bundle) is read whole.
fn load_indicators(
    path: &std::path::Path,
    index: &mut Index,
    now: time::OffsetDateTime,
) -> anyhow::Result<load::Loaded> {
    let mut lines = BufReader::new(std::fs::File::open(path)?);
    let mut first = String::new();
    let mut first_no = 0;
    while first.trim().is_empty() {
        first.clear();
        if lines.read_line(&mut first)? == 0 {
            break;
        }
        first_no += 1;
    }
    if serde_json::from_str::<serde_json::Value>(&first).is_err() {
        let mut text = first;
        lines.read_to_string(&mut text)?;
        return Ok(load::load(&text, index, now)?);
    }
    let mut r = load::Loaded::default();
    load::load_line(first_no, &first, index, now, &mut r)?;
    let mut n = first_no;
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line)? == 0 {
            break;
        }
        n += 1;
        load::load_line(n, &line, index, now, &mut r)?;
    }
    if r.objects == 0 {
        return Err(load::LoadError::NoObjects.into());
    }
    Ok(r)
}

fn add(total: &mut Summary, s: &Summary) {
    total.lines += s.lines;
    total.values += s.values;
    total.observables += s.observables;
    total.unrecognised += s.unrecognised;
    total.malformed += s.malformed;
    total.hits += s.hits;
    total.observables_hit += s.observables_hit;
    for l in &s.malformed_lines {
        if total.malformed_lines.len() < simpul_matcher::input::MAX_REPORTED {
            total.malformed_lines.push(l.clone());
        }
    }
}

/// A progress bar on stderr, only when stderr is a terminal: bytes when the size of every
/// input is known, a spinner otherwise.
fn progress(total: Option<u64>) -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let b = match total {
        Some(t) => indicatif::ProgressBar::new(t),
        None => indicatif::ProgressBar::new_spinner(),
    };
    let style = indicatif::ProgressStyle::with_template(
        "{spinner} {bytes}/{total_bytes} {wide_bar} {eta} ({bytes_per_sec})",
    );
    if let Ok(s) = style {
        b.set_style(s);
    }
    b.set_draw_target(indicatif::ProgressDrawTarget::stderr());
    Some(b)
}
