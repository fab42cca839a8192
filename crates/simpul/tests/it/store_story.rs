//! One story, told to every backend: what the rest of simpul relies on the store for.

use std::sync::Arc;

use simpul_core::org::{NewOrganisation, OrgKind, OrgStatus, ShortName};
use simpul_core::{CoreError, Store, StoreError};

use crate::helpers::TestDb;

async fn story(store: Arc<dyn Store>) {
    // Migrations were applied on open.
    let schema = store.schema_status().await.unwrap();
    assert!(schema.is_current(), "{schema:?}");
    assert!(schema.current >= 1);
    store.ping().await.unwrap();

    let service = simpul::service(Arc::clone(&store));

    // Create, read back by id and by short name in any case.
    let sg = service
        .create_org(NewOrganisation {
            name: "Singapore Computer Emergency Response Team".into(),
            short_name: ShortName::parse("SingCERT").unwrap(),
            kind: OrgKind::NationalCert,
            country: Some(simpul_core::country::Country::parse("SG").unwrap()),
        })
        .await
        .unwrap();
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

    // A duplicate short name, whatever its case, is refused and nothing is written.
    let dup = service
        .create_org(NewOrganisation {
            name: "Impostor".into(),
            short_name: ShortName::parse("SINGCERT").unwrap(),
            kind: OrgKind::Other,
            country: None,
        })
        .await;
    assert!(matches!(dup, Err(CoreError::Conflict(_))), "{dup:?}");
    assert!(matches!(
        store.insert_org(&sg).await,
        Err(StoreError::Duplicate(_))
    ));
    assert_eq!(store.list_orgs().await.unwrap().len(), 1);

    // Meta values: absent, set, overwritten.
    assert_eq!(store.get_meta("k").await.unwrap(), None);
    store.set_meta("k", "1").await.unwrap();
    store.set_meta("k", "2").await.unwrap();
    assert_eq!(store.get_meta("k").await.unwrap().as_deref(), Some("2"));

    // The demo seed creates the regional CERT and the 11 national CERTs once, keeping what exists.
    let first = simpul_core::demo::seed(&service).await.unwrap();
    assert!(first.seeded);
    assert_eq!(
        first.organisations_created,
        simpul_core::demo::ORGANISATIONS.len() - 1,
        "SingCERT existed"
    );
    let second = simpul_core::demo::seed(&service).await.unwrap();
    assert!(!second.seeded);
    let orgs = store.list_orgs().await.unwrap();
    assert_eq!(orgs.len(), 12);
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
