//! What the POC network keeps of contacts. Reads take the reader's [`DirectoryFilter`], which the
//! backend compiles into SQL (`visibility IN (…) OR org_id = ?`); the service made it from a grant
//! or a [`crate::access::directory::PublicRead`].

use async_trait::async_trait;

use super::{Contact, ContactId, ContactKind};
use crate::access::directory::DirectoryFilter;
use crate::audit::AuditEvent;
use crate::org::OrgId;
use crate::store::StoreError;

/// The most contacts one listing returns.
pub const LIST_MAX: usize = 1000;

/// What to list, besides the reader's filter. `q` matches a substring of the name or of an e-mail
/// address, case-insensitively.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactQuery {
    pub orgs: Option<Vec<OrgId>>,
    pub ids: Option<Vec<ContactId>>,
    /// Any of these kinds; empty: every kind.
    pub kinds: Vec<ContactKind>,
    pub q: Option<String>,
    /// At most this many (capped at [`LIST_MAX`]), after skipping `offset`.
    pub limit: usize,
    pub offset: usize,
}

#[async_trait]
pub trait ContactStore: Send + Sync {
    async fn insert_contact(&self, c: &Contact, audit: &AuditEvent) -> Result<(), StoreError>;
    /// Writes every field but id, org and created time. Returns false when no such contact.
    async fn update_contact(&self, c: &Contact, audit: &AuditEvent) -> Result<bool, StoreError>;
    /// Returns false when no such contact.
    async fn delete_contact(&self, id: ContactId, audit: &AuditEvent) -> Result<bool, StoreError>;
    /// The contact if the filter admits it (`None`: no filter, for writers and checks).
    async fn get_contact(
        &self,
        id: ContactId,
        filter: Option<&DirectoryFilter>,
    ) -> Result<Option<Contact>, StoreError>;
    /// Ordered by organisation, name, id.
    async fn list_contacts(
        &self,
        filter: Option<&DirectoryFilter>,
        query: &ContactQuery,
    ) -> Result<Vec<Contact>, StoreError>;
    /// The contacts one of whose e-mail addresses is `email` (already lower case).
    async fn contact_ids_for_email(&self, email: &str) -> Result<Vec<ContactId>, StoreError>;
}
