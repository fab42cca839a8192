//! simpul's production store: PostgreSQL through a connection pool.
//!
//! Owns the PostgreSQL schema and its migrations (`migrations/`, applied under an advisory lock so that
//! several app nodes may start at once). App nodes keep no state of their own; everything lives here.
//! The schema is the first entry of the connection's `search_path` (set it with
//! `?options=-csearch_path%3Dname` in the URL to share one database between deployments or tests).
//!
//! Every audited write runs in one transaction that first takes `LOCK TABLE audit_log IN SHARE ROW
//! EXCLUSIVE MODE`, then makes the change, then appends the next entry of the hash chain: appends from
//! all app nodes are serialised, so the chain never forks, and the change and its entry commit together.
//! The table itself refuses `UPDATE`, `DELETE` and `TRUNCATE` (triggers in migration 1).
//!
//! Must never: decide who may see what (that is the core's sharing policy).

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use deadpool_postgres::{
    Manager, ManagerConfig, Object, Pool, PoolError, RecyclingMethod, Runtime, Transaction,
};
use simpul_core::audit::{AuditEntry, AuditEvent};
use simpul_core::country::Country;
use simpul_core::org::{OrgId, OrgKind, OrgStatus, Organisation, ShortName};
use simpul_core::store::{LoginFailures, PoolStatus, SchemaStatus, Store, StoreError};
use simpul_core::token::{ApiToken, Scopes, Session, TokenId};
use simpul_core::user::{
    Community, CommunityId, CommunityName, Email, Role, User, UserId, UserStatus,
};
use time::OffsetDateTime;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;
use tokio_postgres::{NoTls, Row};
use uuid::Uuid;

mod migrate;

/// The most connections one app node opens.
const MAX_CONNECTIONS: usize = 16;

/// The PostgreSQL store. Cheap to clone.
#[derive(Clone)]
pub struct PostgresStore {
    pool: Pool,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The pool's config holds the password: never print it.
        f.debug_struct("PostgresStore")
            .field("pool", &self.pool.status())
            .finish()
    }
}

impl PostgresStore {
    /// Connects to `postgres://…`, applies migrations, and refuses a schema newer than this binary.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let config = tokio_postgres::Config::from_str(url)
            .map_err(|e| StoreError::Backend(format!("invalid PostgreSQL URL: {e}")))?;
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(MAX_CONNECTIONS)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(Duration::from_secs(10)))
            .create_timeout(Some(Duration::from_secs(5)))
            .recycle_timeout(Some(Duration::from_secs(5)))
            .build()
            .map_err(|e| StoreError::Backend(format!("cannot build the connection pool: {e}")))?;
        let store = Self { pool };
        let mut client = store.client().await?;
        migrate::run(&mut client).await?;
        Ok(store)
    }

    async fn client(&self) -> Result<deadpool_postgres::Object, StoreError> {
        self.pool.get().await.map_err(|e| match e {
            PoolError::Backend(e) => map_err(e),
            other => StoreError::Unavailable(other.to_string()),
        })
    }
}

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

fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

const ORG_COLUMNS: &str = "id, name, short_name, kind, country, status, created_at";

fn org_from_row(row: &Row) -> Result<Organisation, StoreError> {
    let short: String = row.try_get(2).map_err(corrupt)?;
    let kind: String = row.try_get(3).map_err(corrupt)?;
    let country: Option<String> = row.try_get(4).map_err(corrupt)?;
    let status: String = row.try_get(5).map_err(corrupt)?;
    Ok(Organisation {
        id: OrgId(row.try_get(0).map_err(corrupt)?),
        name: row.try_get(1).map_err(corrupt)?,
        short_name: ShortName::parse(&short).map_err(corrupt)?,
        kind: kind.parse::<OrgKind>().map_err(corrupt)?,
        country: country
            .map(|c| Country::parse(&c))
            .transpose()
            .map_err(corrupt)?,
        status: status.parse::<OrgStatus>().map_err(corrupt)?,
        created_at: row.try_get(6).map_err(corrupt)?,
    })
}

/// A community with its members (ordered by org id), aggregated in one query.
const COMMUNITY_SELECT: &str = "SELECT c.id, c.name, c.description, c.created_at,
        COALESCE(array_agg(m.org_id ORDER BY m.org_id) FILTER (WHERE m.org_id IS NOT NULL), '{}')
     FROM communities c
     LEFT JOIN community_members m ON m.community_id = c.id";

fn community_from_row(row: &Row) -> Result<Community, StoreError> {
    let name: String = row.try_get(1).map_err(corrupt)?;
    let members: Vec<Uuid> = row.try_get(4).map_err(corrupt)?;
    Ok(Community {
        id: CommunityId(row.try_get(0).map_err(corrupt)?),
        name: CommunityName::parse(&name).map_err(corrupt)?,
        description: row.try_get(2).map_err(corrupt)?,
        members: members.into_iter().map(OrgId).collect(),
        created_at: row.try_get(3).map_err(corrupt)?,
    })
}

const USER_COLUMNS: &str = "id, email, display_name, org_id, role, status, created_at";

fn user_from_row(row: &Row) -> Result<User, StoreError> {
    let email: String = row.try_get(1).map_err(corrupt)?;
    let role: String = row.try_get(4).map_err(corrupt)?;
    let status: String = row.try_get(5).map_err(corrupt)?;
    Ok(User {
        id: UserId(row.try_get(0).map_err(corrupt)?),
        email: Email::parse(&email).map_err(corrupt)?,
        display_name: row.try_get(2).map_err(corrupt)?,
        org_id: OrgId(row.try_get(3).map_err(corrupt)?),
        role: role.parse::<Role>().map_err(corrupt)?,
        status: status.parse::<UserStatus>().map_err(corrupt)?,
        created_at: row.try_get(6).map_err(corrupt)?,
    })
}

const TOKEN_COLUMNS: &str =
    "id, user_id, name, scopes, created_at, expires_at, last_used_at, revoked_at";

fn token_from_row(row: &Row) -> Result<ApiToken, StoreError> {
    let scopes: i16 = row.try_get(3).map_err(corrupt)?;
    let scopes =
        u8::try_from(scopes).map_err(|_| corrupt(format!("token scopes {scopes} out of range")))?;
    Ok(ApiToken {
        id: TokenId(row.try_get(0).map_err(corrupt)?),
        user_id: UserId(row.try_get(1).map_err(corrupt)?),
        name: row.try_get(2).map_err(corrupt)?,
        scopes: Scopes::from_bits(scopes),
        created_at: row.try_get(4).map_err(corrupt)?,
        expires_at: row.try_get(5).map_err(corrupt)?,
        last_used_at: row.try_get(6).map_err(corrupt)?,
        revoked_at: row.try_get(7).map_err(corrupt)?,
    })
}

const AUDIT_COLUMNS: &str =
    "seq, at, actor, actor_org, source, action, target, target_org, details, prev_hash, hash";

fn audit_from_row(row: &Row) -> Result<AuditEntry, StoreError> {
    let actor_org: Option<Uuid> = row.try_get(3).map_err(corrupt)?;
    let target_org: Option<Uuid> = row.try_get(7).map_err(corrupt)?;
    Ok(AuditEntry {
        seq: row.try_get(0).map_err(corrupt)?,
        at: row.try_get(1).map_err(corrupt)?,
        actor: row.try_get(2).map_err(corrupt)?,
        actor_org: actor_org.map(OrgId),
        source: row.try_get(4).map_err(corrupt)?,
        action: row.try_get(5).map_err(corrupt)?,
        target: row.try_get(6).map_err(corrupt)?,
        target_org: target_org.map(OrgId),
        details: row.try_get(8).map_err(corrupt)?,
        prev_hash: row.try_get(9).map_err(corrupt)?,
        hash: row.try_get(10).map_err(corrupt)?,
    })
}

/// Begins a transaction that will append to the audit log, and takes the audit lock first.
///
/// `SHARE ROW EXCLUSIVE` conflicts with itself (so appenders on every app node queue here, one at a
/// time, until the holder commits) but not with plain reads of the log. Taking it before the change
/// itself means every audited transaction acquires its locks in the same order: the audit lock, then
/// rows, so two audited writes can never deadlock on each other.
async fn begin_audited(client: &mut Object) -> Result<Transaction<'_>, StoreError> {
    let tx = client.transaction().await.map_err(map_err)?;
    tx.batch_execute("LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE")
        .await
        .map_err(map_err)?;
    Ok(tx)
}

/// Appends `event` to the chain inside `tx`, which must come from [`begin_audited`] (so the last entry
/// read here is still the last when the transaction commits).
async fn append_entry(tx: &Transaction<'_>, event: &AuditEvent) -> Result<AuditEntry, StoreError> {
    let last = tx
        .prepare_cached("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
        .await
        .map_err(map_err)?;
    let prev = match tx.query_opt(&last, &[]).await.map_err(map_err)? {
        Some(row) => {
            let seq: i64 = row.try_get(0).map_err(corrupt)?;
            let hash: String = row.try_get(1).map_err(corrupt)?;
            Some((seq, hash))
        }
        None => None,
    };
    let entry = event.into_entry(prev.as_ref().map(|(s, h)| (*s, h.as_str())));
    let insert = tx
        .prepare_cached(&format!(
            "INSERT INTO audit_log ({AUDIT_COLUMNS})
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
        ))
        .await
        .map_err(map_err)?;
    tx.execute(
        &insert,
        &[
            &entry.seq,
            &entry.at,
            &entry.actor,
            &entry.actor_org.map(|o| o.0),
            &entry.source,
            &entry.action,
            &entry.target,
            &entry.target_org.map(|o| o.0),
            &entry.details,
            &entry.prev_hash,
            &entry.hash,
        ],
    )
    .await
    .map_err(map_err)?;
    Ok(entry)
}

/// Runs `sql` with `params` on a cached statement and returns the rows.
async fn query(
    client: &Object,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<Vec<Row>, StoreError> {
    let stmt = client.prepare_cached(sql).await.map_err(map_err)?;
    client.query(&stmt, params).await.map_err(map_err)
}

/// Runs `sql` with `params` on a cached statement and returns at most one row.
async fn query_opt(
    client: &Object,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<Option<Row>, StoreError> {
    let stmt = client.prepare_cached(sql).await.map_err(map_err)?;
    client.query_opt(&stmt, params).await.map_err(map_err)
}

/// Runs `sql` with `params` on a cached statement and returns how many rows it changed.
async fn execute(
    client: &Object,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<u64, StoreError> {
    let stmt = client.prepare_cached(sql).await.map_err(map_err)?;
    client.execute(&stmt, params).await.map_err(map_err)
}

/// As [`execute`], inside a transaction.
async fn tx_execute(
    tx: &Transaction<'_>,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<u64, StoreError> {
    let stmt = tx.prepare_cached(sql).await.map_err(map_err)?;
    tx.execute(&stmt, params).await.map_err(map_err)
}

fn uuids<T>(ids: &[T], f: impl Fn(&T) -> Uuid) -> Vec<Uuid> {
    ids.iter().map(f).collect()
}

fn limit(n: u32) -> i64 {
    i64::from(n)
}

#[async_trait]
impl Store for PostgresStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn ping(&self) -> Result<(), StoreError> {
        let client = self.client().await?;
        client.simple_query("SELECT 1").await.map_err(map_err)?;
        Ok(())
    }

    async fn schema_status(&self) -> Result<SchemaStatus, StoreError> {
        let client = self.client().await?;
        let current = migrate::current_version(&client).await?;
        Ok(SchemaStatus {
            current,
            latest: migrate::LATEST,
        })
    }

    fn pool_status(&self) -> PoolStatus {
        let s = self.pool.status();
        PoolStatus {
            size: s.size,
            idle: s.available,
            max: s.max_size,
        }
    }

    // Organisations.

    async fn insert_org(&self, org: &Organisation, audit: &AuditEvent) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let tx = begin_audited(&mut client).await?;
        tx_execute(
            &tx,
            "INSERT INTO organisations (id, name, short_name, kind, country, status, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                &org.id.0,
                &org.name,
                &org.short_name.as_str(),
                &org.kind.as_str(),
                &org.country.map(|c| c.as_str().to_owned()),
                &org.status.as_str(),
                &org.created_at,
            ],
        )
        .await?;
        append_entry(&tx, audit).await?;
        tx.commit().await.map_err(map_err)
    }

    async fn update_org(&self, org: &Organisation, audit: &AuditEvent) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let tx = begin_audited(&mut client).await?;
        tx_execute(
            &tx,
            "UPDATE organisations SET name = $2, kind = $3, country = $4, status = $5 WHERE id = $1",
            &[
                &org.id.0,
                &org.name,
                &org.kind.as_str(),
                &org.country.map(|c| c.as_str().to_owned()),
                &org.status.as_str(),
            ],
        )
        .await?;
        append_entry(&tx, audit).await?;
        tx.commit().await.map_err(map_err)
    }

    async fn get_org(&self, id: OrgId) -> Result<Option<Organisation>, StoreError> {
        let client = self.client().await?;
        let row = query_opt(
            &client,
            &format!("SELECT {ORG_COLUMNS} FROM organisations WHERE id = $1"),
            &[&id.0],
        )
        .await?;
        row.as_ref().map(org_from_row).transpose()
    }

    async fn get_org_by_short_name(
        &self,
        short: &ShortName,
    ) -> Result<Option<Organisation>, StoreError> {
        let client = self.client().await?;
        let row = query_opt(
            &client,
            &format!("SELECT {ORG_COLUMNS} FROM organisations WHERE lower(short_name) = lower($1)"),
            &[&short.as_str()],
        )
        .await?;
        row.as_ref().map(org_from_row).transpose()
    }

    async fn list_orgs(&self) -> Result<Vec<Organisation>, StoreError> {
        let client = self.client().await?;
        // Byte order after folding case, whatever the database's collation: the same order as SQLite.
        let rows = query(
            &client,
            &format!(
                "SELECT {ORG_COLUMNS} FROM organisations ORDER BY lower(short_name) COLLATE \"C\", id"
            ),
            &[],
        )
        .await?;
        rows.iter().map(org_from_row).collect()
    }

    // Communities.

    async fn insert_community(
        &self,
        community: &Community,
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let tx = begin_audited(&mut client).await?;
        tx_execute(
            &tx,
            "INSERT INTO communities (id, name, description, created_at) VALUES ($1, $2, $3, $4)",
            &[
                &community.id.0,
                &community.name.as_str(),
                &community.description,
                &community.created_at,
            ],
        )
        .await?;
        if !community.members.is_empty() {
            tx_execute(
                &tx,
                "INSERT INTO community_members (community_id, org_id)
                 SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING",
                &[&community.id.0, &uuids(&community.members, |o| o.0)],
            )
            .await?;
        }
        append_entry(&tx, audit).await?;
        tx.commit().await.map_err(map_err)
    }

    async fn add_community_members(
        &self,
        id: CommunityId,
        orgs: &[OrgId],
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let tx = begin_audited(&mut client).await?;
        tx_execute(
            &tx,
            "INSERT INTO community_members (community_id, org_id)
             SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING",
            &[&id.0, &uuids(orgs, |o| o.0)],
        )
        .await?;
        append_entry(&tx, audit).await?;
        tx.commit().await.map_err(map_err)
    }

    async fn get_community_by_name(
        &self,
        name: &CommunityName,
    ) -> Result<Option<Community>, StoreError> {
        let client = self.client().await?;
        let row = query_opt(
            &client,
            &format!("{COMMUNITY_SELECT} WHERE c.name = $1 GROUP BY c.id"),
            &[&name.as_str()],
        )
        .await?;
        row.as_ref().map(community_from_row).transpose()
    }

    async fn list_communities(&self) -> Result<Vec<Community>, StoreError> {
        let client = self.client().await?;
        let rows = query(
            &client,
            &format!("{COMMUNITY_SELECT} GROUP BY c.id ORDER BY c.name COLLATE \"C\""),
            &[],
        )
        .await?;
        rows.iter().map(community_from_row).collect()
    }

    async fn communities_of_org(&self, org: OrgId) -> Result<Vec<CommunityId>, StoreError> {
        let client = self.client().await?;
        let rows = query(
            &client,
            "SELECT community_id FROM community_members WHERE org_id = $1 ORDER BY community_id",
            &[&org.0],
        )
        .await?;
        rows.iter()
            .map(|r| r.try_get(0).map(CommunityId).map_err(corrupt))
            .collect()
    }

    // Users.

    async fn insert_user(
        &self,
        user: &User,
        password_hash: &str,
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let tx = begin_audited(&mut client).await?;
        tx_execute(
            &tx,
            "INSERT INTO users (id, email, display_name, org_id, role, status, password_hash, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[
                &user.id.0,
                &user.email.as_str(),
                &user.display_name,
                &user.org_id.0,
                &user.role.as_str(),
                &user.status.as_str(),
                &password_hash,
                &user.created_at,
            ],
        )
        .await?;
        append_entry(&tx, audit).await?;
        tx.commit().await.map_err(map_err)
    }

    async fn update_user(&self, user: &User, audit: &AuditEvent) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let tx = begin_audited(&mut client).await?;
        tx_execute(
            &tx,
            "UPDATE users SET display_name = $2, role = $3, status = $4 WHERE id = $1",
            &[
                &user.id.0,
                &user.display_name,
                &user.role.as_str(),
                &user.status.as_str(),
            ],
        )
        .await?;
        if user.status == UserStatus::Disabled {
            tx_execute(
                &tx,
                "DELETE FROM sessions WHERE user_id = $1",
                &[&user.id.0],
            )
            .await?;
        }
        append_entry(&tx, audit).await?;
        tx.commit().await.map_err(map_err)
    }

    async fn set_password(
        &self,
        id: UserId,
        password_hash: &str,
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let tx = begin_audited(&mut client).await?;
        tx_execute(
            &tx,
            "UPDATE users SET password_hash = $2 WHERE id = $1",
            &[&id.0, &password_hash],
        )
        .await?;
        tx_execute(&tx, "DELETE FROM sessions WHERE user_id = $1", &[&id.0]).await?;
        append_entry(&tx, audit).await?;
        tx.commit().await.map_err(map_err)
    }

    async fn get_user(&self, id: UserId) -> Result<Option<User>, StoreError> {
        let client = self.client().await?;
        let row = query_opt(
            &client,
            &format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"),
            &[&id.0],
        )
        .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn get_user_by_email(&self, email: &Email) -> Result<Option<(User, String)>, StoreError> {
        let client = self.client().await?;
        let row = query_opt(
            &client,
            &format!("SELECT {USER_COLUMNS}, password_hash FROM users WHERE email = $1"),
            &[&email.as_str()],
        )
        .await?;
        row.map(|r| Ok((user_from_row(&r)?, r.try_get(7).map_err(corrupt)?)))
            .transpose()
    }

    async fn list_users(&self, org: Option<OrgId>) -> Result<Vec<User>, StoreError> {
        let client = self.client().await?;
        let rows = match org {
            Some(org) => {
                query(
                    &client,
                    &format!(
                        "SELECT {USER_COLUMNS} FROM users WHERE org_id = $1 ORDER BY email COLLATE \"C\""
                    ),
                    &[&org.0],
                )
                .await?
            }
            None => {
                query(
                    &client,
                    &format!("SELECT {USER_COLUMNS} FROM users ORDER BY email COLLATE \"C\""),
                    &[],
                )
                .await?
            }
        };
        rows.iter().map(user_from_row).collect()
    }

    // API tokens.

    async fn insert_token(
        &self,
        token: &ApiToken,
        hash: &[u8; 32],
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let tx = begin_audited(&mut client).await?;
        tx_execute(
            &tx,
            "INSERT INTO api_tokens
                (id, user_id, name, hash, scopes, created_at, expires_at, last_used_at, revoked_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            &[
                &token.id.0,
                &token.user_id.0,
                &token.name,
                &&hash[..],
                &i16::from(token.scopes.bits()),
                &token.created_at,
                &token.expires_at,
                &token.last_used_at,
                &token.revoked_at,
            ],
        )
        .await?;
        append_entry(&tx, audit).await?;
        tx.commit().await.map_err(map_err)
    }

    async fn get_token_by_hash(&self, hash: &[u8; 32]) -> Result<Option<ApiToken>, StoreError> {
        let client = self.client().await?;
        let row = query_opt(
            &client,
            &format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE hash = $1"),
            &[&&hash[..]],
        )
        .await?;
        row.as_ref().map(token_from_row).transpose()
    }

    async fn get_token(&self, id: TokenId) -> Result<Option<ApiToken>, StoreError> {
        let client = self.client().await?;
        let row = query_opt(
            &client,
            &format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE id = $1"),
            &[&id.0],
        )
        .await?;
        row.as_ref().map(token_from_row).transpose()
    }

    async fn list_tokens(&self, user: UserId) -> Result<Vec<ApiToken>, StoreError> {
        let client = self.client().await?;
        let rows = query(
            &client,
            &format!(
                "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE user_id = $1 ORDER BY created_at, id"
            ),
            &[&user.0],
        )
        .await?;
        rows.iter().map(token_from_row).collect()
    }

    async fn revoke_token(
        &self,
        id: TokenId,
        at: OffsetDateTime,
        audit: &AuditEvent,
    ) -> Result<bool, StoreError> {
        let mut client = self.client().await?;
        let tx = begin_audited(&mut client).await?;
        let changed = tx_execute(
            &tx,
            "UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
            &[&id.0, &at],
        )
        .await?;
        if changed == 0 {
            tx.rollback().await.map_err(map_err)?;
            return Ok(false);
        }
        append_entry(&tx, audit).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(true)
    }

    async fn touch_token(&self, id: TokenId, at: OffsetDateTime) -> Result<(), StoreError> {
        let client = self.client().await?;
        execute(
            &client,
            "UPDATE api_tokens SET last_used_at = $2 WHERE id = $1",
            &[&id.0, &at],
        )
        .await?;
        Ok(())
    }

    // Web sessions.

    async fn insert_session(
        &self,
        hash: &[u8; 32],
        session: &Session,
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let tx = begin_audited(&mut client).await?;
        tx_execute(
            &tx,
            "INSERT INTO sessions (hash, user_id, csrf_token, created_at, last_seen_at)
             VALUES ($1, $2, $3, $4, $5)",
            &[
                &&hash[..],
                &session.user_id.0,
                &session.csrf_token,
                &session.created_at,
                &session.last_seen_at,
            ],
        )
        .await?;
        append_entry(&tx, audit).await?;
        tx.commit().await.map_err(map_err)
    }

    async fn get_session(&self, hash: &[u8; 32]) -> Result<Option<Session>, StoreError> {
        let client = self.client().await?;
        let row = query_opt(
            &client,
            "SELECT user_id, csrf_token, created_at, last_seen_at FROM sessions WHERE hash = $1",
            &[&&hash[..]],
        )
        .await?;
        row.map(|r| {
            Ok(Session {
                user_id: UserId(r.try_get(0).map_err(corrupt)?),
                csrf_token: r.try_get(1).map_err(corrupt)?,
                created_at: r.try_get(2).map_err(corrupt)?,
                last_seen_at: r.try_get(3).map_err(corrupt)?,
            })
        })
        .transpose()
    }

    async fn touch_session(&self, hash: &[u8; 32], at: OffsetDateTime) -> Result<(), StoreError> {
        let client = self.client().await?;
        execute(
            &client,
            "UPDATE sessions SET last_seen_at = $2 WHERE hash = $1",
            &[&&hash[..], &at],
        )
        .await?;
        Ok(())
    }

    async fn delete_session(
        &self,
        hash: &[u8; 32],
        audit: Option<&AuditEvent>,
    ) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let Some(audit) = audit else {
            execute(
                &client,
                "DELETE FROM sessions WHERE hash = $1",
                &[&&hash[..]],
            )
            .await?;
            return Ok(());
        };
        let tx = begin_audited(&mut client).await?;
        tx_execute(&tx, "DELETE FROM sessions WHERE hash = $1", &[&&hash[..]]).await?;
        append_entry(&tx, audit).await?;
        tx.commit().await.map_err(map_err)
    }

    // Failed-login counters.

    async fn login_failures(&self, key: &str) -> Result<Option<LoginFailures>, StoreError> {
        let client = self.client().await?;
        let row = query_opt(
            &client,
            "SELECT count, last_at FROM login_failures WHERE key = $1",
            &[&key],
        )
        .await?;
        row.map(|r| {
            let count: i32 = r.try_get(0).map_err(corrupt)?;
            Ok(LoginFailures {
                count: u32::try_from(count)
                    .map_err(|_| corrupt(format!("login failure count {count} out of range")))?,
                last: r.try_get(1).map_err(corrupt)?,
            })
        })
        .transpose()
    }

    async fn record_login_failure(
        &self,
        keys: &[String],
        at: OffsetDateTime,
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let tx = begin_audited(&mut client).await?;
        for key in keys {
            tx_execute(
                &tx,
                "INSERT INTO login_failures (key, count, last_at) VALUES ($1, 1, $2)
                 ON CONFLICT (key) DO UPDATE
                 SET count = login_failures.count + 1, last_at = excluded.last_at",
                &[key, &at],
            )
            .await?;
        }
        append_entry(&tx, audit).await?;
        tx.commit().await.map_err(map_err)
    }

    async fn reset_login_failures(&self, key: &str) -> Result<(), StoreError> {
        let client = self.client().await?;
        execute(
            &client,
            "DELETE FROM login_failures WHERE key = $1",
            &[&key],
        )
        .await?;
        Ok(())
    }

    // The audit log.

    async fn append_audit(&self, event: &AuditEvent) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let tx = begin_audited(&mut client).await?;
        append_entry(&tx, event).await?;
        tx.commit().await.map_err(map_err)
    }

    async fn list_audit(
        &self,
        org: Option<OrgId>,
        before: Option<i64>,
        limit_to: u32,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let client = self.client().await?;
        let n = limit(limit_to);
        let rows = match (org, before) {
            (None, None) => {
                query(
                    &client,
                    &format!("SELECT {AUDIT_COLUMNS} FROM audit_log ORDER BY seq DESC LIMIT $1"),
                    &[&n],
                )
                .await?
            }
            (None, Some(before)) => {
                query(
                    &client,
                    &format!(
                        "SELECT {AUDIT_COLUMNS} FROM audit_log WHERE seq < $1
                         ORDER BY seq DESC LIMIT $2"
                    ),
                    &[&before, &n],
                )
                .await?
            }
            (Some(org), before) => {
                query(
                    &client,
                    &format!(
                        "SELECT {AUDIT_COLUMNS} FROM audit_log
                         WHERE (actor_org = $1 OR target_org = $1)
                           AND ($2::bigint IS NULL OR seq < $2)
                         ORDER BY seq DESC LIMIT $3"
                    ),
                    &[&org.0, &before, &n],
                )
                .await?
            }
        };
        rows.iter().map(audit_from_row).collect()
    }

    async fn audit_after(&self, after: i64, limit_to: u32) -> Result<Vec<AuditEntry>, StoreError> {
        let client = self.client().await?;
        let rows = query(
            &client,
            &format!("SELECT {AUDIT_COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2"),
            &[&after, &limit(limit_to)],
        )
        .await?;
        rows.iter().map(audit_from_row).collect()
    }

    // Small named settings.

    async fn get_meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        let client = self.client().await?;
        let row = query_opt(
            &client,
            "SELECT value FROM simpul_meta WHERE key = $1",
            &[&key],
        )
        .await?;
        row.map(|r| r.try_get(0).map_err(corrupt)).transpose()
    }

    async fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        let client = self.client().await?;
        execute(
            &client,
            "INSERT INTO simpul_meta (key, value) VALUES ($1, $2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            &[&key, &value],
        )
        .await?;
        Ok(())
    }
}
