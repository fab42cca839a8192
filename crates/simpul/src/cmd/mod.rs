//! One module per command group. Each exposes `Args` (clap) and `run(args) -> ExitCode`.

pub mod stix;
