//! Import jobs: a job round-trips; it starts once; a batch is stored with the job's progress in one
//! transaction (stored and skipped added from what the insert did, the rest as given, the first
//! failures kept); heartbeats keep a live job out of the sweep; a stale job is ended once (with its
//! audit entry) and then takes no more batches, heartbeats or ends.

use simpul_core::Store;
use simpul_core::audit::AuditAction;
use simpul_core::clock::rfc3339_micros;
use simpul_core::intel::imports::{ImportCounts, ImportId, ImportJob, ImportState};
use simpul_core::intel::imports_store::{ImportEnd, ImportProgress};
use simpul_core::intel::service::Failure;
use simpul_core::intel::store::{Inserted, NewObject, ObjectQuery};
use simpul_core::intel::{Audience, Collection, CollectionId, Tlp};
use simpul_core::org::OrgKind;
use simpul_core::user::{Role, User};
use time::Duration;

use crate::support::{
    at, event, insert_org, insert_user, last_seq, org, signed_in, tag, user, visibility,
    written_after, wrote,
};

fn object(c: &Collection, by: &User, n: u32) -> NewObject {
    let id = format!("indicator--5e1ec7ed-0000-4000-8000-{:012}", n);
    let v = at(100);
    NewObject {
        collection: c.id,
        json: format!(
            r#"{{"type":"indicator","spec_version":"2.1","id":"{id}","modified":"{}"}}"#,
            rfc3339_micros(v)
        ),
        stix_id: id,
        stix_type: "indicator".into(),
        version: v,
        spec_version: "2.1".into(),
        producer_org: by.org_id,
        producer_user: by.id,
        tlp: Tlp::Green,
        pap: None,
        recipients: Vec::new(),
        revoked: false,
        observables: vec![format!("domain|import{n}.example")],
        refs: Vec::new(),
        text: String::new(),
    }
}

fn job(c: &Collection, by: &User, secs: i64) -> ImportJob {
    ImportJob {
        id: ImportId(uuid::Uuid::new_v4()),
        collection: c.id,
        user: by.id,
        org: by.org_id,
        state: ImportState::Queued,
        tlp: Some(Tlp::Clear),
        bytes_total: Some(1234),
        bytes_read: 0,
        counts: ImportCounts::default(),
        failures: Vec::new(),
        error: None,
        created_at: at(secs),
        started_at: None,
        finished_at: None,
        heartbeat_at: at(secs),
    }
}

pub async fn imports(store: &dyn Store) {
    let t = tag();
    let producer = org(&format!("{t}-imp"), OrgKind::NationalCert, None);
    insert_org(store, &producer).await;
    let alice = user(producer.id, &format!("importer@{t}.example"), Role::Analyst);
    insert_user(store, &alice).await;
    let c = Collection {
        id: CollectionId(uuid::Uuid::new_v4()),
        title: format!("{t} imports"),
        alias: None,
        description: String::new(),
        audience: Audience::Orgs {
            orgs: vec![producer.id],
        },
        default_tlp: Tlp::Amber,
        read_only_orgs: Vec::new(),
        created_at: at(10),
    };
    let e = event(
        AuditAction::CollectionCreate,
        &format!("collection:{}", c.id),
        None,
    );
    store.insert_collection(&c, &e).await.unwrap();

    // A queued job round-trips, with the audit entry of its start.
    let seq = last_seq(store).await;
    let j = job(&c, &alice, 20);
    let target = format!("import:{}", j.id);
    let e = event(AuditAction::ImportStart, &target, Some(producer.id));
    store.insert_import(&j, &e).await.unwrap();
    assert_eq!(store.get_import(j.id).await.unwrap(), Some(j.clone()));
    assert_eq!(
        written_after(store, seq).await,
        [wrote(AuditAction::ImportStart, &target)]
    );
    assert_eq!(
        store
            .get_import(ImportId(uuid::Uuid::new_v4()))
            .await
            .unwrap(),
        None
    );

    // A batch only for a running job; a job starts once.
    let batch = [object(&c, &alice, 1), object(&c, &alice, 2)];
    let none = ImportProgress {
        skipped: 0,
        read: 0,
        failed: 0,
        warnings: 0,
        bytes_read: 0,
        failures: Vec::new(),
    };
    let (r, live) = store
        .insert_import_batch(j.id, batch.to_vec(), &none, at(21))
        .await
        .unwrap();
    assert!(!live && r.len() == 2, "{r:?}");
    assert!(store.start_import(j.id, at(22)).await.unwrap());
    assert!(!store.start_import(j.id, at(23)).await.unwrap());
    let running = store.get_import(j.id).await.unwrap().unwrap();
    assert_eq!(running.state, ImportState::Running);
    assert_eq!(running.started_at, Some(at(22)));
    assert_eq!(running.heartbeat_at, at(22));

    // Stored with the progress: stored and skipped are what the inserts did.
    let fail = Failure {
        index: 2,
        id: None,
        path: "line 3".into(),
        message: "column 7: EOF while parsing a value".into(),
    };
    let p1 = ImportProgress {
        skipped: 0,
        read: 3,
        failed: 1,
        warnings: 1,
        bytes_read: 600,
        failures: vec![fail.clone()],
    };
    let (r, live) = store
        .insert_import_batch(j.id, batch.to_vec(), &p1, at(30))
        .await
        .unwrap();
    assert!(live);
    assert!(r.iter().all(|i| matches!(i, Inserted::Stored(_))), "{r:?}");
    let p2 = ImportProgress {
        skipped: 0,
        read: 5,
        bytes_read: 1234,
        ..p1.clone()
    };
    let again = [object(&c, &alice, 2), object(&c, &alice, 3)];
    let (r, live) = store
        .insert_import_batch(j.id, again.to_vec(), &p2, at(31))
        .await
        .unwrap();
    assert!(live);
    assert_eq!(r[0], Inserted::AlreadyStored);
    let now = store.get_import(j.id).await.unwrap().unwrap();
    assert_eq!(
        now.counts,
        ImportCounts {
            read: 5,
            stored: 3,
            skipped: 1,
            failed: 1,
            warnings: 1,
        }
    );
    assert_eq!(now.failures, [fail]);
    assert_eq!((now.bytes_read, now.heartbeat_at), (1234, at(31)));
    let v = visibility(&signed_in(&alice, &producer, Vec::new()));
    let q = ObjectQuery {
        collection: Some(c.id),
        limit: 100,
        ..ObjectQuery::default()
    };
    assert_eq!(store.count_objects(&v, &q).await.unwrap(), 3);

    // A heartbeat keeps it out of the sweep; a stale one is in it.
    assert!(store.touch_import(j.id, at(40)).await.unwrap());
    let stale = |before| async move {
        store
            .stale_imports(before)
            .await
            .unwrap()
            .into_iter()
            .any(|s| s.id == j.id)
    };
    assert!(!stale(at(40)).await);
    assert!(stale(at(40) + Duration::microseconds(1)).await);

    // The sweep ends it only if it is still stale, once, with its audit entry.
    let seq = last_seq(store).await;
    let end = |stale_before| ImportEnd {
        state: ImportState::Failed,
        error: Some("interrupted".into()),
        at: at(50),
        stale_before,
    };
    let e = event(AuditAction::ImportFinish, &target, Some(producer.id));
    assert!(
        !store
            .finish_import(j.id, &end(Some(at(40))), &e)
            .await
            .unwrap()
    );
    assert!(
        store
            .finish_import(j.id, &end(Some(at(41))), &e)
            .await
            .unwrap()
    );
    assert!(!store.finish_import(j.id, &end(None), &e).await.unwrap());
    assert_eq!(
        written_after(store, seq).await,
        [wrote(AuditAction::ImportFinish, &target)]
    );
    let ended = store.get_import(j.id).await.unwrap().unwrap();
    assert_eq!(ended.state, ImportState::Failed);
    assert_eq!(ended.error.as_deref(), Some("interrupted"));
    assert_eq!(ended.finished_at, Some(at(50)));
    assert!(!stale(at(60)).await);

    // Ended: no more batches (nothing stored) or heartbeats.
    let late = [object(&c, &alice, 4)];
    let (_, live) = store
        .insert_import_batch(j.id, late.to_vec(), &p2, at(51))
        .await
        .unwrap();
    assert!(!live);
    assert_eq!(store.count_objects(&v, &q).await.unwrap(), 3);
    assert!(!store.touch_import(j.id, at(52)).await.unwrap());
    assert_eq!(store.get_import(j.id).await.unwrap(), Some(ended));

    // A job that runs to its end succeeds.
    let k = job(&c, &alice, 60);
    let e = event(AuditAction::ImportStart, &format!("import:{}", k.id), None);
    store.insert_import(&k, &e).await.unwrap();
    assert!(store.start_import(k.id, at(61)).await.unwrap());
    let done = ImportEnd {
        state: ImportState::Succeeded,
        error: None,
        at: at(62),
        stale_before: None,
    };
    assert!(store.finish_import(k.id, &done, &e).await.unwrap());
    let k = store.get_import(k.id).await.unwrap().unwrap();
    assert_eq!((k.state, k.error), (ImportState::Succeeded, None));
    store.analyze_intel().await.unwrap();
}
