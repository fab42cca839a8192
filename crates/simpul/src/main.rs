//! The `simpul` command: the server and the command-line tools.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd;

#[derive(Debug, Parser)]
#[command(
    name = "simpul",
    version,
    about = "simpul: the ASEAN Regional CERT exchange",
    propagate_version = true
)]
struct Cli {
    /// Where the data is: accepted before or after the subcommand (`simpul --data DIR org list`).
    #[command(flatten)]
    store: simpul::config::StoreArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server.
    Serve(cmd::serve::Args),
    /// Print the effective configuration (secrets redacted) and check it.
    Config(cmd::config::Args),
    /// Manage organisations.
    Org(cmd::admin::OrgArgs),
    /// Manage sharing communities.
    Community(cmd::admin::CommunityArgs),
    /// Manage users.
    User(cmd::admin::UserArgs),
    /// Manage API tokens.
    Token(cmd::admin::TokenArgs),
    /// Verify and read the audit log.
    Audit(cmd::admin::AuditArgs),
    /// Manage collections of shared intelligence.
    Collection(cmd::intel::CollectionArgs),
    /// Share STIX files into a collection as a named user.
    Import(cmd::intel::ImportArgs),
    /// STIX 2.1 objects: validate.
    Stix(cmd::stix::Args),
    /// STIX patterns: check syntax, match observations.
    Pattern(cmd::pattern::Args),
    /// Match observables from logs and lists against indicators.
    Match(cmd::match_::Args),
    /// Export what a user may see for firewalls, resolvers and sensors (Suricata, Zeek, RPZ, CSV…).
    Export(cmd::export::Args),
    /// MISP warninglists: is a value known benign (public resolvers, top domains, test hashes…)?
    Warninglist(cmd::warninglist::Args),
    /// Federation peers: other TAXII 2.1 nodes to pull from and push to.
    Peer(cmd::peer::Args),
    /// Outgoing mail: the sent-mail record, a test message.
    Mail(cmd::mail::Args),
    /// The POC network's contacts: add, list.
    Contact(cmd::contact::Args),
    /// Communication checks of the POC network: start, report, list.
    CommCheck(cmd::comm_check::Args),
}

/// Output into a closed pipe (`simpul org list | head -1`) ends the program quietly, as it does any
/// Unix tool. `print!` reports a closed stdout by panicking (Rust ignores SIGPIPE, and resetting it
/// needs `unsafe`), so the panic hook turns exactly that panic into a quiet exit with status 0; every
/// other panic keeps the default report.
fn quiet_on_closed_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let msg = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or("");
        if msg.starts_with("failed printing to stdout") && msg.contains("Broken pipe") {
            std::process::exit(0);
        }
        default(info);
    }));
}

fn main() -> ExitCode {
    quiet_on_closed_pipe();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // --help and --version
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            // One line: clap's message and its hint, without the usage block.
            let rendered = e.render().to_string();
            let line = rendered
                .lines()
                .map(str::trim)
                .filter(|l| {
                    !l.is_empty()
                        && !l.starts_with("Usage:")
                        && !l.starts_with("For more information")
                })
                .collect::<Vec<_>>()
                .join(" ");
            eprintln!("simpul: {line}");
            return ExitCode::from(2);
        }
    };
    let store = &cli.store;
    match cli.command {
        Command::Serve(args) => cmd::serve::run(store, args),
        Command::Config(args) => cmd::config::run(store, args),
        Command::Org(args) => cmd::admin::org(store, args),
        Command::Community(args) => cmd::admin::community(store, args),
        Command::User(args) => cmd::admin::user(store, args),
        Command::Token(args) => cmd::admin::token(store, args),
        Command::Audit(args) => cmd::admin::audit(store, args),
        Command::Collection(args) => cmd::intel::collection(store, args),
        Command::Import(args) => cmd::intel::import(store, args),
        Command::Stix(args) => cmd::stix::run(args),
        Command::Pattern(args) => cmd::pattern::run(args),
        Command::Match(args) => cmd::match_::run(store, args),
        Command::Export(args) => cmd::export::run(store, args),
        Command::Warninglist(args) => cmd::warninglist::run(store, args),
        Command::Peer(args) => cmd::peer::run(store, args),
        Command::Mail(args) => cmd::mail::run(store, args),
        Command::Contact(args) => cmd::contact::run(store, args),
        Command::CommCheck(args) => cmd::comm_check::run(store, args),
    }
}
