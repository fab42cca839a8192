//! Fixed facts of STIX 2.1 and its companion standards that several simpul crates need, kept
//! once: the TLP levels and the TLP marking-definition ids ([`tlp`]), and the PAP levels and
//! their marking-definition ids ([`pap`]), and the FIRST CSIRT Services Framework's areas
//! and services ([`csirt_services`]).
//!
//! This crate is data and small pure functions. It depends on no other simpul crate (every crate
//! may depend on it), does no I/O and never panics. It knows what a TLP marking *is*, never what
//! a level *allows*: who may see what is the core crate's sharing policy.

pub mod csirt_services;
pub mod pap;
pub mod tlp;

pub use pap::Pap;
pub use tlp::{Tlp, UnknownTlp};
