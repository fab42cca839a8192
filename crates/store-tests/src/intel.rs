//! The intelligence exchange: collections, and object versions stored, paged and filtered.

use simpul_core::Store;
use simpul_core::access::{Principal, Visibility};
use simpul_core::audit::AuditAction;
use simpul_core::clock::rfc3339_micros;
use simpul_core::intel::store::{Inserted, NewObject, ObjectQuery, Order, StoredObject};
use simpul_core::intel::{Audience, Collection, CollectionId, Pap, Tlp};
use simpul_core::org::{OrgKind, Organisation};
use simpul_core::user::{Community, CommunityId, CommunityName, Role, User, UserId};
use time::{Duration, OffsetDateTime};

use crate::support::{
    assert_duplicate, at, event, insert_org, insert_user, last_seq, list_all, org, signed_in, tag,
    user, visibility, written_after, wrote,
};

/// Collections round-trip with every kind of audience (members and read-only organisations kept
/// once, ordered by id), are listed by title then id, and refuse a duplicate id or alias; an update
/// writes all but id and creation time. Object versions are stored once per collection, id and
/// version (a re-post, even within one batch, stores nothing), each `date_added` at `now` or one
/// microsecond after the newest in the store, and read back exactly (the JSON byte for byte,
/// recipients once, ordered by id). Reads show each viewer what the sharing policy admits — a
/// site-admin no more, the operator nothing — and every `ObjectQuery` filter, both orders, the cursor
/// and counts work on that. `latest_only` is the newest version the viewer may see of each id in
/// each collection, chosen before the other filters; text search matches whole words in any case,
/// and no text is a query error; blank text does not filter.
pub async fn intel(store: &dyn Store) {
    let t = tag();
    let w = World::new(store, &t).await;
    let [c_comm, c_orgs, c_users] = collections(store, &t, &w).await;
    objects(store, &t, &w, &c_comm, &c_orgs, &c_users).await;
}

/// A producer and a member organisation in one community, an outsider with a user named on
/// objects, and the regional CERT's site-admin, in no audience.
struct World {
    producer: Organisation,
    member: Organisation,
    outsider: Organisation,
    regional: Organisation,
    community: Community,
    alice: User,
    bob: User,
    carol: User,
    dave: User,
}

impl World {
    async fn new(store: &dyn Store, t: &str) -> Self {
        let producer = org(&format!("{t}-prod"), OrgKind::NationalCert, Some("SG"));
        let member = org(&format!("{t}-memb"), OrgKind::NationalCert, Some("MY"));
        let outsider = org(&format!("{t}-out"), OrgKind::Other, None);
        let regional = org(&format!("{t}-asean"), OrgKind::RegionalCert, None);
        for o in [&producer, &member, &outsider, &regional] {
            insert_org(store, o).await;
        }
        let alice = user(producer.id, &format!("alice@{t}.example"), Role::Analyst);
        let bob = user(member.id, &format!("bob@{t}.example"), Role::ReadOnly);
        let carol = user(outsider.id, &format!("carol@{t}.example"), Role::Analyst);
        let dave = user(regional.id, &format!("dave@{t}.example"), Role::SiteAdmin);
        for u in [&alice, &bob, &carol, &dave] {
            insert_user(store, u).await;
        }
        let community = Community {
            id: CommunityId(uuid::Uuid::new_v4()),
            name: CommunityName::parse(&format!("{t}-asean")).unwrap(),
            description: "The region".into(),
            members: vec![producer.id, member.id],
            created_at: at(10),
        };
        let e = event(
            AuditAction::CommunityCreate,
            &format!("community:{}", community.name),
            None,
        );
        store.insert_community(&community, &e).await.unwrap();
        Self {
            producer,
            member,
            outsider,
            regional,
            community,
            alice,
            bob,
            carol,
            dave,
        }
    }

    fn sees(&self, u: &User) -> Visibility {
        let (o, communities) = match u.org_id {
            id if id == self.producer.id => (&self.producer, vec![self.community.id]),
            id if id == self.member.id => (&self.member, vec![self.community.id]),
            id if id == self.outsider.id => (&self.outsider, vec![]),
            _ => (&self.regional, vec![]),
        };
        visibility(&signed_in(u, o, communities))
    }
}

/// The stored form: audience members and read-only organisations once, ordered by id.
fn normalised(c: &Collection) -> Collection {
    let once = |mut v: Vec<uuid::Uuid>| {
        v.sort();
        v.dedup();
        v
    };
    let audience = match &c.audience {
        Audience::Community { community } => Audience::Community {
            community: *community,
        },
        Audience::Orgs { orgs } => Audience::Orgs {
            orgs: once(orgs.iter().map(|o| o.0).collect())
                .into_iter()
                .map(simpul_core::OrgId)
                .collect(),
        },
        Audience::Users { users } => Audience::Users {
            users: once(users.iter().map(|u| u.0).collect())
                .into_iter()
                .map(UserId)
                .collect(),
        },
    };
    Collection {
        audience,
        read_only_orgs: once(c.read_only_orgs.iter().map(|o| o.0).collect())
            .into_iter()
            .map(simpul_core::OrgId)
            .collect(),
        ..c.clone()
    }
}

fn collection_event(action: AuditAction, c: &Collection) -> simpul_core::AuditEvent {
    event(action, &format!("collection:{}", c.id), None)
}

async fn collections(store: &dyn Store, t: &str, w: &World) -> [Collection; 3] {
    let start = last_seq(store).await;
    let base = |title: &str, audience: Audience| Collection {
        id: CollectionId(uuid::Uuid::new_v4()),
        title: format!("{t} {title}"),
        alias: None,
        description: format!("The {title} collection"),
        audience,
        default_tlp: Tlp::Amber,
        read_only_orgs: Vec::new(),
        created_at: at(20),
    };
    let c_comm = Collection {
        alias: Some(format!("{t}-alpha")),
        read_only_orgs: vec![w.member.id, w.member.id],
        ..base(
            "alpha",
            Audience::Community {
                community: w.community.id,
            },
        )
    };
    let c_orgs = Collection {
        default_tlp: Tlp::Green,
        ..base(
            "bravo",
            Audience::Orgs {
                orgs: vec![w.member.id, w.producer.id, w.member.id],
            },
        )
    };
    let c_users = Collection {
        default_tlp: Tlp::Red,
        description: String::new(),
        ..base(
            "charlie",
            Audience::Users {
                users: vec![w.carol.id, w.alice.id],
            },
        )
    };
    // Same title as `c_orgs`: the two are listed by id.
    let c_extra = base(
        "bravo",
        Audience::Orgs {
            orgs: vec![w.outsider.id],
        },
    );
    for c in [&c_users, &c_extra, &c_comm, &c_orgs] {
        let e = collection_event(AuditAction::CollectionCreate, c);
        store.insert_collection(c, &e).await.unwrap();
    }
    for c in [&c_comm, &c_orgs, &c_users, &c_extra] {
        assert_eq!(
            store.get_collection(c.id).await.unwrap(),
            Some(normalised(c)),
            "round trip of {}",
            c.title
        );
    }
    let missing = CollectionId(uuid::Uuid::new_v4());
    assert_eq!(store.get_collection(missing).await.unwrap(), None);

    // A duplicate id or alias is refused, audit entry included.
    let before = last_seq(store).await;
    let same_id = Collection {
        alias: Some(format!("{t}-other")),
        ..c_orgs.clone()
    };
    let e = collection_event(AuditAction::CollectionCreate, &same_id);
    assert_duplicate(store.insert_collection(&same_id, &e).await, "collection id");
    let same_alias = Collection {
        id: CollectionId(uuid::Uuid::new_v4()),
        ..c_comm.clone()
    };
    let e = collection_event(AuditAction::CollectionCreate, &same_alias);
    assert_duplicate(
        store.insert_collection(&same_alias, &e).await,
        "collection alias",
    );
    assert_eq!(last_seq(store).await, before);
    assert_eq!(store.get_collection(same_alias.id).await.unwrap(), None);

    // An update writes title, alias, description, audience, default TLP and read-only organisations.
    let changed = Collection {
        title: format!("{t} delta"),
        alias: Some(format!("{t}-delta")),
        description: "Now for named users".into(),
        audience: Audience::Users {
            users: vec![w.bob.id, w.dave.id, w.bob.id],
        },
        default_tlp: Tlp::AmberStrict,
        read_only_orgs: vec![w.outsider.id, w.member.id],
        created_at: at(999),
        ..c_extra.clone()
    };
    let e = collection_event(AuditAction::CollectionUpdate, &changed);
    store.update_collection(&changed, false, &e).await.unwrap();
    let c_extra = Collection {
        created_at: c_extra.created_at,
        ..normalised(&changed)
    };
    assert_eq!(
        store.get_collection(c_extra.id).await.unwrap().as_ref(),
        Some(&c_extra)
    );
    let back = Collection {
        title: c_orgs.title.clone(),
        audience: Audience::Community {
            community: w.community.id,
        },
        alias: None,
        read_only_orgs: Vec::new(),
        ..c_extra.clone()
    };
    let e = collection_event(AuditAction::CollectionUpdate, &back);
    store.update_collection(&back, false, &e).await.unwrap();
    assert_eq!(
        store.get_collection(back.id).await.unwrap().as_ref(),
        Some(&back)
    );
    let taken = Collection {
        alias: c_comm.alias.clone(),
        ..back.clone()
    };
    let e = collection_event(AuditAction::CollectionUpdate, &taken);
    assert_duplicate(
        store.update_collection(&taken, false, &e).await,
        "alias taken by another collection",
    );
    assert_eq!(
        store.get_collection(back.id).await.unwrap().as_ref(),
        Some(&back)
    );
    let nowhere = Collection {
        id: missing,
        ..back.clone()
    };
    let e = collection_event(AuditAction::CollectionUpdate, &nowhere);
    store.update_collection(&nowhere, false, &e).await.unwrap();
    assert_eq!(
        store.get_collection(missing).await.unwrap(),
        None,
        "an update creates nothing"
    );

    // Listed by title, then id.
    let mut bravos = [normalised(&c_orgs), back.clone()];
    bravos.sort_by_key(|c| c.id);
    let ours: Vec<Collection> = store
        .list_collections()
        .await
        .unwrap()
        .into_iter()
        .filter(|c| c.title.starts_with(t))
        .collect();
    let [b1, b2] = bravos;
    assert_eq!(
        ours,
        vec![normalised(&c_comm), b1, b2, normalised(&c_users)]
    );

    let created = |c: &Collection| {
        wrote(
            AuditAction::CollectionCreate,
            &format!("collection:{}", c.id),
        )
    };
    let updated = |c: &Collection| {
        wrote(
            AuditAction::CollectionUpdate,
            &format!("collection:{}", c.id),
        )
    };
    let written: Vec<_> = written_after(store, start)
        .await
        .into_iter()
        .filter(|(_, target)| {
            target
                .as_deref()
                .is_some_and(|t| t.starts_with("collection:"))
        })
        .collect();
    assert_eq!(
        written,
        vec![
            created(&c_users),
            created(&c_extra),
            created(&c_comm),
            created(&c_orgs),
            updated(&c_extra),
            updated(&c_extra),
        ],
        "each write its entry; refused ones and an update of nothing none"
    );
    [
        normalised(&c_comm),
        normalised(&c_orgs),
        normalised(&c_users),
    ]
}

fn stix_id(ty: &str) -> String {
    format!("{ty}--{}", uuid::Uuid::new_v4())
}

/// A version of `id` in `c` by `by`, with a compact JSON body.
pub(crate) fn version(
    c: &Collection,
    id: &str,
    secs: i64,
    by: &User,
    tlp: Tlp,
    recipients: &[&User],
) -> NewObject {
    let ty = id.split("--").next().unwrap_or("x").to_owned();
    let v = at(secs);
    NewObject {
        collection: c.id,
        stix_id: id.to_owned(),
        json: format!(
            r#"{{"type":"{ty}","spec_version":"2.1","id":"{id}","modified":"{}"}}"#,
            rfc3339_micros(v)
        ),
        stix_type: ty,
        version: v,
        spec_version: "2.1".into(),
        producer_org: by.org_id,
        producer_user: by.id,
        tlp,
        pap: None,
        recipients: recipients.iter().map(|u| u.id).collect(),
        revoked: false,
        observables: Vec::new(),
        refs: Vec::new(),
        text: String::new(),
    }
}

/// What reading `n` back must give, added at `date_added`.
pub(crate) fn stored(n: &NewObject, date_added: OffsetDateTime) -> StoredObject {
    let mut recipients = n.recipients.clone();
    recipients.sort();
    recipients.dedup();
    StoredObject {
        collection: n.collection,
        stix_id: n.stix_id.clone(),
        stix_type: n.stix_type.clone(),
        version: n.version,
        date_added,
        spec_version: n.spec_version.clone(),
        producer_org: n.producer_org,
        producer_user: n.producer_user,
        tlp: n.tlp,
        pap: n.pap,
        recipients,
        revoked: n.revoked,
        json: n.json.clone(),
    }
}

fn added(r: &[Inserted]) -> Vec<OffsetDateTime> {
    r.iter()
        .map(|i| match i {
            Inserted::Stored(t) => *t,
            Inserted::AlreadyStored => panic!("expected every object stored: {r:?}"),
        })
        .collect()
}

async fn objects(
    store: &dyn Store,
    t: &str,
    w: &World,
    c_comm: &Collection,
    c_orgs: &Collection,
    c_users: &Collection,
) {
    let (alice, bob, carol) = (&w.alice, &w.bob, &w.carol);
    let ind1 = stix_id("indicator");
    let ind2 = stix_id("indicator");
    let mal = stix_id("malware");
    let domain = format!("domain|{t}-bank-login.example");

    // 1: the JSON kept as received, whitespace, escapes, key order and all.
    let ind1_v1 = NewObject {
        json: format!(
            "{{ \"type\": \"indicator\",\n  \"id\": \"{ind1}\", \"name\": \"Ünïcode ✓ \\u00e9\", \"b\": 1, \"a\": [ 2 ,3 ] }}"
        ),
        observables: vec![domain.clone(), domain.clone()],
        text: format!("Phishing kit {t}lazarus\n[domain-name:value = '{t}-bank-login.example']"),
        ..version(c_comm, &ind1, 100, alice, Tlp::Green, &[])
    };
    let mal_v1 = NewObject {
        pap: Some(Pap::Red),
        text: format!("{t}wiper"),
        ..version(c_orgs, &mal, 100, alice, Tlp::AmberStrict, &[])
    };
    let report = NewObject {
        revoked: true,
        ..version(c_comm, &stix_id("report"), 100, bob, Tlp::Clear, &[])
    };
    let red = version(
        c_comm,
        &stix_id("indicator"),
        100,
        alice,
        Tlp::Red,
        &[carol, bob, carol],
    );
    let note = version(c_users, &stix_id("note"), 100, carol, Tlp::Red, &[]);
    let ind2_v1 = version(c_comm, &ind2, 100, alice, Tlp::Green, &[]);
    let ind1_v2 = NewObject {
        text: "Phishing kit, updated".into(),
        ..version(c_comm, &ind1, 200, alice, Tlp::Amber, &[])
    };
    let ind2_v2 = version(c_comm, &ind2, 200, alice, Tlp::Red, &[carol]);
    // The same id and version in another collection is another object version.
    let mal_elsewhere = version(c_comm, &mal, 100, alice, Tlp::Amber, &[]);
    let clear = version(c_users, &stix_id("indicator"), 300, bob, Tlp::Clear, &[]);
    let late = version(c_orgs, &stix_id("report"), 300, bob, Tlp::Amber, &[]);

    // One batch; the repeat within it stores nothing. Each is added at `now` or later, strictly
    // after the one before.
    let now = at(50);
    let r1 = store
        .insert_objects(
            &[
                ind1_v1.clone(),
                mal_v1.clone(),
                report.clone(),
                red.clone(),
                ind1_v1.clone(),
                note.clone(),
                ind2_v1.clone(),
            ],
            now,
        )
        .await
        .unwrap();
    assert_eq!(r1[4], Inserted::AlreadyStored, "{r1:?}");
    let mut r1 = r1;
    r1.remove(4);
    let d1 = added(&r1);
    assert!(d1[0] >= now, "added {} before now {now}", d1[0]);
    assert!(crate::support::strictly_increasing(&d1), "{d1:?}");

    // The same `now` again: one microsecond after the newest, each one more; a re-post is skipped.
    let r2 = store
        .insert_objects(
            &[
                ind1_v2.clone(),
                ind2_v2.clone(),
                mal_elsewhere.clone(),
                ind1_v1.clone(),
            ],
            now,
        )
        .await
        .unwrap();
    assert_eq!(r2[3], Inserted::AlreadyStored);
    let d2 = added(&r2[..3]);
    let us = Duration::microseconds(1);
    let last1 = d1[d1.len() - 1];
    assert_eq!(d2, vec![last1 + us, last1 + us * 2, last1 + us * 3]);

    // A later `now` is used as it is (to the microsecond); an earlier one again after the newest.
    let later = d2[2] + Duration::seconds(1) + Duration::nanoseconds(1_500);
    let r3 = store
        .insert_objects(std::slice::from_ref(&clear), later)
        .await
        .unwrap();
    assert_eq!(
        r3,
        vec![Inserted::Stored(d2[2] + Duration::seconds(1) + us)]
    );
    let d3 = added(&r3)[0];
    let r4 = store
        .insert_objects(std::slice::from_ref(&late), now)
        .await
        .unwrap();
    let d4 = added(&r4)[0];
    assert_eq!(d4, d3 + us);
    assert_eq!(store.insert_objects(&[], now).await.unwrap(), vec![]);

    // Re-posting everything stores nothing.
    let everything = [
        &ind1_v1,
        &mal_v1,
        &report,
        &red,
        &note,
        &ind2_v1,
        &ind1_v2,
        &ind2_v2,
        &mal_elsewhere,
        &clear,
        &late,
    ];
    let again: Vec<NewObject> = everything.iter().map(|n| (*n).clone()).collect();
    let r5 = store.insert_objects(&again, at(9_999)).await.unwrap();
    assert!(r5.iter().all(|r| *r == Inserted::AlreadyStored), "{r5:?}");

    // What each reads back, newest first.
    let dates = [d1.clone(), d2.clone(), vec![d3, d4]].concat();
    let rows: Vec<StoredObject> = everything
        .iter()
        .zip(&dates)
        .map(|(n, d)| stored(n, *d))
        .collect();
    let [
        s_ind1_v1,
        s_mal,
        s_report,
        s_red,
        s_note,
        s_ind2_v1,
        s_ind1_v2,
        s_ind2_v2,
        s_mal_elsewhere,
        s_clear,
        s_late,
    ] = rows.clone().try_into().unwrap();
    let newest = |v: &[&StoredObject]| {
        let mut v: Vec<StoredObject> = v.iter().map(|s| (*s).clone()).collect();
        v.sort_by_key(|s| std::cmp::Reverse(s.date_added));
        v
    };
    let mut ids: Vec<String> = rows.iter().map(|r| r.stix_id.clone()).collect();
    ids.dedup();
    let ours = ObjectQuery {
        ids,
        limit: 1000,
        ..ObjectQuery::default()
    };

    // Who sees what: the producer everything of theirs and what is shared with them; the member
    // the community's and organisations' objects but not RED ones not naming them; a named user
    // what names them; the regional site-admin only CLEAR.
    let sees = |u: &User| w.sees(u);
    let all_alice = newest(&rows.iter().collect::<Vec<_>>());
    let all_bob = newest(&[
        &s_ind1_v1,
        &s_mal,
        &s_report,
        &s_red,
        &s_ind2_v1,
        &s_ind1_v2,
        &s_mal_elsewhere,
        &s_clear,
        &s_late,
    ]);
    let all_carol = newest(&[&s_report, &s_red, &s_note, &s_ind2_v2, &s_clear]);
    let all_dave = newest(&[&s_report, &s_clear]);
    for (u, expected) in [
        (alice, &all_alice),
        (bob, &all_bob),
        (carol, &all_carol),
        (&w.dave, &all_dave),
    ] {
        let v = sees(u);
        let got = store.list_objects(&v, &ours).await.unwrap();
        assert_eq!(&got, expected, "what {} sees", u.email);
        assert_eq!(
            store.count_objects(&v, &ours).await.unwrap(),
            expected.len() as u64
        );
        // Oldest first is the same, reversed; pages of any size give each once.
        let oldest = ObjectQuery {
            order: Order::OldestFirst,
            ..ours.clone()
        };
        let mut reversed = expected.clone();
        reversed.reverse();
        assert_eq!(store.list_objects(&v, &oldest).await.unwrap(), reversed);
        for limit in [1, 2, 3] {
            for q in [&ours, &oldest] {
                let q = ObjectQuery { limit, ..q.clone() };
                let want = if q.order == Order::OldestFirst {
                    &reversed
                } else {
                    expected
                };
                assert_eq!(&list_all(store, &v, &q).await, want, "pages of {limit}");
            }
        }
    }

    // The operator sees no shared object.
    let op = visibility(&Principal::operator("story"));
    let anything = ObjectQuery {
        limit: 1000,
        ..ObjectQuery::default()
    };
    assert_eq!(store.list_objects(&op, &anything).await.unwrap(), vec![]);
    assert_eq!(store.count_objects(&op, &anything).await.unwrap(), 0);

    // latest_only: the newest version of each id in each collection, for those it admits.
    let latest = ObjectQuery {
        latest_only: true,
        ..ours.clone()
    };
    let alice_latest = newest(&[
        &s_mal,
        &s_report,
        &s_red,
        &s_note,
        &s_ind1_v2,
        &s_ind2_v2,
        &s_mal_elsewhere,
        &s_clear,
        &s_late,
    ]);
    // ind2 went from GREEN to RED for carol: bob no longer sees it at all as the latest.
    let bob_latest = newest(&[
        &s_mal,
        &s_report,
        &s_red,
        &s_ind1_v2,
        &s_mal_elsewhere,
        &s_clear,
        &s_late,
    ]);
    for (u, expected) in [
        (alice, &alice_latest),
        (bob, &bob_latest),
        (carol, &all_carol),
    ] {
        let v = sees(u);
        assert_eq!(
            &store.list_objects(&v, &latest).await.unwrap(),
            expected,
            "latest for {}",
            u.email
        );
        assert_eq!(
            store.count_objects(&v, &latest).await.unwrap(),
            expected.len() as u64
        );
        let paged = ObjectQuery {
            limit: 2,
            ..latest.clone()
        };
        assert_eq!(&list_all(store, &v, &paged).await, expected);
    }
    // A filter never brings back a superseded version.
    let latest_green = ObjectQuery {
        tlp: Some(Tlp::Green),
        ..latest.clone()
    };
    assert_eq!(
        store
            .list_objects(&sees(alice), &latest_green)
            .await
            .unwrap(),
        vec![]
    );
    assert_eq!(
        store.list_objects(&sees(bob), &latest_green).await.unwrap(),
        vec![],
        "a superseded version is never the latest, even for those the new one hides it from"
    );

    // Every filter, as the producer sees it.
    let a = sees(alice);
    let check = |name: &'static str, q: ObjectQuery, want: Vec<&StoredObject>| {
        let a = a.clone();
        let want = newest(&want);
        async move {
            let got = store.list_objects(&a, &q).await.unwrap();
            assert_eq!(got, want, "filter {name}");
            let n = store.count_objects(&a, &q).await.unwrap();
            assert_eq!(n, want.len() as u64, "count of filter {name}");
        }
    };
    check(
        "types",
        ObjectQuery {
            types: vec!["malware".into()],
            ..ours.clone()
        },
        vec![&s_mal, &s_mal_elsewhere],
    )
    .await;
    check(
        "two types",
        ObjectQuery {
            types: vec!["report".into(), "malware".into()],
            ..ours.clone()
        },
        vec![&s_mal, &s_mal_elsewhere, &s_report, &s_late],
    )
    .await;
    check(
        "ids",
        ObjectQuery {
            ids: vec![ind1.clone()],
            ..ours.clone()
        },
        vec![&s_ind1_v1, &s_ind1_v2],
    )
    .await;
    check(
        "ids, latest",
        ObjectQuery {
            ids: vec![ind1.clone(), ind2.clone()],
            latest_only: true,
            ..ours.clone()
        },
        vec![&s_ind1_v2, &s_ind2_v2],
    )
    .await;
    check(
        "collection",
        ObjectQuery {
            collection: Some(c_orgs.id),
            ..ours.clone()
        },
        vec![&s_mal, &s_late],
    )
    .await;
    check(
        "collection without objects",
        ObjectQuery {
            collection: Some(CollectionId(uuid::Uuid::new_v4())),
            ..ours.clone()
        },
        vec![],
    )
    .await;
    check(
        "added_after",
        ObjectQuery {
            added_after: Some(s_ind1_v2.date_added),
            ..ours.clone()
        },
        vec![&s_ind2_v2, &s_mal_elsewhere, &s_clear, &s_late],
    )
    .await;
    check(
        "tlp",
        ObjectQuery {
            tlp: Some(Tlp::Amber),
            ..ours.clone()
        },
        vec![&s_ind1_v2, &s_mal_elsewhere, &s_late],
    )
    .await;
    check(
        "producer_org",
        ObjectQuery {
            producer_org: Some(w.member.id),
            ..ours.clone()
        },
        vec![&s_report, &s_clear, &s_late],
    )
    .await;
    check(
        "revoked",
        ObjectQuery {
            revoked: Some(true),
            ..ours.clone()
        },
        vec![&s_report],
    )
    .await;
    let not_revoked: Vec<&StoredObject> = rows.iter().filter(|r| !r.revoked).collect();
    check(
        "not revoked",
        ObjectQuery {
            revoked: Some(false),
            ..ours.clone()
        },
        not_revoked,
    )
    .await;
    check(
        "observable",
        ObjectQuery {
            observables: vec![domain.clone()],
            ..ours.clone()
        },
        vec![&s_ind1_v1],
    )
    .await;
    check(
        "observable without objects",
        ObjectQuery {
            observables: vec![format!("domain|{t}-other.example")],
            ..ours.clone()
        },
        vec![],
    )
    .await;
    check(
        "text",
        ObjectQuery {
            text: Some(format!("{t}LAZARUS")),
            ..ours.clone()
        },
        vec![&s_ind1_v1],
    )
    .await;
    check(
        "text, every word",
        ObjectQuery {
            text: Some("PHISHING  kit".into()),
            ..ours.clone()
        },
        vec![&s_ind1_v1, &s_ind1_v2],
    )
    .await;
    check(
        "text, a word missing",
        ObjectQuery {
            text: Some(format!("phishing {t}wiper")),
            ..ours.clone()
        },
        vec![],
    )
    .await;
    check(
        "blank text",
        ObjectQuery {
            text: Some(" \t ".into()),
            ..ours.clone()
        },
        rows.iter().collect(),
    )
    .await;
    check(
        "filters together",
        ObjectQuery {
            types: vec!["indicator".into()],
            tlp: Some(Tlp::Green),
            revoked: Some(false),
            producer_org: Some(w.producer.id),
            collection: Some(c_comm.id),
            text: Some("phishing".into()),
            ..ours.clone()
        },
        vec![&s_ind1_v1],
    )
    .await;
    // Whatever is typed is words, never query syntax.
    for text in [
        "\"",
        "\"\"",
        "*",
        "a*",
        "NEAR(a b)",
        "AND",
        "OR NOT",
        "a:b",
        "text:x",
        "^x",
        "'",
        "--",
        "-x",
        "(",
        ")",
        "{x}",
        "x\u{0}y",
        "\u{1F512}",
        "é",
        "phishing OR x",
        "%",
        "_",
        "\\",
    ] {
        let q = ObjectQuery {
            text: Some(text.into()),
            ..ours.clone()
        };
        let got = store.list_objects(&a, &q).await;
        assert!(got.is_ok(), "text {text:?}: {got:?}");
        let n = store.count_objects(&a, &q).await;
        assert!(n.is_ok(), "count of text {text:?}: {n:?}");
    }

    // The cursor continues after the row it names; the count ignores cursor and limit.
    let after = ObjectQuery {
        after_cursor: Some(s_ind1_v2.date_added),
        limit: 2,
        ..ours.clone()
    };
    assert_eq!(
        store.list_objects(&a, &after).await.unwrap(),
        newest(&[&s_ind2_v1, &s_note])
    );
    assert_eq!(store.count_objects(&a, &after).await.unwrap(), 11);
    let after_oldest = ObjectQuery {
        order: Order::OldestFirst,
        ..after
    };
    assert_eq!(
        store.list_objects(&a, &after_oldest).await.unwrap(),
        vec![s_ind2_v2.clone(), s_mal_elsewhere.clone()]
    );
}
