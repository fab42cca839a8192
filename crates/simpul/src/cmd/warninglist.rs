//! `simpul warninglist …`: which MISP warninglists are loaded, and whether a value is on one. The
//! lists are public data, read from the configured directory (`warninglists` / `--warninglists`);
//! no database is opened.

use std::process::ExitCode;

use simpul::config::{Config, StoreArgs};
use simpul_core::warninglist::service::{check, read_value};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Whether a value is on a warninglist (exit 0 listed, 1 not listed, 2 unusable input).
    Check {
        /// The value (a domain, URL, address, hash, e-mail address, phone number…).
        value: String,
        /// Its observable type (`domain`, `url`, `ipv4`, `md5`, `phone`…); detected when left out.
        #[arg(long = "type", value_name = "TYPE")]
        ty: Option<String>,
        /// The region of national forms (phone numbers), as an ISO 3166 code (`SG`, `TH`…).
        #[arg(long, value_name = "CC")]
        region: Option<String>,
        /// Print JSON (`{"observable", "warninglists": [{"name", "type"}]}`), as REST answers.
        #[arg(long)]
        json: bool,
    },
    /// The lists loaded: name, type, entries.
    List,
}

pub fn run(store: &StoreArgs, args: Args) -> ExitCode {
    let config = match Config::resolve(store, None) {
        Ok(c) => c,
        Err(e) => return super::usage(&e),
    };
    if config.warninglists.is_none() {
        return super::usage(
            &"no warninglists configured: set `warninglists` in the configuration, \
               SIMPUL_WARNINGLISTS or --warninglists DIR",
        );
    }
    let lists = match simpul::load_warninglists(&config) {
        Ok(l) => l,
        Err(e) => return super::usage(&super::one_line(&e)),
    };
    match args.command {
        Command::List => {
            for l in lists.lists() {
                println!("{}\t{}\t{}", l.name, l.kind.as_str(), l.entries);
            }
            ExitCode::SUCCESS
        }
        Command::Check {
            value,
            ty,
            region,
            json,
        } => {
            let ctx = match region.as_deref().map(str::parse) {
                None => simpul_observable::Context::new(),
                Some(Ok(r)) => simpul_observable::Context::with_region(r),
                Some(Err(_)) => {
                    return super::usage(&format!(
                        "--region {:?}: not an ISO 3166 country code",
                        region.unwrap_or_default()
                    ));
                }
            };
            let c = match read_value(&value, ty.as_deref(), &ctx) {
                Ok(c) => c,
                Err(e) => return super::usage(&e),
            };
            let answer = check(&lists, &c);
            if json {
                println!("{}", serde_json::to_string(&answer).unwrap_or_default());
            } else if answer.lists.is_empty() {
                println!("{}: on no warninglist", answer.observable);
            } else {
                for l in &answer.lists {
                    println!("{}: {}", answer.observable, l.name);
                }
            }
            if answer.lists.is_empty() {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            }
        }
    }
}
