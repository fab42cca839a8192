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
use rusqlite::{
    Connection, ErrorCode, OpenFlags, OptionalExtension, Row, Transaction, TransactionBehavior,
    params,
};
use simpul_core::audit::{AuditEntry, AuditEvent};
use simpul_core::clock::rfc3339_micros;
use simpul_core::country::Country;
use simpul_core::org::{OrgId, OrgKind, OrgStatus, Organisation, ShortName};
use simpul_core::store::{LoginFailures, PoolStatus, SchemaStatus, Store, StoreError};
use simpul_core::token::{ApiToken, Scopes, Session, TokenId};
use simpul_core::user::{
    Community, CommunityId, CommunityName, Email, Role, User, UserId, UserStatus,
};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

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

    /// Runs `f` in an immediate transaction on the writer connection and commits.
    async fn write_tx<R, F>(&self, f: F) -> Result<R, StoreError>
    where
        R: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Result<R, rusqlite::Error> + Send + 'static,
    {
        self.write(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let r = f(&tx)?;
            tx.commit()?;
            Ok(r)
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
    rfc3339_micros(*t)
}

fn conversion_err(column: usize, what: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(column, rusqlite::types::Type::Text, what.into())
}

fn get_ts(row: &Row<'_>, column: usize) -> Result<OffsetDateTime, rusqlite::Error> {
    let s: String = row.get(column)?;
    OffsetDateTime::parse(&s, &Rfc3339)
        .map_err(|e| conversion_err(column, format!("timestamp `{s}`: {e}")))
}

fn get_opt_ts(row: &Row<'_>, column: usize) -> Result<Option<OffsetDateTime>, rusqlite::Error> {
    let s: Option<String> = row.get(column)?;
    s.map(|s| {
        OffsetDateTime::parse(&s, &Rfc3339)
            .map_err(|e| conversion_err(column, format!("timestamp `{s}`: {e}")))
    })
    .transpose()
}

fn get_uuid(row: &Row<'_>, column: usize) -> Result<Uuid, rusqlite::Error> {
    let s: String = row.get(column)?;
    s.parse()
        .map_err(|e| conversion_err(column, format!("uuid `{s}`: {e}")))
}

fn get_opt_uuid(row: &Row<'_>, column: usize) -> Result<Option<Uuid>, rusqlite::Error> {
    let s: Option<String> = row.get(column)?;
    s.map(|s| {
        s.parse()
            .map_err(|e| conversion_err(column, format!("uuid `{s}`: {e}")))
    })
    .transpose()
}

fn get_parsed<T: std::str::FromStr>(row: &Row<'_>, column: usize) -> Result<T, rusqlite::Error>
where
    T::Err: std::fmt::Display,
{
    let s: String = row.get(column)?;
    s.parse::<T>()
        .map_err(|e| conversion_err(column, e.to_string()))
}

const ORG_COLUMNS: &str = "id, name, short_name, kind, country, status, created_at";

fn org_from_row(row: &Row<'_>) -> Result<Organisation, rusqlite::Error> {
    let short: String = row.get(2)?;
    let country: Option<String> = row.get(4)?;
    Ok(Organisation {
        id: OrgId(get_uuid(row, 0)?),
        name: row.get(1)?,
        short_name: ShortName::parse(&short).map_err(|e| conversion_err(2, e.to_string()))?,
        kind: get_parsed::<OrgKind>(row, 3)?,
        country: country
            .map(|c| Country::parse(&c))
            .transpose()
            .map_err(|e| conversion_err(4, e.to_string()))?,
        status: get_parsed::<OrgStatus>(row, 5)?,
        created_at: get_ts(row, 6)?,
    })
}

const USER_COLUMNS: &str =
    "id, email, display_name, org_id, role, status, created_at, password_hash";

fn user_from_row(row: &Row<'_>) -> Result<User, rusqlite::Error> {
    let email: String = row.get(1)?;
    Ok(User {
        id: UserId(get_uuid(row, 0)?),
        email: Email::parse(&email).map_err(|e| conversion_err(1, e.to_string()))?,
        display_name: row.get(2)?,
        org_id: OrgId(get_uuid(row, 3)?),
        role: get_parsed::<Role>(row, 4)?,
        status: get_parsed::<UserStatus>(row, 5)?,
        created_at: get_ts(row, 6)?,
    })
}

const TOKEN_COLUMNS: &str =
    "id, user_id, name, scopes, created_at, expires_at, last_used_at, revoked_at";

fn token_from_row(row: &Row<'_>) -> Result<ApiToken, rusqlite::Error> {
    let bits: i64 = row.get(3)?;
    Ok(ApiToken {
        id: TokenId(get_uuid(row, 0)?),
        user_id: UserId(get_uuid(row, 1)?),
        name: row.get(2)?,
        scopes: Scopes::from_bits(
            u8::try_from(bits).map_err(|e| conversion_err(3, e.to_string()))?,
        ),
        created_at: get_ts(row, 4)?,
        expires_at: get_opt_ts(row, 5)?,
        last_used_at: get_opt_ts(row, 6)?,
        revoked_at: get_opt_ts(row, 7)?,
    })
}

const AUDIT_COLUMNS: &str =
    "seq, at, actor, actor_org, source, action, target, target_org, details, prev_hash, hash";

fn audit_from_row(row: &Row<'_>) -> Result<AuditEntry, rusqlite::Error> {
    Ok(AuditEntry {
        seq: row.get(0)?,
        at: get_ts(row, 1)?,
        actor: row.get(2)?,
        actor_org: get_opt_uuid(row, 3)?.map(OrgId),
        source: row.get(4)?,
        action: row.get(5)?,
        target: row.get(6)?,
        target_org: get_opt_uuid(row, 7)?.map(OrgId),
        details: row.get(8)?,
        prev_hash: row.get(9)?,
        hash: row.get(10)?,
    })
}

/// Appends `event` to the audit chain inside `tx` (the writer lock serialises appends).
fn append_audit_tx(tx: &Transaction<'_>, event: &AuditEvent) -> Result<(), rusqlite::Error> {
    let prev: Option<(i64, String)> = tx
        .query_row(
            "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let e = event.into_entry(prev.as_ref().map(|(s, h)| (*s, h.as_str())));
    tx.execute(
        &format!("INSERT INTO audit_log ({AUDIT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"),
        params![
            e.seq,
            ts(&e.at),
            e.actor,
            e.actor_org.map(|o| o.0.to_string()),
            e.source,
            e.action,
            e.target,
            e.target_org.map(|o| o.0.to_string()),
            e.details,
            e.prev_hash,
            e.hash,
        ],
    )?;
    Ok(())
}

fn load_members(c: &Connection, id: &str) -> Result<Vec<OrgId>, rusqlite::Error> {
    let mut stmt = c.prepare_cached(
        "SELECT org_id FROM community_members WHERE community_id = ?1 ORDER BY org_id",
    )?;
    let rows = stmt.query_map([id], |r| Ok(OrgId(get_uuid(r, 0)?)))?;
    rows.collect()
}

fn community_from_row(c: &Connection, row: &Row<'_>) -> Result<Community, rusqlite::Error> {
    let id: String = row.get(0)?;
    let name: String = row.get(1)?;
    Ok(Community {
        id: CommunityId(get_uuid(row, 0)?),
        name: CommunityName::parse(&name).map_err(|e| conversion_err(1, e.to_string()))?,
        description: row.get(2)?,
        members: load_members(c, &id)?,
        created_at: get_ts(row, 3)?,
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

    // ------------------------------------------------------------ organisations

    async fn insert_org(&self, org: &Organisation, audit: &AuditEvent) -> Result<(), StoreError> {
        let (org, audit) = (org.clone(), audit.clone());
        self.write_tx(move |tx| {
            tx.execute(
                &format!(
                    "INSERT INTO organisations ({ORG_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
                ),
                params![
                    org.id.0.to_string(),
                    org.name,
                    org.short_name.as_str(),
                    org.kind.as_str(),
                    org.country.map(|c| c.as_str().to_owned()),
                    org.status.as_str(),
                    ts(&org.created_at),
                ],
            )?;
            append_audit_tx(tx, &audit)
        })
        .await
    }

    async fn update_org(&self, org: &Organisation, audit: &AuditEvent) -> Result<(), StoreError> {
        let (org, audit) = (org.clone(), audit.clone());
        self.write_tx(move |tx| {
            tx.execute(
                "UPDATE organisations SET name = ?2, kind = ?3, country = ?4, status = ?5 WHERE id = ?1",
                params![
                    org.id.0.to_string(),
                    org.name,
                    org.kind.as_str(),
                    org.country.map(|c| c.as_str().to_owned()),
                    org.status.as_str(),
                ],
            )?;
            append_audit_tx(tx, &audit)
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

    // ------------------------------------------------------------ communities

    async fn insert_community(
        &self,
        community: &Community,
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        let (community, audit) = (community.clone(), audit.clone());
        self.write_tx(move |tx| {
            tx.execute(
                "INSERT INTO communities (id, name, description, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![
                    community.id.0.to_string(),
                    community.name.as_str(),
                    community.description,
                    ts(&community.created_at)
                ],
            )?;
            for org in &community.members {
                tx.execute(
                    "INSERT OR IGNORE INTO community_members (community_id, org_id) VALUES (?1, ?2)",
                    [community.id.0.to_string(), org.0.to_string()],
                )?;
            }
            append_audit_tx(tx, &audit)
        })
        .await
    }

    async fn add_community_members(
        &self,
        id: CommunityId,
        orgs: &[OrgId],
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        let (orgs, audit) = (orgs.to_vec(), audit.clone());
        self.write_tx(move |tx| {
            for org in &orgs {
                tx.execute(
                    "INSERT OR IGNORE INTO community_members (community_id, org_id) VALUES (?1, ?2)",
                    [id.0.to_string(), org.0.to_string()],
                )?;
            }
            append_audit_tx(tx, &audit)
        })
        .await
    }

    async fn get_community_by_name(
        &self,
        name: &CommunityName,
    ) -> Result<Option<Community>, StoreError> {
        let name = name.as_str().to_owned();
        self.read(move |c| {
            c.query_row(
                "SELECT id, name, description, created_at FROM communities WHERE name = ?1",
                [name],
                |row| community_from_row(c, row),
            )
            .optional()
        })
        .await
    }

    async fn list_communities(&self) -> Result<Vec<Community>, StoreError> {
        self.read(|c| {
            let mut stmt = c.prepare(
                "SELECT id, name, description, created_at FROM communities ORDER BY name",
            )?;
            let rows = stmt.query_map([], |row| community_from_row(c, row))?;
            rows.collect()
        })
        .await
    }

    async fn communities_of_org(&self, org: OrgId) -> Result<Vec<CommunityId>, StoreError> {
        self.read(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT community_id FROM community_members WHERE org_id = ?1 ORDER BY community_id",
            )?;
            let rows = stmt.query_map([org.0.to_string()], |r| Ok(CommunityId(get_uuid(r, 0)?)))?;
            rows.collect()
        })
        .await
    }

    // ------------------------------------------------------------ users

    async fn insert_user(
        &self,
        user: &User,
        password_hash: &str,
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        let (user, hash, audit) = (user.clone(), password_hash.to_owned(), audit.clone());
        self.write_tx(move |tx| {
            tx.execute(
                &format!(
                    "INSERT INTO users ({USER_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
                ),
                params![
                    user.id.0.to_string(),
                    user.email.as_str(),
                    user.display_name,
                    user.org_id.0.to_string(),
                    user.role.as_str(),
                    user.status.as_str(),
                    ts(&user.created_at),
                    hash,
                ],
            )?;
            append_audit_tx(tx, &audit)
        })
        .await
    }

    async fn update_user(&self, user: &User, audit: &AuditEvent) -> Result<(), StoreError> {
        let (user, audit) = (user.clone(), audit.clone());
        self.write_tx(move |tx| {
            tx.execute(
                "UPDATE users SET display_name = ?2, role = ?3, status = ?4 WHERE id = ?1",
                params![
                    user.id.0.to_string(),
                    user.display_name,
                    user.role.as_str(),
                    user.status.as_str()
                ],
            )?;
            if user.status == UserStatus::Disabled {
                tx.execute(
                    "DELETE FROM sessions WHERE user_id = ?1",
                    [user.id.0.to_string()],
                )?;
            }
            append_audit_tx(tx, &audit)
        })
        .await
    }

    async fn set_password(
        &self,
        id: UserId,
        password_hash: &str,
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        let (hash, audit) = (password_hash.to_owned(), audit.clone());
        self.write_tx(move |tx| {
            tx.execute(
                "UPDATE users SET password_hash = ?2 WHERE id = ?1",
                [id.0.to_string(), hash],
            )?;
            tx.execute(
                "DELETE FROM sessions WHERE user_id = ?1",
                [id.0.to_string()],
            )?;
            append_audit_tx(tx, &audit)
        })
        .await
    }

    async fn get_user(&self, id: UserId) -> Result<Option<User>, StoreError> {
        self.read(move |c| {
            c.query_row(
                &format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?1"),
                [id.0.to_string()],
                user_from_row,
            )
            .optional()
        })
        .await
    }

    async fn get_user_by_email(&self, email: &Email) -> Result<Option<(User, String)>, StoreError> {
        let email = email.as_str().to_owned();
        self.read(move |c| {
            c.query_row(
                &format!("SELECT {USER_COLUMNS} FROM users WHERE email = ?1"),
                [email],
                |row| Ok((user_from_row(row)?, row.get(7)?)),
            )
            .optional()
        })
        .await
    }

    async fn list_users(&self, org: Option<OrgId>) -> Result<Vec<User>, StoreError> {
        self.read(move |c| {
            let mut stmt = c.prepare(&format!(
                "SELECT {USER_COLUMNS} FROM users WHERE ?1 IS NULL OR org_id = ?1 ORDER BY email"
            ))?;
            let rows = stmt.query_map([org.map(|o| o.0.to_string())], user_from_row)?;
            rows.collect()
        })
        .await
    }

    // ------------------------------------------------------------ API tokens

    async fn insert_token(
        &self,
        token: &ApiToken,
        hash: &[u8; 32],
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        let (t, hash, audit) = (token.clone(), *hash, audit.clone());
        self.write_tx(move |tx| {
            tx.execute(
                "INSERT INTO api_tokens (id, user_id, name, scopes, hash, created_at, expires_at, last_used_at, revoked_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    t.id.0.to_string(),
                    t.user_id.0.to_string(),
                    t.name,
                    i64::from(t.scopes.bits()),
                    hash.as_slice(),
                    ts(&t.created_at),
                    t.expires_at.as_ref().map(ts),
                    t.last_used_at.as_ref().map(ts),
                    t.revoked_at.as_ref().map(ts),
                ],
            )?;
            append_audit_tx(tx, &audit)
        })
        .await
    }

    async fn get_token_by_hash(&self, hash: &[u8; 32]) -> Result<Option<ApiToken>, StoreError> {
        let hash = *hash;
        self.read(move |c| {
            c.query_row(
                &format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE hash = ?1"),
                [hash.as_slice()],
                token_from_row,
            )
            .optional()
        })
        .await
    }

    async fn get_token(&self, id: TokenId) -> Result<Option<ApiToken>, StoreError> {
        self.read(move |c| {
            c.query_row(
                &format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE id = ?1"),
                [id.0.to_string()],
                token_from_row,
            )
            .optional()
        })
        .await
    }

    async fn list_tokens(&self, user: UserId) -> Result<Vec<ApiToken>, StoreError> {
        self.read(move |c| {
            let mut stmt = c.prepare(&format!(
                "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE user_id = ?1 ORDER BY created_at, id"
            ))?;
            let rows = stmt.query_map([user.0.to_string()], token_from_row)?;
            rows.collect()
        })
        .await
    }

    async fn revoke_token(
        &self,
        id: TokenId,
        at: OffsetDateTime,
        audit: &AuditEvent,
    ) -> Result<bool, StoreError> {
        let audit = audit.clone();
        self.write_tx(move |tx| {
            let n = tx.execute(
                "UPDATE api_tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
                [id.0.to_string(), ts(&at)],
            )?;
            if n > 0 {
                append_audit_tx(tx, &audit)?;
            }
            Ok(n > 0)
        })
        .await
    }

    async fn touch_token(&self, id: TokenId, at: OffsetDateTime) -> Result<(), StoreError> {
        self.write(move |c| {
            c.execute(
                "UPDATE api_tokens SET last_used_at = ?2 WHERE id = ?1",
                [id.0.to_string(), ts(&at)],
            )
            .map(|_| ())
        })
        .await
    }

    // ------------------------------------------------------------ sessions

    async fn insert_session(
        &self,
        hash: &[u8; 32],
        session: &Session,
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        let (hash, s, audit) = (*hash, session.clone(), audit.clone());
        self.write_tx(move |tx| {
            tx.execute(
                "INSERT INTO sessions (hash, user_id, csrf_token, created_at, last_seen_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![hash.as_slice(), s.user_id.0.to_string(), s.csrf_token, ts(&s.created_at), ts(&s.last_seen_at)],
            )?;
            append_audit_tx(tx, &audit)
        })
        .await
    }

    async fn get_session(&self, hash: &[u8; 32]) -> Result<Option<Session>, StoreError> {
        let hash = *hash;
        self.read(move |c| {
            c.query_row(
                "SELECT user_id, csrf_token, created_at, last_seen_at FROM sessions WHERE hash = ?1",
                [hash.as_slice()],
                |row| {
                    Ok(Session {
                        user_id: UserId(get_uuid(row, 0)?),
                        csrf_token: row.get(1)?,
                        created_at: get_ts(row, 2)?,
                        last_seen_at: get_ts(row, 3)?,
                    })
                },
            )
            .optional()
        })
        .await
    }

    async fn touch_session(&self, hash: &[u8; 32], at: OffsetDateTime) -> Result<(), StoreError> {
        let hash = *hash;
        self.write(move |c| {
            c.execute(
                "UPDATE sessions SET last_seen_at = ?2 WHERE hash = ?1",
                params![hash.as_slice(), ts(&at)],
            )
            .map(|_| ())
        })
        .await
    }

    async fn delete_session(
        &self,
        hash: &[u8; 32],
        audit: Option<&AuditEvent>,
    ) -> Result<(), StoreError> {
        let (hash, audit) = (*hash, audit.cloned());
        self.write_tx(move |tx| {
            tx.execute("DELETE FROM sessions WHERE hash = ?1", [hash.as_slice()])?;
            if let Some(a) = &audit {
                append_audit_tx(tx, a)?;
            }
            Ok(())
        })
        .await
    }

    // ------------------------------------------------------------ login failures

    async fn login_failures(&self, key: &str) -> Result<Option<LoginFailures>, StoreError> {
        let key = key.to_owned();
        self.read(move |c| {
            c.query_row(
                "SELECT count, last_at FROM login_failures WHERE key = ?1",
                [key],
                |row| {
                    let count: i64 = row.get(0)?;
                    Ok(LoginFailures {
                        count: u32::try_from(count).unwrap_or(u32::MAX),
                        last: get_ts(row, 1)?,
                    })
                },
            )
            .optional()
        })
        .await
    }

    async fn record_login_failure(
        &self,
        keys: &[String],
        at: OffsetDateTime,
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        let (keys, audit) = (keys.to_vec(), audit.clone());
        self.write_tx(move |tx| {
            for key in &keys {
                tx.execute(
                    "INSERT INTO login_failures (key, count, last_at) VALUES (?1, 1, ?2)
                     ON CONFLICT (key) DO UPDATE SET count = count + 1, last_at = excluded.last_at",
                    [key.clone(), ts(&at)],
                )?;
            }
            append_audit_tx(tx, &audit)
        })
        .await
    }

    async fn reset_login_failures(&self, key: &str) -> Result<(), StoreError> {
        let key = key.to_owned();
        self.write(move |c| {
            c.execute("DELETE FROM login_failures WHERE key = ?1", [key])
                .map(|_| ())
        })
        .await
    }

    // ------------------------------------------------------------ audit

    async fn append_audit(&self, event: &AuditEvent) -> Result<(), StoreError> {
        let event = event.clone();
        self.write_tx(move |tx| append_audit_tx(tx, &event)).await
    }

    async fn list_audit(
        &self,
        org: Option<OrgId>,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        self.read(move |c| {
            let mut stmt = c.prepare(&format!(
                "SELECT {AUDIT_COLUMNS} FROM audit_log
                 WHERE (?1 IS NULL OR actor_org = ?1 OR target_org = ?1) AND (?2 IS NULL OR seq < ?2)
                 ORDER BY seq DESC LIMIT ?3"
            ))?;
            let rows = stmt.query_map(params![org.map(|o| o.0.to_string()), before, i64::from(limit)], audit_from_row)?;
            rows.collect()
        })
        .await
    }

    async fn audit_after(&self, after: i64, limit: u32) -> Result<Vec<AuditEntry>, StoreError> {
        self.read(move |c| {
            let mut stmt = c.prepare(&format!(
                "SELECT {AUDIT_COLUMNS} FROM audit_log WHERE seq > ?1 ORDER BY seq LIMIT ?2"
            ))?;
            let rows = stmt.query_map(params![after, i64::from(limit)], audit_from_row)?;
            rows.collect()
        })
        .await
    }

    // ------------------------------------------------------------ meta

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
