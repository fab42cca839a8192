//! `objects` with `object_recipients`, `object_observables` and `object_text`: storing a batch, and
//! reading what [`super::filter`] compiled.

use rusqlite::{Connection, params};
use simpul_core::clock::to_micros;
use simpul_core::intel::store::{Inserted, NewObject, StoredObject};
use simpul_core::store::rows::{OBJECT_COLUMNS, ObjectRow};
use time::{Duration, OffsetDateTime};

use super::filter::Sql;
use crate::error::Error;
use crate::rows::{self, Cols, opt_uuid_text, ts};
use crate::tx::{query_all, query_opt};

/// Stores the versions not held yet (a version is its producer's: another organisation's row at
/// the same id and version is another lineage, never a reason to skip), in order, inside the writer's immediate transaction `tx`: each
/// added at `now`, or one microsecond after the newest `date_added` in the store when that is not
/// earlier. Writers are serialised by the writer lock, so no later commit carries an earlier time.
pub(super) fn insert(
    tx: &Connection,
    objects: &[NewObject],
    now: OffsetDateTime,
) -> Result<Vec<Inserted>, Error> {
    let now = to_micros(now);
    // The high-water mark survives deletions of the newest objects (`intel_clock`).
    let newest = query_opt(
        tx,
        "SELECT max(coalesce((SELECT last_added FROM intel_clock WHERE id = 1), ''),
                    coalesce((SELECT max(date_added) FROM objects), ''))",
        [],
        |r| {
            let s: String = r.get(0)?;
            if s.is_empty() {
                Ok(None)
            } else {
                Cols::new(r, "intel_clock").opt_ts(0)
            }
        },
    )?
    .flatten();
    let mut floor = newest.map(|t| t + Duration::microseconds(1));
    let placeholders: Vec<String> = (1..=13).map(|i| format!("?{i}")).collect();
    let insert = format!(
        "INSERT INTO objects ({OBJECT_COLUMNS}, has_recipients) VALUES ({})
         ON CONFLICT (collection_id, stix_id, producer_org, version) DO NOTHING",
        placeholders.join(", ")
    );
    let mut out = Vec::with_capacity(objects.len());
    for n in objects {
        let at = floor.map_or(now, |f| f.max(now));
        let r = ObjectRow::new(n, at);
        let stored = tx.prepare_cached(&insert)?.execute(params![
            r.collection_id.to_string(),
            r.stix_id,
            r.stix_type,
            ts(r.version),
            ts(r.date_added),
            r.spec_version,
            r.producer_org.to_string(),
            r.producer_user.to_string(),
            r.tlp,
            r.pap,
            i64::from(r.revoked),
            r.json,
            i64::from(!r.recipients.is_empty()),
        ])?;
        if stored == 0 {
            out.push(Inserted::AlreadyStored);
            continue;
        }
        let seq = tx.last_insert_rowid();
        let mut recipient = tx.prepare_cached(
            "INSERT OR IGNORE INTO object_recipients (object, user_id) VALUES (?1, ?2)",
        )?;
        for u in &r.recipients {
            recipient.execute(params![seq, opt_uuid_text(Some(*u))])?;
        }
        let mut observable = tx.prepare_cached(
            "INSERT OR IGNORE INTO object_observables (object, key) VALUES (?1, ?2)",
        )?;
        for key in &n.observables {
            observable.execute(params![seq, key])?;
        }
        super::refs::insert(tx, seq, &n.refs)?;
        if !n.text.trim().is_empty() {
            tx.prepare_cached("INSERT INTO object_text (rowid, text) VALUES (?1, ?2)")?
                .execute(params![seq, n.text])?;
        }
        floor = Some(at + Duration::microseconds(1));
        out.push(Inserted::Stored(at));
    }
    if let Some(Inserted::Stored(last)) =
        out.iter().rev().find(|i| matches!(i, Inserted::Stored(_)))
    {
        tx.prepare_cached("UPDATE intel_clock SET last_added = ?1 WHERE id = 1")?
            .execute(params![ts(*last)])?;
    }
    Ok(out)
}

pub(super) fn list(c: &Connection, sql: &Sql) -> Result<Vec<StoredObject>, Error> {
    query_all(c, &sql.text, rusqlite::params_from_iter(&sql.params), |r| {
        Ok(rows::object(r)?.decode()?)
    })
}

pub(super) fn count(c: &Connection, sql: &Sql) -> Result<u64, Error> {
    let n: Option<i64> = query_opt(c, &sql.text, rusqlite::params_from_iter(&sql.params), |r| {
        Ok(r.get(0)?)
    })?;
    Ok(n.map_or(0, |n| u64::try_from(n).unwrap_or(0)))
}
