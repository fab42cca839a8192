//! A producer's change to a stored object: one new version, stored only when it is newer than every
//! version of its lineage (its id in its collection, by its producing organisation), inside the writer's immediate transaction that also appends
//! its audit entry (`SqliteStore::audited`).

use rusqlite::{Connection, params};
use simpul_core::clock::to_micros;
use simpul_core::intel::store::{Inserted, NewObject, Versioned};
use simpul_core::store::StoreError;
use time::OffsetDateTime;

use super::objects;
use crate::error::Error;
use crate::rows::Cols;
use crate::tx::query_opt;

/// Stores `o` unless its lineage (collection, id, producing organisation) holds a version at
/// `o.version` or later, or its newest version is not `base` when one is given; other
/// organisations' versions of the id do not count. The writer
/// lock serialises this with every other write, so what the first query finds is still true at
/// commit.
pub(super) fn insert(
    tx: &Connection,
    o: &NewObject,
    base: Option<OffsetDateTime>,
    now: OffsetDateTime,
) -> Result<Versioned, Error> {
    let newest = query_opt(
        tx,
        "SELECT max(version) FROM objects
         WHERE collection_id = ?1 AND stix_id = ?2 AND producer_org = ?3",
        params![
            o.collection.0.to_string(),
            o.stix_id,
            o.producer_org.0.to_string()
        ],
        |r| Cols::new(r, "objects").opt_ts(0),
    )?
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
    match objects::insert(tx, std::slice::from_ref(o), now)?.first() {
        Some(Inserted::Stored(at)) => Ok(Versioned::Stored(*at)),
        _ => Err(StoreError::Backend(format!(
            "version {} of {} was not stored though no version at or after it is held",
            o.version, o.stix_id
        ))
        .into()),
    }
}
