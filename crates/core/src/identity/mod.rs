//! Identity: users, their roles and passwords. The model is [`crate::user`].

pub mod service;
pub mod store;
