//! Federation's tables: `peers` (with sealed credentials, status and the sync lease),
//! `peer_cursors` and `object_provenance`.

use async_trait::async_trait;
use rusqlite::{OptionalExtension, params};
use simpul_core::audit::AuditEvent;
use simpul_core::federation::rows::{PEER_COLUMNS, PEER_RETRYING, PeerRow};
use simpul_core::federation::store::{FederationStore, PeerRecord, PushRetry, RoundRecord};
use simpul_core::federation::{CursorKind, PeerId, PeerName, Provenance};
use simpul_core::intel::CollectionId;
use simpul_core::org::OrgId;
use simpul_core::store::StoreError;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::SqliteStore;
use crate::error::Error;
use crate::rows::{Cols, opt_ts, ts};
use crate::tx::query_all;

fn peer(r: &rusqlite::Row<'_>) -> Result<PeerRow, Error> {
    let c = Cols::new(r, "peers");
    Ok(PeerRow {
        id: c.uuid(0)?,
        name: c.get(1)?,
        url: c.get(2)?,
        auth_kind: c.get(3)?,
        sealed_auth: c.get(4)?,
        direction: c.get(5)?,
        maps: c.get(6)?,
        interval_secs: c.get(7)?,
        act_as: c.uuid(8)?,
        created_at: c.ts(9)?,
        last_sync: c.opt_ts(10)?,
        last_success: c.opt_ts(11)?,
        objects_in: c.get(12)?,
        objects_out: c.get(13)?,
        refused: c.get(14)?,
        errors: c.get(15)?,
        last_error: c.get(16)?,
        retrying: c.get(17)?,
    })
}

fn decode(rows: Vec<PeerRow>) -> Result<Vec<PeerRecord>, StoreError> {
    rows.into_iter().map(PeerRow::decode).collect()
}

fn n(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

#[async_trait]
impl FederationStore for SqliteStore {
    async fn put_peer(&self, p: &PeerRecord, audit: &AuditEvent) -> Result<(), StoreError> {
        let r = PeerRow::from(p);
        self.audited(audit, move |tx| {
            // Another peer of this name (another id) is replaced, with its cursors.
            tx.prepare_cached("DELETE FROM peers WHERE name = ?1 AND id <> ?2")?
                .execute(params![r.name, r.id.to_string()])?;
            tx.prepare_cached(&format!(
                "INSERT INTO peers ({PEER_COLUMNS})
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name, url = excluded.url,
                     auth_kind = excluded.auth_kind, sealed_auth = excluded.sealed_auth,
                     direction = excluded.direction, maps = excluded.maps,
                     interval_secs = excluded.interval_secs, act_as = excluded.act_as"
            ))?
            .execute(params![
                r.id.to_string(),
                r.name,
                r.url,
                r.auth_kind,
                r.sealed_auth,
                r.direction,
                r.maps,
                r.interval_secs,
                r.act_as.to_string(),
                ts(r.created_at),
                opt_ts(r.last_sync),
                opt_ts(r.last_success),
                r.objects_in,
                r.objects_out,
                r.refused,
                r.errors,
                r.last_error,
            ])?;
            Ok(())
        })
        .await
    }

    async fn delete_peer(&self, id: PeerId, audit: &AuditEvent) -> Result<bool, StoreError> {
        self.audited(audit, move |tx| {
            let id = id.0.to_string();
            tx.prepare_cached("DELETE FROM peer_cursors WHERE peer_id = ?1")?
                .execute(params![id])?;
            tx.prepare_cached("DELETE FROM peer_push_retries WHERE peer_id = ?1")?
                .execute(params![id])?;
            let n = tx
                .prepare_cached("DELETE FROM peers WHERE id = ?1")?
                .execute(params![id])?;
            Ok(n > 0)
        })
        .await
    }

    async fn list_peers(&self) -> Result<Vec<PeerRecord>, StoreError> {
        let rows = self
            .read(|c| {
                query_all(
                    c,
                    &format!("SELECT {PEER_COLUMNS}, {PEER_RETRYING} FROM peers ORDER BY name"),
                    [],
                    peer,
                )
            })
            .await?;
        decode(rows)
    }

    async fn get_peer(&self, name: &PeerName) -> Result<Option<PeerRecord>, StoreError> {
        let name = name.as_str().to_owned();
        let rows = self
            .read(move |c| {
                query_all(
                    c,
                    &format!("SELECT {PEER_COLUMNS}, {PEER_RETRYING} FROM peers WHERE name = ?1"),
                    params![name],
                    peer,
                )
            })
            .await?;
        Ok(decode(rows)?.into_iter().next())
    }

    async fn get_cursor(
        &self,
        peer: PeerId,
        kind: CursorKind,
        collection: &str,
    ) -> Result<Option<String>, StoreError> {
        let collection = collection.to_owned();
        self.read(move |c| {
            Ok(c.prepare_cached(
                "SELECT value FROM peer_cursors WHERE peer_id = ?1 AND kind = ?2 AND collection = ?3",
            )?
            .query_row(
                params![peer.0.to_string(), kind.as_str(), collection],
                |r| r.get(0),
            )
            .optional()?)
        })
        .await
    }

    async fn set_cursor(
        &self,
        peer: PeerId,
        kind: CursorKind,
        collection: &str,
        value: &str,
    ) -> Result<(), StoreError> {
        let (collection, value) = (collection.to_owned(), value.to_owned());
        self.transaction(move |tx| {
            tx.prepare_cached(
                "INSERT INTO peer_cursors (peer_id, kind, collection, value) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (peer_id, kind, collection) DO UPDATE SET value = excluded.value",
            )?
            .execute(params![peer.0.to_string(), kind.as_str(), collection, value])?;
            Ok::<_, Error>(())
        })
        .await
    }

    async fn record_provenance(&self, rows: &[Provenance]) -> Result<(), StoreError> {
        if rows.is_empty() {
            return Ok(());
        }
        let rows = rows.to_vec();
        self.transaction(move |tx| {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO object_provenance
                     (collection_id, stix_id, producer_org, version, peer_id, origin)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT DO NOTHING",
            )?;
            for p in &rows {
                stmt.execute(params![
                    p.collection.0.to_string(),
                    p.stix_id,
                    p.producer_org.0.to_string(),
                    ts(p.version),
                    p.peer.0.to_string(),
                    p.origin,
                ])?;
            }
            Ok::<_, Error>(())
        })
        .await
    }

    async fn provenance_of(
        &self,
        collection: CollectionId,
        stix_ids: &[String],
    ) -> Result<Vec<Provenance>, StoreError> {
        let ids = stix_ids.to_vec();
        self.read(move |c| {
            let mut out = Vec::new();
            for id in &ids {
                out.extend(query_all(
                    c,
                    "SELECT collection_id, stix_id, producer_org, version, peer_id, origin
                     FROM object_provenance WHERE collection_id = ?1 AND stix_id = ?2",
                    params![collection.0.to_string(), id],
                    |r| {
                        let c = Cols::new(r, "object_provenance");
                        Ok(Provenance {
                            collection: CollectionId(c.uuid(0)?),
                            stix_id: c.get(1)?,
                            producer_org: OrgId(c.uuid(2)?),
                            version: c.ts(3)?,
                            peer: PeerId(c.uuid(4)?),
                            origin: c.get(5)?,
                        })
                    },
                )?);
            }
            Ok(out)
        })
        .await
    }

    async fn record_round(&self, peer: PeerId, r: &RoundRecord) -> Result<(), StoreError> {
        let r = r.clone();
        self.transaction(move |tx| {
            tx.prepare_cached(
                "UPDATE peers SET last_sync = ?2,
                     last_success = CASE WHEN ?6 IS NULL THEN ?2 ELSE last_success END,
                     objects_in = objects_in + ?3, objects_out = objects_out + ?4,
                     refused = refused + ?5,
                     errors = errors + CASE WHEN ?6 IS NULL THEN 0 ELSE 1 END,
                     last_error = COALESCE(?6, ?7)
                 WHERE id = ?1",
            )?
            .execute(params![
                peer.0.to_string(),
                opt_ts(r.at),
                n(r.objects_in),
                n(r.objects_out),
                n(r.refused),
                r.error,
                r.gave_up,
            ])?;
            Ok::<_, Error>(())
        })
        .await
    }

    async fn claim_peer(
        &self,
        peer: PeerId,
        holder: Uuid,
        now: OffsetDateTime,
        until: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        self.transaction(move |tx| {
            let n = tx
                .prepare_cached(
                    "UPDATE peers SET lease_until = ?3, lease_holder = ?4
                     WHERE id = ?1
                       AND (lease_until IS NULL OR lease_until < ?2 OR lease_holder = ?4)",
                )?
                .execute(params![
                    peer.0.to_string(),
                    ts(now),
                    ts(until),
                    holder.to_string()
                ])?;
            Ok::<_, Error>(n > 0)
        })
        .await
    }

    async fn put_push_retry(&self, e: &PushRetry) -> Result<(), StoreError> {
        let e = e.clone();
        self.transaction(move |tx| {
            tx.prepare_cached(
                "INSERT INTO peer_push_retries (peer_id, local_collection, remote_collection,
                     stix_id, version, attempts, next_at, last_error)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT (peer_id, local_collection, stix_id) DO UPDATE SET
                     remote_collection = excluded.remote_collection, version = excluded.version,
                     attempts = CASE WHEN excluded.attempts > 1 THEN excluded.attempts
                         ELSE peer_push_retries.attempts END,
                     next_at = CASE WHEN excluded.attempts > 1 THEN excluded.next_at
                         ELSE peer_push_retries.next_at END,
                     last_error = excluded.last_error",
            )?
            .execute(params![
                e.peer.0.to_string(),
                e.local.0.to_string(),
                e.remote,
                e.stix_id,
                ts(e.version),
                i64::from(e.attempts),
                ts(e.next_at),
                e.last_error,
            ])?;
            Ok::<_, Error>(())
        })
        .await
    }

    async fn due_push_retries(
        &self,
        peer: PeerId,
        now: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<PushRetry>, StoreError> {
        self.read(move |c| {
            query_all(
                c,
                "SELECT peer_id, local_collection, remote_collection, stix_id, version, attempts,
                     next_at, last_error
                 FROM peer_push_retries WHERE peer_id = ?1 AND next_at <= ?2
                 ORDER BY next_at, stix_id LIMIT ?3",
                params![peer.0.to_string(), ts(now), i64::from(limit)],
                |r| {
                    let c = Cols::new(r, "peer_push_retries");
                    let attempts: i64 = c.get(5)?;
                    Ok(PushRetry {
                        peer: PeerId(c.uuid(0)?),
                        local: CollectionId(c.uuid(1)?),
                        remote: c.get(2)?,
                        stix_id: c.get(3)?,
                        version: c.ts(4)?,
                        attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
                        next_at: c.ts(6)?,
                        last_error: c.get(7)?,
                    })
                },
            )
        })
        .await
    }

    async fn delete_push_retry(
        &self,
        peer: PeerId,
        local: CollectionId,
        stix_id: &str,
    ) -> Result<(), StoreError> {
        let stix_id = stix_id.to_owned();
        self.transaction(move |tx| {
            tx.prepare_cached(
                "DELETE FROM peer_push_retries
                 WHERE peer_id = ?1 AND local_collection = ?2 AND stix_id = ?3",
            )?
            .execute(params![peer.0.to_string(), local.0.to_string(), stix_id])?;
            Ok::<_, Error>(())
        })
        .await
    }

    async fn release_peer(&self, peer: PeerId, holder: Uuid) -> Result<(), StoreError> {
        self.transaction(move |tx| {
            tx.prepare_cached(
                "UPDATE peers SET lease_until = NULL, lease_holder = NULL
                 WHERE id = ?1 AND lease_holder = ?2",
            )?
            .execute(params![peer.0.to_string(), holder.to_string()])?;
            Ok::<_, Error>(())
        })
        .await
    }
}
