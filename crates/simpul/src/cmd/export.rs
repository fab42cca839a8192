//! `simpul export`: what a named user may see, in a format defenders load (logic in
//! `simpul_core::export`). Streams page by page to stdout or a file; what was left out is counted
//! on stderr.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use simpul::config::StoreArgs;
use simpul_core::export::{ExportOptions, Format};
use simpul_core::intel::{CollectionId, parse_tlp};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// `suricata`, `zeek`, `rpz`, `csv`, `text`, `stix` or `misp` (a JSON array of MISP events).
    #[arg(long, value_name = "FORMAT")]
    format: String,
    /// Export what this user may see.
    #[arg(long = "as", value_name = "EMAIL")]
    as_user: String,
    /// Only this collection.
    #[arg(long, value_name = "ID")]
    collection: Option<Uuid>,
    /// The first Suricata sid (default 1000000000; the export uses up to 10^9 sids from it).
    #[arg(long, value_name = "N")]
    sid_base: Option<u32>,
    /// Only indicators whose decay score is above N (0 to less than 100; default: the
    /// configuration's `decay.threshold`, 30 unless set).
    #[arg(long, value_name = "N")]
    min_score: Option<f64>,
    /// Only indicators at this TLP level (CLEAR, GREEN, AMBER, AMBER+STRICT, RED).
    #[arg(long, value_name = "LEVEL")]
    tlp: Option<String>,
    /// Only indicators produced by this organisation (its short name).
    #[arg(long, value_name = "SHORT")]
    org: Option<String>,
    /// Only indicators added after this time (RFC 3339): an incremental export.
    #[arg(long, value_name = "TIME")]
    added_after: Option<String>,
    /// Only indicators matching these words, as the object search.
    #[arg(long, value_name = "WORDS")]
    q: Option<String>,
    /// Write here instead of stdout (replaced only once the export is complete).
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
}

pub fn run(store: &StoreArgs, args: Args) -> ExitCode {
    let format = match Format::parse(&args.format) {
        Ok(f) => f,
        Err(e) => return super::usage(&format!("--format {:?}: {}", args.format, e.message)),
    };
    let lists = match super::warninglists(store) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let tlp = match args
        .tlp
        .as_deref()
        .map(|t| parse_tlp("--tlp", t))
        .transpose()
    {
        Ok(t) => t,
        Err(e) => return super::usage(&e.to_string()),
    };
    let added_after = match args
        .added_after
        .as_deref()
        .map(|t| OffsetDateTime::parse(t, &Rfc3339))
        .transpose()
    {
        Ok(t) => t,
        Err(e) => return super::usage(&format!("--added-after: not an RFC 3339 time ({e})")),
    };
    let mut opts = ExportOptions {
        collection: args.collection.map(CollectionId),
        sid_base: args.sid_base,
        min_score: args.min_score,
        tlp,
        producer: None,
        added_after,
        text: args.q.clone(),
    };
    let decay = match super::decay_model(store) {
        Ok(m) => m,
        Err(code) => return code,
    };
    super::admin::with_service(store, |svc, op| async move {
        let svc = svc.with_warninglists(lists).with_decay(decay);
        let me = svc.act_as(&op, &args.as_user).await?;
        if let Some(short) = &args.org {
            opts.producer = Some(
                svc.org_by_short_name(&me, short)
                    .await
                    .with_context(|| format!("--org {short}"))?
                    .id,
            );
        }
        let mut export = svc.export(&me, format, &opts)?;
        let (mut sink, temp): (Box<dyn Write>, Option<PathBuf>) = match &args.output {
            Some(path) => {
                let temp = path.with_extension("simpul-partial");
                let f = std::fs::File::create(&temp)
                    .with_context(|| format!("cannot write {}", temp.display()))?;
                (Box::new(std::io::BufWriter::new(f)), Some(temp))
            }
            None => (Box::new(std::io::stdout().lock()), None),
        };
        let written: anyhow::Result<()> = async {
            while let Some(chunk) = export.next_chunk().await? {
                sink.write_all(&chunk).context("cannot write the export")?;
            }
            sink.flush().context("cannot write the export")
        }
        .await;
        drop(sink);
        if let (Some(temp), Some(path)) = (temp, &args.output) {
            // A failed export leaves no partial file behind; a complete one replaces FILE.
            match &written {
                Ok(()) => std::fs::rename(&temp, path)
                    .with_context(|| format!("cannot write {}", path.display()))?,
                Err(_) => {
                    let _ = std::fs::remove_file(&temp);
                }
            }
        }
        written?;
        let s = export.summary();
        if format == Format::Misp {
            eprintln!(
                "exported {} MISP events with {} attributes and objects; {} indicators with \
                 to_ids false (not valid now or warninglisted)",
                s.indicators, s.written, s.not_valid_now
            );
            return Ok(ExitCode::SUCCESS);
        }
        eprintln!(
            "exported {} from {} indicators; left out: {} not valid now, {} not exportable \
             patterns, {} decayed, {} on warninglists, {} not in this format, {} restricted by PAP",
            s.written,
            s.indicators,
            s.not_valid_now,
            s.not_exportable,
            s.decayed,
            s.warninglisted,
            s.not_in_format,
            s.pap_restricted
        );
        Ok(ExitCode::SUCCESS)
    })
}
