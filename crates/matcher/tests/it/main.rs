#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod agree;
mod index;
mod input;
mod parts;
