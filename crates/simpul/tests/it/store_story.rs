//! One story, told to every backend: what the rest of simpul relies on the store for.

use std::sync::Arc;

use simpul_core::org::{NewOrganisation, OrgKind, OrgStatus, ShortName};
use simpul_core::service::{NewToken, NewUser, OrgUpdate, UserUpdate};
use simpul_core::{CoreError, Principal, Role, Scopes, Store, StoreError, UserStatus};

use crate::helpers::TestDb;

async fn story(store: Arc<dyn Store>) {
    // Migrations were applied on open.
    let schema = store.schema_status().await.unwrap();
    assert!(schema.is_current(), "{schema:?}");
    assert!(schema.current >= 1);
    store.ping().await.unwrap();

    let service = simpul::service(Arc::clone(&store));
    let op = Principal::operator("story");

    // Create, read back by id and by short name in any case.
    let new_sg = || NewOrganisation {
        name: "Singapore Computer Emergency Response Team".into(),
        short_name: ShortName::parse("SingCERT").unwrap(),
        kind: OrgKind::NationalCert,
        country: Some(simpul_core::country::Country::parse("SG").unwrap()),
    };
    let sg = service.create_org(&op, new_sg()).await.unwrap();
    assert_eq!(sg.status, OrgStatus::Active);
    let by_id = store.get_org(sg.id).await.unwrap().unwrap();
    assert_eq!(
        by_id, sg,
        "round trip keeps every field, timestamps included"
    );
    let by_short = store
        .get_org_by_short_name(&ShortName::parse("singcert").unwrap())
        .await
        .unwrap();
    assert_eq!(by_short.as_ref().map(|o| o.id), Some(sg.id));
    assert!(
        store
            .get_org(simpul_core::OrgId::new_random())
            .await
            .unwrap()
            .is_none()
    );

    // A duplicate short name, whatever its case, is refused and nothing is written, audit included.
    let entries_before = store.audit_after(0, 1000).await.unwrap().len();
    let dup = service
        .create_org(
            &op,
            NewOrganisation {
                short_name: ShortName::parse("SINGCERT").unwrap(),
                ..new_sg()
            },
        )
        .await;
    assert!(matches!(dup, Err(CoreError::Conflict(_))), "{dup:?}");
    assert_eq!(store.list_orgs().await.unwrap().len(), 1);
    assert_eq!(
        store.audit_after(0, 1000).await.unwrap().len(),
        entries_before,
        "one transaction"
    );

    let sg = service
        .update_org(
            &op,
            sg.id,
            OrgUpdate {
                name: Some("SingCERT (CSA)".into()),
                ..OrgUpdate::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        store.get_org(sg.id).await.unwrap().unwrap().name,
        "SingCERT (CSA)"
    );

    // Users: create, find by email in any case, duplicate refused, password policy.
    let new_user = |email: &str, password: Option<&str>| NewUser {
        email: simpul_core::Email::parse(email).unwrap(),
        display_name: "An Analyst".into(),
        org_id: sg.id,
        role: Role::Analyst,
        password: password.map(str::to_owned),
    };
    let (analyst, generated) = service
        .create_user(&op, new_user("Analyst@SingCERT.example", None))
        .await
        .unwrap();
    let generated = generated.expect("a password is generated");
    let (found, hash) = store
        .get_user_by_email(&analyst.email)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found, analyst);
    assert!(simpul_core::secret::verify_password(&generated, &hash));
    let dup = service
        .create_user(
            &op,
            new_user("ANALYST@singcert.example", Some("long enough password")),
        )
        .await;
    assert!(matches!(dup, Err(CoreError::Conflict(_))), "{dup:?}");
    let short = service
        .create_user(&op, new_user("b@singcert.example", Some("too short")))
        .await;
    assert!(matches!(short, Err(CoreError::Invalid(_))), "{short:?}");
    assert_eq!(
        store.list_users(Some(sg.id)).await.unwrap(),
        vec![analyst.clone()]
    );

    // Sign in: a session, then a token; disabling the user ends both.
    let logged_in = service
        .login(
            "analyst@singcert.example",
            &generated,
            Some("192.0.2.1".into()),
        )
        .await
        .unwrap();
    let via_session = service
        .authenticate_session(&logged_in.session_secret, None)
        .await
        .unwrap();
    assert_eq!(via_session.as_user().unwrap().user.id, analyst.id);
    let wrong = service
        .login(
            "analyst@singcert.example",
            "wrong password!",
            Some("192.0.2.1".into()),
        )
        .await;
    assert!(matches!(wrong, Err(CoreError::Unauthenticated(_))));
    let failures = store
        .login_failures("account:analyst@singcert.example")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(failures.count, 1);
    let new_token = NewToken {
        name: "siem".into(),
        scopes: Scopes::parse("read,sync").unwrap(),
        expires_in_days: Some(30),
    };
    let (token, secret) = service
        .create_token_for(&op, "analyst@singcert.example", new_token)
        .await
        .unwrap();
    let via_token = service.authenticate_token(&secret, None).await.unwrap();
    assert_eq!(via_token.as_user().unwrap().user.id, analyst.id);
    assert_eq!(store.list_tokens(analyst.id).await.unwrap().len(), 1);
    assert!(
        store
            .get_token(token.id)
            .await
            .unwrap()
            .unwrap()
            .last_used_at
            .is_some(),
        "use is recorded"
    );
    let disable = UserUpdate {
        status: Some(UserStatus::Disabled),
        ..UserUpdate::default()
    };
    service.update_user(&op, analyst.id, disable).await.unwrap();
    assert!(
        service
            .authenticate_session(&logged_in.session_secret, None)
            .await
            .is_err(),
        "sessions end"
    );
    assert!(
        service.authenticate_token(&secret, None).await.is_err(),
        "tokens stop working"
    );
    let enable = UserUpdate {
        status: Some(UserStatus::Active),
        ..UserUpdate::default()
    };
    service.update_user(&op, analyst.id, enable).await.unwrap();
    assert!(service.authenticate_token(&secret, None).await.is_ok());
    // Suspending the organisation locks its users out at once.
    let suspend = OrgUpdate {
        status: Some(OrgStatus::Suspended),
        ..OrgUpdate::default()
    };
    service.update_org(&op, sg.id, suspend).await.unwrap();
    assert!(service.authenticate_token(&secret, None).await.is_err());
    let reactivate = OrgUpdate {
        status: Some(OrgStatus::Active),
        ..OrgUpdate::default()
    };
    service.update_org(&op, sg.id, reactivate).await.unwrap();
    // Revocation is final.
    service.revoke_token(&op, token.id).await.unwrap();
    let err = service.authenticate_token(&secret, None).await.unwrap_err();
    assert_eq!(err.to_string(), "the token has been revoked");

    // Meta values: absent, set, overwritten.
    assert_eq!(store.get_meta("k").await.unwrap(), None);
    store.set_meta("k", "1").await.unwrap();
    store.set_meta("k", "2").await.unwrap();
    assert_eq!(store.get_meta("k").await.unwrap().as_deref(), Some("2"));

    // The demo seed creates the regional CERT, the 11 national CERTs and 3 partners once, keeping
    // what exists, with an admin and an analyst each and the asean-cert community.
    let all_demo = simpul_core::demo::ORGANISATIONS.len() + simpul_core::demo::PARTNERS.len();
    let first = simpul_core::demo::seed(&service).await.unwrap();
    assert!(first.seeded);
    assert_eq!(
        first.organisations_created,
        all_demo - 1,
        "SingCERT existed"
    );
    assert_eq!(
        first.logins.len(),
        all_demo * 2 - 1,
        "SingCERT's analyst existed"
    );
    let second = simpul_core::demo::seed(&service).await.unwrap();
    assert!(!second.seeded && second.logins.is_empty());
    let orgs = store.list_orgs().await.unwrap();
    assert_eq!(orgs.len(), all_demo);
    assert_eq!(
        orgs.iter()
            .filter(|o| o.kind == OrgKind::NationalCert)
            .count(),
        11
    );
    let names: Vec<_> = orgs
        .iter()
        .map(|o| o.short_name.as_str().to_lowercase())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "listed by short name");
    let communities = store.list_communities().await.unwrap();
    assert_eq!(communities.len(), 1);
    assert_eq!(
        communities[0].members.len(),
        12,
        "the regional CERT and the 11 national CERTs"
    );
    assert_eq!(
        store.communities_of_org(sg.id).await.unwrap(),
        vec![communities[0].id]
    );

    // The audit chain verifies; an organisation's view holds only its entries, newest first.
    let verified = service.verify_audit(&op).await.unwrap().unwrap();
    assert!(verified > 40, "{verified}");
    let sg_entries = store.list_audit(Some(sg.id), None, 1000).await.unwrap();
    assert!(!sg_entries.is_empty());
    assert!(
        sg_entries
            .iter()
            .all(|e| e.actor_org == Some(sg.id) || e.target_org == Some(sg.id))
    );
    assert!(
        sg_entries.windows(2).all(|w| w[0].seq > w[1].seq),
        "newest first"
    );
    let page = store.list_audit(None, Some(10), 3).await.unwrap();
    assert_eq!(
        page.iter().map(|e| e.seq).collect::<Vec<_>>(),
        vec![9, 8, 7]
    );
    assert!(store.pool_status().max >= 1);
}

#[tokio::test]
async fn sqlite_story() {
    let db = TestDb::sqlite();
    story(db.open().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_story() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    story(db.open().await).await;
}

#[tokio::test]
async fn sqlite_reopen_keeps_data_and_refuses_newer_schema() {
    let db = TestDb::sqlite();
    let store = db.open().await;
    store.set_meta("kept", "yes").await.unwrap();
    drop(store);
    let store = db.open().await;
    assert_eq!(
        store.get_meta("kept").await.unwrap().as_deref(),
        Some("yes")
    );
    let latest = store.schema_status().await.unwrap().latest;
    drop(store);

    let path = simpul_store_sqlite::path_from_url(db.url.expose()).unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute(
        "INSERT INTO simpul_schema (version, applied_at) VALUES (?1, 'future')",
        [latest + 1],
    )
    .unwrap();
    drop(conn);
    let err = simpul::open_store(&db.url).await.unwrap_err();
    assert!(matches!(err, StoreError::TooNew { .. }), "{err:?}");
    assert!(err.to_string().contains("newer than this simpul"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_reopen_keeps_data_and_refuses_newer_schema() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let store = db.open().await;
    store.set_meta("kept", "yes").await.unwrap();
    let latest = store.schema_status().await.unwrap().latest;
    drop(store);
    // Opening again (a second app node, or a restart) applies nothing and keeps the data.
    let store = db.open().await;
    assert_eq!(
        store.get_meta("kept").await.unwrap().as_deref(),
        Some("yes")
    );
    drop(store);

    let (client, conn) = tokio_postgres::connect(db.url.expose(), tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    client
        .execute(
            "INSERT INTO simpul_schema (version) VALUES ($1)",
            &[&(latest + 1)],
        )
        .await
        .unwrap();
    let err = simpul::open_store(&db.url).await.unwrap_err();
    assert!(matches!(err, StoreError::TooNew { .. }), "{err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_nodes_migrate_concurrently() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let (a, b, c) = tokio::join!(
        simpul::open_store(&db.url),
        simpul::open_store(&db.url),
        simpul::open_store(&db.url)
    );
    for s in [a, b, c] {
        assert!(s.unwrap().schema_status().await.unwrap().is_current());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_audit_tampering_is_named() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let store = db.open().await;
    let service = simpul::service(Arc::clone(&store));
    let op = Principal::operator("story");
    for short in ["P1", "P2", "P3"] {
        let new = NewOrganisation {
            name: "Org".into(),
            short_name: ShortName::parse(short).unwrap(),
            kind: OrgKind::Other,
            country: None,
        };
        service.create_org(&op, new).await.unwrap();
    }
    assert_eq!(service.verify_audit(&op).await.unwrap(), Ok(3));
    let (client, conn) = tokio_postgres::connect(db.url.expose(), tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    // The append-only trigger refuses an ordinary change.
    assert!(
        client
            .execute("UPDATE audit_log SET actor = 'x' WHERE seq = 2", &[])
            .await
            .is_err()
    );
    client.batch_execute("ALTER TABLE audit_log DISABLE TRIGGER USER; UPDATE audit_log SET details = '{}' WHERE seq = 2").await.unwrap();
    let broken = service.verify_audit(&op).await.unwrap().unwrap_err();
    assert_eq!(broken.seq, 2, "{broken}");
}

fn event(n: usize) -> simpul_core::AuditEvent {
    simpul_core::AuditEvent {
        at: time::OffsetDateTime::UNIX_EPOCH + time::Duration::seconds(n as i64),
        actor: "cli:story".into(),
        actor_org: None,
        source: None,
        action: "test.append".into(),
        target: Some(format!("n:{n}")),
        target_org: None,
        details: serde_json::json!({ "n": n }),
    }
}

/// Several app nodes (stores) append to the audit chain at once: it never forks.
async fn concurrent_appends(stores: Vec<Arc<dyn Store>>) {
    let mut tasks = Vec::new();
    for (i, store) in stores.iter().enumerate() {
        for j in 0..20 {
            let store = Arc::clone(store);
            tasks.push(tokio::spawn(async move {
                store.append_audit(&event(i * 100 + j)).await
            }));
        }
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let service = simpul::service(Arc::clone(&stores[0]));
    let verified = service
        .verify_audit(&Principal::operator("story"))
        .await
        .unwrap();
    assert_eq!(verified, Ok(20 * stores.len() as i64));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_concurrent_audit_appends_never_fork() {
    let db = TestDb::sqlite();
    concurrent_appends(vec![db.open().await]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_concurrent_audit_appends_never_fork() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    concurrent_appends(vec![db.open().await, db.open().await, db.open().await]).await;
}
