//! What the directory keeps: organisations and sharing communities.

use async_trait::async_trait;

use crate::audit::AuditEvent;
use crate::org::{OrgId, Organisation, ShortName};
use crate::store::StoreError;
use crate::user::{Community, CommunityId, CommunityName};

#[async_trait]
pub trait DirectoryStore: Send + Sync {
    /// A duplicate short name (any case) is [`StoreError::Duplicate`].
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

    /// A duplicate name is [`StoreError::Duplicate`].
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
    /// Ordered by name; members ordered by org id. One query, whatever the number of communities.
    async fn list_communities(&self) -> Result<Vec<Community>, StoreError>;
    /// Ordered by community id.
    async fn communities_of_org(&self, org: OrgId) -> Result<Vec<CommunityId>, StoreError>;
}
