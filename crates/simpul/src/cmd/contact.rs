//! `simpul contact`: the POC network's contacts on the configured database, as the operator —
//! `add` (prints only the new contact's id) and `list` (a table, or `--json`).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use simpul::config::StoreArgs;
use simpul_core::access::directory::Reader;
use simpul_core::contacts::store::ContactQuery;
use simpul_core::contacts::{ContactKind, DirectoryVisibility, NewContact};

use super::admin::with_service;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: ContactCommand,
}

#[derive(Debug, Subcommand)]
enum ContactCommand {
    /// Add a contact to an organisation; prints its id.
    Add {
        /// The organisation's short name.
        #[arg(long)]
        org: String,
        #[arg(long)]
        name: String,
        /// An e-mail address (repeat for more).
        #[arg(long = "email")]
        emails: Vec<String>,
        /// A phone number, international or of the organisation's country (repeat for more).
        #[arg(long = "phone")]
        phones: Vec<String>,
        /// technical-poc, diplomatic-poc, 24x7-duty, head-of-team, escalation (comma-separated).
        #[arg(long = "kind", value_delimiter = ',', default_value = "technical-poc")]
        kinds: Vec<String>,
        /// A functional mailbox (a duty desk) rather than a person.
        #[arg(long)]
        mailbox: bool,
        /// A file holding the contact's ASCII-armoured OpenPGP public key.
        #[arg(long, value_name = "FILE")]
        pgp_key: Option<PathBuf>,
        /// members (the default), partners or public.
        #[arg(long)]
        visibility: Option<String>,
    },
    /// List contacts (of one organisation with --org).
    List {
        #[arg(long)]
        org: Option<String>,
        /// Print JSON (one array) instead of a table.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(store: &StoreArgs, args: Args) -> ExitCode {
    with_service(store, |svc, op| async move {
        match args.command {
            ContactCommand::Add {
                org,
                name,
                emails,
                phones,
                kinds,
                mailbox,
                pgp_key,
                visibility,
            } => {
                let o = svc.org_by_short_name(&op, &org).await?;
                let pgp_key = pgp_key
                    .map(|p| {
                        std::fs::read_to_string(&p)
                            .with_context(|| format!("cannot read {}", p.display()))
                    })
                    .transpose()?;
                let new = NewContact {
                    name,
                    mailbox,
                    kinds: kinds
                        .iter()
                        .map(|k| k.trim().parse::<ContactKind>())
                        .collect::<Result<_, _>>()?,
                    emails,
                    phones,
                    pgp_key,
                    visibility: visibility
                        .as_deref()
                        .map(str::parse::<DirectoryVisibility>)
                        .transpose()?,
                    ..Default::default()
                };
                let c = svc.add_contact(&op, o.id, new).await?;
                println!("{}", c.id);
            }
            ContactCommand::List { org, json } => {
                let orgs = svc.list_orgs(&op).await?;
                let orgs_wanted = match org {
                    Some(short) => Some(vec![svc.org_by_short_name(&op, &short).await?.id]),
                    None => None,
                };
                let query = ContactQuery {
                    orgs: orgs_wanted,
                    ..Default::default()
                };
                let contacts = svc.list_contacts(Reader::Signed(&op), query).await?;
                if json {
                    println!("{}", serde_json::to_string_pretty(&contacts)?);
                } else {
                    println!(
                        "{:<14} {:<36}  {:<9} {:<28} {:<32} NAME",
                        "ORG", "ID", "VISIBLE", "KINDS", "E-MAIL"
                    );
                    for c in contacts {
                        let short = orgs
                            .iter()
                            .find(|o| o.id == c.org_id)
                            .map(|o| o.short_name.as_str().to_owned())
                            .unwrap_or_else(|| "-".into());
                        let kinds: Vec<&str> = c.kinds.iter().map(|k| k.as_str()).collect();
                        println!(
                            "{:<14} {}  {:<9} {:<28} {:<32} {}",
                            short,
                            c.id,
                            c.visibility.as_str(),
                            kinds.join(","),
                            c.emails.first().map(|e| e.as_str()).unwrap_or("-"),
                            c.name
                        );
                    }
                }
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}
