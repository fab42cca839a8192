//! What the store computes *over* the shared objects a reader may see, rather than listing them:
//! the totals of sightings, the organisations that produced a set of objects, and the observable
//! keys of given object versions. Like every read of shared objects each takes a [`Visibility`] and
//! applies the sharing policy's SQL filter in the same statement, so nothing the reader may not see
//! is ever counted, named or returned.

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::access::Visibility;
use crate::intel::CollectionId;
use crate::intel::store::ObjectQuery;
use crate::org::OrgId;
use crate::store::StoreError;

/// The custom property of a STIX `sighting` that says the sighting was a false positive (STIX 2.1
/// has no such property; ARCHITECTURE.md, "Sightings").
pub const FALSE_POSITIVE_PROPERTY: &str = "x_simpul_false_positive";

/// Totals over a set of `sighting` object versions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SightingTotals {
    /// How many sighting versions.
    pub sightings: u64,
    /// The sum of their `count` (1 for a sighting without one).
    pub count: u64,
    /// How many of them say [`FALSE_POSITIVE_PROPERTY`]` = true`.
    pub false_positives: u64,
}

/// What a viewer sees of the sightings of one object (see
/// [`AggregateStore::sightings_by_ref`]): its true sightings and its false positives, each with
/// when the latest of them was seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefSightings {
    /// The id the sightings refer to.
    pub ref_id: String,
    /// Sightings that do not say [`FALSE_POSITIVE_PROPERTY`]` = true`.
    pub sightings: u64,
    /// Sightings that do.
    pub false_positives: u64,
    /// The latest [`seen_text`] of the true sightings.
    pub last_seen: Option<OffsetDateTime>,
    /// The latest [`seen_text`] of the false positives.
    pub last_false_positive: Option<OffsetDateTime>,
}

/// When a sighting was seen: its `last_seen`, else its `first_seen`, else its `created` (the
/// backends take the greatest of these texts, which STIX writes as RFC 3339 in UTC, so text order
/// is time order to the second); this reads the text back, `None` when it is no timestamp.
pub fn seen_text(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()
}

/// One stored object version: the key of `objects` (a version of one producer's lineage).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VersionKey {
    pub collection: CollectionId,
    pub stix_id: String,
    pub producer_org: crate::org::OrgId,
    pub version: OffsetDateTime,
}

#[async_trait]
pub trait AggregateStore: Send + Sync {
    /// The totals of the object versions `v` may see that match `q` (no cursor, order or limit),
    /// read as sightings: `count` and [`FALSE_POSITIVE_PROPERTY`] from their JSON.
    async fn sighting_totals(
        &self,
        v: &Visibility,
        q: &ObjectQuery,
    ) -> Result<SightingTotals, StoreError>;

    /// For each of `refs` that the latest, unrevoked `sighting` versions `v` may see refer to,
    /// their [`RefSightings`], in one statement (a page of indicators is one call); ids no visible
    /// sighting refers to are left out, the others come in no particular order. Empty `refs`
    /// (like an empty [`ObjectQuery::refs`]) does not filter: every id a visible sighting refers to.
    async fn sightings_by_ref(
        &self,
        v: &Visibility,
        refs: &[String],
    ) -> Result<Vec<RefSightings>, StoreError>;

    /// The organisations that produced the object versions `v` may see that match `q` (no cursor,
    /// order or limit), each once, ordered by id.
    async fn producers(&self, v: &Visibility, q: &ObjectQuery) -> Result<Vec<OrgId>, StoreError>;

    /// The canonical observable keys of each of `versions`, in order, each list sorted; empty for
    /// a version `v` may not see (or that does not exist).
    async fn observable_keys(
        &self,
        v: &Visibility,
        versions: &[VersionKey],
    ) -> Result<Vec<Vec<String>>, StoreError>;
}
