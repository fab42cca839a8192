#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Integration tests of simpul-stix (one test binary).

mod conformance;
mod properties;
mod reports;
