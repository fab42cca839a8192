//! A producer's change to a stored object: one new version, stored only when it is newer than every
//! version of its lineage (its id in its collection, by its producing organisation) and, when the
//! change names the version it was drawn from, that version is still the newest, with its audit entry in the same transaction.

use simpul_core::audit::AuditEvent;
use simpul_core::clock::to_micros;
use simpul_core::intel::store::{Inserted, NewObject, Versioned};
use simpul_core::store::StoreError;
use time::OffsetDateTime;

use super::objects;
use crate::tx::query_opt;
use crate::{PostgresStore, rows};

/// Inside `audited` (the audit lock first, then `objects::insert_in` takes the `intel_clock` row:
/// the documented lock order), so every writer of objects waits for this one, and what the first
/// query finds is still true at commit.
pub(super) async fn insert(
    store: &PostgresStore,
    object: &NewObject,
    base: Option<OffsetDateTime>,
    now: OffsetDateTime,
    audit: &AuditEvent,
) -> Result<Versioned, StoreError> {
    let o = object.clone();
    store
        .audited(audit, move |tx| {
            Box::pin(async move {
                // Queue behind every other writer of objects before looking.
                query_opt(
                    tx,
                    "SELECT last_added FROM intel_clock WHERE id = 1 FOR UPDATE",
                    &[],
                )
                .await?;
                let newest: Option<OffsetDateTime> = query_opt(
                    tx,
                    "SELECT max(version) AS newest FROM objects
                     WHERE collection_id = $1 AND stix_id = $2 AND producer_org = $3",
                    &[&o.collection.0, &o.stix_id, &o.producer_org.0],
                )
                .await?
                .map(|r| rows::value(&r, "objects", "newest"))
                .transpose()?
                .flatten();
                if let Some(base) = base
                    && newest != Some(to_micros(base))
                {
                    return Ok(Versioned::BaseMoved { newest });
                }
                if let Some(newest) = newest
                    && newest >= to_micros(o.version)
                {
                    return Ok(Versioned::NotNewer { newest });
                }
                match objects::insert_in(tx, std::slice::from_ref(&o), now)
                    .await?
                    .first()
                {
                    Some(Inserted::Stored(at)) => Ok(Versioned::Stored(*at)),
                    _ => Err(StoreError::Backend(format!(
                        "version {} of {} was not stored though no version at or after it is held",
                        o.version, o.stix_id
                    ))),
                }
            })
        })
        .await
}
