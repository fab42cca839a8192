//! rusqlite's errors as the store's: what a caller can act on (a duplicate, an unavailable database,
//! corrupt data) is told apart; the rest is a backend error.

use rusqlite::ErrorCode;
use simpul_core::store::StoreError;

/// A failure inside a store call: from SQLite, or already a store error (a stored value that does not
/// decode). The helpers in `tx.rs` turn it into a [`StoreError`].
#[derive(Debug)]
pub(crate) enum Error {
    Sqlite(rusqlite::Error),
    Store(StoreError),
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Self::Sqlite(e)
    }
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
}

impl From<Error> for StoreError {
    fn from(e: Error) -> Self {
        match e {
            Error::Sqlite(e) => map_err(e),
            Error::Store(e) => e,
        }
    }
}

/// Maps a rusqlite error: unique and primary-key violations are duplicates; open, busy, locked,
/// full-disk, I/O and read-only failures mean the database is unavailable; a damaged file or a value
/// of the wrong type is corrupt.
pub(crate) fn map_err(e: rusqlite::Error) -> StoreError {
    match &e {
        rusqlite::Error::SqliteFailure(f, msg) => match f.code {
            ErrorCode::ConstraintViolation
                if matches!(
                    f.extended_code,
                    rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                        | rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
                ) =>
            {
                StoreError::Duplicate(msg.clone().unwrap_or_else(|| "unique constraint".into()))
            }
            ErrorCode::CannotOpen
            | ErrorCode::DatabaseBusy
            | ErrorCode::DatabaseLocked
            | ErrorCode::DiskFull
            | ErrorCode::SystemIoFailure
            | ErrorCode::ReadOnly => StoreError::Unavailable(e.to_string()),
            ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase => {
                StoreError::Corrupt(e.to_string())
            }
            _ => StoreError::Backend(e.to_string()),
        },
        rusqlite::Error::FromSqlConversionFailure(..)
        | rusqlite::Error::InvalidColumnType(..)
        | rusqlite::Error::IntegralValueOutOfRange(..) => StoreError::Corrupt(e.to_string()),
        _ => StoreError::Backend(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constraint_and_type_failures_are_told_apart() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT NOT NULL); INSERT INTO t VALUES ('a', 'x')",
        )
        .unwrap();
        let dup = conn
            .execute("INSERT INTO t VALUES ('a', 'y')", [])
            .unwrap_err();
        assert!(matches!(map_err(dup), StoreError::Duplicate(_)));
        let null = conn
            .execute("INSERT INTO t VALUES ('b', NULL)", [])
            .unwrap_err();
        assert!(matches!(map_err(null), StoreError::Backend(_)));
        let wrong = conn
            .query_row("SELECT v FROM t", [], |r| r.get::<_, i64>(0))
            .unwrap_err();
        assert!(matches!(map_err(wrong), StoreError::Corrupt(_)));
    }
}
