//! The sharing policy's two faces agree: what a backend's SQL returns to a viewer is exactly what
//! [`simpul_core::access::sharing::visible`] admits, on random worlds.

use std::fmt::Write as _;

use simpul_core::Store;
use simpul_core::access::sharing::visible;
use simpul_core::access::{Principal, Visibility};
use simpul_core::audit::AuditAction;
use simpul_core::clock::rfc3339_micros;
use simpul_core::intel::aggregate::{FALSE_POSITIVE_PROPERTY, SightingTotals};
use simpul_core::intel::store::{
    Inserted, MAX_PAGE, NewObject, ObjectQuery, Order, StoredObject, VersionMatch,
};
use simpul_core::intel::{Audience, Collection, CollectionId, SharingFacts, Tlp};
use simpul_core::org::{OrgKind, Organisation};
use simpul_core::user::{Community, CommunityId, CommunityName, Role, User};
use time::{Duration, OffsetDateTime};

use crate::intel::stored;
pub(crate) use crate::rng::Rng;
use crate::support::{
    at, event, insert_org, insert_user, list_all, org, signed_in, tag, user, visibility,
};

const TYPES: [&str; 4] = ["indicator", "malware", "report", "url"];

/// Organisations, their users, communities of some of them, and collections shared with a
/// community, a list of organisations or a list of users.
pub(crate) struct World {
    pub(crate) orgs: Vec<Organisation>,
    pub(crate) users: Vec<User>,
    pub(crate) communities: Vec<Community>,
    pub(crate) collections: Vec<Collection>,
    /// Observable keys and referred ids the objects carry (a few of each, so they collide).
    keys: Vec<String>,
    refs: Vec<String>,
}

impl World {
    pub(crate) fn generate(rng: &mut Rng, t: &str) -> Self {
        let kinds = [
            OrgKind::NationalCert,
            OrgKind::RegionalCert,
            OrgKind::SectorCert,
        ];
        let orgs: Vec<Organisation> = (0..3 + rng.below(4))
            .map(|i| org(&format!("{t}-o{i}"), *rng.pick(&kinds), None))
            .collect();
        let mut users = Vec::new();
        for (i, o) in orgs.iter().enumerate() {
            for j in 0..1 + rng.below(3) {
                let role = *rng.pick(Role::ALL);
                users.push(user(o.id, &format!("u{i}-{j}@{t}.example"), role));
            }
        }
        let org_ids: Vec<_> = orgs.iter().map(|o| o.id).collect();
        let communities: Vec<Community> = (0..1 + rng.below(3))
            .map(|i| Community {
                id: CommunityId(uuid::Uuid::new_v4()),
                name: CommunityName::parse(&format!("{t}-c{i}")).unwrap(),
                description: String::new(),
                members: {
                    let mut m: Vec<_> =
                        org_ids.iter().filter(|_| rng.chance(50)).copied().collect();
                    m.sort();
                    m
                },
                created_at: at(10),
            })
            .collect();
        let user_ids: Vec<_> = users.iter().map(|u| u.id).collect();
        let collections = (0..2 + rng.below(4))
            .map(|i| {
                let audience = match rng.below(3) {
                    0 => Audience::Community {
                        community: rng.pick(&communities).id,
                    },
                    1 => Audience::Orgs {
                        orgs: rng.some_of(&org_ids, 40),
                    },
                    _ => Audience::Users {
                        users: rng.some_of(&user_ids, 30),
                    },
                };
                Collection {
                    id: CollectionId(uuid::Uuid::new_v4()),
                    title: format!("{t} c{i}"),
                    alias: None,
                    description: String::new(),
                    audience,
                    default_tlp: *rng.pick(&Tlp::ALL),
                    read_only_orgs: Vec::new(),
                    created_at: at(20),
                }
            })
            .collect();
        Self {
            orgs,
            users,
            communities,
            collections,
            keys: (0..4).map(|i| format!("domain|{t}-{i}.example")).collect(),
            refs: (0..4)
                .map(|i| format!("indicator--{t}-{i}"))
                .chain([format!("x--{t} \"quoted\" \\")])
                .collect(),
        }
    }

    pub(crate) async fn insert(&self, store: &dyn Store) {
        for o in &self.orgs {
            insert_org(store, o).await;
        }
        for u in &self.users {
            insert_user(store, u).await;
        }
        for c in &self.communities {
            let e = event(
                AuditAction::CommunityCreate,
                &format!("community:{}", c.name),
                None,
            );
            store.insert_community(c, &e).await.unwrap();
        }
        for c in &self.collections {
            let e = event(
                AuditAction::CollectionCreate,
                &format!("collection:{}", c.id),
                None,
            );
            store.insert_collection(c, &e).await.unwrap();
        }
    }

    pub(crate) fn principal(&self, u: &User) -> Principal {
        let o = self.orgs.iter().find(|o| o.id == u.org_id).unwrap();
        let communities = self
            .communities
            .iter()
            .filter(|c| c.members.contains(&o.id))
            .map(|c| c.id)
            .collect();
        signed_in(u, o, communities)
    }

    /// Several versions of random ids, each with a random collection, producer, TLP, named
    /// recipients (sometimes) and revocation, stored in shuffled batches at wandering times (the
    /// same `now` again, earlier, later), re-posts mixed in. Successive versions of an id are often
    /// by different organisations (each its own lineage, so a newer version by another one), and
    /// some versions have a twin: the same id and version by another organisation, in the same
    /// collection, with its own facts. Answers each stored row with its facts.
    async fn share(
        &self,
        store: &dyn Store,
        rng: &mut Rng,
        seed: u64,
    ) -> Vec<(StoredObject, SharingFacts)> {
        let mut all: Vec<NewObject> = Vec::new();
        for _ in 0..12 + rng.below(16) {
            let ty = *rng.pick(&TYPES);
            let id = format!("{ty}--{}", uuid::Uuid::new_v4());
            let home = rng.below(self.collections.len());
            let mut secs = rng.below(100) as i64;
            for _ in 0..1 + rng.below(3) {
                secs += 1 + rng.below(50) as i64;
                let c = if rng.chance(80) {
                    &self.collections[home]
                } else {
                    rng.pick(&self.collections)
                };
                let by = rng.pick(&self.users);
                let recipients = if rng.chance(30) {
                    let ids: Vec<_> = self.users.iter().map(|u| u.id).collect();
                    rng.some_of(&ids, 20)
                } else {
                    Vec::new()
                };
                let version = at(1000 + secs);
                let keys = rng.pick_of(&self.keys, 30);
                let refs = rng.pick_of(&self.refs, 30);
                let count = match rng.below(3) {
                    0 => String::new(),
                    _ => format!(r#","count":{}"#, rng.below(1000)),
                };
                let false_positive = rng.chance(30);
                all.push(NewObject {
                    collection: c.id,
                    stix_id: id.clone(),
                    stix_type: ty.to_owned(),
                    version,
                    spec_version: "2.1".into(),
                    producer_org: by.org_id,
                    producer_user: by.id,
                    tlp: *rng.pick(&Tlp::ALL),
                    pap: None,
                    recipients,
                    revoked: rng.chance(20),
                    json: format!(
                        r#"{{"type":"{ty}","id":"{id}","modified":"{}","x_keys":{},"x_refs":{}{count},"x_simpul_false_positive":{false_positive}}}"#,
                        rfc3339_micros(version),
                        serde_json::json!(keys),
                        serde_json::json!(refs),
                    ),
                    observables: keys,
                    refs,
                    text: String::new(),
                });
                let others: Vec<&User> = self
                    .users
                    .iter()
                    .filter(|u| u.org_id != by.org_id)
                    .collect();
                if !others.is_empty() && rng.chance(25) {
                    let twin_by = *rng.pick(&others);
                    let mut twin = all[all.len() - 1].clone();
                    twin.producer_org = twin_by.org_id;
                    twin.producer_user = twin_by.id;
                    twin.tlp = *rng.pick(&Tlp::ALL);
                    twin.revoked = rng.chance(20);
                    if rng.chance(50) {
                        let ids: Vec<_> = self.users.iter().map(|u| u.id).collect();
                        twin.recipients = rng.some_of(&ids, 20);
                    }
                    all.push(twin);
                }
            }
        }
        rng.shuffle(&mut all);
        let mut rows = Vec::new();
        let mut now = at(500);
        let mut last: Option<OffsetDateTime> = None;
        let mut rest = all.as_slice();
        while !rest.is_empty() {
            let (batch, tail) = rest.split_at((1 + rng.below(12)).min(rest.len()));
            rest = tail;
            now = match rng.below(3) {
                0 => now,
                1 => now - Duration::seconds(rng.below(100) as i64),
                _ => now + Duration::milliseconds(rng.below(100_000) as i64),
            };
            let mut posted = batch.to_vec();
            let reposted = !rows.is_empty() && rng.chance(30);
            if reposted {
                let (s, _): &(StoredObject, SharingFacts) = rng.pick(&rows);
                let again = all
                    .iter()
                    .find(|n| {
                        n.stix_id == s.stix_id
                            && n.version == s.version
                            && n.collection == s.collection
                            && n.producer_org == s.producer_org
                    })
                    .unwrap();
                posted.push(again.clone());
            }
            let result = store.insert_objects(&posted, now).await.unwrap();
            assert_eq!(
                result.len(),
                posted.len(),
                "seed {seed}: one answer per object"
            );
            for (n, r) in posted.iter().zip(&result).take(batch.len()) {
                let Inserted::Stored(d) = *r else {
                    panic!("seed {seed}: a new version was not stored: {n:?}");
                };
                assert!(
                    d >= now && last.is_none_or(|l| d > l),
                    "seed {seed}: added at {d} after {last:?}, now {now}"
                );
                last = Some(d);
                rows.push((stored(n, d), self.facts(n)));
            }
            if reposted {
                assert_eq!(
                    result.last(),
                    Some(&Inserted::AlreadyStored),
                    "seed {seed}: a re-post"
                );
            }
        }
        rows
    }

    fn facts(&self, n: &NewObject) -> SharingFacts {
        let c = self
            .collections
            .iter()
            .find(|c| c.id == n.collection)
            .unwrap();
        SharingFacts {
            producer_org: n.producer_org,
            tlp: n.tlp,
            recipients: n.recipients.clone(),
            audience: c.audience.clone(),
        }
    }
}

/// What `q` keeps of the rows a viewer may see (`visible`, among `all` the world's rows, plus the
/// store's own answer for other stories' rows, `baseline`): with `latest_only` (or
/// `match[version]=last`), a row only if its lineage (collection, id, producing organisation) holds
/// no newer version at all — a stricter new version hides the object from those it no longer
/// admits, another organisation's never does; `match[version]=first`, no older version of the
/// lineage the viewer may see — then the filters, in `q.order`.
fn expected(
    baseline: &[StoredObject],
    all: &[StoredObject],
    visible: &[StoredObject],
    q: &ObjectQuery,
) -> Vec<StoredObject> {
    let lineage = |n: &StoredObject, r: &StoredObject| {
        n.collection == r.collection && n.stix_id == r.stix_id && n.producer_org == r.producer_org
    };
    let newest = |r: &StoredObject| !all.iter().any(|n| lineage(n, r) && n.version > r.version);
    let oldest_seen = |r: &StoredObject| {
        !visible
            .iter()
            .any(|n| lineage(n, r) && n.version < r.version)
    };
    let latest = |r: &&StoredObject| !q.latest_only || newest(r);
    let versions = |r: &&StoredObject| {
        q.versions.as_ref().is_none_or(|m| {
            (m.last && newest(r)) || (m.first && oldest_seen(r)) || m.at.contains(&r.version)
        })
    };
    let mut out: Vec<StoredObject> = baseline
        .iter()
        .chain(visible.iter().filter(latest).filter(versions))
        .filter(|r| q.types.is_empty() || q.types.contains(&r.stix_type))
        .filter(|r| q.collection.is_none_or(|c| r.collection == c))
        .filter(|r| q.revoked.is_none_or(|x| r.revoked == x))
        .filter(|r| !q.exclude_ids.contains(&r.stix_id))
        .filter(|r| any_of(&q.observables, r, "x_keys"))
        .filter(|r| any_of(&q.refs, r, "x_refs"))
        .cloned()
        .collect();
    out.sort_by_key(|r| r.date_added);
    if q.order == Order::NewestFirst {
        out.reverse();
    }
    out
}

/// Whether `wanted` is empty or the list `member` of `r`'s JSON holds one of them.
fn any_of(wanted: &[String], r: &StoredObject, member: &str) -> bool {
    if wanted.is_empty() {
        return true;
    }
    let json: serde_json::Value = serde_json::from_str(&r.json).unwrap_or_default();
    json[member].as_array().is_some_and(|a| {
        a.iter()
            .any(|v| v.as_str().is_some_and(|v| wanted.iter().any(|w| w == v)))
    })
}

/// The sighting totals of `rows`, read from their JSON as the stores do.
fn totals(rows: &[StoredObject]) -> SightingTotals {
    let mut t = SightingTotals::default();
    for r in rows {
        let json: serde_json::Value = serde_json::from_str(&r.json).unwrap_or_default();
        t.sightings += 1;
        t.count += json["count"].as_u64().unwrap_or(1);
        t.false_positives += u64::from(json[FALSE_POSITIVE_PROPERTY] == serde_json::json!(true));
    }
    t
}

/// Where `got` and `want` first differ, with the sharing facts of the object concerned.
fn difference(
    got: &[StoredObject],
    want: &[StoredObject],
    rows: &[(StoredObject, SharingFacts)],
    v: &Visibility,
) -> String {
    let facts = |o: &StoredObject| {
        rows.iter()
            .find(|(r, _)| r.date_added == o.date_added)
            .map_or_else(
                || "(not of this world)".to_owned(),
                |(_, f)| format!("{f:?}; the policy says visible = {}", visible(v, f)),
            )
    };
    let mut out = String::new();
    if let Some(o) = got.iter().find(|o| !want.contains(o)) {
        let _ = write!(
            out,
            "returned but not expected: {o:?} with facts {}",
            facts(o)
        );
    } else if let Some(o) = want.iter().find(|o| !got.contains(o)) {
        let _ = write!(
            out,
            "expected but not returned: {o:?} with facts {}",
            facts(o)
        );
    } else {
        let _ = write!(
            out,
            "the same rows in another order or number: got {} want {}",
            got.len(),
            want.len()
        );
    }
    out
}

/// For a random world (`seed`), every user of it — and a user of a new organisation in no
/// community — gets from `list_objects` (all pages, of several sizes, both orders, with and without
/// `latest_only` and a type filter) and `count_objects` exactly the stored rows that
/// [`visible`] admits for them; the operator gets nothing. Any difference fails naming the seed, the
/// viewer, the query and the object with its facts.
///
/// The store may hold other objects: to a viewer of a new organisation in no community, objects of
/// others are visible exactly when CLEAR, so what such a viewer sees before the world is made is
/// added to what every viewer of the world must see (and checked to be CLEAR only).
pub async fn sharing_matches_policy(store: &dyn Store, seed: u64) {
    let mut rng = Rng::new(seed);
    let t = tag();
    let outside = org(&format!("{t}-outside"), OrgKind::Other, None);
    let stranger = user(
        outside.id,
        &format!("stranger@{t}.example"),
        Role::SiteAdmin,
    );
    insert_org(store, &outside).await;
    insert_user(store, &stranger).await;
    let stranger = signed_in(&stranger, &outside, Vec::new());
    let everything = ObjectQuery {
        limit: MAX_PAGE,
        order: Order::OldestFirst,
        ..ObjectQuery::default()
    };
    let foreign = list_all(store, &visibility(&stranger), &everything).await;
    // The rows of other stories are a baseline the store answers for itself (their ids are not
    // the world's, and their invisible newer versions are unknown here).
    let foreign_latest = list_all(
        store,
        &visibility(&stranger),
        &ObjectQuery {
            latest_only: true,
            ..everything.clone()
        },
    )
    .await;
    assert!(
        foreign.iter().all(|o| o.tlp == Tlp::Clear),
        "seed {seed}: a new organisation sees objects of others that are not CLEAR"
    );

    let world = World::generate(&mut rng, &t);
    world.insert(store).await;
    let rows = world.share(store, &mut rng, seed).await;

    let mut viewers: Vec<(String, Principal)> = world
        .users
        .iter()
        .map(|u| {
            (
                format!("{} ({})", u.email, u.role.as_str()),
                world.principal(u),
            )
        })
        .collect();
    viewers.push(("a user of a new organisation".into(), stranger));
    for (who, p) in &viewers {
        let v = visibility(p);
        let all: Vec<StoredObject> = rows.iter().map(|(r, _)| r.clone()).collect();
        let sees: Vec<StoredObject> = rows
            .iter()
            .filter(|(_, f)| visible(&v, f))
            .map(|(r, _)| r.clone())
            .collect();
        let mut queries = Vec::new();
        for latest_only in [false, true] {
            for typed in [false, true] {
                queries.push(ObjectQuery {
                    latest_only,
                    types: if typed {
                        vec![(*rng.pick(&TYPES)).to_owned()]
                    } else {
                        Vec::new()
                    },
                    ..ObjectQuery::default()
                });
            }
        }
        queries.push(ObjectQuery {
            collection: Some(rng.pick(&world.collections).id),
            latest_only: rng.chance(50),
            ..ObjectQuery::default()
        });
        // TAXII `match[version]` over one collection of the world (no other story's rows).
        let (last, first) = match rng.below(3) {
            0 => (true, false),
            1 => (false, true),
            _ => (true, true),
        };
        queries.push(ObjectQuery {
            collection: Some(rng.pick(&world.collections).id),
            versions: Some(VersionMatch {
                last,
                first,
                at: Vec::new(),
            }),
            ..ObjectQuery::default()
        });
        // What correlates (any of some keys, an object left out) and what refers to some ids.
        let some_id = rng.pick(&rows).0.stix_id.clone();
        queries.push(ObjectQuery {
            observables: rng.some_of(&world.keys, 40),
            exclude_ids: vec![some_id],
            latest_only: rng.chance(50),
            ..ObjectQuery::default()
        });
        queries.push(ObjectQuery {
            refs: rng.some_of(&world.refs, 40),
            latest_only: rng.chance(50),
            revoked: rng.chance(50).then_some(false),
            ..ObjectQuery::default()
        });
        for q in queries {
            if !q.observables.is_empty() || !q.refs.is_empty() {
                // Only this world's objects carry its keys and refs: no baseline.
                let want = expected(
                    &[],
                    &all,
                    &sees,
                    &ObjectQuery {
                        order: Order::OldestFirst,
                        ..q.clone()
                    },
                );
                let mut producers: Vec<_> = want.iter().map(|r| r.producer_org).collect();
                producers.sort();
                producers.dedup();
                assert_eq!(
                    store.producers(&v, &q).await.unwrap(),
                    producers,
                    "seed {seed}: {who}: producers of {q:?}"
                );
                assert_eq!(
                    store.sighting_totals(&v, &q).await.unwrap(),
                    totals(&want),
                    "seed {seed}: {who}: totals of {q:?}"
                );
            }
            let count = store.count_objects(&v, &q).await.unwrap();
            // A bounded count counts the same visible rows, up to its bound.
            let bound = rng.below(6) as u64;
            let capped = ObjectQuery {
                count_limit: Some(bound),
                ..q.clone()
            };
            assert_eq!(
                store.count_objects(&v, &capped).await.unwrap(),
                count.min(bound),
                "seed {seed}: {who}: count of {q:?} up to {bound}"
            );
            for limit in [2 + rng.below(8) as u32, MAX_PAGE] {
                let q = ObjectQuery {
                    limit,
                    order: if rng.chance(50) {
                        Order::NewestFirst
                    } else {
                        Order::OldestFirst
                    },
                    ..q.clone()
                };
                let baseline = if q.latest_only {
                    &foreign_latest
                } else {
                    &foreign
                };
                let want = expected(baseline, &all, &sees, &q);
                let got = list_all(store, &v, &q).await;
                if got != want {
                    panic!(
                        "seed {seed}: {who} listing {q:?}: {}",
                        difference(&got, &want, &rows, &v)
                    );
                }
                assert_eq!(
                    count,
                    want.len() as u64,
                    "seed {seed}: {who} counting {q:?}"
                );
            }
        }
    }

    let op = visibility(&Principal::operator("story"));
    assert_eq!(
        list_all(store, &op, &everything).await,
        vec![],
        "seed {seed}: the operator"
    );
    assert_eq!(store.count_objects(&op, &everything).await.unwrap(), 0);
}
