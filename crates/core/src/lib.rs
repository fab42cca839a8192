//! simpul's domain core.
//!
//! Owns the domain model, the access decisions ([`access`]: who may do what, and the seam of the
//! sharing policy), the store traits every backend implements ([`store`], one trait per domain), the
//! service layer every edge (REST, TAXII, web, CLI) calls ([`Service`]), the hash-chained audit log,
//! secrets, the demo seed and the [`Clock`].
//!
//! A domain is a folder: `directory/` (organisations, communities), `identity/` (users),
//! `auth/` (tokens, sessions, sign-in), `audit/` (the log), each with its `service.rs` (an
//! `impl Service` block) and `store.rs` (its store trait). The only shared edits for a new domain are
//! one-line registrations: a `pub mod` here, a supertrait on [`store::Store`].
//!
//! Must never: do network or file I/O of its own (backends and edges do), read the wall clock inside
//! logic (it takes a [`Clock`]), or know which backend it runs on.

pub mod access;
pub mod audit;
pub mod auth;
pub mod cases;
pub mod clock;
pub mod comm_checks;
pub mod contacts;
pub mod country;
pub mod csv;
pub mod decay;
pub mod demo;
pub mod directory;
pub mod error;
pub mod export;
pub mod federation;
pub mod identity;
pub mod intel;
pub mod mail;
pub mod misp;
pub mod org;
pub mod requests;
pub mod secret;
pub mod service;
pub mod store;
pub mod token;
pub mod tz;
pub mod user;
pub mod warninglist;
pub mod webhooks;

pub use access::{Action, AuthMethod, Grant, Principal, UserPrincipal, Visibility, authorize};
pub use audit::{AuditAction, AuditEntry, AuditEvent};
pub use auth::service::Whoami;
pub use clock::{Clock, SharedClock, SystemClock};
pub use error::{CoreError, Invalid};
pub use org::{OrgId, OrgKind, OrgStatus, Organisation, ShortName};
pub use service::Service;
pub use store::{PoolStatus, Probe, SchemaStatus, Store, StoreError};
pub use token::{ApiToken, Scope, Scopes, Session, TokenId};
pub use user::{Community, CommunityId, CommunityName, Email, Role, User, UserId, UserStatus};
