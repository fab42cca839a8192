//! The directory: organisations (who shares, who receives) and sharing communities. The models are
//! [`crate::org`] and [`crate::user::Community`].

pub mod service;
pub mod store;
