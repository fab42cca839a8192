//! Schema migrations: numbered SQL files applied in order, each in its own transaction.

use rusqlite::{Connection, OptionalExtension};
use simpul_core::store::StoreError;

use crate::error::map_err;

/// The migrations this binary knows, in order. Never edit one that has shipped; add a new one.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/0001_init.sql")),
    (2, include_str!("../migrations/0002_intel.sql")),
    (3, include_str!("../migrations/0003_object_refs.sql")),
    (4, include_str!("../migrations/0004_imports.sql")),
    (5, include_str!("../migrations/0005_taxii.sql")),
];

/// The newest schema version this binary knows (the last entry's: numbers are taken by branches
/// before they land, so the list may skip one until they all have).
pub(crate) const LATEST: i64 = MIGRATIONS[MIGRATIONS.len() - 1].0;

pub(crate) fn current_version(conn: &Connection) -> Result<i64, rusqlite::Error> {
    let has_table: Option<i64> = conn
        .query_row(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'simpul_schema'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    if has_table.is_none() {
        return Ok(0);
    }
    conn.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM simpul_schema",
        [],
        |r| r.get(0),
    )
}

/// Applies every migration newer than the database; refuses a database newer than this binary.
pub(crate) fn run(conn: &mut Connection) -> Result<(), StoreError> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS simpul_schema (
            version    INTEGER PRIMARY KEY NOT NULL,
            applied_at TEXT NOT NULL
        ) STRICT;",
    )
    .map_err(map_err)?;
    let current = current_version(conn).map_err(map_err)?;
    if current > LATEST {
        return Err(StoreError::TooNew {
            found: current,
            known: LATEST,
        });
    }
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
        let tx = conn.transaction().map_err(map_err)?;
        tx.execute_batch(sql)
            .map_err(|e| StoreError::Backend(format!("migration {version} failed: {e}")))?;
        tx.execute(
            "INSERT INTO simpul_schema (version, applied_at) VALUES (?1, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
            [version],
        )
        .map_err(map_err)?;
        tx.commit().map_err(map_err)?;
        tracing::info!(version, "applied sqlite migration");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_numbered_in_order() {
        assert_eq!(MIGRATIONS[0].0, 1);
        for w in MIGRATIONS.windows(2) {
            assert!(w[0].0 < w[1].0, "{} then {}", w[0].0, w[1].0);
        }
    }

    #[test]
    fn migrate_is_idempotent_and_refuses_newer() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let mut conn = Connection::open(&path).unwrap();
        run(&mut conn).unwrap();
        run(&mut conn).unwrap();
        assert_eq!(current_version(&conn).unwrap(), LATEST);
        conn.execute("INSERT INTO simpul_schema VALUES (?1, 'x')", [LATEST + 1])
            .unwrap();
        match run(&mut conn) {
            Err(StoreError::TooNew { found, known }) => {
                assert_eq!((found, known), (LATEST + 1, LATEST))
            }
            other => panic!("expected TooNew, got {other:?}"),
        }
    }
}
