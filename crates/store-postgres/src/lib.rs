//! simpul's production store: PostgreSQL through a connection pool.
//!
//! Owns the PostgreSQL schema and its migrations (`migrations/`, applied under an advisory lock so that
//! several app nodes may start at once). App nodes keep no state of their own; everything lives here.
//! The schema is the first entry of the connection's `search_path` (set it with
//! `?options=-csearch_path%3Dname` in the URL to share one database between deployments or tests).
//!
//! Layout: this file opens the pool and answers the [`Probe`] and [`MetaStore`]; `error.rs` maps driver
//! errors to [`StoreError`]; `tx.rs` holds the query helpers and [`PostgresStore::audited`]; `rows.rs`
//! reads columns into core's row structs (core decodes them); `directory.rs`, `identity.rs`, `auth.rs`,
//! `audit.rs` and `intel/` (collections, objects, and the SQL face of the sharing policy) implement one
//! domain store each.
//!
//! Every security-relevant write goes through `audited`, the only code that appends to the audit log:
//! one transaction that first takes `LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE`, then makes the
//! change, then appends the next entry of the hash chain. Appends from all app nodes are serialised,
//! so the chain never forks, and the change and its entry commit together. The table itself refuses
//! `UPDATE`, `DELETE` and `TRUNCATE` (triggers in migration 1).
//!
//! Must never: decide who may see what (that is the core's sharing policy); validate or decode stored
//! values itself (core's `store::rows` does, once for every backend); write an audited change outside
//! `audited`; return a password, token or session hash from any read but `credentials`.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod, Runtime};
use simpul_core::store::{MetaStore, PoolStatus, Probe, SchemaStatus, StoreError};
use tokio_postgres::NoTls;

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

use error::{map_err, map_pool_err};
use tx::{execute, query_opt};

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

    /// A pooled connection.
    pub(crate) async fn client(&self) -> Result<Object, StoreError> {
        self.pool.get().await.map_err(map_pool_err)
    }
}

#[async_trait]
impl Probe for PostgresStore {
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
}

#[async_trait]
impl MetaStore for PostgresStore {
    async fn get_meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        let client = self.client().await?;
        let row = query_opt(
            &client,
            "SELECT value FROM simpul_meta WHERE key = $1",
            &[&key],
        )
        .await?;
        row.as_ref()
            .map(|r| rows::value(r, "simpul_meta", "value"))
            .transpose()
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
