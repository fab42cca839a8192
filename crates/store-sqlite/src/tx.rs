//! How the store reaches SQLite: reads on a pooled reader connection, bookkeeping writes on the
//! writer, batches of shared objects in one [`SqliteStore::transaction`], and
//! [`SqliteStore::audited`], the one way a security-relevant change is written.
//!
//! Everything runs on tokio's blocking pool and never holds a connection across an `.await`.

use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite::{Connection, Params, Row, Transaction, TransactionBehavior};
use simpul_core::audit::AuditEvent;
use simpul_core::store::StoreError;
use simpul_core::store::rows::{AUDIT_COLUMNS, AuditRow};

use crate::error::Error;
use crate::rows::{opt_uuid_text, ts};
use crate::{MAX_READERS, SqliteStore, open_connection};

/// What a change inside [`SqliteStore::audited`] returns, saying whether it changed anything: only a
/// change that happened is recorded (revoking a token already revoked writes no entry).
pub(crate) trait Outcome {
    fn happened(&self) -> bool;
}

impl Outcome for () {
    fn happened(&self) -> bool {
        true
    }
}

impl Outcome for bool {
    fn happened(&self) -> bool {
        *self
    }
}

impl SqliteStore {
    /// Runs `f` with a reader connection.
    pub(crate) async fn read<R, F>(&self, f: F) -> Result<R, StoreError>
    where
        R: Send + 'static,
        F: FnOnce(&Connection) -> Result<R, Error> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        run_blocking(move || {
            let conn = match lock(&inner.readers).pop() {
                Some(c) => c,
                None => open_connection(&inner.path, false)?,
            };
            let result = f(&conn).map_err(StoreError::from);
            let mut readers = lock(&inner.readers);
            if readers.len() < MAX_READERS {
                readers.push(conn);
            }
            result
        })
        .await
    }

    /// Runs `f` with the writer connection, for bookkeeping that is not audited (last-used times,
    /// expired sessions, failure counters reset after a success, meta values). A security-relevant
    /// change goes through [`SqliteStore::audited`] instead.
    pub(crate) async fn write<R, F>(&self, f: F) -> Result<R, StoreError>
    where
        R: Send + 'static,
        F: FnOnce(&Connection) -> Result<R, Error> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        run_blocking(move || {
            let conn = lock(&inner.writer);
            f(&conn).map_err(StoreError::from)
        })
        .await
    }

    /// Runs `f` in one immediate transaction on the writer, committed durably before it answers: for
    /// writes that are many rows but not a security-relevant change (storing shared object
    /// versions). The writer lock serialises them with every other write, so what one commits never
    /// interleaves with another.
    pub(crate) async fn transaction<R, F>(&self, f: F) -> Result<R, StoreError>
    where
        R: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Result<R, Error> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        run_blocking(move || {
            let mut conn = lock(&inner.writer);
            let run = || -> Result<R, Error> {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let r = f(&tx)?;
                tx.commit()?;
                Ok(r)
            };
            run().map_err(StoreError::from)
        })
        .await
    }

    /// Runs the change `f` and appends `event` to the audit chain in the same immediate transaction on
    /// the writer: both are durable or neither is. The writer lock serialises appends, so the chain
    /// never forks. The entry is appended when the change [happened](Outcome::happened).
    pub(crate) async fn audited<R, F>(&self, event: &AuditEvent, f: F) -> Result<R, StoreError>
    where
        R: Outcome + Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Result<R, Error> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        let event = event.clone();
        run_blocking(move || {
            let mut conn = lock(&inner.writer);
            let run = || -> Result<R, Error> {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let outcome = f(&tx)?;
                if outcome.happened() {
                    append(&tx, &event)?;
                }
                tx.commit()?;
                Ok(outcome)
            };
            run().map_err(StoreError::from)
        })
        .await
    }
}

/// Appends `event` after the newest entry, inside `tx`.
fn append(tx: &Transaction<'_>, event: &AuditEvent) -> Result<(), Error> {
    let prev: Option<(i64, String)> = query_opt(
        tx,
        "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let entry = event.into_entry(prev.as_ref().map(|(s, h)| (*s, h.as_str())));
    let r = AuditRow::from(&entry);
    tx.execute(
        &format!(
            "INSERT INTO audit_log ({AUDIT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
        ),
        rusqlite::params![
            r.seq,
            ts(r.at),
            r.actor,
            opt_uuid_text(r.actor_org),
            r.source,
            r.action,
            r.target,
            opt_uuid_text(r.target_org),
            r.details,
            r.prev_hash,
            r.hash,
        ],
    )?;
    Ok(())
}

/// The first row `sql` returns, read by `f`.
pub(crate) fn query_opt<T, P, F>(
    c: &Connection,
    sql: &str,
    params: P,
    f: F,
) -> Result<Option<T>, Error>
where
    P: Params,
    F: FnOnce(&Row<'_>) -> Result<T, Error>,
{
    let mut stmt = c.prepare_cached(sql)?;
    let mut rows = stmt.query(params)?;
    match rows.next()? {
        Some(row) => Ok(Some(f(row)?)),
        None => Ok(None),
    }
}

/// Every row `sql` returns, each read by `f`.
pub(crate) fn query_all<T, P, F>(
    c: &Connection,
    sql: &str,
    params: P,
    f: F,
) -> Result<Vec<T>, Error>
where
    P: Params,
    F: FnMut(&Row<'_>) -> Result<T, Error>,
{
    let mut stmt = c.prepare_cached(sql)?;
    let rows = stmt.query_and_then(params, f)?;
    rows.collect()
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock cannot leave a rusqlite connection half-updated in a way we
    // rely on (each call is its own statement or transaction), so a poisoned lock is still usable.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

async fn run_blocking<R, F>(f: F) -> Result<R, StoreError>
where
    R: Send + 'static,
    F: FnOnce() -> Result<R, StoreError> + Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| StoreError::Backend(format!("store task failed: {e}")))?
}
