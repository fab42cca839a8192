//! Schema migrations: numbered SQL files applied in order, in one transaction each, under an advisory
//! lock so that app nodes starting together do not race.

use simpul_core::store::StoreError;
use tokio_postgres::Client;

use crate::error::map_err;

/// The migrations this binary knows, in order. Never edit one that has shipped; add a new one.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/0001_init.sql")),
    (
        2,
        include_str!("../migrations/0002_login_failures_bigint.sql"),
    ),
    (3, include_str!("../migrations/0003_intel.sql")),
    (4, include_str!("../migrations/0004_object_refs.sql")),
    (5, include_str!("../migrations/0005_imports.sql")),
    (6, include_str!("../migrations/0006_taxii.sql")),
    (7, include_str!("../migrations/0007_lineage.sql")),
    (8, include_str!("../migrations/0008_federation.sql")),
    (9, include_str!("../migrations/0009_peer_lease_holder.sql")),
    (10, include_str!("../migrations/0010_peer_push_retries.sql")),
    (11, include_str!("../migrations/0011_contacts.sql")),
    (12, include_str!("../migrations/0012_team_profiles.sql")),
    (13, include_str!("../migrations/0013_mail_outbox.sql")),
    (14, include_str!("../migrations/0014_comm_checks.sql")),
    (15, include_str!("../migrations/0015_action_requests.sql")),
    (16, include_str!("../migrations/0016_webhooks.sql")),
    (17, include_str!("../migrations/0017_cases.sql")),
    (18, include_str!("../migrations/0018_request_notices.sql")),
];

/// The newest schema version this binary knows (the last entry's: numbers are taken by branches
/// before they land, so the list may skip one until they all have).
pub(crate) const LATEST: i64 = MIGRATIONS[MIGRATIONS.len() - 1].0;

/// An arbitrary constant naming simpul's migration lock.
const LOCK_KEY: i64 = 0x5349_4d50_554c_0001;

pub(crate) async fn current_version(client: &Client) -> Result<i64, StoreError> {
    let exists: bool = client
        .query_one("SELECT to_regclass('simpul_schema') IS NOT NULL", &[])
        .await
        .map_err(map_err)?
        .try_get(0)
        .map_err(map_err)?;
    if !exists {
        return Ok(0);
    }
    client
        .query_one("SELECT COALESCE(MAX(version), 0) FROM simpul_schema", &[])
        .await
        .map_err(map_err)?
        .try_get(0)
        .map_err(map_err)
}

/// Applies every migration newer than the database; refuses a database newer than this binary.
pub(crate) async fn run(client: &mut Client) -> Result<(), StoreError> {
    let tx = client.transaction().await.map_err(map_err)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK_KEY])
        .await
        .map_err(map_err)?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS simpul_schema (
            version    BIGINT PRIMARY KEY,
            applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
        )",
    )
    .await
    .map_err(map_err)?;
    let current: i64 = tx
        .query_one("SELECT COALESCE(MAX(version), 0) FROM simpul_schema", &[])
        .await
        .map_err(map_err)?
        .try_get(0)
        .map_err(map_err)?;
    if current > LATEST {
        tx.rollback().await.map_err(map_err)?;
        return Err(StoreError::TooNew {
            found: current,
            known: LATEST,
        });
    }
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
        tx.batch_execute(sql)
            .await
            .map_err(|e| StoreError::Backend(format!("migration {version} failed: {e}")))?;
        tx.execute(
            "INSERT INTO simpul_schema (version) VALUES ($1)",
            &[version],
        )
        .await
        .map_err(map_err)?;
        tracing::info!(version, "applied postgres migration");
    }
    tx.commit().await.map_err(map_err)?;
    Ok(())
}
