//! A fresh PostgreSQL schema per test, dropped afterwards.

use simpul_store_postgres::PostgresStore;

/// Why a PostgreSQL test is ignored, and why it fails when run without a database.
pub const NEEDS_POSTGRES: &str =
    "needs PostgreSQL: set SIMPUL_TEST_POSTGRES and run with --include-ignored";

/// A PostgreSQL test: ignored by a plain `cargo test` (so it never passes vacuously), and failing with
/// [`NEEDS_POSTGRES`] when run with `--include-ignored` but no database is configured.
macro_rules! pg_test {
    ($(#[$meta:meta])* async fn $name:ident() $body:block) => {
        $(#[$meta])*
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        #[ignore = "needs PostgreSQL: set SIMPUL_TEST_POSTGRES and run with --include-ignored"]
        async fn $name() $body
    };
}
pub(crate) use pg_test;

/// A schema of its own in the `SIMPUL_TEST_POSTGRES` database; dropped (with everything in it) when
/// this is dropped.
#[derive(Debug)]
pub struct TestDb {
    /// The database URL with the schema first on the `search_path`.
    pub url: String,
    admin_url: String,
    schema: String,
}

async fn connect(url: &str) -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("SIMPUL_TEST_POSTGRES is set but unreachable: {e}"));
    tokio::spawn(conn);
    client
}

impl TestDb {
    /// A fresh, empty schema. Panics (fails the test) when `SIMPUL_TEST_POSTGRES` is unset.
    pub async fn new() -> Self {
        let admin_url = std::env::var("SIMPUL_TEST_POSTGRES")
            .ok()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| panic!("{NEEDS_POSTGRES}"));
        let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
        connect(&admin_url)
            .await
            .batch_execute(&format!("CREATE SCHEMA {schema}"))
            .await
            .unwrap();
        let sep = if admin_url.contains('?') { '&' } else { '?' };
        let url = format!("{admin_url}{sep}options=-csearch_path%3D{schema}");
        Self {
            url,
            admin_url,
            schema,
        }
    }

    /// Opens (and migrates) the store: one app node.
    pub async fn open(&self) -> PostgresStore {
        PostgresStore::open(&self.url).await.unwrap()
    }

    /// A plain connection into the schema, to look at or tamper with what the store wrote.
    pub async fn client(&self) -> tokio_postgres::Client {
        connect(&self.url).await
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let (admin_url, schema) = (self.admin_url.clone(), self.schema.clone());
        // Drop runs inside the test's runtime: clean up from a thread of our own, and never wait long
        // (a connection the test's runtime still owns may hold a lock).
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                if let Ok((client, conn)) =
                    tokio_postgres::connect(&admin_url, tokio_postgres::NoTls).await
                {
                    tokio::spawn(conn);
                    let _ = client
                        .batch_execute(&format!(
                            "SET lock_timeout = '5s'; DROP SCHEMA IF EXISTS {schema} CASCADE"
                        ))
                        .await;
                }
            });
            let _ = tx.send(());
        });
        let _ = rx.recv_timeout(std::time::Duration::from_secs(10));
    }
}
