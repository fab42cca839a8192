//! One module per command group. Each exposes `Args` (clap) and `run(args) -> ExitCode`.
//!
//! Exit codes: 0 success, 1 failure (one line on stderr naming it), 2 unusable input or configuration.

use std::process::ExitCode;

pub mod admin;
pub mod comm_check;
pub mod config;
pub mod contact;
pub mod export;
pub mod intel;
pub mod mail;
pub mod match_;
pub mod pattern;
pub mod peer;
pub mod profile;
pub mod serve;
pub mod stix;
pub mod warninglist;

/// Prints `simpul: error: …` with the whole cause chain on one line and returns exit code 1.
pub fn fail(err: &anyhow::Error) -> ExitCode {
    eprintln!("simpul: error: {}", one_line(err));
    ExitCode::FAILURE
}

/// Prints a configuration or usage error on one line and returns exit code 2.
pub fn usage(msg: &dyn std::fmt::Display) -> ExitCode {
    eprintln!("simpul: error: {msg}");
    ExitCode::from(2)
}

/// The cause chain of `err` joined on one line.
pub fn one_line(err: &anyhow::Error) -> String {
    err.chain()
        .map(|e| e.to_string().replace('\n', " "))
        .collect::<Vec<_>>()
        .join(": ")
}

/// The MISP warninglists the configuration names (none when it names no directory), for a command
/// that flags or leaves out listed values; a configuration or a directory that cannot be read is
/// exit 2 with one line.
pub fn warninglists(
    store: &simpul::config::StoreArgs,
) -> Result<std::sync::Arc<simpul_core::warninglist::Warninglists>, ExitCode> {
    let config = simpul::config::Config::resolve(store, None).map_err(|e| usage(&e))?;
    simpul::load_warninglists(&config).map_err(|e| usage(&one_line(&e)))
}

/// The decay model the configuration describes (`[decay]`), for a command that scores indicators;
/// a bad configuration is exit 2 with one line.
pub fn decay_model(
    store: &simpul::config::StoreArgs,
) -> Result<simpul_core::decay::DecayModel, ExitCode> {
    simpul::config::Config::resolve(store, None)
        .map(|c| c.decay)
        .map_err(|e| usage(&e))
}

/// A tokio runtime for a command.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}
