//! How PostgreSQL and pool failures become [`StoreError`]s: one mapping for the whole backend.

use deadpool_postgres::PoolError;
use simpul_core::store::StoreError;
use tokio_postgres::error::SqlState;

/// A driver error: a unique violation is a duplicate (named by its constraint); a lost connection,
/// an administrator shutdown or too many connections is unavailable; anything else is a backend error.
pub(crate) fn map_err(e: tokio_postgres::Error) -> StoreError {
    if let Some(db) = e.as_db_error() {
        let code = db.code();
        if *code == SqlState::UNIQUE_VIOLATION {
            return StoreError::Duplicate(
                db.constraint().unwrap_or("unique constraint").to_owned(),
            );
        }
        if code.code().starts_with("08")
            || code.code().starts_with("57P")
            || *code == SqlState::TOO_MANY_CONNECTIONS
        {
            return StoreError::Unavailable(db.message().to_owned());
        }
        return StoreError::Backend(db.message().to_owned());
    }
    if e.is_closed() || std::error::Error::source(&e).is_some_and(|s| s.is::<std::io::Error>()) {
        return StoreError::Unavailable(e.to_string());
    }
    StoreError::Backend(e.to_string())
}

/// A pool error: the driver's own errors map as above; a timeout or a closed pool is unavailable.
pub(crate) fn map_pool_err(e: PoolError) -> StoreError {
    match e {
        PoolError::Backend(e) => map_err(e),
        other => StoreError::Unavailable(other.to_string()),
    }
}
