//! The `simpul` command: the server and the command-line tools.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd;

#[derive(Debug, Parser)]
#[command(
    name = "simpul",
    version,
    about = "simpul: the ASEAN Regional CERT exchange"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// STIX 2.1: validate objects and bundles.
    Stix(cmd::stix::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Stix(args) => cmd::stix::run(args),
    }
}
