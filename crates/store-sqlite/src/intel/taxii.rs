//! TAXII's tables: `object_deletions` (deleting object versions, and the feed of deletions the match
//! index polls) and `taxii_status` (the status resources of posts).

use async_trait::async_trait;
use rusqlite::{OptionalExtension, params};
use simpul_core::access::Unfiltered;
use simpul_core::audit::AuditEvent;
use simpul_core::intel::CollectionId;
use simpul_core::intel::taxii_store::{Deleted, Deletion, StatusRecord, TaxiiStore};
use simpul_core::org::OrgId;
use simpul_core::store::StoreError;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::SqliteStore;
use crate::error::Error;
use crate::rows::{Cols, ts};
use crate::tx::query_all;

#[async_trait]
impl TaxiiStore for SqliteStore {
    async fn delete_versions(
        &self,
        collection: CollectionId,
        stix_id: &str,
        producer: OrgId,
        versions: &[OffsetDateTime],
        now: OffsetDateTime,
        audit: &AuditEvent,
    ) -> Result<Deleted, StoreError> {
        let (stix_id, versions) = (stix_id.to_owned(), versions.to_vec());
        let producer = producer.0.to_string();
        self.audited(audit, move |tx| {
            let mut n = 0;
            for v in &versions {
                let seq: Option<i64> = tx
                    .prepare_cached(
                        "SELECT seq FROM objects
                         WHERE collection_id = ?1 AND stix_id = ?2 AND producer_org = ?3
                           AND version = ?4",
                    )?
                    .query_row(
                        params![collection.0.to_string(), stix_id, producer, ts(*v)],
                        |r| r.get(0),
                    )
                    .optional()?;
                let Some(seq) = seq else { continue };
                for table in ["object_recipients", "object_observables", "object_refs"] {
                    tx.prepare_cached(&format!("DELETE FROM {table} WHERE object = ?1"))?
                        .execute(params![seq])?;
                }
                tx.prepare_cached("DELETE FROM object_text WHERE rowid = ?1")?
                    .execute(params![seq])?;
                tx.prepare_cached("DELETE FROM objects WHERE seq = ?1")?
                    .execute(params![seq])?;
                tx.prepare_cached(
                    "INSERT INTO object_deletions
                         (collection_id, stix_id, version, deleted_at, producer_org)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )?
                .execute(params![
                    collection.0.to_string(),
                    stix_id,
                    ts(*v),
                    ts(now),
                    producer
                ])?;
                n += 1;
            }
            Ok(Deleted(n))
        })
        .await
    }

    async fn deletions_after(
        &self,
        _all: &Unfiltered,
        after: Option<i64>,
        limit: u32,
    ) -> Result<Vec<Deletion>, StoreError> {
        self.read(move |c| {
            let mut feed = query_all(
                c,
                "SELECT seq, collection_id, stix_id, version, deleted_at, producer_org
                 FROM object_deletions
                 WHERE seq > ?1 ORDER BY seq LIMIT ?2",
                params![after.unwrap_or(0), i64::from(limit.max(1))],
                |r| {
                    let c = Cols::new(r, "object_deletions");
                    Ok(Deletion {
                        seq: c.get(0)?,
                        collection: CollectionId(c.uuid(1)?),
                        stix_id: c.get(2)?,
                        version: c.ts(3)?,
                        deleted_at: c.ts(4)?,
                        producer_org: c.opt_uuid(5)?.map(OrgId),
                        remaining: None,
                    })
                },
            )?;
            for d in &mut feed {
                let Some(producer) = d.producer_org else {
                    continue;
                };
                let sql = super::feed::newest_version(
                    &d.collection.0.to_string(),
                    &d.stix_id,
                    &producer.0.to_string(),
                );
                d.remaining = super::objects::list(c, &sql)?.into_iter().next();
            }
            Ok(feed)
        })
        .await
    }

    async fn insert_taxii_status(&self, s: &StatusRecord) -> Result<(), StoreError> {
        let s = s.clone();
        self.transaction(move |tx| {
            tx.prepare_cached(
                "INSERT INTO taxii_status (id, org_id, collection_id, created_at, body)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                s.id.to_string(),
                s.org.0.to_string(),
                s.collection.0.to_string(),
                ts(s.created_at),
                s.body
            ])?;
            Ok::<_, Error>(())
        })
        .await
    }

    async fn get_taxii_status(
        &self,
        id: Uuid,
        since: OffsetDateTime,
    ) -> Result<Option<StatusRecord>, StoreError> {
        self.read(move |c| {
            Ok(query_all(
                c,
                "SELECT id, org_id, collection_id, created_at, body FROM taxii_status
                 WHERE id = ?1 AND created_at >= ?2",
                params![id.to_string(), ts(since)],
                |r| {
                    let c = Cols::new(r, "taxii_status");
                    Ok(StatusRecord {
                        id: c.uuid(0)?,
                        org: OrgId(c.uuid(1)?),
                        collection: CollectionId(c.uuid(2)?),
                        created_at: c.ts(3)?,
                        body: c.get(4)?,
                    })
                },
            )?
            .into_iter()
            .next())
        })
        .await
    }

    async fn purge_taxii_statuses(&self, before: OffsetDateTime) -> Result<u64, StoreError> {
        self.transaction(move |tx| {
            let n = tx
                .prepare_cached("DELETE FROM taxii_status WHERE created_at < ?1")?
                .execute(params![ts(before)])?;
            Ok::<_, Error>(n as u64)
        })
        .await
    }
}
