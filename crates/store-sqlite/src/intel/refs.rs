//! `object_refs`: the STIX ids an object version refers to, written with it.

use rusqlite::{Connection, params};

use crate::error::Error;

/// Writes the refs of the object version `seq` (each once).
pub(super) fn insert(tx: &Connection, seq: i64, refs: &[String]) -> Result<(), Error> {
    let mut stmt =
        tx.prepare_cached("INSERT OR IGNORE INTO object_refs (object, ref_id) VALUES (?1, ?2)")?;
    for r in refs {
        stmt.execute(params![seq, r])?;
    }
    Ok(())
}
