//! What only PostgreSQL has to prove: app nodes sharing one database (concurrent migrations, the audit
//! lock), its migrations, its counters' SQL types, and the audit log's triggers.

use simpul_core::audit::{self, AuditAction, AuditEntry, AuditEvent};
use simpul_core::org::{OrgId, OrgKind, OrgStatus, Organisation, ShortName};
use simpul_core::store::rows::MAX_FAILURE_COUNT;
use simpul_core::store::{
    AuditStore, AuthStore, DirectoryStore, IdentityStore, MetaStore, Probe, StoreError,
};
use simpul_core::user::{Email, Role, User, UserId, UserStatus};
use simpul_store_postgres::PostgresStore;
use time::macros::datetime;
use uuid::Uuid;

use crate::support::{TestDb, pg_test};

fn event(action: AuditAction, target: &str) -> AuditEvent {
    AuditEvent {
        at: datetime!(2026-03-01 08:00:00.123456 UTC),
        actor: "cli:test".into(),
        actor_org: None,
        source: None,
        action,
        target: Some(target.into()),
        target_org: None,
        details: serde_json::json!({}),
    }
}

fn org(short: &str) -> Organisation {
    Organisation {
        id: OrgId(Uuid::new_v4()),
        name: format!("{short} team"),
        short_name: ShortName::parse(short).unwrap(),
        kind: OrgKind::NationalCert,
        country: None,
        status: OrgStatus::Active,
        created_at: datetime!(2026-03-01 08:00:00.123456 UTC),
    }
}

async fn chain(store: &PostgresStore) -> Vec<AuditEntry> {
    store.audit_after(0, 100_000).await.unwrap()
}

pg_test! {
    async fn reopen_keeps_data_and_refuses_a_newer_schema() {
        let db = TestDb::new().await;
        let store = db.open().await;
        store.set_meta("kept", "yes").await.unwrap();
        let latest = store.schema_status().await.unwrap().latest;
        drop(store);
        // Opening again (a second app node, or a restart) applies nothing and keeps the data.
        let store = db.open().await;
        assert!(store.schema_status().await.unwrap().is_current());
        assert_eq!(store.get_meta("kept").await.unwrap().as_deref(), Some("yes"));
        drop(store);

        db.client()
            .await
            .execute("INSERT INTO simpul_schema (version) VALUES ($1)", &[&(latest + 1)])
            .await
            .unwrap();
        let err = PostgresStore::open(&db.url).await.unwrap_err();
        assert!(matches!(err, StoreError::TooNew { .. }), "{err:?}");
        assert!(err.to_string().contains("newer than this simpul"), "{err}");
    }
}

pg_test! {
    async fn nodes_migrate_concurrently() {
        let db = TestDb::new().await;
        let (a, b, c) = tokio::join!(
            PostgresStore::open(&db.url),
            PostgresStore::open(&db.url),
            PostgresStore::open(&db.url)
        );
        for s in [a, b, c] {
            assert!(s.unwrap().schema_status().await.unwrap().is_current());
        }
    }
}

pg_test! {
    async fn concurrent_audited_writes_never_fork_the_chain() {
        let db = TestDb::new().await;
        // Two app nodes, each writing from several pool clients at once.
        let nodes = [db.open().await, db.open().await];
        const TASKS: usize = 6;
        const WRITES: usize = 8;
        let mut handles = Vec::new();
        for (n, node) in nodes.iter().enumerate() {
            for t in 0..TASKS {
                let store = node.clone();
                handles.push(tokio::spawn(async move {
                    for w in 0..WRITES {
                        let target = format!("n{n}t{t}w{w}");
                        match w % 3 {
                            0 => store
                                .insert_org(&org(&target), &event(AuditAction::OrgCreate, &target))
                                .await
                                .unwrap(),
                            1 => store
                                .record_login_failure(
                                    &["account:shared".to_owned(), format!("addr:{target}")],
                                    datetime!(2026-03-01 08:00 UTC),
                                    &event(AuditAction::LoginFailure, &target),
                                )
                                .await
                                .unwrap(),
                            _ => store
                                .append_audit(&event(AuditAction::LoginThrottled, &target))
                                .await
                                .unwrap(),
                        }
                    }
                }));
            }
        }
        for h in handles {
            h.await.unwrap();
        }
        let total = nodes.len() * TASKS * WRITES;
        let entries = chain(&nodes[0]).await;
        assert_eq!(audit::verify(&entries), Ok(total as i64));
        // Every change committed with its own entry: one per write, none lost, none doubled.
        let mut targets: Vec<_> = entries.iter().filter_map(|e| e.target.clone()).collect();
        targets.sort();
        targets.dedup();
        assert_eq!(targets.len(), total);
        let shared = nodes[1].login_failures("account:shared").await.unwrap().unwrap();
        let failures = entries.iter().filter(|e| e.action == "login.failure").count();
        assert_eq!(shared.count as usize, failures, "no lost increment");
    }
}

pg_test! {
    async fn a_refused_change_leaves_no_audit_entry() {
        let db = TestDb::new().await;
        let store = db.open().await;
        store
            .insert_org(&org("SingCERT"), &event(AuditAction::OrgCreate, "org:SingCERT"))
            .await
            .unwrap();
        let err = store
            .insert_org(&org("singcert"), &event(AuditAction::OrgCreate, "org:singcert"))
            .await
            .unwrap_err();
        assert!(
            matches!(&err, StoreError::Duplicate(c) if c == "organisations_short_name"),
            "{err:?}"
        );
        let entries = chain(&store).await;
        assert_eq!(audit::verify(&entries), Ok(1), "the refused insert appended nothing");
    }
}

pg_test! {
    async fn the_audit_log_is_append_only_and_tampering_is_named() {
        let db = TestDb::new().await;
        let store = db.open().await;
        for short in ["P1", "P2", "P3"] {
            store
                .insert_org(&org(short), &event(AuditAction::OrgCreate, short))
                .await
                .unwrap();
        }
        assert_eq!(audit::verify(&chain(&store).await), Ok(3));
        let client = db.client().await;
        for sql in [
            "UPDATE audit_log SET actor = 'x' WHERE seq = 2",
            "DELETE FROM audit_log WHERE seq = 3",
            "TRUNCATE audit_log",
        ] {
            let err = client.batch_execute(sql).await.unwrap_err();
            assert!(format!("{err:?}").contains("append-only"), "{sql}: {err:?}");
        }
        client
            .batch_execute(
                "ALTER TABLE audit_log DISABLE TRIGGER USER;
                 UPDATE audit_log SET details = '{\"x\":1}' WHERE seq = 2",
            )
            .await
            .unwrap();
        let broken = audit::verify(&chain(&store).await).unwrap_err();
        assert_eq!(broken.seq, 2, "{broken}");
    }
}

async fn fail(store: &PostgresStore, key: &str) -> u32 {
    store
        .record_login_failure(
            &[key.to_owned()],
            datetime!(2026-03-01 08:00 UTC),
            &event(AuditAction::LoginFailure, key),
        )
        .await
        .unwrap();
    store.login_failures(key).await.unwrap().unwrap().count
}

pg_test! {
    // The story `login_failures_saturate` (in stories_on_postgres) checks the cap itself; these are
    // PostgreSQL's own boundaries.
    async fn failure_counters_pass_the_old_integer_limit_and_stop_at_the_cap() {
        let db = TestDb::new().await;
        let store = db.open().await;
        assert_eq!(fail(&store, "addr:fresh").await, 1);
        let client = db.client().await;
        for (key, count) in [
            // Where migration 1's INTEGER column refused the increment ("integer out of range").
            ("account:int", i64::from(i32::MAX)),
            // Past the cap, as only a hand edit leaves it: the increment neither overflows nor grows.
            ("account:edited", i64::MAX),
        ] {
            client
                .execute(
                    "INSERT INTO login_failures (key, count, last_at) VALUES ($1, $2, now())",
                    &[&key, &count],
                )
                .await
                .unwrap();
        }
        assert_eq!(fail(&store, "account:int").await, 1 << 31);
        assert_eq!(fail(&store, "account:edited").await, u32::MAX);
        let stored: i64 = client
            .query_one("SELECT count FROM login_failures WHERE key = 'account:edited'", &[])
            .await
            .unwrap()
            .get(0);
        assert_eq!(stored, MAX_FAILURE_COUNT);
        // Every failure was audited, saturated or not.
        assert_eq!(audit::verify(&chain(&store).await), Ok(3));
    }
}

pg_test! {
    async fn user_reads_do_not_select_the_password_hash() {
        let db = TestDb::new().await;
        let store = db.open().await;
        let o = org("HH");
        store.insert_org(&o, &event(AuditAction::OrgCreate, "org:HH")).await.unwrap();
        let u = User {
            id: UserId(Uuid::new_v4()),
            email: Email::parse("h@example.org").unwrap(),
            display_name: "H".into(),
            org_id: o.id,
            role: Role::Analyst,
            status: UserStatus::Active,
            created_at: o.created_at,
        };
        store
            .insert_user(&u, "$argon2id$stand-in", &event(AuditAction::UserCreate, "user:h"))
            .await
            .unwrap();
        let (found, hash) = store.credentials(&u.email).await.unwrap().unwrap();
        assert_eq!((&found, hash.as_str()), (&u, "$argon2id$stand-in"));
        // Without the column every user read still works; only `credentials` needs it.
        db.client()
            .await
            .batch_execute("ALTER TABLE users DROP COLUMN password_hash")
            .await
            .unwrap();
        assert_eq!(store.get_user(u.id).await.unwrap().as_ref(), Some(&u));
        assert_eq!(store.get_user_by_email(&u.email).await.unwrap().as_ref(), Some(&u));
        assert_eq!(store.list_users(Some(o.id)).await.unwrap(), vec![u.clone()]);
        assert_eq!(store.list_users(None).await.unwrap(), vec![u.clone()]);
        assert!(store.credentials(&u.email).await.is_err());
    }
}

pg_test! {
    async fn migration_2_widens_failure_counters_keeping_them() {
        let db = TestDb::new().await;
        // A database as a version-1 binary left it.
        let client = db.client().await;
        client
            .batch_execute(include_str!("../../migrations/0001_init.sql"))
            .await
            .unwrap();
        client
            .batch_execute(
                "CREATE TABLE simpul_schema (
                    version    BIGINT PRIMARY KEY,
                    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
                 );
                 INSERT INTO simpul_schema (version) VALUES (1);
                 INSERT INTO login_failures (key, count, last_at)
                     VALUES ('account:old', 2147483647, now());",
            )
            .await
            .unwrap();
        let store = db.open().await;
        let schema = store.schema_status().await.unwrap();
        assert!(schema.is_current() && schema.current >= 2, "{schema:?}");
        assert_eq!(
            store.login_failures("account:old").await.unwrap().unwrap().count,
            i32::MAX as u32
        );
        assert_eq!(fail(&store, "account:old").await, 1 << 31);
    }
}

#[tokio::test]
async fn an_unreachable_database_is_unavailable() {
    // Nothing listens on port 1: no PostgreSQL needed to check the mapping.
    let err = PostgresStore::open("postgres://postgres@127.0.0.1:1/none")
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
}
