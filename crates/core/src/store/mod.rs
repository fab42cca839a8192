//! The store: one trait per domain, composed into [`Store`], which every backend implements.
//!
//! A backend is chosen at start-up by URL scheme (`sqlite://…`, `postgres://…`). Each backend owns its
//! migrations, applies them when opened, records the schema version and refuses a database whose
//! schema is newer than the binary. A write is answered only after it is durable.
//!
//! The domain traits live beside their domain (`directory/store.rs`, `identity/store.rs`,
//! `auth/store.rs`, `audit/store.rs`); this module holds what they share: the error type, the
//! operational [`Probe`], the small [`MetaStore`], the composed [`Store`], and the row structs
//! ([`rows`]) that are the one decoding of stored columns into domain types.
//!
//! Every method that changes security-relevant state takes the [`AuditEvent`](crate::audit::AuditEvent)
//! describing it, and each backend writes it through its one `audited` helper, which appends the audit
//! entry in the same transaction as the change: either both are durable or neither is. Appends to the
//! audit chain are serialised by the backend so the chain never forks.
//!
//! Adding a domain: a `<domain>/store.rs` trait in core, a supertrait line on [`Store`], one file per
//! backend, one story module in `simpul-store-tests`.

use async_trait::async_trait;

pub use crate::audit::store::AuditStore;
pub use crate::auth::store::{AuthStore, LoginFailures};
pub use crate::cases::store::CaseStore;
pub use crate::comm_checks::store::CommCheckStore;
pub use crate::contacts::store::ContactStore;
pub use crate::directory::profile_store::ProfileStore;
pub use crate::directory::store::DirectoryStore;
pub use crate::federation::store::FederationStore;
pub use crate::identity::store::IdentityStore;
pub use crate::intel::aggregate::AggregateStore;
pub use crate::intel::imports_store::ImportStore;
pub use crate::intel::store::IntelStore;
pub use crate::intel::taxii_store::TaxiiStore;
pub use crate::mail::store::MailStore;
pub use crate::requests::store::RequestStore;
pub use crate::webhooks::store::WebhookStore;

pub mod rows;

/// A store failure. Edges map [`StoreError::Unavailable`] to 503; the rest are 500 unless the
/// service layer turned them into a client error first.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database cannot be reached (connection refused, pool exhausted, disk gone).
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// A uniqueness constraint refused the write; the string names what was duplicated.
    #[error("already exists: {0}")]
    Duplicate(String),
    /// The schema in the database is newer than this binary understands.
    #[error(
        "database schema version {found} is newer than this simpul understands (up to {known}); run a newer simpul"
    )]
    TooNew { found: i64, known: i64 },
    /// Stored data could not be read back (corruption or a bug).
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// Anything else from the backend.
    #[error("database error: {0}")]
    Backend(String),
}

/// Where the schema stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SchemaStatus {
    /// The version recorded in the database.
    pub current: i64,
    /// The newest version this binary knows.
    pub latest: i64,
}

impl SchemaStatus {
    pub fn is_current(&self) -> bool {
        self.current == self.latest
    }
}

/// Connection pool occupancy, for `/metrics`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PoolStatus {
    /// Connections open.
    pub size: usize,
    /// Connections idle.
    pub idle: usize,
    /// The most connections the pool opens.
    pub max: usize,
}

/// What a backend's audited change reports: whether it happened. A change that finds nothing to
/// do (revoking a token already revoked) answers `false`: the backend rolls it back and writes no
/// audit entry.
pub trait Outcome: Send {
    fn happened(&self) -> bool;
}

impl Outcome for () {
    fn happened(&self) -> bool {
        true
    }
}

impl Outcome for bool {
    fn happened(&self) -> bool {
        *self
    }
}

/// `None`: nothing to change; `Some`: the change happened, with what it reports.
impl<T: Send> Outcome for Option<T> {
    fn happened(&self) -> bool {
        self.is_some()
    }
}

/// What operations may ask of a store: liveness, schema and pool. This is the only part of the store
/// the edges can reach ([`crate::Service::probe`]), for `/readyz` and `/metrics`.
#[async_trait]
pub trait Probe: Send + Sync {
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;

    /// Round-trips a trivial query; fails with [`StoreError::Unavailable`] when the database is gone.
    async fn ping(&self) -> Result<(), StoreError>;

    /// The schema version in the database against the one this binary knows.
    async fn schema_status(&self) -> Result<SchemaStatus, StoreError>;

    /// Pool occupancy.
    fn pool_status(&self) -> PoolStatus;
}

/// Small named settings (e.g. whether the demo seed ran).
#[async_trait]
pub trait MetaStore: Send + Sync {
    async fn get_meta(&self, key: &str) -> Result<Option<String>, StoreError>;
    async fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError>;
}

/// Everything a backend stores: the domain stores composed. Implemented for every type that
/// implements the parts; shared as `Arc<dyn Store>`.
pub trait Store:
    Probe
    + MetaStore
    + DirectoryStore
    + IdentityStore
    + AuthStore
    + AuditStore
    + IntelStore
    + AggregateStore
    + ImportStore
    + TaxiiStore
    + FederationStore
    + MailStore
    + ContactStore
    + ProfileStore
    + CommCheckStore
    + RequestStore
    + CaseStore
    + WebhookStore
    + std::fmt::Debug
{
    /// The store seen as its probe (trait upcasting without naming it at every call site).
    fn as_probe(&self) -> &dyn Probe;
}

impl<T> Store for T
where
    T: Probe
        + MetaStore
        + DirectoryStore
        + IdentityStore
        + AuthStore
        + AuditStore
        + IntelStore
        + AggregateStore
        + ImportStore
        + TaxiiStore
        + FederationStore
        + MailStore
        + ContactStore
        + ProfileStore
        + CommCheckStore
        + RequestStore
        + CaseStore
        + WebhookStore
        + std::fmt::Debug,
{
    fn as_probe(&self) -> &dyn Probe {
        self
    }
}
