//! simpul's embedded store: SQLite (bundled) in WAL mode, one file in the data directory.
//!
//! Owns the SQLite schema and its migrations (`migrations/`), one writer connection (SQLite allows one
//! writer at a time; serialising writes here avoids `SQLITE_BUSY` and keeps the audit chain from
//! forking) and a small pool of reader connections. Every call runs on tokio's blocking pool. Commits
//! use `synchronous=FULL`, so an answered write survives a crash or power loss. The database file is
//! created mode 0600 (SQLite gives its `-wal` and `-shm` files the same mode).
//!
//! Layout: this file opens the database and holds the pool, the [`Probe`] and the [`MetaStore`];
//! `error.rs` maps rusqlite's errors; `tx.rs` holds the read and write helpers and `audited`, the one
//! way a security-relevant change is written (with its audit entry, in one immediate transaction);
//! `rows.rs` reads columns into core's row structs; one file per domain (`directory.rs`,
//! `identity.rs`, `auth.rs`, `audit.rs`, and `intel/` — collections, object versions, and the
//! sharing policy's filter compiled into SQL) holds that domain's SQL. A new domain adds one file and
//! a `mod` line. Text search uses FTS5, which the bundled SQLite is built with.
//!
//! Must never: decide who may see what (that is the core's sharing policy; `intel/filter.rs` only
//! compiles its `SharingFilter` into the `WHERE` clause), filter shared objects after the query,
//! hold a connection across an `.await`, write a security-relevant change outside `audited` or
//! append to the audit log anywhere else, or validate stored values itself (core's `store::rows`
//! decodes them).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use rusqlite::{Connection, OpenFlags};
use simpul_core::store::{MetaStore, PoolStatus, Probe, SchemaStatus, StoreError};

mod audit;
mod auth;
mod cases;
mod comm_checks;
mod contacts;
mod directory;
mod error;
mod federation;
mod identity;
mod intel;
mod mail;
mod migrate;
mod profiles;
mod request_notices;
mod requests;
mod rows;
mod tx;
mod webhooks;

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
    /// Opens (creating if needed, mode 0600) the database at `path`, applies migrations, and refuses
    /// a schema newer than this binary.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        create_private(path)?;
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

/// Creates the database file readable by its owner only, before SQLite opens it: SQLite creates the
/// `-wal` and `-shm` files with the database file's mode. An existing file is left as it is.
fn create_private(path: &Path) -> Result<(), StoreError> {
    if path.as_os_str() == ":memory:" || path.to_string_lossy().starts_with("file:") {
        return Ok(());
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(StoreError::Unavailable(format!(
            "cannot create {}: {e}",
            path.display()
        ))),
    }
}

/// The settings of every connection (and of the bare-insert benchmark, so it measures the same
/// storage): WAL with a full sync at each commit (durable), foreign keys, a busy timeout, and a
/// page cache of 64 MiB per connection (SQLite's default, 2 MiB, holds a few thousand pages: a
/// store of a million objects has random-key indexes much larger than that, and inserts then read
/// most index pages back from the file). Pages are cached only as they are read, so an idle
/// connection costs nothing; temporary B-trees (sorts) stay in memory.
pub const CONNECTION_PRAGMAS: &str = "PRAGMA journal_mode = WAL;
     PRAGMA synchronous = FULL;
     PRAGMA foreign_keys = ON;
     PRAGMA busy_timeout = 5000;
     PRAGMA cache_size = -65536;
     PRAGMA temp_store = MEMORY;";

fn open_connection(path: &Path, create: bool) -> Result<Connection, StoreError> {
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    if create {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    }
    let conn = Connection::open_with_flags(path, flags)
        .map_err(|e| StoreError::Unavailable(format!("cannot open {}: {e}", path.display())))?;
    conn.execute_batch(CONNECTION_PRAGMAS).map_err(|e| {
        StoreError::Unavailable(format!("cannot configure {}: {e}", path.display()))
    })?;
    Ok(conn)
}

#[async_trait]
impl Probe for SqliteStore {
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
            Ok(c.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))
                .map(|_| ())?)
        })
        .await
    }

    async fn schema_status(&self) -> Result<SchemaStatus, StoreError> {
        let current = self.read(|c| Ok(migrate::current_version(c)?)).await?;
        Ok(SchemaStatus {
            current,
            latest: migrate::LATEST,
        })
    }

    fn pool_status(&self) -> PoolStatus {
        let idle = tx::lock(&self.inner.readers).len();
        // The writer is always open; readers are opened on demand.
        PoolStatus {
            size: idle + 1,
            idle,
            max: MAX_READERS + 1,
        }
    }
}

#[async_trait]
impl MetaStore for SqliteStore {
    async fn get_meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        let key = key.to_owned();
        self.read(move |c| {
            tx::query_opt(
                c,
                "SELECT value FROM simpul_meta WHERE key = ?1",
                [key],
                |r| Ok(r.get(0)?),
            )
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
            )?;
            Ok(())
        })
        .await
    }
}
