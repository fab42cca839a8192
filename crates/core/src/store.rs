//! The store trait every backend implements, and what it reports.
//!
//! A backend is chosen at start-up by URL scheme (`sqlite://…`, `postgres://…`). Each backend owns its
//! migrations, applies them when opened, records the schema version and refuses a database whose
//! schema is newer than the binary. A write is answered only after it is durable.
//!
//! Every method that changes security-relevant state takes the [`AuditEvent`] describing it and writes
//! the change and the audit entry in ONE transaction: either both are durable or neither is. Appends to
//! the audit chain are serialised by the backend so the chain never forks.

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::audit::{AuditEntry, AuditEvent};
use crate::org::{OrgId, Organisation, ShortName};
use crate::token::{ApiToken, Session, TokenId};
use crate::user::{Community, CommunityId, CommunityName, Email, User, UserId};

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

/// A failed-login counter (per account or per source address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginFailures {
    pub count: u32,
    pub last: OffsetDateTime,
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
    async fn insert_org(&self, org: &Organisation, audit: &AuditEvent) -> Result<(), StoreError>;
    /// Writes name, kind, country and status.
    async fn update_org(&self, org: &Organisation, audit: &AuditEvent) -> Result<(), StoreError>;
    async fn get_org(&self, id: OrgId) -> Result<Option<Organisation>, StoreError>;
    async fn get_org_by_short_name(
        &self,
        short: &ShortName,
    ) -> Result<Option<Organisation>, StoreError>;
    /// Ordered by short name, case-insensitively.
    async fn list_orgs(&self) -> Result<Vec<Organisation>, StoreError>;

    // Communities.
    async fn insert_community(
        &self,
        community: &Community,
        audit: &AuditEvent,
    ) -> Result<(), StoreError>;
    /// Adds members (ones already in are kept once).
    async fn add_community_members(
        &self,
        id: CommunityId,
        orgs: &[OrgId],
        audit: &AuditEvent,
    ) -> Result<(), StoreError>;
    async fn get_community_by_name(
        &self,
        name: &CommunityName,
    ) -> Result<Option<Community>, StoreError>;
    /// Ordered by name; members ordered by org id.
    async fn list_communities(&self) -> Result<Vec<Community>, StoreError>;
    async fn communities_of_org(&self, org: OrgId) -> Result<Vec<CommunityId>, StoreError>;

    // Users.
    async fn insert_user(
        &self,
        user: &User,
        password_hash: &str,
        audit: &AuditEvent,
    ) -> Result<(), StoreError>;
    /// Writes display name, role and status. Disabling a user also ends their sessions.
    async fn update_user(&self, user: &User, audit: &AuditEvent) -> Result<(), StoreError>;
    /// Replaces the password hash and ends the user's sessions.
    async fn set_password(
        &self,
        id: UserId,
        password_hash: &str,
        audit: &AuditEvent,
    ) -> Result<(), StoreError>;
    async fn get_user(&self, id: UserId) -> Result<Option<User>, StoreError>;
    /// The user and their password hash.
    async fn get_user_by_email(&self, email: &Email) -> Result<Option<(User, String)>, StoreError>;
    /// Ordered by email; only `org`'s users when given.
    async fn list_users(&self, org: Option<OrgId>) -> Result<Vec<User>, StoreError>;

    // API tokens.
    async fn insert_token(
        &self,
        token: &ApiToken,
        hash: &[u8; 32],
        audit: &AuditEvent,
    ) -> Result<(), StoreError>;
    async fn get_token_by_hash(&self, hash: &[u8; 32]) -> Result<Option<ApiToken>, StoreError>;
    async fn get_token(&self, id: TokenId) -> Result<Option<ApiToken>, StoreError>;
    /// Ordered by creation time.
    async fn list_tokens(&self, user: UserId) -> Result<Vec<ApiToken>, StoreError>;
    /// Marks the token revoked at `at`; false when it was already revoked.
    async fn revoke_token(
        &self,
        id: TokenId,
        at: OffsetDateTime,
        audit: &AuditEvent,
    ) -> Result<bool, StoreError>;
    async fn touch_token(&self, id: TokenId, at: OffsetDateTime) -> Result<(), StoreError>;

    // Web sessions (by the hash of their id).
    async fn insert_session(
        &self,
        hash: &[u8; 32],
        session: &Session,
        audit: &AuditEvent,
    ) -> Result<(), StoreError>;
    async fn get_session(&self, hash: &[u8; 32]) -> Result<Option<Session>, StoreError>;
    async fn touch_session(&self, hash: &[u8; 32], at: OffsetDateTime) -> Result<(), StoreError>;
    async fn delete_session(
        &self,
        hash: &[u8; 32],
        audit: Option<&AuditEvent>,
    ) -> Result<(), StoreError>;

    // Failed-login counters, by key (`account:<email>`, `addr:<ip>`).
    async fn login_failures(&self, key: &str) -> Result<Option<LoginFailures>, StoreError>;
    /// Counts one failure against each key and appends the audit entry, in one transaction.
    async fn record_login_failure(
        &self,
        keys: &[String],
        at: OffsetDateTime,
        audit: &AuditEvent,
    ) -> Result<(), StoreError>;
    async fn reset_login_failures(&self, key: &str) -> Result<(), StoreError>;

    // The audit log.
    async fn append_audit(&self, event: &AuditEvent) -> Result<(), StoreError>;
    /// Newest first: entries with `seq < before` (all when `None`), of `org` only when given.
    async fn list_audit(
        &self,
        org: Option<OrgId>,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, StoreError>;
    /// Oldest first: entries with `seq > after`, at most `limit` (for verification).
    async fn audit_after(&self, after: i64, limit: u32) -> Result<Vec<AuditEntry>, StoreError>;

    // Small named settings (e.g. whether the demo seed ran).
    async fn get_meta(&self, key: &str) -> Result<Option<String>, StoreError>;
    async fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError>;
}
