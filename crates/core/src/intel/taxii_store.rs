//! What the store keeps for TAXII (P1.8) beyond the objects themselves: deletions of object
//! versions (with the deletion feed the match index polls) and the status resources of posts.

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::access::Unfiltered;
use crate::audit::AuditEvent;
use crate::intel::CollectionId;
use crate::intel::store::StoredObject;
use crate::org::OrgId;
use crate::store::{Outcome, StoreError};

/// One deleted object version, as the deletion feed lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deletion {
    /// Its place in the feed: strictly increasing in commit order.
    pub seq: i64,
    pub collection: CollectionId,
    pub stix_id: String,
    pub version: OffsetDateTime,
    /// The organisation whose lineage the version was of; `None` for deletions recorded before
    /// lineages were kept (older than any index that runs now: nothing it holds was deleted by
    /// them).
    pub producer_org: Option<OrgId>,
    pub deleted_at: OffsetDateTime,
    /// The newest version of the lineage still held when the feed was read (what the match index
    /// serves instead when the lineage's latest was deleted).
    pub remaining: Option<StoredObject>,
}

/// How many object versions a deletion removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deleted(pub u64);

impl Outcome for Deleted {
    fn happened(&self) -> bool {
        self.0 > 0
    }
}

/// A TAXII status resource as kept: whose it is and its body (the status as JSON).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusRecord {
    pub id: Uuid,
    /// The poster's organisation: the only one that may read it.
    pub org: OrgId,
    pub collection: CollectionId,
    pub created_at: OffsetDateTime,
    pub body: String,
}

#[async_trait]
pub trait TaxiiStore: Send + Sync {
    /// Deletes the versions of `stix_id` in `collection` produced by `producer` at exactly
    /// `versions` (with their recipients, observables, references and search text; other
    /// organisations' versions are never touched), records each in the deletion feed, and writes
    /// `audit`'s entry — in one durable transaction, serialised with the writers of objects. No
    /// entry is written when nothing was deleted.
    async fn delete_versions(
        &self,
        collection: CollectionId,
        stix_id: &str,
        producer: OrgId,
        versions: &[OffsetDateTime],
        now: OffsetDateTime,
        audit: &AuditEvent,
    ) -> Result<Deleted, StoreError>;

    /// The deletions after feed position `after` (from the first when `None`), in feed order, at
    /// most `limit`: what the match index polls. Like `objects_added_after`, it needs core's
    /// [`Unfiltered`] proof.
    async fn deletions_after(
        &self,
        all: &Unfiltered,
        after: Option<i64>,
        limit: u32,
    ) -> Result<Vec<Deletion>, StoreError>;

    /// Keeps a status resource (durably, before the post is answered).
    async fn insert_taxii_status(&self, status: &StatusRecord) -> Result<(), StoreError>;

    /// The status resource `id`, if kept and created at or after `since`.
    async fn get_taxii_status(
        &self,
        id: Uuid,
        since: OffsetDateTime,
    ) -> Result<Option<StatusRecord>, StoreError>;

    /// Forgets the status resources created before `before`; answers how many.
    async fn purge_taxii_statuses(&self, before: OffsetDateTime) -> Result<u64, StoreError>;
}
