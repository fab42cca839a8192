//! Authentication: API tokens, web sessions, sign-in with its throttling, and who is asking.
//!
//! Authentication runs before anyone is known, so it cannot hold a [`Grant`](crate::Grant); it reads
//! credentials with [`Authenticating`], a proof only this module can make.

pub mod service;
pub mod store;
mod tokens;

/// Proof for the store reads and writes of authentication itself (credentials, sessions, failed
/// sign-in counters). Its field is private to this module, so nothing else can make one.
#[derive(Debug)]
pub struct Authenticating(());

impl Authenticating {
    pub(in crate::auth) const PROOF: Authenticating = Authenticating(());
}
