//! Integration tests of the `simpul` program: the server over real HTTP on a random port (on SQLite
//! and PostgreSQL), the route matrix, and the command line as a subprocess. (The store stories are
//! `simpul-store-tests`, run by each backend.)
//!
//! PostgreSQL tests are `#[ignore]`d with the reason, so a plain `cargo test` reports them skipped;
//! the PostgreSQL leg of `.ci/run` sets `SIMPUL_TEST_POSTGRES` and runs them with
//! `--include-ignored` (without the variable they fail, never pass vacuously).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod cases_api;
mod cli;
mod collection_changes;
mod comm_check_bench;
mod comm_check_cli;
mod comm_check_e2e;
mod comm_check_scheduled;
mod comm_checks_api;
mod contacts;
mod correlation;
mod decay;
mod durability;
mod export;
mod federation;
mod hardening;
mod helpers;
mod identity;
mod imports;
mod intel;
mod limits;
mod lineage;
mod mail;
mod match_server;
mod matching;
mod matrix;
mod misp;
mod misp_export;
mod misp_sightings;
mod object_changes;
mod pattern;
mod profiles;
mod request_world;
mod requests_api;
mod server;
mod sightings;
mod stix;
mod taxii;
mod version_base;
mod warninglists;
mod web;
mod web_ack;
mod web_admin;
mod web_browse;
mod web_checks;
mod web_directory;
mod web_match;
mod web_object;
mod web_pages;
mod web_requests;
mod web_submit;
mod webhooks;
mod webhooks_rest;
mod webhooks_ssrf;
mod world;
