//! Integration tests of the `simpul` program: the store story on both backends, the server over real
//! HTTP on a random port, and the command line as a subprocess.
//!
//! PostgreSQL tests run when `SIMPUL_TEST_POSTGRES` is set (the PostgreSQL leg of `.ci/run` sets it);
//! otherwise they print that they were skipped.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod cli;
mod hardening;
mod helpers;
mod identity;
mod matching;
mod pattern;
mod server;
mod stix;
mod store_story;
