//! The conformance stories every backend tells (`simpul-store-tests`), each on a fresh schema.

use std::sync::Arc;

use simpul_core::Store;
use simpul_core::store::rows::MAX_FAILURE_COUNT;

use crate::support::{TestDb, pg_test};

pg_test! {
    async fn meta() {
        let db = TestDb::new().await;
        simpul_store_tests::meta(&db.open().await).await;
    }
}

pg_test! {
    async fn profiles() {
        let db = TestDb::new().await;
        simpul_store_tests::profiles(&db.open().await).await;
    }
}

pg_test! {
    async fn directory() {
        let db = TestDb::new().await;
        simpul_store_tests::directory(&db.open().await).await;
    }
}

pg_test! {
    async fn contacts() {
        let db = TestDb::new().await;
        simpul_store_tests::contacts(&db.open().await).await;
    }
}

pg_test! {
    async fn identity() {
        let db = TestDb::new().await;
        simpul_store_tests::identity(&db.open().await).await;
    }
}

pg_test! {
    async fn auth() {
        let db = TestDb::new().await;
        simpul_store_tests::auth(&db.open().await).await;
    }
}

pg_test! {
    async fn audit() {
        let db = TestDb::new().await;
        simpul_store_tests::audit(&db.open().await).await;
    }
}

pg_test! {
    async fn intel() {
        let db = TestDb::new().await;
        simpul_store_tests::intel(&db.open().await).await;
    }
}

pg_test! {
    async fn references() {
        let db = TestDb::new().await;
        simpul_store_tests::references(&db.open().await).await;
    }
}

pg_test! {
    async fn imports() {
        let db = TestDb::new().await;
        simpul_store_tests::imports(&db.open().await).await;
    }
}

pg_test! {
    async fn taxii() {
        let db = TestDb::new().await;
        simpul_store_tests::taxii(Arc::new(db.open().await)).await;
    }
}

pg_test! {
    async fn federation() {
        let db = TestDb::new().await;
        simpul_store_tests::federation(Arc::new(db.open().await)).await;
    }
}

pg_test! {
    async fn mail() {
        let db = TestDb::new().await;
        simpul_store_tests::mail(Arc::new(db.open().await)).await;
    }
}

pg_test! {
    async fn webhooks() {
        let db = TestDb::new().await;
        simpul_store_tests::webhooks(Arc::new(db.open().await)).await;
    }
}

pg_test! {
    async fn comm_checks() {
        let db = TestDb::new().await;
        simpul_store_tests::comm_checks(Arc::new(db.open().await)).await;
    }
}

pg_test! {
    async fn cases() {
        let db = TestDb::new().await;
        simpul_store_tests::cases(Arc::new(db.open().await)).await;
    }
}

pg_test! {
    async fn case_management() {
        let db = TestDb::new().await;
        simpul_store_tests::case_management(Arc::new(db.open().await)).await;
    }
}

pg_test! {
    async fn requests() {
        let db = TestDb::new().await;
        simpul_store_tests::requests(Arc::new(db.open().await)).await;
    }
}

pg_test! {
    async fn request_stats() {
        let db = TestDb::new().await;
        simpul_store_tests::request_stats(Arc::new(db.open().await)).await;
    }
}

pg_test! {
    async fn request_pages() {
        let db = TestDb::new().await;
        simpul_store_tests::request_pages(Arc::new(db.open().await)).await;
    }
}

pg_test! {
    async fn request_steps() {
        let db = TestDb::new().await;
        simpul_store_tests::request_steps(Arc::new(db.open().await)).await;
    }
}

pg_test! {
    async fn request_notices() {
        let db = TestDb::new().await;
        simpul_store_tests::request_notices(Arc::new(db.open().await)).await;
    }
}

pg_test! {
    async fn comm_check_start() {
        let db = TestDb::new().await;
        simpul_store_tests::comm_check_start(Arc::new(db.open().await)).await;
    }
}

pg_test! {
    /// Two app nodes (each its own pool) race `run_due_schedules` over one database.
    async fn schedule_claim_race_on_two_nodes() {
        let db = TestDb::new().await;
        let nodes: Vec<Arc<dyn Store>> = vec![Arc::new(db.open().await), Arc::new(db.open().await)];
        simpul_store_tests::schedule_claim_race(nodes).await;
    }
}

pg_test! {
    async fn lineages() {
        let db = TestDb::new().await;
        simpul_store_tests::lineages(Arc::new(db.open().await)).await;
    }
}

pg_test! {
    async fn object_versions() {
        let db = TestDb::new().await;
        simpul_store_tests::object_versions(&db.open().await).await;
    }
}

pg_test! {
    /// The SQL sharing filter against the in-memory policy: twenty random worlds, each on a fresh
    /// schema, and twenty more sharing one store (each world must not mind the others' objects).
    async fn sharing_matches_policy() {
        for seed in 0..20 {
            let db = TestDb::new().await;
            simpul_store_tests::sharing_matches_policy(&db.open().await, seed).await;
        }
        let db = TestDb::new().await;
        let store = db.open().await;
        for seed in 100..120 {
            simpul_store_tests::sharing_matches_policy(&store, seed).await;
        }
    }
}

pg_test! {
    async fn all_stories_share_one_store() {
        let db = TestDb::new().await;
        let store = db.open().await;
        simpul_store_tests::all(&store).await;
        // Told twice: the stories do not mind what the first telling left.
        simpul_store_tests::all(&store).await;
    }
}

pg_test! {
    async fn service() {
        let db = TestDb::new().await;
        simpul_store_tests::service(Arc::new(db.open().await)).await;
    }
}

pg_test! {
    async fn concurrent_appends_from_three_nodes() {
        let db = TestDb::new().await;
        let mut nodes: Vec<Arc<dyn Store>> = Vec::new();
        for _ in 0..3 {
            nodes.push(Arc::new(db.open().await));
        }
        simpul_store_tests::concurrent_appends(nodes).await;
    }
}

pg_test! {
    async fn login_failures_saturate() {
        let db = TestDb::new().await;
        let store = db.open().await;
        let key = "account:max@example.org";
        let client = db.client().await;
        client
            .execute(
                "INSERT INTO login_failures (key, count, last_at) VALUES ($1, $2, now())",
                &[&key, &(MAX_FAILURE_COUNT - 1)],
            )
            .await
            .unwrap();
        simpul_store_tests::login_failures_saturate(&store, key).await;
        let stored: i64 = client
            .query_one("SELECT count FROM login_failures WHERE key = $1", &[&key])
            .await
            .unwrap()
            .get(0);
        assert_eq!(stored, MAX_FAILURE_COUNT);
    }
}

pg_test! {
    /// The match index over the store's feed: its rules case by case, then against the SQL
    /// sharing filter on random worlds (ten on fresh schemas, ten sharing one store).
    async fn match_index() {
        let db = TestDb::new().await;
        let store: Arc<dyn Store> = Arc::new(db.open().await);
        simpul_store_tests::match_index(store).await;
        for seed in 0..10 {
            let db = TestDb::new().await;
            simpul_store_tests::match_index_matches_policy(Arc::new(db.open().await), seed).await;
        }
        let db = TestDb::new().await;
        let store: Arc<dyn Store> = Arc::new(db.open().await);
        for seed in 100..110 {
            simpul_store_tests::match_index_matches_policy(Arc::clone(&store), seed).await;
        }
    }
}

pg_test! {
    async fn a_failed_cursor_reset_rolls_back_the_collection_update() {
        let db = TestDb::new().await;
        let store: Arc<dyn Store> = Arc::new(db.open().await);
        let client = db.client().await;
        simpul_store_tests::failed_cursor_reset_rolls_back_the_update(store, |c| async move {
            // Without foreign-key triggers for the insert: a push cursor of a peer that is not there.
            client
                .batch_execute(&format!(
                    "SET session_replication_role = replica;
                     INSERT INTO peer_cursors (peer_id, kind, collection, value)
                         VALUES ('{}', 'push', '{}', 'p');
                     SET session_replication_role = DEFAULT;
                     CREATE FUNCTION refuse_reset() RETURNS trigger LANGUAGE plpgsql
                         AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$;
                     CREATE TRIGGER refuse_reset BEFORE DELETE ON peer_cursors
                         FOR EACH ROW EXECUTE FUNCTION refuse_reset();",
                    uuid::Uuid::new_v4(),
                    c.0
                ))
                .await
                .unwrap();
        })
        .await;
    }
}
