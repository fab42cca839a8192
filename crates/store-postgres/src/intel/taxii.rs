//! TAXII's tables: `object_deletions` (deleting object versions, and the feed of deletions the match
//! index polls) and `taxii_status` (the status resources of posts).

use async_trait::async_trait;
use simpul_core::access::Unfiltered;
use simpul_core::audit::AuditEvent;
use simpul_core::clock::to_micros;
use simpul_core::intel::CollectionId;
use simpul_core::intel::taxii_store::{Deleted, Deletion, StatusRecord, TaxiiStore};
use simpul_core::org::OrgId;
use simpul_core::store::StoreError;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::tx::{execute, query, query_opt};
use crate::{PostgresStore, rows};

#[async_trait]
impl TaxiiStore for PostgresStore {
    /// Inside `audited` (the audit lock, then the `intel_clock` row: the documented lock order), so
    /// deletions queue with every writer of objects and the feed's `seq` grows in commit order.
    async fn delete_versions(
        &self,
        collection: CollectionId,
        stix_id: &str,
        producer: OrgId,
        versions: &[OffsetDateTime],
        now: OffsetDateTime,
        audit: &AuditEvent,
    ) -> Result<Deleted, StoreError> {
        let stix_id = stix_id.to_owned();
        let versions: Vec<OffsetDateTime> = versions.iter().map(|v| to_micros(*v)).collect();
        self.audited(audit, move |tx| {
            Box::pin(async move {
                query_opt(
                    tx,
                    "SELECT last_added FROM intel_clock WHERE id = 1 FOR UPDATE",
                    &[],
                )
                .await?;
                let gone = query(
                    tx,
                    "DELETE FROM objects
                     WHERE collection_id = $1 AND stix_id = $2 AND producer_org = $3
                       AND version = ANY($4::timestamptz[])
                     RETURNING version",
                    &[&collection.0, &stix_id, &producer.0, &versions],
                )
                .await?;
                let mut deleted: Vec<OffsetDateTime> = gone
                    .iter()
                    .map(|r| rows::value(r, "objects", "version"))
                    .collect::<Result<_, _>>()?;
                deleted.sort();
                if !deleted.is_empty() {
                    execute(
                        tx,
                        "INSERT INTO object_deletions
                             (collection_id, stix_id, version, deleted_at, producer_org)
                         SELECT $1, $2, v, $4, $5 FROM unnest($3::timestamptz[]) AS t (v)",
                        &[
                            &collection.0,
                            &stix_id,
                            &deleted,
                            &to_micros(now),
                            &producer.0,
                        ],
                    )
                    .await?;
                }
                Ok(Deleted(deleted.len() as u64))
            })
        })
        .await
    }

    async fn deletions_after(
        &self,
        _all: &Unfiltered,
        after: Option<i64>,
        limit: u32,
    ) -> Result<Vec<Deletion>, StoreError> {
        let client = self.client().await?;
        let rows = query(
            &client,
            "SELECT seq, collection_id, stix_id, version, deleted_at, producer_org
             FROM object_deletions
             WHERE seq > $1 ORDER BY seq LIMIT $2",
            &[&after.unwrap_or(0), &i64::from(limit.max(1))],
        )
        .await?;
        let mut feed = rows
            .iter()
            .map(|r| {
                let t = "object_deletions";
                Ok(Deletion {
                    seq: rows::value(r, t, "seq")?,
                    collection: CollectionId(rows::value(r, t, "collection_id")?),
                    stix_id: rows::value(r, t, "stix_id")?,
                    version: rows::value(r, t, "version")?,
                    deleted_at: rows::value(r, t, "deleted_at")?,
                    producer_org: rows::value::<Option<uuid::Uuid>>(r, t, "producer_org")?
                        .map(OrgId),
                    remaining: None,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        for d in &mut feed {
            if let Some(producer) = d.producer_org {
                d.remaining =
                    super::feed::newest_version(&client, d.collection, &d.stix_id, producer)
                        .await?;
            }
        }
        Ok(feed)
    }

    async fn insert_taxii_status(&self, s: &StatusRecord) -> Result<(), StoreError> {
        let client = self.client().await?;
        execute(
            &client,
            "INSERT INTO taxii_status (id, org_id, collection_id, created_at, body)
             VALUES ($1, $2, $3, $4, $5)",
            &[&s.id, &s.org.0, &s.collection.0, &s.created_at, &s.body],
        )
        .await?;
        Ok(())
    }

    async fn get_taxii_status(
        &self,
        id: Uuid,
        since: OffsetDateTime,
    ) -> Result<Option<StatusRecord>, StoreError> {
        let client = self.client().await?;
        let row = query_opt(
            &client,
            "SELECT id, org_id, collection_id, created_at, body FROM taxii_status
             WHERE id = $1 AND created_at >= $2",
            &[&id, &since],
        )
        .await?;
        row.map(|r| {
            let t = "taxii_status";
            Ok(StatusRecord {
                id: rows::value(&r, t, "id")?,
                org: OrgId(rows::value(&r, t, "org_id")?),
                collection: CollectionId(rows::value(&r, t, "collection_id")?),
                created_at: rows::value(&r, t, "created_at")?,
                body: rows::value(&r, t, "body")?,
            })
        })
        .transpose()
    }

    async fn purge_taxii_statuses(&self, before: OffsetDateTime) -> Result<u64, StoreError> {
        let client = self.client().await?;
        execute(
            &client,
            "DELETE FROM taxii_status WHERE created_at < $1",
            &[&before],
        )
        .await
    }
}
