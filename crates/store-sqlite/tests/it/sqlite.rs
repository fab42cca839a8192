//! What only the SQLite store can be asked: its file, its schema table, its raw rows.

use simpul_core::audit::AuditAction;
use simpul_core::org::{OrgId, OrgKind, OrgStatus, Organisation, ShortName};
use simpul_core::store::rows::MAX_FAILURE_COUNT;
use simpul_core::user::{Community, CommunityId, CommunityName};
use simpul_core::{AuditEvent, StoreError};
use simpul_store_sqlite::SqliteStore;

use crate::TestDb;

fn event(action: AuditAction) -> AuditEvent {
    AuditEvent {
        at: time::macros::datetime!(2026-11-28 01:02:03.456789 UTC),
        actor: "cli:test".into(),
        actor_org: None,
        source: None,
        action,
        target: None,
        target_org: None,
        details: serde_json::json!({}),
    }
}

fn org(short: &str) -> Organisation {
    Organisation {
        id: OrgId::new_random(),
        name: short.into(),
        short_name: ShortName::parse(short).unwrap(),
        kind: OrgKind::NationalCert,
        country: None,
        status: OrgStatus::Active,
        created_at: time::macros::datetime!(2026-11-28 01:02:03.456789 UTC),
    }
}

#[cfg(unix)]
#[tokio::test]
async fn database_and_wal_files_are_private() {
    use simpul_core::store::MetaStore;
    use std::os::unix::fs::PermissionsExt;

    let db = TestDb::fresh();
    db.store.set_meta("k", "v").await.unwrap();
    // A reader connection too, so the shared-memory file is in use by two connections.
    assert_eq!(db.store.get_meta("k").await.unwrap().as_deref(), Some("v"));
    let path = db.path();
    for suffix in ["", "-wal", "-shm"] {
        let file = format!("{}{suffix}", path.display());
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{file} is {mode:o}");
    }
}

#[tokio::test]
async fn an_existing_database_file_is_opened_not_replaced() {
    use simpul_core::store::MetaStore;
    let db = TestDb::fresh();
    db.store.set_meta("kept", "yes").await.unwrap();
    let reopened = SqliteStore::open(&db.path()).unwrap();
    assert_eq!(
        reopened.get_meta("kept").await.unwrap().as_deref(),
        Some("yes")
    );
}

#[tokio::test]
async fn reopen_keeps_data_and_refuses_newer_schema() {
    use simpul_core::store::{MetaStore, Probe};
    let db = TestDb::fresh();
    let path = db.path();
    db.store.set_meta("kept", "yes").await.unwrap();
    let latest = db.store.schema_status().await.unwrap().latest;
    drop(db.store);

    let store = SqliteStore::open_url(&format!("sqlite://{}", path.display())).unwrap();
    assert_eq!(
        store.get_meta("kept").await.unwrap().as_deref(),
        Some("yes")
    );
    drop(store);
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute(
        "INSERT INTO simpul_schema (version, applied_at) VALUES (?1, 'future')",
        [latest + 1],
    )
    .unwrap();
    drop(conn);
    let err = SqliteStore::open(&path).unwrap_err();
    assert!(matches!(err, StoreError::TooNew { .. }), "{err:?}");
    assert!(err.to_string().contains("newer than this simpul"), "{err}");
}

/// Communities are read with their members in one query; what it reads follows every change.
#[tokio::test]
async fn list_communities_reads_members_as_they_are_added() {
    use simpul_core::store::DirectoryStore;
    let db = TestDb::fresh();
    let s = &db.store;
    let orgs: Vec<Organisation> = ["AA", "BB", "CC"].into_iter().map(org).collect();
    for o in &orgs {
        s.insert_org(o, &event(AuditAction::OrgCreate))
            .await
            .unwrap();
    }
    let mut ids: Vec<OrgId> = orgs.iter().map(|o| o.id).collect();
    ids.sort();
    let community = |name: &str| Community {
        id: CommunityId(uuid::Uuid::new_v4()),
        name: CommunityName::parse(name).unwrap(),
        description: String::new(),
        members: Vec::new(),
        created_at: time::macros::datetime!(2026-11-28 01:02:03.456789 UTC),
    };
    let (zulu, alpha) = (community("zulu"), community("alpha"));
    for c in [&zulu, &alpha] {
        s.insert_community(c, &event(AuditAction::CommunityCreate))
            .await
            .unwrap();
    }
    let members = |list: &[Community]| {
        list.iter()
            .map(|c| (c.name.as_str().to_owned(), c.members.clone()))
            .collect::<Vec<_>>()
    };
    let listed = s.list_communities().await.unwrap();
    assert_eq!(
        members(&listed),
        vec![("alpha".into(), vec![]), ("zulu".into(), vec![])]
    );

    let add = event(AuditAction::CommunityAddMembers);
    s.add_community_members(zulu.id, &[ids[2], ids[0]], &add)
        .await
        .unwrap();
    let listed = s.list_communities().await.unwrap();
    assert_eq!(
        members(&listed),
        vec![
            ("alpha".into(), vec![]),
            ("zulu".into(), vec![ids[0], ids[2]])
        ]
    );
    s.add_community_members(alpha.id, &[ids[1]], &add)
        .await
        .unwrap();
    s.add_community_members(zulu.id, &[ids[1], ids[0]], &add)
        .await
        .unwrap();
    let listed = s.list_communities().await.unwrap();
    assert_eq!(
        members(&listed),
        vec![("alpha".into(), vec![ids[1]]), ("zulu".into(), ids.clone())]
    );
    assert_eq!(
        listed[1],
        Community {
            members: ids.clone(),
            ..zulu
        }
    );
}

#[tokio::test]
async fn login_failure_counters_saturate() {
    let db = TestDb::fresh();
    let key = "account:max@example.org";
    let conn = rusqlite::Connection::open(db.path()).unwrap();
    conn.execute(
        "INSERT INTO login_failures (key, count, last_at) VALUES (?1, ?2, '2026-01-01T00:00:00.000000Z')",
        rusqlite::params![key, MAX_FAILURE_COUNT - 1],
    )
    .unwrap();
    simpul_store_tests::login_failures_saturate(&db.store, key).await;
    let stored: i64 = conn
        .query_row(
            "SELECT count FROM login_failures WHERE key = ?1",
            [key],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stored, MAX_FAILURE_COUNT);
}

#[tokio::test]
async fn user_reads_do_not_select_the_password_hash() {
    // Without the hash column every user read still works; only `credentials` needs it.
    use simpul_core::store::{DirectoryStore, IdentityStore};
    use simpul_core::user::{Email, Role, User, UserId, UserStatus};
    let db = TestDb::fresh();
    let o = org("HH");
    db.store
        .insert_org(&o, &event(AuditAction::OrgCreate))
        .await
        .unwrap();
    let u = User {
        id: UserId::new_random(),
        email: Email::parse("h@example.org").unwrap(),
        display_name: "H".into(),
        org_id: o.id,
        role: Role::Analyst,
        status: UserStatus::Active,
        created_at: o.created_at,
    };
    db.store
        .insert_user(&u, "hash", &event(AuditAction::UserCreate))
        .await
        .unwrap();
    let conn = rusqlite::Connection::open(db.path()).unwrap();
    conn.execute_batch("ALTER TABLE users DROP COLUMN password_hash")
        .unwrap();
    drop(conn);
    assert_eq!(db.store.get_user(u.id).await.unwrap().as_ref(), Some(&u));
    assert_eq!(
        db.store.get_user_by_email(&u.email).await.unwrap().as_ref(),
        Some(&u)
    );
    assert_eq!(db.store.list_users(None).await.unwrap(), vec![u.clone()]);
    let err = db.store.credentials(&u.email).await.unwrap_err();
    assert!(err.to_string().contains("password_hash"), "{err}");
}

#[tokio::test]
async fn audit_tampering_is_named() {
    use simpul_core::store::AuditStore;
    let db = TestDb::fresh();
    for _ in 0..3 {
        db.store
            .append_audit(&event(AuditAction::OrgCreate))
            .await
            .unwrap();
    }
    let conn = rusqlite::Connection::open(db.path()).unwrap();
    let refused = conn.execute("UPDATE audit_log SET actor = 'x' WHERE seq = 2", []);
    assert!(refused.is_err(), "the append-only trigger refuses a change");
    conn.execute_batch(
        "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET details = '{\"k\":1}' WHERE seq = 2",
    )
    .unwrap();
    let all = db.store.audit_after(0, 10).await.unwrap();
    let broken = simpul_core::audit::verify(&all).unwrap_err();
    assert_eq!(broken.seq, 2, "{broken}");
}

#[tokio::test]
async fn a_failed_cursor_reset_rolls_back_the_collection_update() {
    let db = TestDb::fresh();
    let path = db.path();
    simpul_store_tests::failed_cursor_reset_rolls_back_the_update(db.shared(), |c| async move {
        // Without foreign keys for the insert: a push cursor of a peer that is not there.
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(&format!(
            "PRAGMA foreign_keys = OFF;
             INSERT INTO peer_cursors (peer_id, kind, collection, value)
                 VALUES ('{}', 'push', '{}', 'p');
             CREATE TRIGGER refuse_reset BEFORE DELETE ON peer_cursors
                 BEGIN SELECT RAISE(ABORT, 'injected failure'); END;",
            uuid::Uuid::new_v4(),
            c.0
        ))
        .unwrap();
    })
    .await;
}
