//! The intelligence exchange at the command line, on the configured database: `collection add`,
//! `collection list`, `collection set` (as the operator, who administers collections) and `import`
//! (as a named user, `--as EMAIL`: what they share is theirs, exactly as if imported over REST,
//! through an import job run in the foreground).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use simpul::config::StoreArgs;
use simpul_core::intel::collection_change::CollectionPatch;
use simpul_core::intel::imports::ImportCounts;
use simpul_core::intel::service::{AudienceNames, NewCollection, ShareOptions};
use simpul_core::intel::{Audience, CollectionId, parse_tlp};
use uuid::Uuid;

use super::admin::with_service;

/// How many failures `import` names.
const SHOWN_FAILURES: usize = 10;

#[derive(Debug, clap::Args)]
pub struct CollectionArgs {
    #[command(subcommand)]
    command: CollectionCommand,
}

#[derive(Debug, Subcommand)]
enum CollectionCommand {
    /// Create a collection shared with a community, organisations or named users; prints its id.
    #[command(group(
        clap::ArgGroup::new("audience")
            .required(true)
            .args(["community", "orgs", "users"])
    ))]
    Add {
        #[arg(long)]
        title: String,
        /// Share with the organisations of this community.
        #[arg(long)]
        community: Option<String>,
        /// Share with these organisations (short names, comma-separated).
        #[arg(long, value_delimiter = ',')]
        orgs: Vec<String>,
        /// Share with these users (emails, comma-separated).
        #[arg(long, value_delimiter = ',')]
        users: Vec<String>,
        /// A chosen id (a new one otherwise).
        #[arg(long)]
        id: Option<Uuid>,
        /// A short unique name.
        #[arg(long)]
        alias: Option<String>,
        /// The marking of unmarked objects: clear, green, amber (default), amber+strict, red.
        #[arg(long)]
        default_tlp: Option<String>,
        #[arg(long, default_value = "")]
        description: String,
    },
    /// List collections.
    List,
    /// Change a collection; prints it as it now is.
    Set {
        id: Uuid,
        #[arg(long)]
        title: Option<String>,
        #[arg(long)]
        description: Option<String>,
        /// The marking of objects that arrive unmarked from now on.
        #[arg(long)]
        default_tlp: Option<String>,
        /// The organisations (short names, comma-separated) that may read but not write; `''`
        /// for none.
        #[arg(long, value_delimiter = ',')]
        read_only: Option<Vec<String>>,
    },
}

pub fn collection(store: &StoreArgs, args: CollectionArgs) -> ExitCode {
    with_service(store, |svc, op| async move {
        match args.command {
            CollectionCommand::Add {
                title,
                community,
                orgs,
                users,
                id,
                alias,
                default_tlp,
                description,
            } => {
                let names = match community {
                    Some(c) => AudienceNames::Community(c),
                    None if !orgs.is_empty() => AudienceNames::Orgs(orgs),
                    None => AudienceNames::Users(users),
                };
                let audience = svc.resolve_audience(&op, &names).await?;
                let new = NewCollection {
                    id: id.map(CollectionId),
                    title,
                    alias,
                    description,
                    audience,
                    default_tlp: default_tlp
                        .as_deref()
                        .map(|t| parse_tlp("--default-tlp", t))
                        .transpose()?,
                };
                println!("{}", svc.create_collection(&op, new).await?.id);
            }
            CollectionCommand::List => {
                println!(
                    "{:<36}  {:<16} {:<9} {:<9} TITLE",
                    "ID", "TLP", "AUDIENCE", "SIZE"
                );
                for c in svc.list_collections(&op).await? {
                    let size = match &c.audience {
                        Audience::Community { .. } => 1,
                        Audience::Orgs { orgs } => orgs.len(),
                        Audience::Users { users } => users.len(),
                    };
                    println!(
                        "{}  {:<16} {:<9} {:<9} {}",
                        c.id,
                        c.default_tlp.label(),
                        c.audience.kind(),
                        size,
                        c.title
                    );
                }
            }
            CollectionCommand::Set {
                id,
                title,
                description,
                default_tlp,
                read_only,
            } => {
                let patch = CollectionPatch {
                    title,
                    description,
                    default_tlp: default_tlp
                        .as_deref()
                        .map(|t| parse_tlp("--default-tlp", t))
                        .transpose()?,
                    read_only_orgs: read_only.map(|v| {
                        v.into_iter()
                            .map(|s| s.trim().to_owned())
                            .filter(|s| !s.is_empty())
                            .collect()
                    }),
                    ..CollectionPatch::default()
                };
                let c = svc.update_collection(&op, CollectionId(id), patch).await?;
                let orgs = svc.list_orgs(&op).await?;
                let short = |o: &simpul_core::OrgId| {
                    orgs.iter()
                        .find(|x| x.id == *o)
                        .map_or_else(|| o.to_string(), |x| x.short_name.to_string())
                };
                let read_only: Vec<String> = c.read_only_orgs.iter().map(short).collect();
                println!("id:           {}", c.id);
                println!("title:        {}", c.title);
                println!("alias:        {}", c.alias.as_deref().unwrap_or("-"));
                println!("description:  {}", c.description);
                println!("default TLP:  {}", c.default_tlp.label());
                println!("audience:     {}", c.audience.kind());
                println!(
                    "read-only:    {}",
                    if read_only.is_empty() {
                        "-".to_owned()
                    } else {
                        read_only.join(",")
                    }
                );
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// Files to import: STIX (a bundle, one object, a JSON array of objects, or JSON lines) or
    /// MISP JSON (one event, a list of events, a `{"response": [...]}` search answer), told
    /// apart by their content; or a MISP feed directory (`manifest.json` + `<uuid>.json`).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// The user to share as (their organisation is the producer).
    #[arg(long = "as", value_name = "EMAIL")]
    as_user: String,
    /// The collection to share into.
    #[arg(long)]
    collection: Uuid,
    /// The TLP of objects that arrive unmarked (clear, green, amber, amber+strict, red), instead
    /// of the collection's default.
    #[arg(long, value_name = "LEVEL")]
    tlp: Option<String>,
}

/// Imports each file as the named user, as an import job run here (recorded and audited like one
/// started over REST): any size in bounded memory, a transaction per batch. Re-running stores
/// nothing twice (what is stored is skipped). Prints the counts; exits 1 if anything failed,
/// naming the first failures with their file and position.
pub fn import(store: &StoreArgs, args: ImportArgs) -> ExitCode {
    with_service(store, |svc, op| async move {
        let me = svc.act_as(&op, &args.as_user).await?;
        let collection = CollectionId(args.collection);
        let opts = ShareOptions {
            recipients: Vec::new(),
            tlp: args
                .tlp
                .as_deref()
                .map(|t| parse_tlp("--tlp", t))
                .transpose()?,
        };
        // Refused before any file is read: an unknown user, collection or TLP, no right to write.
        svc.check_import(&me, collection, &opts).await?;
        let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
        let mut total = ImportCounts::default();
        let mut failures: Vec<String> = Vec::new();
        let mut stopped = 0usize;
        for file in &args.files {
            let job = if file.is_dir() {
                if !file.join("manifest.json").is_file() {
                    anyhow::bail!(
                        "{}: a directory is imported as a MISP feed, and has no manifest.json",
                        file.display()
                    );
                }
                svc.import_misp_feed_now(&me, collection, &opts, file.clone(), |_| {})
                    .await
                    .with_context(|| format!("{}", file.display()))?
            } else {
                let f = std::fs::File::open(file)
                    .with_context(|| format!("cannot read {}", file.display()))?;
                let size = f.metadata().ok().map(|m| m.len());
                let bar = progress_bar(tty, size, file);
                let reader: Box<dyn std::io::Read + Send> = match &bar {
                    Some(b) => Box::new(b.wrap_read(f)),
                    None => Box::new(f),
                };
                let job = svc
                    .import_now(&me, collection, &opts, reader, size, |_| {})
                    .await
                    .with_context(|| format!("{}", file.display()))?;
                if let Some(b) = bar {
                    b.finish_and_clear();
                }
                job
            };
            total.read += job.counts.read;
            total.stored += job.counts.stored;
            total.skipped += job.counts.skipped;
            total.failed += job.counts.failed;
            total.warnings += job.counts.warnings;
            for f in &job.failures {
                let at = if f.path.is_empty() { "/" } else { &f.path };
                failures.push(format!(
                    "{}: object {} at {at}: {}",
                    file.display(),
                    f.index,
                    f.message
                ));
            }
            if job.counts.failed > job.failures.len() as u64 {
                failures.push(format!(
                    "{}: … and {} more failures",
                    file.display(),
                    job.counts.failed - job.failures.len() as u64
                ));
            }
            if let Some(e) = &job.error {
                stopped += 1;
                failures.insert(0, format!("{}: stopped: {e}", file.display()));
            }
        }
        println!(
            "stored {}, skipped {}, failed {}, warnings {}",
            total.stored, total.skipped, total.failed, total.warnings
        );
        for f in failures.iter().take(SHOWN_FAILURES) {
            eprintln!("simpul: {f}");
        }
        if failures.len() > SHOWN_FAILURES {
            eprintln!(
                "simpul: … see the import jobs for the rest ({} lines not shown)",
                failures.len() - SHOWN_FAILURES
            );
        }
        Ok(if total.failed == 0 && stopped == 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        })
    })
}

/// A progress bar of bytes read on stderr, only when it is a terminal.
fn progress_bar(
    tty: bool,
    size: Option<u64>,
    file: &std::path::Path,
) -> Option<indicatif::ProgressBar> {
    if !tty {
        return None;
    }
    let bar =
        indicatif::ProgressBar::with_draw_target(size, indicatif::ProgressDrawTarget::stderr());
    let style = indicatif::ProgressStyle::with_template(
        "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
    )
    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
    .progress_chars("=> ");
    bar.set_style(style);
    bar.set_message(file.display().to_string());
    Some(bar)
}
