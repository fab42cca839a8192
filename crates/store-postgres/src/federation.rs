//! Federation's tables: `peers` (with sealed credentials, status and the sync lease),
//! `peer_cursors` and `object_provenance`.

use async_trait::async_trait;
use simpul_core::audit::AuditEvent;
use simpul_core::clock::to_micros;
use simpul_core::federation::rows::{PEER_COLUMNS, PEER_RETRYING, PeerRow};
use simpul_core::federation::store::{FederationStore, PeerRecord, PushRetry, RoundRecord};
use simpul_core::federation::{CursorKind, PeerId, PeerName, Provenance};
use simpul_core::intel::CollectionId;
use simpul_core::org::OrgId;
use simpul_core::store::StoreError;
use time::OffsetDateTime;
use tokio_postgres::Row;
use uuid::Uuid;

use crate::tx::{execute, query, query_opt};
use crate::{PostgresStore, rows};

fn peer(r: &Row) -> Result<PeerRecord, StoreError> {
    let t = "peers";
    PeerRow {
        id: rows::value(r, t, "id")?,
        name: rows::value(r, t, "name")?,
        url: rows::value(r, t, "url")?,
        auth_kind: rows::value(r, t, "auth_kind")?,
        sealed_auth: rows::value(r, t, "sealed_auth")?,
        direction: rows::value(r, t, "direction")?,
        maps: rows::value(r, t, "maps")?,
        interval_secs: rows::value(r, t, "interval_secs")?,
        act_as: rows::value(r, t, "act_as")?,
        created_at: rows::value(r, t, "created_at")?,
        last_sync: rows::value(r, t, "last_sync")?,
        last_success: rows::value(r, t, "last_success")?,
        objects_in: rows::value(r, t, "objects_in")?,
        objects_out: rows::value(r, t, "objects_out")?,
        refused: rows::value(r, t, "refused")?,
        errors: rows::value(r, t, "errors")?,
        last_error: rows::value(r, t, "last_error")?,
        retrying: rows::value(r, t, "retrying")?,
    }
    .decode()
}

fn n(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

#[async_trait]
impl FederationStore for PostgresStore {
    async fn put_peer(&self, p: &PeerRecord, audit: &AuditEvent) -> Result<(), StoreError> {
        let r = PeerRow::from(p);
        self.audited(audit, move |tx| {
            Box::pin(async move {
                execute(
                    tx,
                    "DELETE FROM peers WHERE name = $1 AND id <> $2",
                    &[&r.name, &r.id],
                )
                .await?;
                execute(
                    tx,
                    &format!(
                        "INSERT INTO peers ({PEER_COLUMNS})
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
                         ON CONFLICT (id) DO UPDATE SET name = excluded.name, url = excluded.url,
                             auth_kind = excluded.auth_kind, sealed_auth = excluded.sealed_auth,
                             direction = excluded.direction, maps = excluded.maps,
                             interval_secs = excluded.interval_secs, act_as = excluded.act_as"
                    ),
                    &[
                        &r.id,
                        &r.name,
                        &r.url,
                        &r.auth_kind,
                        &r.sealed_auth,
                        &r.direction,
                        &r.maps,
                        &r.interval_secs,
                        &r.act_as,
                        &to_micros(r.created_at),
                        &r.last_sync,
                        &r.last_success,
                        &r.objects_in,
                        &r.objects_out,
                        &r.refused,
                        &r.errors,
                        &r.last_error,
                    ],
                )
                .await
                .map(drop)
            })
        })
        .await
    }

    async fn delete_peer(&self, id: PeerId, audit: &AuditEvent) -> Result<bool, StoreError> {
        self.audited(audit, move |tx| {
            Box::pin(async move {
                execute(tx, "DELETE FROM peer_cursors WHERE peer_id = $1", &[&id.0]).await?;
                execute(
                    tx,
                    "DELETE FROM peer_push_retries WHERE peer_id = $1",
                    &[&id.0],
                )
                .await?;
                Ok(execute(tx, "DELETE FROM peers WHERE id = $1", &[&id.0]).await? > 0)
            })
        })
        .await
    }

    async fn list_peers(&self) -> Result<Vec<PeerRecord>, StoreError> {
        let client = self.client().await?;
        query(
            &client,
            &format!("SELECT {PEER_COLUMNS}, {PEER_RETRYING} FROM peers ORDER BY name"),
            &[],
        )
        .await?
        .iter()
        .map(peer)
        .collect()
    }

    async fn get_peer(&self, name: &PeerName) -> Result<Option<PeerRecord>, StoreError> {
        let client = self.client().await?;
        query_opt(
            &client,
            &format!("SELECT {PEER_COLUMNS}, {PEER_RETRYING} FROM peers WHERE name = $1"),
            &[&name.as_str()],
        )
        .await?
        .as_ref()
        .map(peer)
        .transpose()
    }

    async fn get_cursor(
        &self,
        peer: PeerId,
        kind: CursorKind,
        collection: &str,
    ) -> Result<Option<String>, StoreError> {
        let client = self.client().await?;
        query_opt(
            &client,
            "SELECT value FROM peer_cursors WHERE peer_id = $1 AND kind = $2 AND collection = $3",
            &[&peer.0, &kind.as_str(), &collection],
        )
        .await?
        .map(|r| rows::value(&r, "peer_cursors", "value"))
        .transpose()
    }

    async fn set_cursor(
        &self,
        peer: PeerId,
        kind: CursorKind,
        collection: &str,
        value: &str,
    ) -> Result<(), StoreError> {
        let client = self.client().await?;
        execute(
            &client,
            "INSERT INTO peer_cursors (peer_id, kind, collection, value) VALUES ($1, $2, $3, $4)
             ON CONFLICT (peer_id, kind, collection) DO UPDATE SET value = excluded.value",
            &[&peer.0, &kind.as_str(), &collection, &value],
        )
        .await
        .map(drop)
    }

    async fn record_provenance(&self, rows: &[Provenance]) -> Result<(), StoreError> {
        if rows.is_empty() {
            return Ok(());
        }
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(crate::error::map_err)?;
        for p in rows {
            execute(
                &tx,
                "INSERT INTO object_provenance
                     (collection_id, stix_id, producer_org, version, peer_id, origin)
                 VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT DO NOTHING",
                &[
                    &p.collection.0,
                    &p.stix_id,
                    &p.producer_org.0,
                    &to_micros(p.version),
                    &p.peer.0,
                    &p.origin,
                ],
            )
            .await?;
        }
        tx.commit().await.map_err(crate::error::map_err)
    }

    async fn provenance_of(
        &self,
        collection: CollectionId,
        stix_ids: &[String],
    ) -> Result<Vec<Provenance>, StoreError> {
        let client = self.client().await?;
        let t = "object_provenance";
        query(
            &client,
            "SELECT collection_id, stix_id, producer_org, version, peer_id, origin
             FROM object_provenance WHERE collection_id = $1 AND stix_id = ANY($2)",
            &[&collection.0, &stix_ids],
        )
        .await?
        .iter()
        .map(|r| {
            Ok(Provenance {
                collection: CollectionId(rows::value(r, t, "collection_id")?),
                stix_id: rows::value(r, t, "stix_id")?,
                producer_org: OrgId(rows::value(r, t, "producer_org")?),
                version: rows::value(r, t, "version")?,
                peer: PeerId(rows::value(r, t, "peer_id")?),
                origin: rows::value(r, t, "origin")?,
            })
        })
        .collect()
    }

    async fn record_round(&self, peer: PeerId, r: &RoundRecord) -> Result<(), StoreError> {
        let client = self.client().await?;
        execute(
            &client,
            "UPDATE peers SET last_sync = $2,
                 last_success = CASE WHEN $6::TEXT IS NULL THEN $2 ELSE last_success END,
                 objects_in = objects_in + $3, objects_out = objects_out + $4,
                 refused = refused + $5,
                 errors = errors + CASE WHEN $6::TEXT IS NULL THEN 0 ELSE 1 END,
                 last_error = COALESCE($6, $7)
             WHERE id = $1",
            &[
                &peer.0,
                &r.at.map(to_micros),
                &n(r.objects_in),
                &n(r.objects_out),
                &n(r.refused),
                &r.error,
                &r.gave_up,
            ],
        )
        .await
        .map(drop)
    }

    async fn claim_peer(
        &self,
        peer: PeerId,
        holder: Uuid,
        now: OffsetDateTime,
        until: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let client = self.client().await?;
        Ok(execute(
            &client,
            "UPDATE peers SET lease_until = $3, lease_holder = $4
             WHERE id = $1 AND (lease_until IS NULL OR lease_until < $2 OR lease_holder = $4)",
            &[&peer.0, &now, &until, &holder],
        )
        .await?
            > 0)
    }

    async fn put_push_retry(&self, e: &PushRetry) -> Result<(), StoreError> {
        let client = self.client().await?;
        execute(
            &client,
            "INSERT INTO peer_push_retries (peer_id, local_collection, remote_collection,
                 stix_id, version, attempts, next_at, last_error)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (peer_id, local_collection, stix_id) DO UPDATE SET
                 remote_collection = excluded.remote_collection, version = excluded.version,
                 attempts = CASE WHEN excluded.attempts > 1 THEN excluded.attempts
                         ELSE peer_push_retries.attempts END,
                     next_at = CASE WHEN excluded.attempts > 1 THEN excluded.next_at
                         ELSE peer_push_retries.next_at END,
                 last_error = excluded.last_error",
            &[
                &e.peer.0,
                &e.local.0,
                &e.remote,
                &e.stix_id,
                &to_micros(e.version),
                &i32::try_from(e.attempts).unwrap_or(i32::MAX),
                &to_micros(e.next_at),
                &e.last_error,
            ],
        )
        .await
        .map(drop)
    }

    async fn due_push_retries(
        &self,
        peer: PeerId,
        now: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<PushRetry>, StoreError> {
        let client = self.client().await?;
        let t = "peer_push_retries";
        query(
            &client,
            "SELECT peer_id, local_collection, remote_collection, stix_id, version, attempts,
                 next_at, last_error
             FROM peer_push_retries WHERE peer_id = $1 AND next_at <= $2
             ORDER BY next_at, stix_id LIMIT $3",
            &[&peer.0, &now, &i64::from(limit)],
        )
        .await?
        .iter()
        .map(|r| {
            let attempts: i32 = rows::value(r, t, "attempts")?;
            Ok(PushRetry {
                peer: PeerId(rows::value(r, t, "peer_id")?),
                local: CollectionId(rows::value(r, t, "local_collection")?),
                remote: rows::value(r, t, "remote_collection")?,
                stix_id: rows::value(r, t, "stix_id")?,
                version: rows::value(r, t, "version")?,
                attempts: u32::try_from(attempts).unwrap_or(0),
                next_at: rows::value(r, t, "next_at")?,
                last_error: rows::value(r, t, "last_error")?,
            })
        })
        .collect()
    }

    async fn delete_push_retry(
        &self,
        peer: PeerId,
        local: CollectionId,
        stix_id: &str,
    ) -> Result<(), StoreError> {
        let client = self.client().await?;
        execute(
            &client,
            "DELETE FROM peer_push_retries
             WHERE peer_id = $1 AND local_collection = $2 AND stix_id = $3",
            &[&peer.0, &local.0, &stix_id],
        )
        .await
        .map(drop)
    }

    async fn release_peer(&self, peer: PeerId, holder: Uuid) -> Result<(), StoreError> {
        let client = self.client().await?;
        execute(
            &client,
            "UPDATE peers SET lease_until = NULL, lease_holder = NULL
             WHERE id = $1 AND lease_holder = $2",
            &[&peer.0, &holder],
        )
        .await
        .map(drop)
    }
}
