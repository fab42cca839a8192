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
    (6, include_str!("../migrations/0006_lineage.sql")),
    (7, include_str!("../migrations/0007_federation.sql")),
    (8, include_str!("../migrations/0008_peer_lease_holder.sql")),
    (9, include_str!("../migrations/0009_peer_push_retries.sql")),
    (10, include_str!("../migrations/0010_contacts.sql")),
    (11, include_str!("../migrations/0011_team_profiles.sql")),
    (12, include_str!("../migrations/0012_mail_outbox.sql")),
    (13, include_str!("../migrations/0013_comm_checks.sql")),
    (14, include_str!("../migrations/0014_action_requests.sql")),
    (15, include_str!("../migrations/0015_webhooks.sql")),
    (16, include_str!("../migrations/0016_cases.sql")),
    (17, include_str!("../migrations/0017_request_notices.sql")),
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
    // A migration may rebuild a table (SQLite's documented procedure for changes ALTER TABLE cannot
    // make): foreign key enforcement is off while migrations run (it cannot change inside a
    // transaction), and every migration checks the keys before it commits.
    conn.execute_batch("PRAGMA foreign_keys = OFF;")
        .map_err(map_err)?;
    let applied = apply(conn, current);
    conn.execute_batch("PRAGMA foreign_keys = ON;")
        .map_err(map_err)?;
    applied
}

fn apply(conn: &mut Connection, current: i64) -> Result<(), StoreError> {
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
        let tx = conn.transaction().map_err(map_err)?;
        tx.execute_batch(sql)
            .map_err(|e| StoreError::Backend(format!("migration {version} failed: {e}")))?;
        let broken: Option<String> = tx
            .query_row("PRAGMA foreign_key_check", [], |r| r.get(0))
            .optional()
            .map_err(map_err)?;
        if let Some(table) = broken {
            return Err(StoreError::Backend(format!(
                "migration {version} left a broken foreign key in {table}"
            )));
        }
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

    /// A database of schema 5 with objects, upgraded: the rebuilt `objects` keeps every row at its
    /// `seq` (the side tables and the search text still find theirs), foreign keys are enforced
    /// again, and the unique key is the lineage's.
    #[test]
    fn the_lineage_rebuild_keeps_rows_and_their_seq() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = Connection::open(dir.path().join("t.db")).unwrap();
        conn.execute_batch(
            "PRAGMA foreign_keys = ON;
             CREATE TABLE simpul_schema (version INTEGER PRIMARY KEY NOT NULL,
                                         applied_at TEXT NOT NULL) STRICT;",
        )
        .unwrap();
        for (v, sql) in &MIGRATIONS[..5] {
            conn.execute_batch(sql).unwrap();
            conn.execute("INSERT INTO simpul_schema VALUES (?1, 'x')", [v])
                .unwrap();
        }
        conn.execute_batch(
            "INSERT INTO organisations VALUES ('oa', 'A', 'A', 'other', NULL, 'active', 't'),
                                              ('ob', 'B', 'B', 'other', NULL, 'active', 't');
             INSERT INTO users VALUES ('ua', 'a@x', 'a', 'oa', 'analyst', 'active', '', 't'),
                                      ('ub', 'b@x', 'b', 'ob', 'analyst', 'active', '', 't');
             INSERT INTO collections VALUES ('c', 'C', NULL, '', 'orgs', NULL, 'TLP:AMBER', 't');
             INSERT INTO objects VALUES
                 (7, 'c', 'indicator--1', 'indicator', 'v1', 'd1', '2.1', 'oa', 'ua', 'TLP:RED',
                  NULL, 0, 1, '{}'),
                 (9, 'c', 'indicator--1', 'indicator', 'v2', 'd2', '2.1', 'oa', 'ua', 'TLP:GREEN',
                  NULL, 0, 0, '{}');
             INSERT INTO object_recipients VALUES (7, 'ub');
             INSERT INTO object_text (rowid, text) VALUES (7, 'needle');
             INSERT INTO object_deletions (collection_id, stix_id, version, deleted_at)
                 VALUES ('c', 'indicator--0', 'v0', 't');",
        )
        .unwrap();
        run(&mut conn).unwrap();
        assert_eq!(current_version(&conn).unwrap(), LATEST);
        let seqs: Vec<(i64, String)> = conn
            .prepare("SELECT seq, version FROM objects ORDER BY seq")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(seqs, [(7, "v1".to_owned()), (9, "v2".to_owned())]);
        let found: i64 = conn
            .query_row(
                "SELECT o.seq FROM object_text t JOIN objects o ON o.seq = t.rowid
                 JOIN object_recipients r ON r.object = o.seq WHERE object_text MATCH 'needle'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(found, 7);
        let old_deletion: Option<String> = conn
            .query_row("SELECT producer_org FROM object_deletions", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(old_deletion, None);
        // Another organisation's row at the same id and version is its own; the same one's is not.
        let insert = |org: &str, user: &str, seq: i64| {
            conn.execute(
                "INSERT INTO objects VALUES (?1, 'c', 'indicator--1', 'indicator', 'v1', ?2, '2.1',
                     ?3, ?4, 'TLP:GREEN', NULL, 0, 0, '{}')",
                rusqlite::params![seq, format!("d{seq}"), org, user],
            )
        };
        insert("ob", "ub", 10).unwrap();
        assert!(
            insert("oa", "ua", 11).is_err(),
            "the same lineage and version"
        );
        assert!(
            insert("zz", "ua", 12).is_err(),
            "foreign keys are enforced again"
        );
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
