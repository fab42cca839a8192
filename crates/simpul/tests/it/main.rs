#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Integration tests of the `simpul` binary (one test binary).

mod stix;
