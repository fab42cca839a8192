//! The intelligence exchange's tables: `collections` with their audiences (`collection_orgs`,
//! `collection_users`) and read-only organisations, and `objects` (every stored object version) with
//! `object_recipients`, `object_observables` and the FTS5 search text `object_text`.
//!
//! `collections.rs` writes and reads collections (through `audited`); `objects.rs` stores batches of
//! object versions and reads them back; `versions.rs` stores a producer's change (a new version with
//! its audit entry, through `audited`); `filter.rs` compiles the sharing policy's
//! [`SharingFilter`](simpul_core::access::sharing::SharingFilter) and an
//! [`ObjectQuery`](simpul_core::intel::store::ObjectQuery) into one `WHERE` clause, so lists, pages
//! and counts are computed in SQLite and never filtered afterwards; `feed.rs` is the match index's
//! unfiltered feed (core's `Unfiltered` proof only).

use async_trait::async_trait;
use simpul_core::access::{Unfiltered, Visibility};
use simpul_core::audit::AuditEvent;
use simpul_core::intel::store::{
    Inserted, IntelStore, NewObject, ObjectQuery, StoredObject, Versioned,
};
use simpul_core::intel::{Collection, CollectionId};
use simpul_core::store::StoreError;
use simpul_core::store::rows::CollectionRow;
use time::OffsetDateTime;

use crate::SqliteStore;

mod aggregate;
mod collections;
mod feed;
mod filter;
mod imports;
mod objects;
mod refs;
mod taxii;
mod versions;

#[async_trait]
impl IntelStore for SqliteStore {
    async fn insert_collection(
        &self,
        collection: &Collection,
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        let r = CollectionRow::from(collection);
        self.audited(audit, move |tx| collections::insert(tx, &r))
            .await
    }

    async fn update_collection(
        &self,
        collection: &Collection,
        reset_push_cursors: bool,
        audit: &AuditEvent,
    ) -> Result<u64, StoreError> {
        let r = CollectionRow::from(collection);
        self.audited(audit, move |tx| {
            if !collections::update(tx, &r)? {
                return Ok(None);
            }
            if !reset_push_cursors {
                return Ok(Some(0));
            }
            let n = tx
                .prepare_cached("DELETE FROM peer_cursors WHERE kind = 'push' AND collection = ?1")?
                .execute([r.id.to_string()])?;
            Ok(Some(n as u64))
        })
        .await
        .map(Option::unwrap_or_default)
    }

    async fn get_collection(&self, id: CollectionId) -> Result<Option<Collection>, StoreError> {
        self.read(move |c| Ok(collections::load(c, Some(id))?.into_iter().next()))
            .await
    }

    async fn list_collections(&self) -> Result<Vec<Collection>, StoreError> {
        self.read(|c| collections::load(c, None)).await
    }

    async fn insert_objects(
        &self,
        objects: &[NewObject],
        now: OffsetDateTime,
    ) -> Result<Vec<Inserted>, StoreError> {
        if objects.is_empty() {
            return Ok(Vec::new());
        }
        let objects = objects.to_vec();
        self.transaction(move |tx| objects::insert(tx, &objects, now))
            .await
    }

    async fn insert_version(
        &self,
        object: &NewObject,
        base: Option<OffsetDateTime>,
        now: OffsetDateTime,
        audit: &AuditEvent,
    ) -> Result<Versioned, StoreError> {
        let o = object.clone();
        self.audited(audit, move |tx| versions::insert(tx, &o, base, now))
            .await
    }

    async fn list_objects(
        &self,
        v: &Visibility,
        q: &ObjectQuery,
    ) -> Result<Vec<StoredObject>, StoreError> {
        let Some(sql) = filter::page(v, q) else {
            return Ok(Vec::new());
        };
        self.read(move |c| objects::list(c, &sql)).await
    }

    async fn count_objects(&self, v: &Visibility, q: &ObjectQuery) -> Result<u64, StoreError> {
        let Some(sql) = filter::count(v, q) else {
            return Ok(0);
        };
        self.read(move |c| objects::count(c, &sql)).await
    }

    async fn objects_added_after(
        &self,
        _all: &Unfiltered,
        stix_type: &str,
        after: Option<OffsetDateTime>,
        limit: u32,
    ) -> Result<Vec<StoredObject>, StoreError> {
        let sql = feed::added_after(stix_type, after, limit);
        self.read(move |c| objects::list(c, &sql)).await
    }
}
