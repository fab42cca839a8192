//! A sync round's bookkeeping in the store: the push retry queue, the peer's status, and the
//! lease that lets one round of one node run at a time. Each acts for the round's
//! [`PeerSession`], whose principal must be allowed to read intelligence.

use uuid::Uuid;

use crate::Service;
use crate::access::{Action, authorize};
use crate::error::CoreError;
use crate::federation::service::PeerSession;
use crate::federation::store::{PushRetry, RoundRecord};
use crate::intel::CollectionId;

impl Service {
    /// Queues (or replaces) a version to push to the session's peer again, due after the
    /// backoff of its `attempts` (its `next_at` is set here): call it before the push cursor
    /// moves past the version.
    pub async fn queue_push_retry(
        &self,
        s: &PeerSession,
        entry: &PushRetry,
    ) -> Result<(), CoreError> {
        let grant = authorize(&s.principal, Action::ReadIntel)?;
        let mut entry = entry.clone();
        entry.next_at = self.now() + crate::federation::push_retry_delay(entry.attempts);
        Ok(self.store(&grant).put_push_retry(&entry).await?)
    }

    /// The session's peer's retries due now, soonest first, at most `limit`.
    pub async fn due_push_retries(
        &self,
        s: &PeerSession,
        limit: u32,
    ) -> Result<Vec<PushRetry>, CoreError> {
        let grant = authorize(&s.principal, Action::ReadIntel)?;
        Ok(self
            .store(&grant)
            .due_push_retries(s.peer.id, self.now(), limit)
            .await?)
    }

    /// Removes a retry of the session's peer (pushed, given up or withheld now).
    pub async fn drop_push_retry(
        &self,
        s: &PeerSession,
        local: CollectionId,
        stix_id: &str,
    ) -> Result<(), CoreError> {
        let grant = authorize(&s.principal, Action::ReadIntel)?;
        Ok(self
            .store(&grant)
            .delete_push_retry(s.peer.id, local, stix_id)
            .await?)
    }

    /// Adds a round's outcome to the peer's status.
    pub async fn record_peer_round(
        &self,
        s: &PeerSession,
        mut round: RoundRecord,
    ) -> Result<(), CoreError> {
        let grant = authorize(&s.principal, Action::ReadIntel)?;
        round.at = Some(self.now());
        Ok(self.store(&grant).record_round(s.peer.id, &round).await?)
    }

    /// Takes (or, for its holder, renews) the peer's lease for `secs` seconds for `holder` (one
    /// round) if no other holds it: whether that round may run now.
    pub async fn claim_peer(
        &self,
        s: &PeerSession,
        holder: Uuid,
        secs: u32,
    ) -> Result<bool, CoreError> {
        let grant = authorize(&s.principal, Action::ReadIntel)?;
        let now = self.now();
        let until = now + time::Duration::seconds(i64::from(secs.max(1)));
        Ok(self
            .store(&grant)
            .claim_peer(s.peer.id, holder, now, until)
            .await?)
    }

    /// Gives `holder`'s lease back.
    pub async fn release_peer(&self, s: &PeerSession, holder: Uuid) -> Result<(), CoreError> {
        let grant = authorize(&s.principal, Action::ReadIntel)?;
        Ok(self.store(&grant).release_peer(s.peer.id, holder).await?)
    }
}
