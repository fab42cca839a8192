//! Statements and transactions: the query helpers every domain file uses, and [`PostgresStore::audited`],
//! the one way a security-relevant change is written.

use std::future::Future;
use std::pin::Pin;

use deadpool_postgres::{GenericClient, Transaction};
use simpul_core::audit::AuditEvent;
use simpul_core::store::rows::{AUDIT_COLUMNS, AuditRow};
use simpul_core::store::{Outcome, StoreError};
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

use crate::PostgresStore;
use crate::error::map_err;

/// Statement parameters.
pub(crate) type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

/// The future an audited change returns: it borrows the transaction it runs in.
pub(crate) type Change<'t, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 't>>;

/// Runs `sql` on a cached statement (on a pooled client or inside a transaction) and returns the rows.
pub(crate) async fn query(
    client: &impl GenericClient,
    sql: &str,
    params: Params<'_>,
) -> Result<Vec<Row>, StoreError> {
    let stmt = client.prepare_cached(sql).await.map_err(map_err)?;
    client.query(&stmt, params).await.map_err(map_err)
}

/// As [`query`], for at most one row.
pub(crate) async fn query_opt(
    client: &impl GenericClient,
    sql: &str,
    params: Params<'_>,
) -> Result<Option<Row>, StoreError> {
    let stmt = client.prepare_cached(sql).await.map_err(map_err)?;
    client.query_opt(&stmt, params).await.map_err(map_err)
}

/// As [`query`], returning how many rows the statement changed.
pub(crate) async fn execute(
    client: &impl GenericClient,
    sql: &str,
    params: Params<'_>,
) -> Result<u64, StoreError> {
    let stmt = client.prepare_cached(sql).await.map_err(map_err)?;
    client.execute(&stmt, params).await.map_err(map_err)
}

impl PostgresStore {
    /// Makes a security-relevant change and appends `event`'s audit entry, in one transaction: both
    /// commit or neither does. Every audited write of this backend goes through here; no other code
    /// appends to the audit log.
    ///
    /// The transaction first takes `LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE`. That mode
    /// conflicts with itself (so appenders on every app node queue here, one at a time, until the holder
    /// commits: the last entry read before appending is still the last at commit, and the chain never
    /// forks) but not with plain reads of the log. Taking it before the change means every audited
    /// transaction acquires its locks in the same order, the audit lock then rows, so two audited
    /// writes never deadlock on each other.
    ///
    /// `change` gets the transaction and returns a boxed future borrowing it; it moves in what it needs
    /// (rows built with `From<&Domain>`, copied keys), e.g.
    /// `self.audited(event, move |tx| Box::pin(async move { execute(tx, SQL, &[&row.id]).await.map(drop) }))`.
    pub(crate) async fn audited<T, F>(&self, event: &AuditEvent, change: F) -> Result<T, StoreError>
    where
        T: Outcome,
        F: for<'t> FnOnce(&'t Transaction<'t>) -> Change<'t, T> + Send,
    {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        tx.batch_execute("LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE")
            .await
            .map_err(map_err)?;
        let outcome = change(&tx).await?;
        if !outcome.happened() {
            tx.rollback().await.map_err(map_err)?;
            return Ok(outcome);
        }
        append_entry(&tx, event).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(outcome)
    }
}

/// Appends `event` as the next entry of the chain. Only [`PostgresStore::audited`] calls this, inside
/// its transaction holding the audit lock.
async fn append_entry(tx: &Transaction<'_>, event: &AuditEvent) -> Result<(), StoreError> {
    let last = query_opt(
        tx,
        "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
        &[],
    )
    .await?
    .map(|row| crate::rows::chain_head(&row))
    .transpose()?;
    let entry = AuditRow::from(&event.into_entry(last.as_ref().map(|(s, h)| (*s, h.as_str()))));
    execute(
        tx,
        &format!(
            "INSERT INTO audit_log ({AUDIT_COLUMNS})
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
        ),
        &[
            &entry.seq,
            &entry.at,
            &entry.actor,
            &entry.actor_org,
            &entry.source,
            &entry.action,
            &entry.target,
            &entry.target_org,
            &entry.details,
            &entry.prev_hash,
            &entry.hash,
        ],
    )
    .await?;
    Ok(())
}
