//! The PostgreSQL backend's tests: the store stories every backend tells (`simpul-store-tests`), each
//! on a fresh schema, and what only PostgreSQL has to prove.
//!
//! They need a database: set `SIMPUL_TEST_POSTGRES` (e.g. `postgres://postgres@127.0.0.1:5432/test`)
//! and run with `--include-ignored`. A plain `cargo test` lists them as ignored; `--include-ignored`
//! without the variable fails them, so they never pass without having run.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod intel;
mod postgres;
mod stories_on_postgres;
mod support;
