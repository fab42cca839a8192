//! simpul's embedded store: SQLite (bundled) in WAL mode, one file in the data directory.
//!
//! Owns the SQLite schema and its migrations (`migrations/`), one writer connection (SQLite allows one
//! writer at a time; serialising writes here avoids `SQLITE_BUSY`) and a small pool of reader
//! connections. Every call runs on tokio's blocking pool. Commits use `synchronous=FULL`, so an answered
//! write survives a crash or power loss.
//!
//! Must never: decide who may see what (that is the core's sharing policy), or hold a connection
//! across an `.await`.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension, params};
use simpul_core::country::Country;
use simpul_core::org::{OrgId, OrgKind, OrgStatus, Organisation, ShortName};
use simpul_core::store::{PoolStatus, SchemaStatus, Store, StoreError};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

mod migrate;

/// The most reader connections kept open.
const MAX_READERS: usize = 8;

/// The SQLite store. Cheap to clone.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path`, applies migrations, and refuses a schema
    /// newer than this binary.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let mut writer = open_connection(path, true)?;
        migrate::run(&mut writer)?;
        Ok(Self {
            inner: Arc::new(Inner {
                path: path.to_owned(),
                writer: Mutex::new(writer),
                readers: Mutex::new(Vec::new()),
            }),
        })
    }

    /// Opens the database named by a `sqlite://PATH` URL (`sqlite:///abs/path.db` or `sqlite://rel/path.db`).
    pub fn open_url(url: &str) -> Result<Self, StoreError> {
        Self::open(&path_from_url(url)?)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Runs `f` with the writer connection on the blocking pool.
    async fn write<R, F>(&self, f: F) -> Result<R, StoreError>
    where
        R: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<R, rusqlite::Error> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        run_blocking(move || {
            let mut conn = lock(&inner.writer);
            f(&mut conn).map_err(map_err)
        })
        .await
    }

    /// Runs `f` with a reader connection on the blocking pool.
    async fn read<R, F>(&self, f: F) -> Result<R, StoreError>
    where
        R: Send + 'static,
        F: FnOnce(&Connection) -> Result<R, rusqlite::Error> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        run_blocking(move || {
            let conn = match lock(&inner.readers).pop() {
                Some(c) => c,
                None => open_connection(&inner.path, false)?,
            };
            let result = f(&conn).map_err(map_err);
            let mut readers = lock(&inner.readers);
            if readers.len() < MAX_READERS {
                readers.push(conn);
            }
            result
        })
        .await
    }
}

/// Extracts the file path from a `sqlite://` URL.
pub fn path_from_url(url: &str) -> Result<PathBuf, StoreError> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .ok_or_else(|| StoreError::Backend(format!("not a sqlite URL: {url}")))?;
    let rest = rest.split('?').next().unwrap_or(rest);
    if rest.is_empty() {
        return Err(StoreError::Backend("sqlite URL names no file".into()));
    }
    Ok(PathBuf::from(rest))
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
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

fn open_connection(path: &Path, create: bool) -> Result<Connection, StoreError> {
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    if create {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    }
    let conn = Connection::open_with_flags(path, flags)
        .map_err(|e| StoreError::Unavailable(format!("cannot open {}: {e}", path.display())))?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA busy_timeout = 5000;",
    )
    .map_err(|e| StoreError::Unavailable(format!("cannot configure {}: {e}", path.display())))?;
    Ok(conn)
}

fn map_err(e: rusqlite::Error) -> StoreError {
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
        _ => StoreError::Backend(e.to_string()),
    }
}

fn ts(t: &OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

fn conversion_err(column: usize, what: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(column, rusqlite::types::Type::Text, what.into())
}

fn parse_ts(column: usize, s: &str) -> Result<OffsetDateTime, rusqlite::Error> {
    OffsetDateTime::parse(s, &Rfc3339)
        .map_err(|e| conversion_err(column, format!("timestamp `{s}`: {e}")))
}

const ORG_COLUMNS: &str = "id, name, short_name, kind, country, status, created_at";

fn org_from_row(row: &rusqlite::Row<'_>) -> Result<Organisation, rusqlite::Error> {
    let id: String = row.get(0)?;
    let short: String = row.get(2)?;
    let kind: String = row.get(3)?;
    let country: Option<String> = row.get(4)?;
    let status: String = row.get(5)?;
    let created: String = row.get(6)?;
    Ok(Organisation {
        id: OrgId(
            id.parse()
                .map_err(|e| conversion_err(0, format!("org id `{id}`: {e}")))?,
        ),
        name: row.get(1)?,
        short_name: ShortName::parse(&short).map_err(|e| conversion_err(2, e.to_string()))?,
        kind: kind
            .parse::<OrgKind>()
            .map_err(|e| conversion_err(3, e.to_string()))?,
        country: country
            .map(|c| Country::parse(&c))
            .transpose()
            .map_err(|e| conversion_err(4, e.to_string()))?,
        status: status
            .parse::<OrgStatus>()
            .map_err(|e| conversion_err(5, e.to_string()))?,
        created_at: parse_ts(6, &created)?,
    })
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn ping(&self) -> Result<(), StoreError> {
        let path = self.inner.path.clone();
        if !path.exists() {
            return Err(StoreError::Unavailable(format!(
                "{} is gone",
                path.display()
            )));
        }
        self.read(|c| {
            c.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))
                .map(|_| ())
        })
        .await
    }

    async fn schema_status(&self) -> Result<SchemaStatus, StoreError> {
        let current = self.read(migrate::current_version).await?;
        Ok(SchemaStatus {
            current,
            latest: migrate::LATEST,
        })
    }

    fn pool_status(&self) -> PoolStatus {
        let idle = lock(&self.inner.readers).len();
        // The writer is always open; readers are opened on demand.
        PoolStatus {
            size: idle + 1,
            idle,
            max: MAX_READERS + 1,
        }
    }

    async fn insert_org(&self, org: &Organisation) -> Result<(), StoreError> {
        let org = org.clone();
        self.write(move |c| {
            c.execute(
                "INSERT INTO organisations (id, name, short_name, kind, country, status, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    org.id.0.to_string(),
                    org.name,
                    org.short_name.as_str(),
                    org.kind.as_str(),
                    org.country.map(|c| c.as_str().to_owned()),
                    org.status.as_str(),
                    ts(&org.created_at),
                ],
            )
            .map(|_| ())
        })
        .await
    }

    async fn get_org(&self, id: OrgId) -> Result<Option<Organisation>, StoreError> {
        self.read(move |c| {
            c.query_row(
                &format!("SELECT {ORG_COLUMNS} FROM organisations WHERE id = ?1"),
                [id.0.to_string()],
                org_from_row,
            )
            .optional()
        })
        .await
    }

    async fn get_org_by_short_name(
        &self,
        short: &ShortName,
    ) -> Result<Option<Organisation>, StoreError> {
        let short = short.as_str().to_owned();
        self.read(move |c| {
            c.query_row(
                &format!(
                    "SELECT {ORG_COLUMNS} FROM organisations WHERE short_name = ?1 COLLATE NOCASE"
                ),
                [short],
                org_from_row,
            )
            .optional()
        })
        .await
    }

    async fn list_orgs(&self) -> Result<Vec<Organisation>, StoreError> {
        self.read(|c| {
            let mut stmt = c.prepare(&format!(
                "SELECT {ORG_COLUMNS} FROM organisations ORDER BY short_name COLLATE NOCASE"
            ))?;
            let rows = stmt.query_map([], org_from_row)?;
            rows.collect()
        })
        .await
    }

    async fn get_meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        let key = key.to_owned();
        self.read(move |c| {
            c.query_row("SELECT value FROM simpul_meta WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()
        })
        .await
    }

    async fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        let (key, value) = (key.to_owned(), value.to_owned());
        self.write(move |c| {
            c.execute(
                "INSERT INTO simpul_meta (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [key, value],
            )
            .map(|_| ())
        })
        .await
    }
}
