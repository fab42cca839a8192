//! The intelligence exchange at the command line, on the configured database: `collection add`,
//! `collection list`, `collection set` (as the operator, who administers collections) and `import`
//! (as a named user, `--as EMAIL`: what they share is theirs, exactly as if posted over REST).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use simpul::config::StoreArgs;
use simpul_core::intel::collection_change::CollectionPatch;
use simpul_core::intel::service::{AudienceNames, NewCollection, ShareReport};
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
    /// STIX files: a bundle, one object or a JSON array of objects each.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// The user to share as (their organisation is the producer).
    #[arg(long = "as", value_name = "EMAIL")]
    as_user: String,
    /// The collection to share into.
    #[arg(long)]
    collection: Uuid,
}

/// Shares each file as the named user. Re-running stores nothing twice (what is stored is
/// skipped). Each file is read whole: memory grows with the largest file.
pub fn import(store: &StoreArgs, args: ImportArgs) -> ExitCode {
    with_service(store, |svc, op| async move {
        let me = svc.act_as(&op, &args.as_user).await?;
        let collection = CollectionId(args.collection);
        let mut total = ShareReport::default();
        let mut failures = Vec::new();
        for file in &args.files {
            let body =
                std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
            let report = svc
                .share(&me, collection, &body, &[])
                .await
                .with_context(|| format!("{}", file.display()))?;
            total.stored.extend(report.stored);
            total.skipped.extend(report.skipped);
            failures.extend(report.failed.into_iter().map(|f| (file.clone(), f)));
        }
        println!(
            "stored {}, skipped {}, failed {}",
            total.stored.len(),
            total.skipped.len(),
            failures.len()
        );
        for (file, f) in failures.iter().take(SHOWN_FAILURES) {
            eprintln!(
                "simpul: {}: object {} at {}: {}",
                file.display(),
                f.index,
                if f.path.is_empty() { "/" } else { &f.path },
                f.message
            );
        }
        if failures.len() > SHOWN_FAILURES {
            eprintln!(
                "simpul: … and {} more failures",
                failures.len() - SHOWN_FAILURES
            );
        }
        Ok(if failures.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        })
    })
}
