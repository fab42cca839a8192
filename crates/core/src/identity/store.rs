//! What identity keeps: users and their password hashes.

use async_trait::async_trait;

use crate::audit::AuditEvent;
use crate::org::OrgId;
use crate::store::StoreError;
use crate::user::{Email, User, UserId};

#[async_trait]
pub trait IdentityStore: Send + Sync {
    /// A duplicate email is [`StoreError::Duplicate`].
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
    /// The user (never the password hash: that is [`IdentityStore::credentials`]'s).
    async fn get_user(&self, id: UserId) -> Result<Option<User>, StoreError>;
    async fn get_user_by_email(&self, email: &Email) -> Result<Option<User>, StoreError>;
    /// The user and their password hash, for verifying a password.
    async fn credentials(&self, email: &Email) -> Result<Option<(User, String)>, StoreError>;
    /// Ordered by email; only `org`'s users when given.
    async fn list_users(&self, org: Option<OrgId>) -> Result<Vec<User>, StoreError>;
}
