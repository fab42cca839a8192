//! `simpul match`: match observables from logs and lists against indicators (logic in
//! simpul-matcher: `input` reads the formats, `Index` matches, `load` reads indicator files).
//!
//! Three sources of indicators, one at a time:
//! * `--indicators FILE`: a STIX file, indexed in this process;
//! * `--as EMAIL`: the indicators that user may see in the configured database, through the
//!   core's match index (the sharing policy filters every hit; national forms are read in the
//!   user's organisation's country unless `--region` says otherwise);
//! * `--server URL --token T`: a simpul server's `POST /api/v1/match`, as the token's user. The
//!   values are read and normalised here (so counts and malformed lines are reported as in the
//!   other modes), sent in batches as `type|key`, and the server's JSON lines are written out as
//!   they arrive, each naming the value as read.
//!
//! Output: one JSON line per hit on stdout. Diagnostics on stderr: malformed input lines (the
//! first 20 of each input, `FILE:LINE: problem`), refused indicators (the first 20), and with
//! `--summary` one JSON object of counts as the last stderr line — stdout stays hits only, so
//! it can be piped. Exit 0 whether or not anything hit; 2 for unusable input (a missing
//! file, an unreadable indicators file, a bad option value); 1 when the database or the server
//! fails or refuses (one line naming why).

use std::io::{BufRead, BufReader, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, anyhow};
use simpul::config::StoreArgs;
use simpul_core::clock::{Clock, SystemClock};
use simpul_matcher::input::{Format, Matching, Reader, Source, Summary};
use simpul_matcher::{Hit, Index, load};
use simpul_observable::{Context, ObservableType, Region};
use time::OffsetDateTime;

mod remote;

#[derive(Debug, clap::Args)]
#[command(group(
    clap::ArgGroup::new("source").required(true).args(["indicators", "as_user", "server"])
))]
pub struct Args {
    /// Input files (`-` or none: standard input).
    inputs: Vec<PathBuf>,
    /// Indicators: a STIX bundle, a JSON list of objects, or JSON lines of objects.
    #[arg(long, value_name = "FILE")]
    indicators: Option<PathBuf>,
    /// Match against what this user may see in the configured database.
    #[arg(long = "as", value_name = "EMAIL")]
    as_user: Option<String>,
    /// Match through this simpul server (`https://simpul.example`), as the user of `--token`.
    #[arg(long, value_name = "URL", requires = "token")]
    server: Option<String>,
    /// The API token for `--server` (scope read).
    #[arg(
        long,
        value_name = "TOKEN",
        env = "SIMPUL_TOKEN",
        hide_env_values = true
    )]
    token: Option<String>,
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

/// An input to read.
struct Input {
    name: String,
    src: Box<dyn Read>,
    len: Option<u64>,
}

pub fn run(store: &StoreArgs, args: Args) -> ExitCode {
    let region = match args.region.as_deref().map(Region::parse).transpose() {
        Ok(r) => r,
        Err(e) => return super::usage(&e),
    };
    if args.format == Format::Csv && args.column.is_none() {
        return super::usage(&"--format csv needs --column NAME");
    }
    if let Some(path) = args.indicators.clone() {
        return with_file(&args, &path, region);
    }
    if let Some(email) = args.as_user.clone() {
        return as_user(store, &args, &email, region);
    }
    match (&args.server, &args.token) {
        (Some(url), Some(token)) => remote::remote(&args, url, token, region),
        _ => super::usage(&"name one of --indicators FILE, --as EMAIL, --server URL --token T"),
    }
}

fn ctx_of(region: Option<Region>) -> Context {
    region.map_or_else(Context::new, Context::with_region)
}

/// `--indicators FILE`.
fn with_file(args: &Args, path: &std::path::Path, region: Option<Region>) -> ExitCode {
    let now = SystemClock.now();
    let mut index = Index::new(Context::new());
    let loaded = match load_indicators(path, &mut index, now) {
        Ok(l) => l,
        Err(e) => {
            return super::usage(&format!("indicators file {}: {e}", path.display()));
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
    let inputs = match open_inputs(args) {
        Ok(i) => i,
        Err(code) => return code,
    };
    let sum = match match_all(args, &index, ctx_of(region), now, inputs) {
        Ok(s) => s,
        Err(code) => return code,
    };
    if args.summary {
        let mut j = sum.to_json(&index.stats());
        j["indicators"]["refused"] = loaded.refused.into();
        j["indicators"]["dropped"] = loaded.dropped.into();
        eprintln!("{j}");
    }
    ExitCode::SUCCESS
}

/// `--as EMAIL`: the core's match index over the configured database, as that user.
fn as_user(store: &StoreArgs, args: &Args, email: &str, region: Option<Region>) -> ExitCode {
    let inputs = match open_inputs(args) {
        Ok(i) => i,
        Err(code) => return code,
    };
    let email = email.to_owned();
    let lists = match super::warninglists(store) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let decay = match super::decay_model(store) {
        Ok(m) => m,
        Err(code) => return code,
    };
    super::admin::with_service(store, |svc, op| async move {
        let svc = svc.with_warninglists(lists).with_decay(decay);
        let me = svc.act_as(&op, &email).await?;
        let view = svc
            .scored_match_view(&me)
            .await
            .context("cannot load the match index")?;
        let ctx = region.map_or_else(|| *view.context(), Context::with_region);
        let reader = view.read();
        let sum = match match_all(args, &reader, ctx, view.now(), inputs) {
            Ok(s) => s,
            Err(code) => return Ok(code),
        };
        if args.summary {
            eprintln!("{}", sum.to_json(&reader.stats()));
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// Opens every input first: a missing file is unusable input, before any output.
fn open_inputs(args: &Args) -> Result<Vec<Input>, ExitCode> {
    let paths: Vec<PathBuf> = if args.inputs.is_empty() {
        vec![PathBuf::from("-")]
    } else {
        args.inputs.clone()
    };
    let mut out = Vec::new();
    for p in &paths {
        if p.as_os_str() == "-" {
            out.push(Input {
                name: "<stdin>".into(),
                src: Box::new(std::io::stdin()),
                len: None,
            });
        } else {
            match std::fs::File::open(p) {
                Ok(f) => {
                    let len = f.metadata().ok().map(|m| m.len());
                    out.push(Input {
                        name: p.display().to_string(),
                        src: Box::new(f),
                        len,
                    });
                }
                Err(e) => return Err(super::usage(&format!("input {}: {e}", p.display()))),
            }
        }
    }
    Ok(out)
}

/// Hits written to stdout, keeping the first write error.
struct Out {
    w: std::io::BufWriter<std::io::StdoutLock<'static>>,
    err: Option<std::io::Error>,
}

impl Out {
    fn new() -> Self {
        Self {
            w: std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock()),
            err: None,
        }
    }

    fn hit(&mut self, hit: &Hit<'_>) {
        if self.err.is_none() {
            let r = serde_json::to_writer(&mut self.w, hit)
                .map_err(std::io::Error::from)
                .and_then(|()| self.w.write_all(b"\n"));
            if let Err(e) = r {
                self.err = Some(e);
            }
        }
    }

    fn bytes(&mut self, b: &[u8]) {
        if self.err.is_none()
            && let Err(e) = self.w.write_all(b)
        {
            self.err = Some(e);
        }
    }

    /// Flushes; a closed pipe (`| head`) is not an error of the run.
    fn finish(mut self) -> Result<(), ExitCode> {
        if let Err(e) = self.w.flush() {
            self.err.get_or_insert(e);
        }
        match self.err {
            Some(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                Err(super::fail(&anyhow!("writing hits: {e}")))
            }
            _ => Ok(()),
        }
    }
}

/// Reads `input` line by line into `f` (1-based line numbers), advancing the progress bar.
fn each_line(
    input: Input,
    bar: Option<&indicatif::ProgressBar>,
    f: &mut dyn FnMut(u64, &str) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut lines = BufReader::with_capacity(1 << 16, input.src);
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
                if let Some(b) = bar
                    && n.is_multiple_of(4096)
                {
                    b.inc(std::mem::take(&mut pending));
                }
                let line = String::from_utf8_lossy(&buf);
                let line = line.strip_suffix('\n').unwrap_or(&line);
                f(n, line)?;
            }
            Err(e) => {
                eprintln!(
                    "simpul: warning: {}: read error after line {n}: {e}",
                    input.name
                );
                break;
            }
        }
    }
    Ok(())
}

/// The malformed lines of one input, on stderr.
fn report(name: &str, s: &Summary) {
    for (line, why) in &s.malformed_lines {
        eprintln!("simpul: warning: {name}:{line}: {why}");
    }
    if s.malformed > s.malformed_lines.len() as u64 {
        eprintln!(
            "simpul: warning: {name}: {} malformed lines in all",
            s.malformed
        );
    }
}

/// Matches every input against `source`, writing hits to stdout.
fn match_all(
    args: &Args,
    source: &dyn Source,
    ctx: Context,
    now: OffsetDateTime,
    inputs: Vec<Input>,
) -> Result<Summary, ExitCode> {
    let bar = progress(inputs.iter().map(|i| i.len).sum());
    let mut out = Out::new();
    let mut sum = Summary::default();
    for input in inputs {
        let name = input.name.clone();
        let reader = Reader::new(args.format, args.column.clone(), args.ty);
        let mut m = Matching::new(source, reader, ctx, now);
        let r = each_line(input, bar.as_ref(), &mut |n, line| {
            m.line(n, line, &mut |hit| out.hit(hit));
            Ok(())
        });
        if let Err(e) = r {
            return Err(super::fail(&e));
        }
        report(&name, &m.summary);
        add(&mut sum, &m.summary);
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    out.finish()?;
    Ok(sum)
}

/// Loads an indicators file. JSON lines (the first non-empty line is a whole JSON value) are
/// read and indexed line by line, so a large feed is never held in memory as text; anything
/// else (a pretty-printed bundle) is read whole.
fn load_indicators(
    path: &std::path::Path,
    index: &mut Index,
    now: OffsetDateTime,
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
