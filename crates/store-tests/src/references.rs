//! What refers to what, and what a reader's objects add up to: `ObjectQuery::refs` (objects
//! referring to any of some ids), `observables` (yielding any of some keys) and `exclude_ids`, and
//! the aggregates of [`AggregateStore`] — sighting totals, producers, observable keys of versions —
//! each computed only over what the viewer may see.

use simpul_core::Store;
use simpul_core::access::{Principal, Visibility};
use simpul_core::clock::rfc3339_micros;
use simpul_core::intel::Tlp;
use simpul_core::intel::aggregate::{SightingTotals, VersionKey};
use simpul_core::intel::store::{NewObject, ObjectQuery, StoredObject};
use simpul_core::org::{OrgId, Organisation};
use simpul_core::user::User;

use crate::intel::stored;
use crate::support::{Region, at, tag, visibility};

/// A producer and a member organisation in one community, an outsider: each with a user. An
/// indicator of the producer, objects and sightings referring to it at every kind of visibility,
/// and indicators sharing observable keys with it. Each viewer finds exactly the referring and the
/// correlating objects they may see; the totals count, and the producers name, only those; a newer
/// version of a sighting replaces the old one in `latest_only` totals; revoked ones are left out
/// when asked; the observable keys of a version are its keys only for a viewer who may see it; a
/// value holding NUL, or quotes and backslashes, finds what it equals and never fails.
pub async fn references(store: &dyn Store) {
    let t = tag();
    let region = Region::insert(store, &t).await;
    let Region {
        producer,
        member,
        outsider,
        alice,
        bob,
        carol,
        ..
    } = &region;
    let c = region.collection(store, &format!("{t} region")).await;

    let id = |ty: &str| format!("{ty}--{}", uuid::Uuid::new_v4());
    let new = |ty: &str, sid: &str, secs: i64, by: &User, tlp: Tlp, body: &str| NewObject {
        collection: c.id,
        stix_id: sid.to_owned(),
        stix_type: ty.to_owned(),
        version: at(secs),
        spec_version: "2.1".into(),
        producer_org: by.org_id,
        producer_user: by.id,
        tlp,
        pap: None,
        recipients: Vec::new(),
        revoked: false,
        json: format!(
            r#"{{"type":"{ty}","id":"{sid}","modified":"{}"{body}}}"#,
            rfc3339_micros(at(secs))
        ),
        observables: Vec::new(),
        refs: Vec::new(),
        text: String::new(),
    };
    let k1 = format!("domain|{t}-one.example");
    let k2 = format!("domain|{t}-two.example");
    let k3 = format!("phone|+6561234567{t}");
    // A key with JSON's special characters, found among several.
    let odd = format!("x|{t} \"quoted\" \\ back é");

    let ind = id("indicator");
    let ind2 = id("indicator");
    let ind3 = id("indicator");
    let sighting = |secs, by: &User, tlp, body: &str| {
        let sid = id("sighting");
        NewObject {
            refs: vec![ind.clone(), ind.clone()],
            ..new("sighting", &sid, secs, by, tlp, body)
        }
    };
    let o_ind = NewObject {
        observables: vec![k2.clone(), k1.clone()],
        ..new("indicator", &ind, 100, alice, Tlp::Green, "")
    };
    let o_ind2 = NewObject {
        observables: vec![k2.clone(), k3.clone(), odd.clone()],
        ..new("indicator", &ind2, 100, bob, Tlp::Green, "")
    };
    // Named to the outsider only: the community does not see it.
    let o_ind3 = NewObject {
        observables: vec![k1.clone()],
        recipients: vec![carol.id],
        ..new("indicator", &ind3, 100, carol, Tlp::Amber, "")
    };
    let s1 = sighting(
        100,
        bob,
        Tlp::Green,
        r#","count":5,"x_simpul_false_positive":true"#,
    );
    let s1_v2 = NewObject {
        json: s1
            .json
            .replace("\"count\":5", "\"count\":7")
            .replace(&rfc3339_micros(at(100)), &rfc3339_micros(at(200))),
        version: at(200),
        ..s1.clone()
    };
    let s2 = sighting(
        100,
        alice,
        Tlp::Clear,
        r#","x_simpul_false_positive":false"#,
    );
    let s3 = NewObject {
        recipients: vec![carol.id],
        ..sighting(100, carol, Tlp::Amber, r#","count":100"#)
    };
    let s4 = NewObject {
        recipients: vec![carol.id],
        ..sighting(100, bob, Tlp::Red, r#","count":1000"#)
    };
    let s5 = NewObject {
        revoked: true,
        ..sighting(100, bob, Tlp::Green, r#","count":50,"revoked":true"#)
    };
    // A NUL escaped in its text (which PostgreSQL's text cannot hold) is still counted.
    let s6 = NewObject {
        refs: vec![ind2.clone()],
        ..new(
            "sighting",
            &id("sighting"),
            100,
            alice,
            Tlp::Green,
            r#","description":"a\u0000b \\u0000","count":2,"x_simpul_false_positive":true"#,
        )
    };
    let rel_id = id("relationship");
    let rel = NewObject {
        refs: vec![ind.clone(), ind2.clone()],
        ..new("relationship", &rel_id, 100, alice, Tlp::Green, "")
    };
    let all = [
        &o_ind, &o_ind2, &o_ind3, &s1, &s2, &s3, &s4, &s5, &rel, &s1_v2, &s6,
    ];
    let batch: Vec<NewObject> = all.iter().map(|n| (*n).clone()).collect();
    let added = store.insert_objects(&batch, at(1000)).await.unwrap();
    let rows: Vec<StoredObject> = all
        .iter()
        .zip(&added)
        .map(|(n, r)| match r {
            simpul_core::intel::store::Inserted::Stored(d) => stored(n, *d),
            other => panic!("not stored: {other:?}"),
        })
        .collect();
    let [
        r_ind,
        r_ind2,
        r_ind3,
        r_s1,
        r_s2,
        r_s3,
        r_s4,
        r_s5,
        r_rel,
        r_s1_v2,
        r_s6,
    ] = rows.try_into().unwrap();

    let [va, vb, vc] = region.viewers();
    let op = visibility(&Principal::operator("story"));
    let newest = |v: &[&StoredObject]| {
        let mut v: Vec<StoredObject> = v.iter().map(|s| (*s).clone()).collect();
        v.sort_by_key(|s| std::cmp::Reverse(s.date_added));
        v
    };
    let list = |v: &Visibility, q: ObjectQuery| {
        let v = v.clone();
        async move {
            let q = ObjectQuery { limit: 1000, ..q };
            let got = store.list_objects(&v, &q).await.unwrap();
            assert_eq!(
                store.count_objects(&v, &q).await.unwrap(),
                got.len() as u64,
                "count of {q:?}"
            );
            got
        }
    };
    let sightings_of_ind = ObjectQuery {
        types: vec!["sighting".into()],
        refs: vec![ind.clone()],
        latest_only: true,
        ..ObjectQuery::default()
    };

    // Refs: what each viewer may see of what refers to the indicator.
    for (who, v, want) in [
        ("alice", &va, newest(&[&r_s1_v2, &r_s2, &r_s5])),
        ("bob", &vb, newest(&[&r_s1_v2, &r_s2, &r_s4, &r_s5])),
        ("carol", &vc, newest(&[&r_s2, &r_s3, &r_s4])),
        ("the operator", &op, vec![]),
    ] {
        assert_eq!(
            list(v, sightings_of_ind.clone()).await,
            want,
            "sightings as {who}"
        );
    }
    assert_eq!(
        list(
            &va,
            ObjectQuery {
                refs: vec![ind2.clone()],
                ..ObjectQuery::default()
            }
        )
        .await,
        newest(&[&r_rel, &r_s6])
    );
    assert_eq!(
        list(
            &va,
            ObjectQuery {
                refs: vec![ind2.clone(), ind.clone(), "nothing--x".into()],
                ..ObjectQuery::default()
            }
        )
        .await,
        newest(&[&r_s1, &r_s1_v2, &r_s2, &r_s5, &r_rel, &r_s6]),
        "any of several ids, every version"
    );
    for nothing in ["a\0b", "x\"y\\z"] {
        let q = ObjectQuery {
            refs: vec![nothing.into()],
            ..ObjectQuery::default()
        };
        assert_eq!(list(&va, q).await, vec![], "refs {nothing:?}");
    }

    // Observables: any of several keys; the object itself left out by id.
    let keys = |k: &[&String]| ObjectQuery {
        observables: k.iter().map(|k| (*k).clone()).collect(),
        latest_only: true,
        ..ObjectQuery::default()
    };
    assert_eq!(
        list(&va, keys(&[&k1, &k3])).await,
        newest(&[&r_ind, &r_ind2])
    );
    assert_eq!(
        list(
            &va,
            ObjectQuery {
                exclude_ids: vec![ind.clone()],
                ..keys(&[&k1, &k2])
            }
        )
        .await,
        vec![r_ind2.clone()],
        "what correlates with ind, for alice"
    );
    assert_eq!(
        list(
            &vb,
            ObjectQuery {
                exclude_ids: vec![ind.clone(), ind2.clone()],
                ..keys(&[&k1, &k2])
            }
        )
        .await,
        vec![],
        "bob does not see the outsider's indicator"
    );
    assert_eq!(
        list(&vc, keys(&[&k1])).await,
        vec![r_ind3.clone()],
        "carol sees only her own"
    );
    let unusual = format!("x|{t}\0");
    assert_eq!(
        list(&vb, keys(&[&odd, &unusual])).await,
        vec![r_ind2.clone()]
    );
    assert_eq!(list(&vb, keys(&[&odd])).await, vec![r_ind2.clone()]);
    assert_eq!(list(&vb, keys(&[&unusual])).await, vec![]);

    // Totals: the latest version of each sighting each viewer may see.
    let counted = ObjectQuery {
        revoked: Some(false),
        ..sightings_of_ind.clone()
    };
    let totals = |sightings, count, false_positives| SightingTotals {
        sightings,
        count,
        false_positives,
    };
    for (who, v, q, want) in [
        ("alice", &va, &counted, totals(2, 8, 1)),
        ("bob", &vb, &counted, totals(3, 1008, 1)),
        ("carol", &vc, &counted, totals(3, 1101, 0)),
        (
            "alice, revoked too",
            &va,
            &sightings_of_ind,
            totals(3, 58, 1),
        ),
        ("the operator", &op, &counted, SightingTotals::default()),
    ] {
        assert_eq!(
            store.sighting_totals(v, q).await.unwrap(),
            want,
            "totals as {who}"
        );
    }
    // Per referred id (decay): the same sightings, split into true ones and false positives.
    for (who, v) in [
        ("alice", &va),
        ("bob", &vb),
        ("carol", &vc),
        ("the operator", &op),
    ] {
        let want = store.sighting_totals(v, &counted).await.unwrap();
        let got = store
            .sightings_by_ref(v, &[ind.clone(), ind2.clone()])
            .await
            .unwrap();
        let (n, fp) = got.iter().find(|r| r.ref_id == ind).map_or((0, 0), |r| {
            (r.sightings + r.false_positives, r.false_positives)
        });
        assert_eq!(
            (n, fp),
            (want.sightings, want.false_positives),
            "per ref as {who}"
        );
        // Without ids: every id a visible sighting refers to, the same for this one.
        let every = store.sightings_by_ref(v, &[]).await.unwrap();
        assert_eq!(
            every.iter().find(|r| r.ref_id == ind),
            got.iter().find(|r| r.ref_id == ind),
            "every ref as {who}"
        );
    }
    let of_ind2 = ObjectQuery {
        refs: vec![ind2.clone()],
        ..counted.clone()
    };
    assert_eq!(
        store.sighting_totals(&vb, &of_ind2).await.unwrap(),
        totals(1, 2, 1)
    );
    let every_version = ObjectQuery {
        latest_only: false,
        ..counted.clone()
    };
    assert_eq!(
        store.sighting_totals(&va, &every_version).await.unwrap(),
        totals(3, 13, 2)
    );

    // Producers: of what each viewer may see, each once, ordered by id.
    let ids = |orgs: &[&Organisation]| {
        let mut v: Vec<OrgId> = orgs.iter().map(|o| o.id).collect();
        v.sort();
        v
    };
    for (who, v, want) in [
        ("alice", &va, ids(&[producer, member])),
        ("carol", &vc, ids(&[producer, member, outsider])),
        ("the operator", &op, vec![]),
    ] {
        assert_eq!(
            store.producers(v, &counted).await.unwrap(),
            want,
            "producers as {who}"
        );
    }
    assert_eq!(
        store.producers(&vb, &keys(&[&k1])).await.unwrap(),
        vec![producer.id]
    );

    // The keys of given versions, for a viewer who may see them.
    let version = |r: &StoredObject| VersionKey {
        collection: r.collection,
        stix_id: r.stix_id.clone(),
        producer_org: r.producer_org,
        version: r.version,
    };
    let missing = VersionKey {
        version: at(1),
        ..version(&r_ind)
    };
    let nul = VersionKey {
        stix_id: format!("{ind}\0"),
        ..version(&r_ind)
    };
    let asked = [
        version(&r_ind),
        version(&r_ind3),
        missing,
        nul,
        version(&r_ind2),
    ];
    let mut ind_keys = vec![k1.clone(), k2.clone()];
    ind_keys.sort();
    let mut ind2_keys = vec![k2.clone(), k3.clone(), odd.clone()];
    ind2_keys.sort();
    for (who, v, want) in [
        (
            "alice",
            &va,
            vec![ind_keys.clone(), vec![], vec![], vec![], ind2_keys.clone()],
        ),
        (
            "carol",
            &vc,
            vec![vec![], vec![k1.clone()], vec![], vec![], vec![]],
        ),
        ("the operator", &op, vec![vec![]; 5]),
    ] {
        assert_eq!(
            store.observable_keys(v, &asked).await.unwrap(),
            want,
            "keys as {who}"
        );
    }
    assert_eq!(
        store.observable_keys(&va, &[]).await.unwrap(),
        vec![] as Vec<Vec<String>>
    );
}
