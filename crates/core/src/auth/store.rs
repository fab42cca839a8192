//! What authentication keeps: API tokens, web sessions and failed-login counters.

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::audit::AuditEvent;
use crate::store::StoreError;
use crate::token::{ApiToken, Session, TokenId};
use crate::user::UserId;

/// A failed-login counter (per account or per source address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginFailures {
    pub count: u32,
    pub last: OffsetDateTime,
}

#[async_trait]
pub trait AuthStore: Send + Sync {
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

    /// Web sessions, by the hash of their id.
    async fn insert_session(
        &self,
        hash: &[u8; 32],
        session: &Session,
        audit: &AuditEvent,
    ) -> Result<(), StoreError>;
    async fn get_session(&self, hash: &[u8; 32]) -> Result<Option<Session>, StoreError>;
    async fn touch_session(&self, hash: &[u8; 32], at: OffsetDateTime) -> Result<(), StoreError>;
    /// Ends a session; with an audit event when a person ended it (not when it expired).
    async fn delete_session(
        &self,
        hash: &[u8; 32],
        audit: Option<&AuditEvent>,
    ) -> Result<(), StoreError>;

    /// Failed-login counters, by key (`account:<email>`, `addr:<ip>`).
    async fn login_failures(&self, key: &str) -> Result<Option<LoginFailures>, StoreError>;
    /// Counts one failure against each key (saturating) and appends the audit entry, in one
    /// transaction.
    async fn record_login_failure(
        &self,
        keys: &[String],
        at: OffsetDateTime,
        audit: &AuditEvent,
    ) -> Result<(), StoreError>;
    async fn reset_login_failures(&self, key: &str) -> Result<(), StoreError>;
}
