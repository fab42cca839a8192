//! The store trait every backend implements, and what it reports.
//!
//! A backend is chosen at start-up by URL scheme (`sqlite://…`, `postgres://…`). Each backend owns its
//! migrations, applies them when opened, records the schema version and refuses a database whose
//! schema is newer than the binary. A write is answered only after it is durable.

use async_trait::async_trait;

use crate::org::{OrgId, Organisation, ShortName};

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

/// The persistence interface. Implementations are cheap to share (`Arc<dyn Store>`).
#[async_trait]
pub trait Store: Send + Sync + std::fmt::Debug {
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;

    /// Round-trips a trivial query; fails with [`StoreError::Unavailable`] when the database is gone.
    async fn ping(&self) -> Result<(), StoreError>;

    /// The schema version in the database against the one this binary knows.
    async fn schema_status(&self) -> Result<SchemaStatus, StoreError>;

    /// Pool occupancy.
    fn pool_status(&self) -> PoolStatus;

    // Organisations.
    async fn insert_org(&self, org: &Organisation) -> Result<(), StoreError>;
    async fn get_org(&self, id: OrgId) -> Result<Option<Organisation>, StoreError>;
    async fn get_org_by_short_name(
        &self,
        short: &ShortName,
    ) -> Result<Option<Organisation>, StoreError>;
    async fn list_orgs(&self) -> Result<Vec<Organisation>, StoreError>;

    // Small named settings (e.g. whether the demo seed ran).
    async fn get_meta(&self, key: &str) -> Result<Option<String>, StoreError>;
    async fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError>;
}
