//! `simpul config`: print the effective configuration.

use std::process::ExitCode;

use simpul::config::{Config, ServeFlags, StoreArgs};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    serve: ServeFlags,
}

pub fn run(store: &StoreArgs, args: Args) -> ExitCode {
    match Config::resolve(store, Some(&args.serve)) {
        Ok(config) => {
            print!("{}", config.to_toml());
            ExitCode::SUCCESS
        }
        Err(e) => super::usage(&e),
    }
}
