#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Integration tests of simpul-pattern (one test binary).

mod behaviour;
mod conformance;
mod never_panics;
