//! The directory: organisations (who shares, who receives) and sharing communities. The models are
//! [`crate::org`] and [`crate::user::Community`]; and each organisation's RFC 2350 team profile
//! ([`profile`]: the model and its validation; [`profile_service`], [`profile_store`], and the
//! text rendering [`rfc2350`]).

pub mod freshness;
pub mod profile;
pub mod profile_service;
pub mod profile_store;
pub mod rfc2350;
pub mod service;
pub mod store;
