//! What TAXII needs of a store: the `match[version]` and `match[spec_version]` filters, deleting
//! object versions (with their side rows, an audit entry, the deletion feed the match index reads,
//! and a `date_added` that never goes back), and status resources kept for a while.

use std::sync::Arc;

use serde_json::json;
use simpul_core::audit::{AuditAction, AuditEvent};
use simpul_core::clock::rfc3339_micros;
use simpul_core::intel::store::{Inserted, ObjectQuery, Order, VersionMatch};
use simpul_core::intel::taxii_store::{Deleted, StatusRecord};
use simpul_core::intel::{Audience, Collection, CollectionId, Tlp};
use simpul_core::org::OrgKind;
use simpul_core::user::Role;
use simpul_core::{Clock, Service, Store};
use time::OffsetDateTime;

use crate::intel::version;
use crate::support::{
    at, entries_after, event, insert_org, insert_user, last_seq, org, signed_in, tag, user,
    visibility,
};

#[derive(Debug)]
struct Fixed(OffsetDateTime);

impl Clock for Fixed {
    fn now(&self) -> OffsetDateTime {
        self.0
    }
}

/// The TAXII story (see the module docs).
pub async fn taxii(store: Arc<dyn Store>) {
    let s = &*store;
    let t = tag();
    let producer = org(&format!("{t}-prod"), OrgKind::NationalCert, Some("SG"));
    let member = org(&format!("{t}-memb"), OrgKind::NationalCert, None);
    for o in [&producer, &member] {
        insert_org(s, o).await;
    }
    let alice = user(producer.id, &format!("alice@{t}.example"), Role::Analyst);
    let bob = user(member.id, &format!("bob@{t}.example"), Role::Analyst);
    for u in [&alice, &bob] {
        insert_user(s, u).await;
    }
    let c = Collection {
        id: CollectionId(uuid::Uuid::new_v4()),
        title: format!("{t} taxii"),
        alias: None,
        description: String::new(),
        audience: Audience::Orgs {
            orgs: vec![producer.id, member.id],
        },
        default_tlp: Tlp::Amber,
        read_only_orgs: Vec::new(),
        created_at: at(20),
    };
    s.insert_collection(&c, &event(AuditAction::CollectionCreate, "c", None))
        .await
        .unwrap();
    let as_bob = visibility(&signed_in(&bob, &member, vec![]));

    // Three versions of one id, one of another with spec_version 2.0.
    let id = format!("indicator--{}", uuid::Uuid::new_v4());
    let other = format!("indicator--{}", uuid::Uuid::new_v4());
    let mut old_spec = version(&c, &other, 150, &alice, Tlp::Green, &[]);
    old_spec.spec_version = "2.0".into();
    let mut v1 = version(&c, &id, 100, &alice, Tlp::Green, &[]);
    v1.observables = vec![format!("domain|{t}.example")];
    let batch = vec![
        v1,
        version(&c, &id, 200, &alice, Tlp::Green, &[]),
        version(&c, &id, 300, &alice, Tlp::Green, &[]),
        old_spec,
    ];
    let r = s.insert_objects(&batch, at(1_000)).await.unwrap();
    assert!(r.iter().all(|r| matches!(r, Inserted::Stored(_))), "{r:?}");
    let versions_of = |m: Option<VersionMatch>, spec: Vec<String>| ObjectQuery {
        collection: Some(c.id),
        ids: vec![id.clone(), other.clone()],
        versions: m,
        spec_versions: spec,
        order: Order::OldestFirst,
        limit: 100,
        ..ObjectQuery::default()
    };
    let seen = |q: ObjectQuery| {
        let v = as_bob.clone();
        let store = Arc::clone(&store);
        let id = id.clone();
        async move {
            store
                .list_objects(&v, &q)
                .await
                .unwrap()
                .into_iter()
                .map(|o| (o.stix_id == id, rfc3339_micros(o.version)))
                .collect::<Vec<_>>()
        }
    };
    let (mine, theirs) = (true, false);
    let v = |secs| rfc3339_micros(at(secs));
    for (m, spec, want) in [
        (
            None,
            vec![],
            vec![
                (mine, v(100)),
                (mine, v(200)),
                (mine, v(300)),
                (theirs, v(150)),
            ],
        ),
        (
            Some(VersionMatch {
                last: true,
                ..VersionMatch::default()
            }),
            vec![],
            vec![(mine, v(300)), (theirs, v(150))],
        ),
        (
            Some(VersionMatch {
                first: true,
                ..VersionMatch::default()
            }),
            vec![],
            vec![(mine, v(100)), (theirs, v(150))],
        ),
        (
            Some(VersionMatch {
                first: true,
                last: true,
                at: vec![at(200)],
            }),
            vec![],
            vec![
                (mine, v(100)),
                (mine, v(200)),
                (mine, v(300)),
                (theirs, v(150)),
            ],
        ),
        (
            Some(VersionMatch {
                at: vec![at(200), at(150)],
                ..VersionMatch::default()
            }),
            vec![],
            vec![(mine, v(200)), (theirs, v(150))],
        ),
        (Some(VersionMatch::default()), vec![], vec![]),
        (None, vec!["2.0".to_owned()], vec![(theirs, v(150))]),
        (
            Some(VersionMatch {
                last: true,
                ..VersionMatch::default()
            }),
            vec!["2.1".to_owned(), "2.2".to_owned()],
            vec![(mine, v(300))],
        ),
    ] {
        assert_eq!(
            seen(versions_of(m.clone(), spec.clone())).await,
            want,
            "{m:?} {spec:?}"
        );
    }

    // `first` is the oldest version the reader may see: a RED first version only its producer
    // sees leaves Bob the GREEN second one (nothing would tell him an older one exists).
    let hidden = format!("indicator--{}", uuid::Uuid::new_v4());
    let pair = [
        version(&c, &hidden, 100, &alice, Tlp::Red, &[]),
        version(&c, &hidden, 200, &alice, Tlp::Green, &[]),
    ];
    let r = s.insert_objects(&pair, at(2_000)).await.unwrap();
    assert!(r.iter().all(|r| matches!(r, Inserted::Stored(_))), "{r:?}");
    let first_of_hidden = ObjectQuery {
        ids: vec![hidden.clone()],
        versions: Some(VersionMatch {
            first: true,
            ..VersionMatch::default()
        }),
        ..versions_of(None, vec![])
    };
    let got: Vec<String> = s
        .list_objects(&as_bob, &first_of_hidden)
        .await
        .unwrap()
        .iter()
        .map(|o| rfc3339_micros(o.version))
        .collect();
    assert_eq!(got, [v(200)], "the oldest version Bob may see");
    let as_alice = visibility(&signed_in(&alice, &producer, vec![]));
    let got: Vec<String> = s
        .list_objects(&as_alice, &first_of_hidden)
        .await
        .unwrap()
        .iter()
        .map(|o| rfc3339_micros(o.version))
        .collect();
    assert_eq!(got, [v(100)], "the producer sees the first");

    // Deleting the first and the newest version: one entry, both gone with their side rows, and
    // the next insert (with an earlier clock) still added after every date_added ever given.
    let newest_added = s
        .list_objects(&as_bob, &versions_of(None, vec![]))
        .await
        .unwrap()
        .iter()
        .map(|o| o.date_added)
        .max()
        .unwrap();
    let before = last_seq(s).await;
    let audit = AuditEvent {
        details: json!({"story": "taxii"}),
        ..event(
            AuditAction::ObjectDelete,
            &format!("object:{id}"),
            Some(producer.id),
        )
    };
    let gone = s
        .delete_versions(c.id, &other, member.id, &[at(150)], at(2_000), &audit)
        .await
        .unwrap();
    assert_eq!(
        gone,
        Deleted(0),
        "another organisation deletes nothing of this lineage"
    );
    assert_eq!(
        entries_after(s, before).await.len(),
        0,
        "and writes no entry"
    );
    let gone = s
        .delete_versions(c.id, &other, producer.id, &[at(150)], at(2_000), &audit)
        .await
        .unwrap();
    assert_eq!(gone, Deleted(1));
    let gone = s
        .delete_versions(
            c.id,
            &id,
            producer.id,
            &[at(100), at(300), at(999)],
            at(2_000),
            &audit,
        )
        .await
        .unwrap();
    assert_eq!(gone, Deleted(2), "the two held of the three named");
    let written = entries_after(s, before).await;
    assert_eq!(written.len(), 2);
    assert_eq!(written[0].action, AuditAction::ObjectDelete.as_str());
    let none = s
        .delete_versions(c.id, &id, producer.id, &[at(100)], at(2_000), &audit)
        .await
        .unwrap();
    assert_eq!(none, Deleted(0));
    assert_eq!(
        entries_after(s, before).await.len(),
        2,
        "no entry when nothing is deleted"
    );
    assert_eq!(seen(versions_of(None, vec![])).await, vec![(mine, v(200))]);
    let by_key = ObjectQuery {
        observables: vec![format!("domain|{t}.example")],
        limit: 10,
        ..ObjectQuery::default()
    };
    assert!(
        s.list_objects(&as_bob, &by_key).await.unwrap().is_empty(),
        "observables gone"
    );
    let again = version(&c, &id, 400, &alice, Tlp::Green, &[]);
    let r = s.insert_objects(&[again], at(0)).await.unwrap();
    let [Inserted::Stored(d)] = r[..] else {
        panic!("{r:?}")
    };
    assert!(
        d > newest_added,
        "{d} after the deleted newest {newest_added}"
    );
    // A deleted version may be shared again.
    let back = version(&c, &id, 300, &alice, Tlp::Green, &[]);
    let r = s.insert_objects(&[back], at(0)).await.unwrap();
    assert!(matches!(r[..], [Inserted::Stored(_)]), "{r:?}");

    // Status resources: kept, read back while young enough, purged when old.
    let status = |secs: i64| StatusRecord {
        id: uuid::Uuid::new_v4(),
        org: producer.id,
        collection: c.id,
        created_at: at(secs),
        body: json!({"id": "x", "secs": secs}).to_string(),
    };
    let (old, young) = (status(100), status(5_000));
    for st in [&old, &young] {
        s.insert_taxii_status(st).await.unwrap();
    }
    assert_eq!(
        s.get_taxii_status(young.id, at(1_000)).await.unwrap(),
        Some(young.clone())
    );
    assert_eq!(
        s.get_taxii_status(old.id, at(1_000)).await.unwrap(),
        None,
        "too old"
    );
    assert_eq!(
        s.get_taxii_status(old.id, at(0)).await.unwrap(),
        Some(old.clone())
    );
    assert!(s.purge_taxii_statuses(at(1_000)).await.unwrap() >= 1);
    assert_eq!(
        s.get_taxii_status(old.id, at(0)).await.unwrap(),
        None,
        "purged"
    );
    assert_eq!(
        s.get_taxii_status(young.id, at(0)).await.unwrap(),
        Some(young)
    );

    deleted_indicators_stop_hitting(store, &t).await;
}

/// The match index reads the deletion feed: a deleted indicator no longer hits, on a service that
/// had indexed it and on one that starts after the deletion.
async fn deleted_indicators_stop_hitting(store: Arc<dyn Store>, t: &str) {
    let s = &*store;
    let producer = org(&format!("{t}-mprod"), OrgKind::NationalCert, None);
    insert_org(s, &producer).await;
    let alice = user(producer.id, &format!("malice@{t}.example"), Role::Analyst);
    insert_user(s, &alice).await;
    let c = Collection {
        id: CollectionId(uuid::Uuid::new_v4()),
        title: format!("{t} match"),
        alias: None,
        description: String::new(),
        audience: Audience::Orgs {
            orgs: vec![producer.id],
        },
        default_tlp: Tlp::Amber,
        read_only_orgs: Vec::new(),
        created_at: at(20),
    };
    s.insert_collection(&c, &event(AuditAction::CollectionCreate, "c", None))
        .await
        .unwrap();
    let as_alice = signed_in(&alice, &producer, vec![]);
    let svc = Service::new(Arc::clone(&store), Arc::new(Fixed(at(100_000)))).with_match_page(1);
    let domain = format!("deleted.{t}.example");
    let (keep, drop, older) = (
        format!("indicator--{}", uuid::Uuid::new_v4()),
        format!("indicator--{}", uuid::Uuid::new_v4()),
        format!("indicator--{}", uuid::Uuid::new_v4()),
    );
    let ind = |id: &str, secs: i64, domain: &str| {
        let mut v = version(&c, id, secs, &alice, Tlp::Amber, &[]);
        v.json = json!({
            "type": "indicator", "spec_version": "2.1", "id": id,
            "created": "2026-01-01T00:00:00Z", "modified": rfc3339_micros(at(secs)),
            "pattern_type": "stix", "pattern": format!("[domain-name:value = '{domain}']"),
            "valid_from": "2026-01-01T00:00:00Z",
        })
        .to_string();
        v
    };
    // `older`'s second version no longer names the domain.
    let moved = format!("moved.{t}.example");
    let batch = [
        ind(&keep, 100, &domain),
        ind(&drop, 100, &domain),
        ind(&older, 100, &domain),
        ind(&older, 200, &moved),
    ];
    s.insert_objects(&batch, at(1_000)).await.unwrap();
    let hits = |svc: Service| {
        let p = as_alice.clone();
        let domain = domain.clone();
        async move {
            let mut run = svc
                .match_values(&p, vec![domain], None, None)
                .await
                .unwrap();
            let mut out = Vec::new();
            while run.next_chunk(10, &mut out).await.unwrap() {}
            let mut ids: Vec<String> = String::from_utf8(out)
                .unwrap()
                .lines()
                .map(|l| {
                    let h: serde_json::Value = serde_json::from_str(l).unwrap();
                    h["indicator_id"].as_str().unwrap().to_owned()
                })
                .collect();
            ids.sort();
            ids
        }
    };
    let mut both = vec![keep.clone(), drop.clone()];
    both.sort();
    assert_eq!(hits(svc.clone()).await, both);
    let audit = event(AuditAction::ObjectDelete, &format!("object:{drop}"), None);
    s.delete_versions(c.id, &drop, producer.id, &[at(100)], at(2_000), &audit)
        .await
        .unwrap();
    // Deleting `older`'s latest version brings back the one before it.
    s.delete_versions(c.id, &older, producer.id, &[at(200)], at(2_000), &audit)
        .await
        .unwrap();
    let mut now_seen = vec![keep.clone(), older.clone()];
    now_seen.sort();
    assert_eq!(
        hits(svc.clone()).await,
        now_seen,
        "the running index drops the deleted, serves the version left"
    );
    let fresh = Service::new(Arc::clone(&store), Arc::new(Fixed(at(100_000))));
    assert_eq!(hits(fresh).await, now_seen, "a new index likewise");
    // A version added after the deletions is still read (the cursor did not jump).
    let later = format!("indicator--{}", uuid::Uuid::new_v4());
    s.insert_objects(&[ind(&later, 300, &domain)], at(3_000))
        .await
        .unwrap();
    now_seen.push(later);
    now_seen.sort();
    assert_eq!(hits(svc).await, now_seen);
}
