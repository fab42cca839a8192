//! What the intelligence exchange keeps: collections, and every version of every shared STIX
//! object with the facts the sharing policy reads and the canonical observables it yields.
//!
//! Reads of shared objects take a [`Visibility`]: the backend turns it into the sharing policy's
//! SQL filter ([`crate::access::sharing::SharingFilter::of`]) and applies it in the query, so a page
//! is never short and a count never includes what the reader may not see. There is no read of
//! shared objects without one.

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::access::{Unfiltered, Visibility};
use crate::audit::AuditEvent;
use crate::intel::{Collection, CollectionId, Pap, Tlp};
use crate::org::OrgId;
use crate::store::StoreError;
use crate::user::UserId;

/// One object version to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewObject {
    pub collection: CollectionId,
    /// The STIX id (`indicator--…`).
    pub stix_id: String,
    pub stix_type: String,
    /// `modified`, or `created` for objects without it (as an instant).
    pub version: OffsetDateTime,
    pub spec_version: String,
    pub producer_org: OrgId,
    pub producer_user: UserId,
    pub tlp: Tlp,
    pub pap: Option<Pap>,
    /// Named recipients; when any, they are the object's whole audience.
    pub recipients: Vec<UserId>,
    pub revoked: bool,
    /// The object exactly as received.
    pub json: String,
    /// Canonical observable keys (`type|key`) the object yields, for correlation and search.
    pub observables: Vec<String>,
    /// The STIX ids the object refers to ([`crate::intel::refs::refs_of`]), for "what refers to it".
    pub refs: Vec<String>,
    /// Text for search: names, descriptions, patterns, values.
    pub text: String,
}

/// A stored object version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredObject {
    pub collection: CollectionId,
    pub stix_id: String,
    pub stix_type: String,
    pub version: OffsetDateTime,
    /// When the store accepted it: strictly increasing across the store, to the microsecond.
    pub date_added: OffsetDateTime,
    pub spec_version: String,
    pub producer_org: OrgId,
    pub producer_user: UserId,
    pub tlp: Tlp,
    pub pap: Option<Pap>,
    pub recipients: Vec<UserId>,
    pub revoked: bool,
    pub json: String,
}

/// What happened to one [`NewObject`] of a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inserted {
    /// Stored, added at this time.
    Stored(OffsetDateTime),
    /// The collection already held this id and version by the same producing organisation (its
    /// lineage; another organisation's version never counts): nothing stored.
    AlreadyStored,
}

/// What happened to a new version stored by [`IntelStore::insert_version`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Versioned {
    /// Stored, added at this time; its audit entry written with it.
    Stored(OffsetDateTime),
    /// The lineage already holds this version or a later one (`newest`): nothing stored and no
    /// audit entry written.
    NotNewer { newest: OffsetDateTime },
    /// The lineage's newest version is no longer the `base` the change was drawn from (`newest`,
    /// `None` when the lineage holds no version): nothing stored and no audit entry written.
    BaseMoved { newest: Option<OffsetDateTime> },
}

impl crate::store::Outcome for Versioned {
    fn happened(&self) -> bool {
        matches!(self, Versioned::Stored(_))
    }
}

/// Order of a listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    /// Newest `date_added` first (REST).
    #[default]
    NewestFirst,
    /// Oldest `date_added` first (TAXII).
    OldestFirst,
}

/// What to list. Empty vectors and `None`s do not filter.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ObjectQuery {
    pub collection: Option<CollectionId>,
    pub types: Vec<String>,
    pub ids: Vec<String>,
    /// Not these ids (the object itself, when listing what correlates with it).
    pub exclude_ids: Vec<String>,
    /// Only the newest version of each lineage (an id in a collection by one producing
    /// organisation) — and only if the reader may see that version: a new version marked stricter
    /// hides the object from those it no longer admits; another organisation's version of the id
    /// is its own lineage and never hides this one.
    pub latest_only: bool,
    pub added_after: Option<OffsetDateTime>,
    pub tlp: Option<Tlp>,
    pub producer_org: Option<OrgId>,
    pub revoked: Option<bool>,
    /// Objects yielding any of these canonical observable keys.
    pub observables: Vec<String>,
    /// Objects referring to any of these STIX ids (through [`NewObject::refs`]).
    pub refs: Vec<String>,
    /// Text search.
    pub text: Option<String>,
    pub order: Order,
    /// The cursor: continue after the object added at this time.
    pub after_cursor: Option<OffsetDateTime>,
    /// TAXII `match[version]`: which versions of each lineage; `None`: every one.
    pub versions: Option<VersionMatch>,
    /// TAXII `match[spec_version]`: only these `spec_version`s (empty: any).
    pub spec_versions: Vec<String>,
    /// At most this many (1 to [`MAX_PAGE`]).
    pub limit: u32,
    /// `count_objects` stops counting at this many (`None`: counts every match). Counting every
    /// visible object of a large store is a scan through the sharing filter (seconds at a million
    /// objects); a listing's total needs only to say "more than N" past some N.
    pub count_limit: Option<u64>,
}

/// Which versions of each id (in its collection) a listing keeps: those that any of the set fields
/// admits (TAXII `match[version]`, its comma-separated values ORed).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VersionMatch {
    /// The newest version of each lineage, whoever may see it: as [`ObjectQuery::latest_only`], so
    /// a stricter new version hides the object from those it no longer admits.
    pub last: bool,
    /// The oldest version of each lineage that the reader may see.
    pub first: bool,
    /// Versions at exactly these instants.
    pub at: Vec<OffsetDateTime>,
}

impl VersionMatch {
    /// Admits nothing (no field set).
    pub fn is_empty(&self) -> bool {
        !self.last && !self.first && self.at.is_empty()
    }
}

/// The largest page a listing returns.
pub const MAX_PAGE: u32 = 1000;

#[async_trait]
pub trait IntelStore: Send + Sync {
    async fn insert_collection(
        &self,
        collection: &Collection,
        audit: &AuditEvent,
    ) -> Result<(), StoreError>;
    /// Writes title, alias, description, audience, default TLP and read-only organisations and, when
    /// `reset_push_cursors` (who may receive the collection's objects changed), removes every peer's
    /// push cursor of the collection — in the one audited transaction, so a committed change never
    /// leaves a cursor that skips what the new audience may now receive. Answers how many cursors it
    /// removed (none when no collection has the id: nothing is written).
    async fn update_collection(
        &self,
        collection: &Collection,
        reset_push_cursors: bool,
        audit: &AuditEvent,
    ) -> Result<u64, StoreError>;
    async fn get_collection(&self, id: CollectionId) -> Result<Option<Collection>, StoreError>;
    /// Ordered by title, then id.
    async fn list_collections(&self) -> Result<Vec<Collection>, StoreError>;

    /// Stores, in one durable transaction, the versions the collection does not hold yet (same id,
    /// producing organisation and version: another organisation's row never counts), in batch order, each with a `date_added` of `now` or later, strictly after
    /// every `date_added` before it in the whole store (one microsecond apart when `now` would not
    /// be), so that paging by `date_added` is stable while others write. Writers are serialised so
    /// that a later commit never carries an earlier `date_added`. Answers per input, in order.
    async fn insert_objects(
        &self,
        objects: &[NewObject],
        now: OffsetDateTime,
    ) -> Result<Vec<Inserted>, StoreError>;

    /// Stores `object` as the newest version of its lineage (its id in its collection, by its
    /// producing organisation) — a change by its producer (a new version, a revocation, a marking
    /// or recipients change) — with `audit`'s entry, in one durable transaction: both or neither.
    /// Its `date_added` follows the rules of [`IntelStore::insert_objects`]. Stores nothing, and
    /// writes no entry, when the lineage already holds a version at `object.version` or later
    /// (other organisations' versions of the id do not count), decided inside the transaction, so
    /// of two concurrent changes from the same version only one is stored; and, when `base` is
    /// given (the version the change was drawn from, e.g. by a form), when the lineage's newest
    /// version is not `base` (to the microsecond), decided in the same transaction.
    async fn insert_version(
        &self,
        object: &NewObject,
        base: Option<OffsetDateTime>,
        now: OffsetDateTime,
        audit: &AuditEvent,
    ) -> Result<Versioned, StoreError>;

    /// The object versions `v` may see that match `q`, in `q.order`, at most `q.limit`.
    async fn list_objects(
        &self,
        v: &Visibility,
        q: &ObjectQuery,
    ) -> Result<Vec<StoredObject>, StoreError>;

    /// How many object versions `v` may see match `q` (ignoring order, cursor and limit).
    async fn count_objects(&self, v: &Visibility, q: &ObjectQuery) -> Result<u64, StoreError>;

    /// Every version of type `stix_type` added after `after` (from the first when `None`),
    /// whoever may see it, oldest added first, at most `limit` (1 or more): what the match index
    /// polls to stay current. `date_added` is strictly increasing and a later commit never carries
    /// an earlier one, so a reader that continues after the last row it got misses nothing written
    /// later. The only read of shared objects without a viewer: it takes the [`Unfiltered`] proof
    /// that only core's match index holds (`crate::intel::matching`).
    async fn objects_added_after(
        &self,
        all: &Unfiltered,
        stix_type: &str,
        after: Option<OffsetDateTime>,
        limit: u32,
    ) -> Result<Vec<StoredObject>, StoreError>;
}
