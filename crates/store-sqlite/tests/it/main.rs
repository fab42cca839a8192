//! The SQLite store against the conformance stories (`simpul-store-tests`), each over a fresh
//! database, and what is SQLite's own: file modes, reopening, the one-query community read, tampering.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use simpul_core::Store;
use simpul_store_sqlite::SqliteStore;

mod sqlite;

/// A fresh database in its own temporary directory (removed on drop).
#[derive(Debug)]
pub struct TestDb {
    pub dir: tempfile::TempDir,
    pub store: SqliteStore,
}

impl TestDb {
    pub fn fresh() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("simpul.db")).unwrap();
        Self { dir, store }
    }

    pub fn path(&self) -> std::path::PathBuf {
        self.store.path().to_owned()
    }

    pub fn shared(&self) -> Arc<dyn Store> {
        Arc::new(self.store.clone())
    }
}

#[tokio::test]
async fn meta() {
    simpul_store_tests::meta(&TestDb::fresh().store).await;
}

#[tokio::test]
async fn directory() {
    simpul_store_tests::directory(&TestDb::fresh().store).await;
}

#[tokio::test]
async fn contacts() {
    simpul_store_tests::contacts(&TestDb::fresh().store).await;
}

#[tokio::test]
async fn profiles() {
    simpul_store_tests::profiles(&TestDb::fresh().store).await;
}

#[tokio::test]
async fn identity() {
    simpul_store_tests::identity(&TestDb::fresh().store).await;
}

#[tokio::test]
async fn auth() {
    simpul_store_tests::auth(&TestDb::fresh().store).await;
}

#[tokio::test]
async fn audit() {
    simpul_store_tests::audit(&TestDb::fresh().store).await;
}

#[tokio::test]
async fn all_stories_share_one_store() {
    let db = TestDb::fresh();
    simpul_store_tests::all(&db.store).await;
    // Told twice: the stories do not mind what the first telling left.
    simpul_store_tests::all(&db.store).await;
}

#[tokio::test]
async fn service() {
    simpul_store_tests::service(TestDb::fresh().shared()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_audit_appends_never_fork() {
    let db = TestDb::fresh();
    simpul_store_tests::concurrent_appends(vec![db.shared(), db.shared()]).await;
}

#[tokio::test]
async fn intel() {
    simpul_store_tests::intel(&TestDb::fresh().store).await;
}

#[tokio::test]
async fn references() {
    simpul_store_tests::references(&TestDb::fresh().store).await;
}

#[tokio::test]
async fn imports() {
    simpul_store_tests::imports(&TestDb::fresh().store).await;
}

#[tokio::test]
async fn taxii() {
    simpul_store_tests::taxii(TestDb::fresh().shared()).await;
}

#[tokio::test]
async fn federation() {
    simpul_store_tests::federation(TestDb::fresh().shared()).await;
}

#[tokio::test]
async fn mail() {
    simpul_store_tests::mail(TestDb::fresh().shared()).await;
}

#[tokio::test]
async fn webhooks() {
    simpul_store_tests::webhooks(TestDb::fresh().shared()).await;
}

#[tokio::test]
async fn comm_checks() {
    simpul_store_tests::comm_checks(TestDb::fresh().shared()).await;
}

#[tokio::test]
async fn cases() {
    simpul_store_tests::cases(TestDb::fresh().shared()).await;
}

#[tokio::test]
async fn case_management() {
    simpul_store_tests::case_management(TestDb::fresh().shared()).await;
}

#[tokio::test]
async fn requests() {
    simpul_store_tests::requests(TestDb::fresh().shared()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_stats() {
    simpul_store_tests::request_stats(TestDb::fresh().shared()).await;
}

#[tokio::test]
async fn request_pages() {
    simpul_store_tests::request_pages(TestDb::fresh().shared()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_steps() {
    simpul_store_tests::request_steps(TestDb::fresh().shared()).await;
}

#[tokio::test]
async fn request_notices() {
    simpul_store_tests::request_notices(TestDb::fresh().shared()).await;
}

#[tokio::test]
async fn comm_check_start() {
    simpul_store_tests::comm_check_start(TestDb::fresh().shared()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schedule_claim_race() {
    let db = TestDb::fresh();
    simpul_store_tests::schedule_claim_race(vec![db.shared(), db.shared()]).await;
}

#[tokio::test]
async fn lineages() {
    simpul_store_tests::lineages(TestDb::fresh().shared()).await;
}

#[tokio::test]
async fn object_versions() {
    simpul_store_tests::object_versions(&TestDb::fresh().store).await;
}

/// The SQL sharing filter against the in-memory policy, on twenty random worlds.
#[tokio::test]
async fn sharing_matches_policy() {
    for seed in 0..20 {
        simpul_store_tests::sharing_matches_policy(&TestDb::fresh().store, seed).await;
    }
}

/// The match index over the store's feed: its rules case by case, then against the SQL sharing
/// filter on random worlds (twenty on fresh databases, ten sharing one).
#[tokio::test]
async fn match_index() {
    simpul_store_tests::match_index(TestDb::fresh().shared()).await;
    for seed in 0..20 {
        simpul_store_tests::match_index_matches_policy(TestDb::fresh().shared(), seed).await;
    }
    let db = TestDb::fresh();
    for seed in 100..110 {
        simpul_store_tests::match_index_matches_policy(db.shared(), seed).await;
    }
}
