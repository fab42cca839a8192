//! simpul's domain core.
//!
//! Owns the domain model (organisations and, later, users, communities, shared objects), the
//! store trait that every backend implements, the service layer that every edge (REST, TAXII, web, CLI)
//! calls, and — from P1.2 on — the one sharing-policy function.
//!
//! Must never: do network or file I/O of its own (backends and edges do), read the wall clock inside
//! logic (it takes a [`Clock`]), or know which backend it runs on.

pub mod access;
pub mod audit;
pub mod clock;
pub mod country;
pub mod demo;
pub mod error;
pub mod org;
pub mod secret;
pub mod service;
pub mod store;
pub mod token;
pub mod user;

pub use access::{Action, AuthMethod, Grant, Principal, UserPrincipal, authorize};
pub use audit::{AuditEntry, AuditEvent};
pub use clock::{Clock, SharedClock, SystemClock};
pub use error::{CoreError, Invalid};
pub use org::{OrgId, OrgKind, OrgStatus, Organisation, ShortName};
pub use service::Service;
pub use store::{PoolStatus, SchemaStatus, Store, StoreError};
pub use token::{ApiToken, Scope, Scopes, Session, TokenId};
pub use user::{Community, CommunityId, CommunityName, Email, Role, User, UserId, UserStatus};
