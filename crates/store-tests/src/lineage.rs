//! An object's versions are a lineage per producing organisation: (collection, id, producer) is a
//! lineage, (collection, id, producer, version) a version. The same id and version by two
//! organisations is two versions, each stored; a re-post by the same organisation is skipped; a
//! newer version by another organisation leaves the producer's lineage head in place for
//! `latest_only`, `match[version]` `last`/`first`, changes (`insert_version`), the match index's
//! feed, and deletions (which act on one lineage).

use std::sync::Arc;

use serde_json::json;
use simpul_core::Service;
use simpul_core::audit::AuditAction;
use simpul_core::clock::rfc3339_micros;
use simpul_core::intel::Tlp;
use simpul_core::intel::store::{Inserted, NewObject, ObjectQuery, Order, VersionMatch, Versioned};
use simpul_core::intel::taxii_store::Deleted;
use simpul_core::{Principal, Store, User};

use crate::intel::version;
use crate::matching::Fixed;
use crate::support::{Region, at, event, signed_in, tag};

/// The lineage story (see the module docs).
pub async fn lineages(store: Arc<dyn Store>) {
    let s = &*store;
    let t = tag();
    let r = Region::insert(s, &t).await;
    let c = r.collection(s, &format!("{t} lineages")).await;
    let id = format!("indicator--{}", uuid::Uuid::new_v4());
    let ind = |secs: i64, by: &User, domain: &str, revoked: bool| -> NewObject {
        let mut v = version(&c, &id, secs, by, Tlp::Green, &[]);
        v.revoked = revoked;
        v.observables = vec![format!("domain|{domain}")];
        v.json = json!({
            "type": "indicator", "spec_version": "2.1", "id": id,
            "created": "2026-01-01T00:00:00Z", "modified": rfc3339_micros(at(secs)),
            "pattern_type": "stix", "pattern": format!("[domain-name:value = '{domain}']"),
            "valid_from": "2026-01-01T00:00:00Z", "revoked": revoked,
        })
        .to_string();
        v
    };
    let (a_domain, b_domain) = (format!("a.{t}.example"), format!("b.{t}.example"));
    let [as_alice, as_bob, _] = r.viewers();
    let (alice, bob) = (&r.alice, &r.bob);

    // A's two versions; B's version at A's first: stored as B's own, not "already stored".
    let got = s
        .insert_objects(
            &[
                ind(100, alice, &a_domain, false),
                ind(200, alice, &a_domain, false),
            ],
            at(1_000),
        )
        .await
        .unwrap();
    assert!(
        got.iter().all(|i| matches!(i, Inserted::Stored(_))),
        "{got:?}"
    );
    let got = s
        .insert_objects(&[ind(100, bob, &b_domain, false)], at(1_000))
        .await
        .unwrap();
    assert!(
        matches!(got[..], [Inserted::Stored(_)]),
        "another organisation's version: {got:?}"
    );
    // Re-posts by the same organisation are skipped, each in its own lineage.
    let got = s
        .insert_objects(
            &[
                ind(100, bob, &b_domain, false),
                ind(200, alice, &a_domain, false),
            ],
            at(1_000),
        )
        .await
        .unwrap();
    assert_eq!(got, [Inserted::AlreadyStored, Inserted::AlreadyStored]);

    // Each version's observables are its own lineage's, never the other's (correlation reads them).
    let key = |by: &User| simpul_core::intel::aggregate::VersionKey {
        collection: c.id,
        stix_id: id.clone(),
        producer_org: by.org_id,
        version: at(100),
    };
    assert_eq!(
        s.observable_keys(&as_bob, &[key(alice), key(bob)])
            .await
            .unwrap(),
        [
            vec![format!("domain|{a_domain}")],
            vec![format!("domain|{b_domain}")]
        ]
    );

    // B's newer (revoked) version: its lineage's head, never A's.
    s.insert_objects(&[ind(300, bob, &b_domain, true)], at(1_000))
        .await
        .unwrap();
    let heads = |m: Option<VersionMatch>, latest_only: bool| ObjectQuery {
        collection: Some(c.id),
        ids: vec![id.clone()],
        versions: m,
        latest_only,
        order: Order::OldestFirst,
        limit: 100,
        ..ObjectQuery::default()
    };
    let seen = |q: ObjectQuery, v: simpul_core::access::Visibility| {
        let store = Arc::clone(&store);
        let (a, b) = (alice.org_id, bob.org_id);
        async move {
            let mut out: Vec<(&'static str, i64, bool)> = store
                .list_objects(&v, &q)
                .await
                .unwrap()
                .into_iter()
                .map(|o| {
                    let who = match o.producer_org {
                        p if p == a => "A",
                        p if p == b => "B",
                        _ => "?",
                    };
                    (who, (o.version - at(0)).whole_seconds(), o.revoked)
                })
                .collect();
            out.sort_unstable();
            out
        }
    };
    let last = VersionMatch {
        last: true,
        ..VersionMatch::default()
    };
    let first = VersionMatch {
        first: true,
        ..VersionMatch::default()
    };
    for v in [&as_alice, &as_bob] {
        assert_eq!(
            seen(heads(None, false), v.clone()).await,
            [
                ("A", 100, false),
                ("A", 200, false),
                ("B", 100, false),
                ("B", 300, true)
            ],
            "every version of both lineages"
        );
        assert_eq!(
            seen(heads(None, true), v.clone()).await,
            [("A", 200, false), ("B", 300, true)],
            "latest_only: each lineage's head"
        );
        assert_eq!(
            seen(heads(Some(last.clone()), false), v.clone()).await,
            [("A", 200, false), ("B", 300, true)],
            "match[version]=last"
        );
        assert_eq!(
            seen(heads(Some(first.clone()), false), v.clone()).await,
            [("A", 100, false), ("B", 100, false)],
            "match[version]=first"
        );
    }

    // A's change: newer than A's head, though older than B's; not newer than A's head: refused.
    let audit = event(AuditAction::ObjectVersion, &format!("object:{id}"), None);
    let v250 = ind(250, alice, &a_domain, false);
    assert!(matches!(
        s.insert_version(&v250, None, at(2_000), &audit)
            .await
            .unwrap(),
        Versioned::Stored(_)
    ));
    let again = ind(200, alice, &a_domain, false);
    assert_eq!(
        s.insert_version(&again, None, at(2_000), &audit)
            .await
            .unwrap(),
        Versioned::NotNewer { newest: at(250) }
    );
    assert_eq!(
        seen(heads(None, true), as_bob.clone()).await,
        [("A", 250, false), ("B", 300, true)]
    );

    // The match index holds A's head (B's revoked head removes only B's entry).
    let svc = Service::new(Arc::clone(&store), Arc::new(Fixed(at(100_000)))).with_match_page(1);
    let p = signed_in(alice, &r.producer, vec![r.community.id]);
    let hits = |svc: Service, p: Principal| {
        let values = vec![a_domain.clone(), b_domain.clone()];
        async move {
            let mut run = svc.match_values(&p, values, None, None).await.unwrap();
            let mut out = Vec::new();
            while run.next_chunk(10, &mut out).await.unwrap() {}
            let mut found: Vec<(String, String)> = String::from_utf8(out)
                .unwrap()
                .lines()
                .map(|l| {
                    let h: serde_json::Value = serde_json::from_str(l).unwrap();
                    (
                        h["indicator_id"].as_str().unwrap().to_owned(),
                        h["observable"].as_str().unwrap().to_owned(),
                    )
                })
                .collect();
            found.sort();
            found
        }
    };
    assert_eq!(
        hits(svc.clone(), p.clone()).await,
        [(id.clone(), a_domain.clone())]
    );

    // Deleting acts on one lineage: B's delete of A's versions removes nothing; B's own go, and
    // A's head stays in the index (running and fresh).
    let audit = event(AuditAction::ObjectDelete, &format!("object:{id}"), None);
    let gone = s
        .delete_versions(
            c.id,
            &id,
            bob.org_id,
            &[at(200), at(250)],
            at(3_000),
            &audit,
        )
        .await
        .unwrap();
    assert_eq!(gone, Deleted(0), "B deletes nothing of A's");
    let gone = s
        .delete_versions(
            c.id,
            &id,
            bob.org_id,
            &[at(100), at(300)],
            at(3_000),
            &audit,
        )
        .await
        .unwrap();
    assert_eq!(gone, Deleted(2));
    assert_eq!(
        seen(heads(None, false), as_alice.clone()).await,
        [("A", 100, false), ("A", 200, false), ("A", 250, false)],
        "A's versions remain, at the version B deleted too"
    );
    assert_eq!(hits(svc, p.clone()).await, [(id.clone(), a_domain.clone())]);
    let fresh = Service::new(Arc::clone(&store), Arc::new(Fixed(at(100_000))));
    assert_eq!(hits(fresh, p).await, [(id.clone(), a_domain)]);
}
