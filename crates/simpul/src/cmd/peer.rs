//! `simpul peer`: federation peers on the configured database, as the operator — `add` (the same
//! name replaces a peer), `list` (with each peer's sync status), `remove`, and `sync` (one round
//! now, in the foreground). Credentials are sealed with the federation key (`[federation]` key or
//! key file) and never printed.

use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use simpul::config::{Config, StoreArgs};
use simpul::federation::client::Limits;
use simpul_core::Service;
use simpul_core::federation::{
    CollectionMap, DEFAULT_INTERVAL_SECS, Direction, NewPeer, PeerAuth, PeerName,
};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: PeerCommand,
}

#[derive(Debug, Subcommand)]
enum PeerCommand {
    /// Add a peer (or replace the one of this name).
    #[command(group(clap::ArgGroup::new("auth").required(true).args(["token", "token_stdin", "user"])))]
    Add {
        name: String,
        /// The peer's TAXII 2.1 discovery URL.
        #[arg(long)]
        url: String,
        /// A bearer token for the peer. It is visible to other users of this machine in the
        /// process list: prefer --token-stdin.
        #[arg(long)]
        token: Option<String>,
        /// Read the bearer token from the first line of stdin.
        #[arg(long)]
        token_stdin: bool,
        /// The user for HTTP Basic at the peer (the password is read from stdin).
        #[arg(long, requires = "password_stdin")]
        user: Option<String>,
        /// Read the HTTP Basic password from the first line of stdin.
        #[arg(long, requires = "user")]
        password_stdin: bool,
        /// pull, push or both.
        #[arg(long)]
        direction: String,
        /// REMOTE_COLLECTION_ID=LOCAL_COLLECTION_ID (repeat for more).
        #[arg(long = "map", required = true)]
        maps: Vec<String>,
        /// Seconds between the server's rounds.
        #[arg(long, default_value_t = DEFAULT_INTERVAL_SECS)]
        interval: u32,
        /// The local account of the peer's organisation (pulled objects are shared as it; what
        /// it may see bounds what is pushed).
        #[arg(long = "as", value_name = "EMAIL")]
        act_as: String,
    },
    /// List peers with their sync status.
    List,
    /// Remove a peer and its cursors.
    Remove { name: String },
    /// Run one sync round now; prints what was pulled, pushed and refused.
    Sync { name: String },
}

pub fn run(store: &StoreArgs, args: Args) -> ExitCode {
    if let PeerCommand::Add {
        name,
        direction,
        maps,
        ..
    } = &args.command
    {
        // Input mistakes are exit 2, before anything is opened.
        if let Err(e) = PeerName::parse(name) {
            return super::usage(&e);
        }
        if let Err(e) = direction.parse::<Direction>() {
            return super::usage(&format!("--direction: {}", e.message));
        }
        for m in maps {
            if let Err(e) = CollectionMap::parse("--map", m) {
                return super::usage(&e);
            }
        }
    }
    let with_key =
        |c: &Config, svc: Service| Ok(svc.with_federation_key(simpul::federation::load_key(c)?));
    super::admin::with_service_from(store, with_key, |svc, op| async move {
        match args.command {
            PeerCommand::Add {
                name,
                url,
                token,
                token_stdin,
                user,
                password_stdin: _,
                direction,
                maps,
                interval,
                act_as,
            } => {
                let auth = match (token, token_stdin, user) {
                    (Some(token), _, _) => PeerAuth::Token { token },
                    (None, true, _) => PeerAuth::Token {
                        token: secret_line("token")?,
                    },
                    (None, false, Some(user)) => PeerAuth::Basic {
                        user,
                        password: secret_line("password")?,
                    },
                    (None, false, None) => {
                        anyhow::bail!("give --token-stdin, --token or --user")
                    }
                };
                let new = NewPeer {
                    name: PeerName::parse(&name)?,
                    url,
                    auth,
                    direction: direction.parse()?,
                    maps: maps
                        .iter()
                        .map(|m| CollectionMap::parse("--map", m))
                        .collect::<Result<_, _>>()?,
                    interval_secs: interval,
                    act_as,
                };
                let p = svc.add_peer(&op, new).await?;
                println!("{} {}", p.name, p.id);
            }
            PeerCommand::List => {
                let now = svc.now();
                println!(
                    "{:<20} {:<9} {:<10} {:<8} {:>8} {:>8} {:>8} {:>8} {:>6}  URL  LAST ERROR",
                    "NAME",
                    "DIRECTION",
                    "LAST SYNC",
                    "LAG",
                    "IN",
                    "OUT",
                    "REFUSED",
                    "RETRYING",
                    "ERRORS"
                );
                for p in svc.list_peers(&op).await? {
                    let st = &p.status;
                    let last = st
                        .last_sync
                        .map_or_else(|| "never".to_owned(), |t| t.time().to_string());
                    let lag = st
                        .lag(now)
                        .map_or_else(|| "-".to_owned(), |d| format!("{}s", d.whole_seconds()));
                    println!(
                        "{:<20} {:<9} {:<10} {:<8} {:>8} {:>8} {:>8} {:>8} {:>6}  {}  {}",
                        p.name,
                        p.direction,
                        last,
                        lag,
                        st.objects_in,
                        st.objects_out,
                        st.refused,
                        st.retrying,
                        st.errors,
                        p.url,
                        st.last_error.as_deref().unwrap_or("-")
                    );
                }
            }
            PeerCommand::Remove { name } => {
                svc.remove_peer(&op, &name).await?;
            }
            PeerCommand::Sync { name } => {
                let config = Config::resolve(store, None)?;
                simpul::federation::apply_configured_peers(&svc, &config).await?;
                let lease = config.federation.lease_secs;
                let r = simpul::federation::sync::leased_round(
                    &svc,
                    &op,
                    &name,
                    Limits::default(),
                    lease,
                )
                .await
                .with_context(|| format!("peer {name}"))?
                .with_context(|| {
                    format!(
                        "peer {name}: a round is running elsewhere (the server or another \
                             `peer sync` holds its lease); try again when it ends"
                    )
                })?;
                println!(
                    "pulled {} pushed {} refused {} (held already {}, withheld by the forwarding rules {}, \
                     queued for a later round {})",
                    r.pulled, r.pushed, r.refused, r.held, r.withheld, r.queued
                );
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// The first line of stdin (without its line end), refused when empty: a secret is never taken
/// from the command line, where the process list shows it.
fn secret_line(what: &str) -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .with_context(|| format!("cannot read the {what} from stdin"))?;
    let secret = line.trim_end_matches(['\r', '\n']);
    if secret.is_empty() {
        anyhow::bail!("the {what} on stdin is empty");
    }
    Ok(secret.to_owned())
}
