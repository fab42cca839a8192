//! The intelligence store: collections (`collections.rs`), object versions (`objects.rs`), a
//! producer's change stored with its audit entry (`versions.rs`), import jobs (`imports.rs`), the
//! SQL face of the sharing policy every read of them goes through (`sharing.rs`), and the match
//! index's unfiltered feed (`feed.rs`).

use async_trait::async_trait;
use simpul_core::access::{Unfiltered, Visibility};
use simpul_core::audit::AuditEvent;
use simpul_core::intel::store::{
    Inserted, IntelStore, NewObject, ObjectQuery, StoredObject, Versioned,
};
use simpul_core::intel::{Collection, CollectionId};
use simpul_core::store::StoreError;
use time::OffsetDateTime;

use crate::PostgresStore;

mod aggregate;
mod collections;
mod feed;
mod imports;
mod objects;
mod refs;
mod sharing;
mod taxii;
mod versions;

#[async_trait]
impl IntelStore for PostgresStore {
    async fn insert_collection(
        &self,
        collection: &Collection,
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        collections::insert(self, collection, audit).await
    }

    async fn update_collection(
        &self,
        collection: &Collection,
        reset_push_cursors: bool,
        audit: &AuditEvent,
    ) -> Result<u64, StoreError> {
        collections::update(self, collection, reset_push_cursors, audit).await
    }

    async fn get_collection(&self, id: CollectionId) -> Result<Option<Collection>, StoreError> {
        collections::get(self, id).await
    }

    async fn list_collections(&self) -> Result<Vec<Collection>, StoreError> {
        collections::list(self).await
    }

    async fn insert_objects(
        &self,
        objects: &[NewObject],
        now: OffsetDateTime,
    ) -> Result<Vec<Inserted>, StoreError> {
        objects::insert(self, objects, now).await
    }

    async fn insert_version(
        &self,
        object: &NewObject,
        base: Option<OffsetDateTime>,
        now: OffsetDateTime,
        audit: &AuditEvent,
    ) -> Result<Versioned, StoreError> {
        versions::insert(self, object, base, now, audit).await
    }

    async fn list_objects(
        &self,
        v: &Visibility,
        q: &ObjectQuery,
    ) -> Result<Vec<StoredObject>, StoreError> {
        objects::list(self, v, q).await
    }

    async fn count_objects(&self, v: &Visibility, q: &ObjectQuery) -> Result<u64, StoreError> {
        objects::count(self, v, q).await
    }

    async fn objects_added_after(
        &self,
        _all: &Unfiltered,
        stix_type: &str,
        after: Option<OffsetDateTime>,
        limit: u32,
    ) -> Result<Vec<StoredObject>, StoreError> {
        feed::added_after(self, stix_type, after, limit).await
    }
}
