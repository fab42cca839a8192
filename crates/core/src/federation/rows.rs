//! The one decoding of stored peer columns into domain types (both backends fill [`PeerRow`]).

use time::OffsetDateTime;
use uuid::Uuid;

use crate::federation::store::PeerRecord;
use crate::federation::{CollectionMap, Peer, PeerId, PeerName, PeerStatus};
use crate::store::StoreError;
use crate::user::UserId;

/// The columns of `peers`, in [`PEER_COLUMNS`] order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerRow {
    pub id: Uuid,
    pub name: String,
    pub url: String,
    pub auth_kind: String,
    pub sealed_auth: String,
    pub direction: String,
    /// JSON array of `{"remote", "local"}`.
    pub maps: String,
    pub interval_secs: i64,
    pub act_as: Uuid,
    pub created_at: OffsetDateTime,
    pub last_sync: Option<OffsetDateTime>,
    pub last_success: Option<OffsetDateTime>,
    pub objects_in: i64,
    pub objects_out: i64,
    pub refused: i64,
    pub errors: i64,
    pub last_error: Option<String>,
    /// Read only: the peer's queued push retries (`PEER_RETRYING`).
    pub retrying: i64,
}

pub const PEER_COLUMNS: &str = "id, name, url, auth_kind, sealed_auth, direction, maps, \
     interval_secs, act_as, created_at, last_sync, last_success, objects_in, objects_out, \
     refused, errors, last_error";

/// What a `SELECT {PEER_COLUMNS}, {PEER_RETRYING} FROM peers` adds: the length of the peer's push
/// retry queue, as `retrying`.
pub const PEER_RETRYING: &str =
    "(SELECT COUNT(*) FROM peer_push_retries q WHERE q.peer_id = peers.id) AS retrying";

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("peers.{what}: {e}"))
}

impl PeerRow {
    pub fn decode(self) -> Result<PeerRecord, StoreError> {
        let count = |what: &str, n: i64| u64::try_from(n).map_err(|e| corrupt(what, e));
        let maps: Vec<CollectionMap> =
            serde_json::from_str(&self.maps).map_err(|e| corrupt("maps", e))?;
        Ok(PeerRecord {
            peer: Peer {
                id: PeerId(self.id),
                name: PeerName::parse(&self.name).map_err(|e| corrupt("name", e))?,
                url: self.url,
                auth_kind: self.auth_kind,
                direction: self
                    .direction
                    .parse()
                    .map_err(|e| corrupt("direction", e))?,
                maps,
                interval_secs: u32::try_from(self.interval_secs)
                    .map_err(|e| corrupt("interval_secs", e))?,
                act_as: UserId(self.act_as),
                created_at: self.created_at,
                status: PeerStatus {
                    last_sync: self.last_sync,
                    last_success: self.last_success,
                    objects_in: count("objects_in", self.objects_in)?,
                    objects_out: count("objects_out", self.objects_out)?,
                    refused: count("refused", self.refused)?,
                    errors: count("errors", self.errors)?,
                    last_error: self.last_error,
                    retrying: count("retrying", self.retrying)?,
                },
            },
            sealed_auth: self.sealed_auth,
        })
    }
}

impl From<&PeerRecord> for PeerRow {
    fn from(r: &PeerRecord) -> Self {
        let p = &r.peer;
        let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        Self {
            id: p.id.0,
            name: p.name.as_str().to_owned(),
            url: p.url.clone(),
            auth_kind: p.auth_kind.clone(),
            sealed_auth: r.sealed_auth.clone(),
            direction: p.direction.as_str().to_owned(),
            maps: serde_json::to_string(&p.maps).unwrap_or_else(|_| "[]".into()),
            interval_secs: i64::from(p.interval_secs),
            act_as: p.act_as.0,
            created_at: p.created_at,
            last_sync: p.status.last_sync,
            last_success: p.status.last_success,
            objects_in: n(p.status.objects_in),
            objects_out: n(p.status.objects_out),
            refused: n(p.status.refused),
            errors: n(p.status.errors),
            last_error: p.status.last_error.clone(),
            retrying: n(p.status.retrying),
        }
    }
}
