//! simpul's production store: PostgreSQL through a connection pool.
//!
//! Owns the PostgreSQL schema and its migrations (`migrations/`, applied under an advisory lock so that
//! several app nodes may start at once). App nodes keep no state of their own; everything lives here.
//! The schema is the first entry of the connection's `search_path` (set it with
//! `?options=-csearch_path%3Dname` in the URL to share one database between deployments or tests).
//!
//! Must never: decide who may see what (that is the core's sharing policy).

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use deadpool_postgres::{Manager, ManagerConfig, Pool, PoolError, RecyclingMethod, Runtime};
use simpul_core::country::Country;
use simpul_core::org::{OrgId, OrgKind, OrgStatus, Organisation, ShortName};
use simpul_core::store::{PoolStatus, SchemaStatus, Store, StoreError};
use tokio_postgres::error::SqlState;
use tokio_postgres::{NoTls, Row};

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

    async fn insert_org(&self, org: &Organisation) -> Result<(), StoreError> {
        let client = self.client().await?;
        client
            .execute(
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
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn get_org(&self, id: OrgId) -> Result<Option<Organisation>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                &format!("SELECT {ORG_COLUMNS} FROM organisations WHERE id = $1"),
                &[&id.0],
            )
            .await
            .map_err(map_err)?;
        row.as_ref().map(org_from_row).transpose()
    }

    async fn get_org_by_short_name(
        &self,
        short: &ShortName,
    ) -> Result<Option<Organisation>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                &format!(
                    "SELECT {ORG_COLUMNS} FROM organisations WHERE lower(short_name) = lower($1)"
                ),
                &[&short.as_str()],
            )
            .await
            .map_err(map_err)?;
        row.as_ref().map(org_from_row).transpose()
    }

    async fn list_orgs(&self) -> Result<Vec<Organisation>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                &format!("SELECT {ORG_COLUMNS} FROM organisations ORDER BY lower(short_name)"),
                &[],
            )
            .await
            .map_err(map_err)?;
        rows.iter().map(org_from_row).collect()
    }

    async fn get_meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt("SELECT value FROM simpul_meta WHERE key = $1", &[&key])
            .await
            .map_err(map_err)?;
        row.map(|r| r.try_get(0).map_err(corrupt)).transpose()
    }

    async fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        let client = self.client().await?;
        client
            .execute(
                "INSERT INTO simpul_meta (key, value) VALUES ($1, $2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                &[&key, &value],
            )
            .await
            .map_err(map_err)?;
        Ok(())
    }
}
