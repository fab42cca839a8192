//! What the store keeps for federation: peers (with their sealed credentials and status), the
//! resumable cursors of each peer's collections, and the provenance of object versions that
//! arrived from a peer.

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::audit::AuditEvent;
use crate::federation::{CursorKind, Peer, PeerId, PeerName, Provenance};
use crate::intel::CollectionId;
use crate::store::StoreError;

/// A peer as stored: what is shown, and its credentials sealed under the federation key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerRecord {
    pub peer: Peer,
    /// [`crate::federation::FederationKey::seal`] of the JSON of its `PeerAuth`, bound to its id.
    pub sealed_auth: String,
}

/// What one sync round did, added to the peer's status.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoundRecord {
    pub at: Option<OffsetDateTime>,
    pub objects_in: u64,
    pub objects_out: u64,
    pub refused: u64,
    /// Why the round failed; `None`: it succeeded.
    pub error: Option<String>,
    /// In a round that succeeded: why the push of a version was given up (the peer still failed
    /// it after [`crate::federation::PUSH_RETRY_ATTEMPTS`] attempts), kept as the last error.
    pub gave_up: Option<String>,
}

/// An object version the peer still failed after a round's own retries, pushed again by later
/// rounds (with backoff) until the peer accepts it or the attempts run out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushRetry {
    pub peer: PeerId,
    pub local: CollectionId,
    pub remote: String,
    pub stix_id: String,
    /// The version (`modified`) that failed; a retry pushes the newest the peer may have.
    pub version: OffsetDateTime,
    /// Rounds that pushed it and saw it fail.
    pub attempts: u32,
    /// Not pushed again before this.
    pub next_at: OffsetDateTime,
    /// The peer's last reason, one line.
    pub last_error: Option<String>,
}

#[async_trait]
pub trait FederationStore: Send + Sync {
    /// Stores a peer with `audit`'s entry; a peer of the same name is replaced (its id, status and
    /// cursors kept when the id is the same).
    async fn put_peer(&self, peer: &PeerRecord, audit: &AuditEvent) -> Result<(), StoreError>;

    /// Removes a peer with its cursors, with `audit`'s entry; `false` (and no entry) when there
    /// was none. The provenance of objects it delivered stays.
    async fn delete_peer(&self, id: PeerId, audit: &AuditEvent) -> Result<bool, StoreError>;

    /// Every peer, by name.
    async fn list_peers(&self) -> Result<Vec<PeerRecord>, StoreError>;

    async fn get_peer(&self, name: &PeerName) -> Result<Option<PeerRecord>, StoreError>;

    /// The cursor of `peer`'s `collection` (a remote collection id for pulls, a local one for
    /// pushes) in `kind`.
    async fn get_cursor(
        &self,
        peer: PeerId,
        kind: CursorKind,
        collection: &str,
    ) -> Result<Option<String>, StoreError>;

    /// Saves a cursor (durably, before it answers).
    async fn set_cursor(
        &self,
        peer: PeerId,
        kind: CursorKind,
        collection: &str,
        value: &str,
    ) -> Result<(), StoreError>;

    /// Records where object versions came from; a version already recorded keeps its first record.
    async fn record_provenance(&self, rows: &[Provenance]) -> Result<(), StoreError>;

    /// The provenance records of these ids in `collection` (every lineage and version).
    async fn provenance_of(
        &self,
        collection: CollectionId,
        stix_ids: &[String],
    ) -> Result<Vec<Provenance>, StoreError>;

    /// Adds a round's counts to the peer's status and sets its last sync (and last success, or
    /// last error).
    async fn record_round(&self, peer: PeerId, round: &RoundRecord) -> Result<(), StoreError>;

    /// Takes the peer's lease for `holder` until `until` if it is free at `now` (none, or
    /// expired) or `holder`'s already (a renewal): whether `holder` has it now. One round of one
    /// app node or command syncs a peer at a time.
    async fn claim_peer(
        &self,
        peer: PeerId,
        holder: Uuid,
        now: OffsetDateTime,
        until: OffsetDateTime,
    ) -> Result<bool, StoreError>;

    /// Records (or replaces: one per peer, local collection and id) a version to push again. A
    /// first failure (`attempts` 1) of an id queued already keeps the entry's attempts and next
    /// attempt (a rescanned collection does not restart a count the peer keeps failing).
    async fn put_push_retry(&self, entry: &PushRetry) -> Result<(), StoreError>;

    /// `peer`'s retries due at `now` (`next_at` not after it), soonest first, at most `limit`.
    async fn due_push_retries(
        &self,
        peer: PeerId,
        now: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<PushRetry>, StoreError>;

    /// Removes `peer`'s retry of `stix_id` in `local` (pushed, given up or withheld now).
    async fn delete_push_retry(
        &self,
        peer: PeerId,
        local: CollectionId,
        stix_id: &str,
    ) -> Result<(), StoreError>;

    /// Gives the lease back if `holder` has it (a lease taken over after it expired is left to
    /// its new holder).
    async fn release_peer(&self, peer: PeerId, holder: Uuid) -> Result<(), StoreError>;
}
