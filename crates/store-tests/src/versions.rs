//! A producer's change to a stored object: `insert_version` stores one new version with its audit
//! entry, only when it is newer than every version of its id in its collection and, when it names
//! the base version it was drawn from, that base is still the newest.

use simpul_core::Store;
use simpul_core::audit::{AuditAction, AuditEvent};
use simpul_core::intel::Tlp;
use simpul_core::intel::store::{Inserted, ObjectQuery, Versioned};
use time::Duration;

use crate::intel::{stored, version};
use crate::support::{Region, at, entries_after, event, last_seq, tag};

/// A new version is stored with its audit entry (both or neither), added strictly after every
/// `date_added` in the store, and is what a `latest_only` read serves next — to those its facts
/// admit, so a RED version naming someone else hides the object from the audience, who still see
/// the old version among all versions. The same version again, or an older one, stores nothing and
/// writes no entry; the check is per collection. Of two concurrent changes to the same new version,
/// one is stored.
pub async fn object_versions(store: &dyn Store) {
    let t = tag();
    let region = Region::insert(store, &t).await;
    let (producer, alice, carol) = (&region.producer, &region.alice, &region.carol);
    let c1 = region.collection(store, &format!("{t} one")).await;
    let c2 = region.collection(store, &format!("{t} two")).await;
    let [as_alice, as_bob, as_carol] = region.viewers();

    let id = format!("indicator--{}", uuid::Uuid::new_v4());
    let v1 = version(&c1, &id, 100, alice, Tlp::Green, &[]);
    let r = store
        .insert_objects(std::slice::from_ref(&v1), at(1_000))
        .await
        .unwrap();
    let [Inserted::Stored(d1)] = r[..] else {
        panic!("{r:?}")
    };

    let change = |action: AuditAction, n: u32| AuditEvent {
        details: serde_json::json!({ "story": "versions", "n": n }),
        ..event(action, &format!("object:{id}"), Some(producer.id))
    };
    // A RED version naming Carol, with an earlier clock: added one microsecond after the newest.
    let start = last_seq(store).await;
    let v2 = version(&c1, &id, 200, alice, Tlp::Red, &[carol]);
    let r = store
        .insert_version(&v2, None, at(0), &change(AuditAction::ObjectMarking, 2))
        .await
        .unwrap();
    let d2 = d1 + Duration::microseconds(1);
    assert_eq!(r, Versioned::Stored(d2), "one microsecond after the newest");
    let written = entries_after(store, start).await;
    assert_eq!(written.len(), 1, "one entry with the version");
    assert_eq!(written[0].action, AuditAction::ObjectMarking.as_str());
    assert_eq!(written[0].target.as_deref(), Some(&*format!("object:{id}")));
    assert_eq!(written[0].target_org, Some(producer.id));

    // The next read of the latest serves v2 to those it admits; Bob no longer sees the object,
    // though v1 is still among all versions, as it was shared with him.
    let latest = ObjectQuery {
        ids: vec![id.clone()],
        latest_only: true,
        limit: 100,
        ..ObjectQuery::default()
    };
    let all = ObjectQuery {
        latest_only: false,
        ..latest.clone()
    };
    let (s1, s2) = (stored(&v1, d1), stored(&v2, d2));
    for (v, want_latest, want_all) in [
        (&as_alice, vec![s2.clone()], vec![s2.clone(), s1.clone()]),
        (&as_bob, vec![], vec![s1.clone()]),
        (&as_carol, vec![s2.clone()], vec![s2.clone()]),
    ] {
        assert_eq!(store.list_objects(v, &latest).await.unwrap(), want_latest);
        assert_eq!(store.list_objects(v, &all).await.unwrap(), want_all);
    }

    // The same version again, or an older one: nothing stored, no entry.
    let before = last_seq(store).await;
    for (secs, n) in [(200, 3), (150, 4), (100, 5)] {
        let again = version(&c1, &id, secs, alice, Tlp::Clear, &[]);
        let r = store
            .insert_version(
                &again,
                None,
                at(2_000),
                &change(AuditAction::ObjectVersion, n),
            )
            .await
            .unwrap();
        assert_eq!(r, Versioned::NotNewer { newest: at(200) }, "version {secs}");
    }
    assert_eq!(
        last_seq(store).await,
        before,
        "no entry for a refused version"
    );
    assert_eq!(
        store.list_objects(&as_alice, &all).await.unwrap(),
        vec![s2.clone(), s1.clone()],
        "nothing stored"
    );

    // Newer than anything in the other collection: the check is per collection. A later clock is
    // used as it is.
    let elsewhere = version(&c2, &id, 150, alice, Tlp::Green, &[]);
    let r = store
        .insert_version(
            &elsewhere,
            None,
            at(3_000),
            &change(AuditAction::ObjectVersion, 6),
        )
        .await
        .unwrap();
    let Versioned::Stored(d3) = r else {
        panic!("{r:?}")
    };
    assert!(d3 > d2 && d3 >= at(3_000), "{d3} after {d2}");

    // Two changes to the same new version at once: one is stored, with one entry.
    let before = last_seq(store).await;
    let revoked = simpul_core::intel::store::NewObject {
        revoked: true,
        ..version(&c1, &id, 300, alice, Tlp::Red, &[carol])
    };
    let (e1, e2) = (
        change(AuditAction::ObjectRevoke, 7),
        change(AuditAction::ObjectRevoke, 8),
    );
    let (a, b) = tokio::join!(
        store.insert_version(&revoked, None, at(4_000), &e1),
        store.insert_version(&revoked, None, at(4_000), &e2),
    );
    let mut outcomes = [a.unwrap(), b.unwrap()];
    outcomes.sort_by_key(|o| matches!(o, Versioned::NotNewer { .. }));
    let [Versioned::Stored(d4), refused] = outcomes else {
        panic!("{outcomes:?}")
    };
    assert_eq!(refused, Versioned::NotNewer { newest: at(300) });
    assert!(d4 > d3, "{d4} after {d3}");
    assert_eq!(last_seq(store).await, before + 1, "one entry");
    // The latest in each collection, newest added first; Carol is in neither audience but named
    // on the revoked version.
    let (s3, s4) = (stored(&elsewhere, d3), stored(&revoked, d4));
    assert!(s4.revoked);
    assert_eq!(
        store.list_objects(&as_alice, &latest).await.unwrap(),
        vec![s4.clone(), s3.clone()]
    );
    assert_eq!(
        store.list_objects(&as_bob, &latest).await.unwrap(),
        vec![s3]
    );
    assert_eq!(
        store.list_objects(&as_carol, &latest).await.unwrap(),
        vec![s4]
    );

    // Changes drawn from a base version (the web's form): stored only while the base is still the
    // lineage's newest, decided in the write. Two drawn from one base, the second later still: the
    // second is refused with no entry, however close together they come.
    let before = last_seq(store).await;
    let first = version(&c2, &id, 160, alice, Tlp::Green, &[]);
    let r = store
        .insert_version(
            &first,
            Some(at(150)),
            at(5_000),
            &change(AuditAction::ObjectVersion, 9),
        )
        .await
        .unwrap();
    assert!(matches!(r, Versioned::Stored(_)), "{r:?}");
    let second = version(&c2, &id, 170, alice, Tlp::Green, &[]);
    let r = store
        .insert_version(
            &second,
            Some(at(150)),
            at(5_000),
            &change(AuditAction::ObjectVersion, 10),
        )
        .await
        .unwrap();
    assert_eq!(
        r,
        Versioned::BaseMoved {
            newest: Some(at(160))
        }
    );
    assert_eq!(
        last_seq(store).await,
        before + 1,
        "no entry for the stale one"
    );
    let r = store
        .insert_version(
            &second,
            Some(at(160)),
            at(5_000),
            &change(AuditAction::ObjectVersion, 11),
        )
        .await
        .unwrap();
    assert!(
        matches!(r, Versioned::Stored(_)),
        "drawn from the newest: {r:?}"
    );
    // A base for a lineage that holds nothing.
    let fresh = version(
        &c2,
        &format!("indicator--{}", uuid::Uuid::new_v4()),
        100,
        alice,
        Tlp::Green,
        &[],
    );
    let r = store
        .insert_version(
            &fresh,
            Some(at(50)),
            at(5_000),
            &change(AuditAction::ObjectVersion, 12),
        )
        .await
        .unwrap();
    assert_eq!(r, Versioned::BaseMoved { newest: None });
}
