//! The match index over a store, through the service: it reads the store's feed of versions
//! (`objects_added_after`, in small pages), keeps the latest version of each indicator per
//! collection, and answers each principal only what the sharing policy admits — the in-memory face
//! of the policy, held here to the store's SQL face on random worlds.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde_json::{Value, json};
use simpul_core::access::sharing::visible;
use simpul_core::audit::AuditAction;
use simpul_core::clock::rfc3339_micros;
use simpul_core::intel::matching::ObservableType;
use simpul_core::intel::store::{Inserted, MAX_PAGE, NewObject, ObjectQuery, Order};
use simpul_core::intel::{Audience, Collection, CollectionId, SharingFacts, Tlp};
use simpul_core::org::OrgKind;
use simpul_core::user::{Community, CommunityId, CommunityName, Role, User, UserId};
use simpul_core::{Clock, CoreError, Principal, Service, Store};
use time::{Duration, OffsetDateTime};

use crate::sharing::{Rng, World};
use crate::support::{
    at, event, insert_org, insert_user, list_all, org, signed_in, tag, user, visibility,
};

/// The service's clock in these stories.
#[derive(Debug)]
pub(crate) struct Fixed(pub(crate) OffsetDateTime);

impl Clock for Fixed {
    fn now(&self) -> OffsetDateTime {
        self.0
    }
}

fn now() -> OffsetDateTime {
    at(100_000)
}

/// An indicator version: `id` at `version`, hitting `domain` (a URL when it has a `/`), with
/// `valid_until` when given, revoked when asked.
fn indicator(
    id: &str,
    version: OffsetDateTime,
    pattern: &str,
    valid_until: Option<OffsetDateTime>,
    revoked: bool,
) -> String {
    let mut v = json!({
        "type": "indicator", "spec_version": "2.1", "id": id,
        "created": "2026-01-01T00:00:00Z", "modified": rfc3339_micros(version),
        "name": format!("ind {id}"), "pattern_type": "stix", "pattern": pattern,
        "valid_from": "2026-01-01T00:00:00Z",
    });
    if let Some(u) = valid_until {
        v["valid_until"] = json!(rfc3339_micros(u));
    }
    if revoked {
        v["revoked"] = json!(true);
    }
    v.to_string()
}

/// A version to store.
#[allow(clippy::too_many_arguments)]
fn version(
    c: CollectionId,
    id: &str,
    ty: &str,
    version: OffsetDateTime,
    by: &User,
    tlp: Tlp,
    recipients: Vec<UserId>,
    revoked: bool,
    json: String,
) -> NewObject {
    NewObject {
        collection: c,
        stix_id: id.to_owned(),
        stix_type: ty.to_owned(),
        version,
        spec_version: "2.1".into(),
        producer_org: by.org_id,
        producer_user: by.id,
        tlp,
        pap: None,
        recipients,
        revoked,
        json,
        observables: Vec::new(),
        refs: Vec::new(),
        text: String::new(),
    }
}

/// `(collection, indicator id, canonical key, part)` of each hit `p` gets for `values`.
async fn hits(
    svc: &Service,
    p: &Principal,
    values: &[String],
) -> BTreeSet<(String, String, String, Option<String>)> {
    let mut run = svc
        .match_values(p, values.to_vec(), None, None)
        .await
        .unwrap();
    let mut out = Vec::new();
    while run.next_chunk(3, &mut out).await.unwrap() {}
    String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| {
            let h: Value = serde_json::from_str(l).unwrap();
            (
                h["collection"].as_str().unwrap().to_owned(),
                h["indicator_id"].as_str().unwrap().to_owned(),
                h["canonical"].as_str().unwrap().to_owned(),
                h["part"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

fn hit(c: CollectionId, id: &str, key: &str) -> (String, String, String, Option<String>) {
    (c.to_string(), id.to_owned(), key.to_owned(), None)
}

/// The index's rules, case by case: replace, out-of-order versions, revocation, expiry, one
/// entry per collection, other objects and pattern types skipped, a changed audience, paging,
/// a URL's host, the operator, bad values, counts.
pub async fn match_index(store: Arc<dyn Store>) {
    let t = tag();
    let s = &*store;
    let producer = org(&format!("{t}-p"), OrgKind::NationalCert, None);
    let member = org(&format!("{t}-m"), OrgKind::NationalCert, None);
    let outsider = org(&format!("{t}-o"), OrgKind::NationalCert, None);
    for o in [&producer, &member, &outsider] {
        insert_org(s, o).await;
    }
    let pu = user(producer.id, &format!("p@{t}.example"), Role::Analyst);
    let mu = user(member.id, &format!("m@{t}.example"), Role::Analyst);
    let ou = user(outsider.id, &format!("o@{t}.example"), Role::SiteAdmin);
    for u in [&pu, &mu, &ou] {
        insert_user(s, u).await;
    }
    let community = Community {
        id: CommunityId(uuid::Uuid::new_v4()),
        name: CommunityName::parse(&format!("{t}-c")).unwrap(),
        description: String::new(),
        members: {
            let mut m = vec![producer.id, member.id];
            m.sort();
            m
        },
        created_at: at(10),
    };
    s.insert_community(&community, &event(AuditAction::CommunityCreate, "c", None))
        .await
        .unwrap();
    let collection = |title: &str, audience: Audience| Collection {
        id: CollectionId(uuid::Uuid::new_v4()),
        title: format!("{t} {title}"),
        alias: None,
        description: String::new(),
        audience,
        default_tlp: Tlp::Amber,
        read_only_orgs: Vec::new(),
        created_at: at(20),
    };
    let shared = collection(
        "shared",
        Audience::Community {
            community: community.id,
        },
    );
    let mut own = collection(
        "own",
        Audience::Orgs {
            orgs: vec![producer.id],
        },
    );
    for c in [&shared, &own] {
        s.insert_collection(c, &event(AuditAction::CollectionCreate, "c", None))
            .await
            .unwrap();
    }
    let as_p = signed_in(&pu, &producer, vec![community.id]);
    let as_m = signed_in(&mu, &member, vec![community.id]);
    let as_o = signed_in(&ou, &outsider, vec![]);
    let svc = Service::new(Arc::clone(&store), Arc::new(Fixed(now()))).with_match_page(2);

    let d = |n: &str| format!("{n}.{t}.example");
    let id = |n: u32| {
        format!(
            "indicator--{n:08x}-0000-4000-8000-{}",
            &uuid::Uuid::new_v4().simple().to_string()[..12]
        )
    };
    let (a, b, e, x) = (id(1), id(2), id(3), id(4));
    let pattern = |dom: &str| format!("[domain-name:value = '{dom}']");
    let put = |objects: Vec<NewObject>| {
        let store = Arc::clone(&store);
        async move {
            let r = store.insert_objects(&objects, now()).await.unwrap();
            assert!(r.iter().all(|r| matches!(r, Inserted::Stored(_))), "{r:?}");
        }
    };
    let v1 = at(1000);
    let v2 = at(2000);
    put(vec![
        // A GREEN indicator to the community, and the same id in the producer's own collection.
        version(shared.id, &a, "indicator", v1, &pu, Tlp::Green, vec![], false, indicator(&a, v1, &pattern(&d("a1")), None, false)),
        version(own.id, &a, "indicator", v1, &pu, Tlp::Green, vec![], false, indicator(&a, v1, &pattern(&d("a1")), None, false)),
        // Expired by the service clock, and valid long after it.
        version(shared.id, &e, "indicator", v1, &pu, Tlp::Clear, vec![], false, indicator(&e, v1, &pattern(&d("e")), Some(now() - Duration::seconds(1)), false)),
        version(shared.id, &x, "indicator", v1, &pu, Tlp::Clear, vec![], false, indicator(&x, v1, &format!("[url:value = 'http://{}/x'] OR [domain-name:value LIKE '%.{}']", d("u"), d("s")), Some(now() + Duration::days(1)), false)),
        // Not matchable: another object type, another pattern type.
        version(shared.id, &format!("malware--{}", uuid::Uuid::new_v4()), "malware", v1, &pu, Tlp::Clear, vec![], false, json!({"type": "malware", "pattern": pattern(&d("a1"))}).to_string()),
        version(shared.id, &b, "indicator", v1, &pu, Tlp::Clear, vec![], false, json!({"type": "indicator", "id": b, "pattern_type": "sigma", "pattern": "x", "modified": rfc3339_micros(v1)}).to_string()),
    ])
    .await;
    let values: Vec<String> = ["a1", "a2", "e", "s"]
        .iter()
        .map(|n| d(n))
        .chain([
            format!("http://{}/x", d("u")),
            format!("https://{}/", d("a1")),
            format!("www.{}", d("s")),
        ])
        .collect();
    let all = hits(&svc, &as_p, &values).await;
    let host = |c: CollectionId, id: &str, key: &str, part: &str| {
        (
            c.to_string(),
            id.to_owned(),
            key.to_owned(),
            Some(part.to_owned()),
        )
    };
    assert_eq!(
        all,
        BTreeSet::from([
            hit(shared.id, &a, &d("a1")),
            hit(own.id, &a, &d("a1")),
            hit(shared.id, &x, &format!("http://{}/x", d("u"))),
            host(shared.id, &a, &format!("https://{}/", d("a1")), "host"),
            host(own.id, &a, &format!("https://{}/", d("a1")), "host"),
            host(shared.id, &x, &format!("www.{}", d("s")), "parent-domain"),
        ]),
        "the producer sees both collections; not the expired, sigma or malware ones"
    );
    let seen_by_member = hits(&svc, &as_m, &values).await;
    assert!(seen_by_member.contains(&hit(shared.id, &a, &d("a1"))));
    assert!(
        !seen_by_member.iter().any(|h| h.0 == own.id.to_string()),
        "{seen_by_member:?}"
    );
    let seen_by_outsider = hits(&svc, &as_o, &values).await;
    assert!(
        seen_by_outsider.iter().all(|h| h.1 == x),
        "the outsider, a site-admin, sees only the CLEAR one: {seen_by_outsider:?}"
    );
    assert!(
        hits(&svc, &Principal::operator("story"), &values)
            .await
            .is_empty()
    );

    // A new version replaces the entry; an older one arriving later changes nothing; a revoked
    // latest version removes it.
    put(vec![version(
        shared.id,
        &a,
        "indicator",
        v2,
        &pu,
        Tlp::Green,
        vec![],
        false,
        indicator(&a, v2, &pattern(&d("a2")), None, false),
    )])
    .await;
    put(vec![version(
        shared.id,
        &a,
        "indicator",
        at(1500),
        &pu,
        Tlp::Green,
        vec![],
        false,
        indicator(&a, at(1500), &pattern(&d("a1")), None, false),
    )])
    .await;
    let now_m = hits(&svc, &as_m, &values[..2]).await;
    assert_eq!(now_m, BTreeSet::from([hit(shared.id, &a, &d("a2"))]));
    let v3 = at(3000);
    put(vec![version(
        own.id,
        &a,
        "indicator",
        v3,
        &pu,
        Tlp::Green,
        vec![],
        true,
        indicator(&a, v3, &pattern(&d("a1")), None, true),
    )])
    .await;
    assert_eq!(
        hits(&svc, &as_p, &values[..2]).await,
        BTreeSet::from([hit(shared.id, &a, &d("a2"))]),
        "revoked in one collection only"
    );

    // A changed audience applies at the next match.
    own.audience = Audience::Orgs {
        orgs: {
            let mut o = vec![producer.id, member.id];
            o.sort();
            o
        },
    };
    s.update_collection(&own, true, &event(AuditAction::CollectionUpdate, "c", None))
        .await
        .unwrap();
    let v4 = at(4000);
    put(vec![version(
        own.id,
        &b,
        "indicator",
        v4,
        &pu,
        Tlp::Amber,
        vec![],
        false,
        indicator(&b, v4, &pattern(&d("b")), None, false),
    )])
    .await;
    assert_eq!(
        hits(&svc, &as_m, &[d("b")]).await,
        BTreeSet::from([hit(own.id, &b, &d("b"))])
    );
    // A named recipient is the whole audience, at any TLP.
    let v5 = at(5000);
    put(vec![version(
        own.id,
        &b,
        "indicator",
        v5,
        &pu,
        Tlp::Red,
        vec![ou.id],
        false,
        indicator(&b, v5, &pattern(&d("b")), None, false),
    )])
    .await;
    assert!(hits(&svc, &as_m, &[d("b")]).await.is_empty());
    assert_eq!(hits(&svc, &as_o, &[d("b")]).await.len(), 1);

    // Another service over the same store (another app node) sees the same, from its first match.
    let other = Service::new(Arc::clone(&store), Arc::new(Fixed(now())));
    assert_eq!(
        hits(&other, &as_p, &values).await,
        hits(&svc, &as_p, &values).await
    );
    let r = svc.refresh_match_index().await.unwrap();
    assert_eq!(r.versions, 0, "caught up");

    // A value not valid for the type named is refused with its position.
    let bad = svc
        .match_values(
            &as_p,
            vec![d("a2"), "not a domain".into()],
            Some(ObservableType::Domain),
            None,
        )
        .await;
    match bad {
        Err(CoreError::Invalid(i)) => assert_eq!(i.path, "/1"),
        other => panic!("expected invalid, got {other:?}"),
    }
}

/// For a random world (`seed`): every user, after each of two rounds of random versions (several
/// per id, often by different organisations, in shuffled batches, some in other collections, at
/// random TLPs, with recipients, revocations and validity, some with a twin: the same id and
/// version by another organisation), gets from the match index exactly the latest unrevoked, still
/// valid indicator version of each lineage (collection, id, producing organisation) that the
/// store's SQL filter lists for them — and that [`visible`] admits. The second round also changes
/// an audience.
pub async fn match_index_matches_policy(store: Arc<dyn Store>, seed: u64) {
    let mut rng = Rng::new(seed ^ 0x006d_6174_6368);
    let t = tag();
    let mut world = World::generate(&mut rng, &t);
    world.insert(&*store).await;
    let svc = Service::new(Arc::clone(&store), Arc::new(Fixed(now())))
        .with_match_page(1 + rng.below(6) as u32);
    // (row, domain its pattern names, valid_until)
    let mut rows: Vec<(NewObject, String, Option<OffsetDateTime>)> = Vec::new();
    let mut n = 0u32;
    for round in 0..2 {
        let mut batch: Vec<(NewObject, String, Option<OffsetDateTime>)> = Vec::new();
        for _ in 0..6 + rng.below(10) {
            let id = format!("indicator--{}", uuid::Uuid::new_v4());
            let home = rng.below(world.collections.len());
            let mut secs = rng.below(100) as i64;
            for _ in 0..1 + rng.below(3) {
                n += 1;
                secs += 1 + rng.below(50) as i64;
                let c = if rng.chance(80) {
                    &world.collections[home]
                } else {
                    rng.pick(&world.collections)
                };
                let by = rng.pick(&world.users).clone();
                let recipients = if rng.chance(25) {
                    let ids: Vec<_> = world.users.iter().map(|u| u.id).collect();
                    rng.some_of(&ids, 20)
                } else {
                    Vec::new()
                };
                let v = at(1000 + secs);
                let until = match rng.below(4) {
                    0 => Some(now() - Duration::seconds(1 + rng.below(1000) as i64)),
                    1 => Some(now() + Duration::seconds(1 + rng.below(1000) as i64)),
                    _ => None,
                };
                // Who stores this version: its producer, and sometimes a twin (the same id and
                // version by another organisation, its own lineage).
                let others: Vec<&User> = world
                    .users
                    .iter()
                    .filter(|u| u.org_id != by.org_id)
                    .collect();
                let mut producers = vec![(by.clone(), recipients)];
                if !others.is_empty() && rng.chance(25) {
                    producers.push(((*rng.pick(&others)).clone(), Vec::new()));
                }
                for (i, (by, recipients)) in producers.into_iter().enumerate() {
                    if i > 0 {
                        n += 1;
                    }
                    let domain = format!("v{n}.{t}.example");
                    let revoked = rng.chance(15);
                    let json = indicator(
                        &id,
                        v,
                        &format!("[domain-name:value = '{domain}']"),
                        until,
                        revoked,
                    );
                    let tlp = *rng.pick(&Tlp::ALL);
                    batch.push((
                        version(
                            c.id,
                            &id,
                            "indicator",
                            v,
                            &by,
                            tlp,
                            recipients,
                            revoked,
                            json,
                        ),
                        domain,
                        until,
                    ));
                }
            }
        }
        rng.shuffle(&mut batch);
        let mut rest = batch.as_slice();
        while !rest.is_empty() {
            let (chunk, tail) = rest.split_at((1 + rng.below(8)).min(rest.len()));
            rest = tail;
            let objects: Vec<NewObject> = chunk.iter().map(|(o, _, _)| o.clone()).collect();
            store.insert_objects(&objects, now()).await.unwrap();
        }
        rows.extend(batch);
        if round == 1 {
            // A changed audience: another random one for a random collection.
            let i = rng.below(world.collections.len());
            let org_ids: Vec<_> = world.orgs.iter().map(|o| o.id).collect();
            let mut orgs = rng.some_of(&org_ids, 50);
            orgs.sort();
            orgs.dedup();
            world.collections[i].audience = Audience::Orgs { orgs };
            store
                .update_collection(
                    &world.collections[i],
                    true,
                    &event(AuditAction::CollectionUpdate, "c", None),
                )
                .await
                .unwrap();
        }
        check(&store, &svc, &world, &rows, seed, round).await;
    }
}

async fn check(
    store: &Arc<dyn Store>,
    svc: &Service,
    world: &World,
    rows: &[(NewObject, String, Option<OffsetDateTime>)],
    seed: u64,
    round: u32,
) {
    let domains: Vec<String> = rows.iter().map(|(_, d, _)| d.clone()).collect();
    let ours: BTreeSet<&str> = rows.iter().map(|(o, _, _)| o.stix_id.as_str()).collect();
    for u in &world.users {
        let p = world.principal(u);
        let v = visibility(&p);
        let got: BTreeSet<(String, String, String)> = hits(svc, &p, &domains)
            .await
            .into_iter()
            .map(|(c, i, k, _)| (c, i, k))
            .collect();
        // The store's SQL face: the latest unrevoked versions the viewer may see.
        let q = ObjectQuery {
            types: vec!["indicator".into()],
            latest_only: true,
            revoked: Some(false),
            order: Order::OldestFirst,
            limit: MAX_PAGE,
            ..ObjectQuery::default()
        };
        let listed: BTreeSet<(String, String, String)> = list_all(&**store, &v, &q)
            .await
            .into_iter()
            .filter(|o| ours.contains(o.stix_id.as_str()))
            .filter_map(|o| {
                let (_, d, until) = rows.iter().find(|(n, _, _)| {
                    n.collection == o.collection
                        && n.stix_id == o.stix_id
                        && n.producer_org == o.producer_org
                        && n.version == o.version
                })?;
                until
                    .is_none_or(|u| u > now())
                    .then(|| (o.collection.to_string(), o.stix_id.clone(), d.clone()))
            })
            .collect();
        // The policy over what was generated.
        let policy: BTreeSet<(String, String, String)> = rows
            .iter()
            .filter(|(o, _, until)| {
                !o.revoked
                    && until.is_none_or(|u| u > now())
                    && !rows.iter().any(|(n, _, _)| {
                        n.collection == o.collection
                            && n.stix_id == o.stix_id
                            && n.producer_org == o.producer_org
                            && n.version > o.version
                    })
            })
            .filter(|(o, _, _)| {
                let c = world
                    .collections
                    .iter()
                    .find(|c| c.id == o.collection)
                    .unwrap();
                visible(
                    &v,
                    &SharingFacts {
                        producer_org: o.producer_org,
                        tlp: o.tlp,
                        recipients: o.recipients.clone(),
                        audience: c.audience.clone(),
                    },
                )
            })
            .map(|(o, d, _)| (o.collection.to_string(), o.stix_id.clone(), d.clone()))
            .collect();
        assert_eq!(
            listed, policy,
            "seed {seed} round {round}: {} — the SQL face and the policy differ",
            u.email
        );
        assert_eq!(
            got, listed,
            "seed {seed} round {round}: {} — the match index and the SQL face differ",
            u.email
        );
    }
}
