//! What only PostgreSQL has to prove about the intel store: `date_added` serialised across app
//! nodes (concurrent writers, a waiting writer, a clock that goes back), text search that no input
//! can break, the SQL sharing filter against the truth table on every row of it, and every filter
//! of a query computed in SQL.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use simpul_core::access::sharing::visible;
use simpul_core::access::{Action, AuthMethod, Principal, UserPrincipal, Visibility, authorize};
use simpul_core::audit::{AuditAction, AuditEvent};
use simpul_core::intel::store::{Inserted, NewObject, ObjectQuery, Order, StoredObject};
use simpul_core::intel::{Audience, Collection, CollectionId, SharingFacts, Tlp};
use simpul_core::org::{OrgId, OrgKind, OrgStatus, Organisation, ShortName};
use simpul_core::store::{DirectoryStore, IdentityStore, IntelStore};
use simpul_core::user::{
    Community, CommunityId, CommunityName, Email, Role, User, UserId, UserStatus,
};
use simpul_store_postgres::PostgresStore;
use time::OffsetDateTime;
use time::macros::datetime;
use uuid::Uuid;

use crate::support::{TestDb, pg_test};

const T: OffsetDateTime = datetime!(2026-11-28 01:02:03.456789 UTC);

fn micros(n: i64) -> time::Duration {
    time::Duration::microseconds(n)
}

fn event(action: AuditAction, target: String) -> AuditEvent {
    AuditEvent {
        at: T,
        actor: "cli:test".into(),
        actor_org: None,
        source: None,
        action,
        target: Some(target),
        target_org: None,
        details: serde_json::json!({}),
    }
}

/// Organisations, their users and collections, written through the store.
struct World {
    store: PostgresStore,
    orgs: Vec<Organisation>,
    users: Vec<User>,
}

impl World {
    async fn new(store: PostgresStore) -> Self {
        Self {
            store,
            orgs: Vec::new(),
            users: Vec::new(),
        }
    }

    async fn org(&mut self) -> OrgId {
        let n = self.orgs.len();
        let o = Organisation {
            id: OrgId::new_random(),
            name: format!("Org {n}"),
            short_name: ShortName::parse(&format!("org{n}")).unwrap(),
            kind: OrgKind::NationalCert,
            country: None,
            status: OrgStatus::Active,
            created_at: T,
        };
        self.store
            .insert_org(&o, &event(AuditAction::OrgCreate, format!("org:{n}")))
            .await
            .unwrap();
        self.orgs.push(o);
        self.orgs[n].id
    }

    async fn user(&mut self, org: OrgId) -> UserId {
        let n = self.users.len();
        let u = User {
            id: UserId::new_random(),
            email: Email::parse(&format!("u{n}@example.org")).unwrap(),
            display_name: format!("User {n}"),
            org_id: org,
            role: Role::Analyst,
            status: UserStatus::Active,
            created_at: T,
        };
        self.store
            .insert_user(
                &u,
                "hash",
                &event(AuditAction::UserCreate, format!("user:{n}")),
            )
            .await
            .unwrap();
        self.users.push(u);
        self.users[n].id
    }

    async fn community(&mut self, members: Vec<OrgId>) -> CommunityId {
        let c = Community {
            id: CommunityId(Uuid::new_v4()),
            name: CommunityName::parse(&format!("c{}", Uuid::new_v4().simple())).unwrap(),
            description: String::new(),
            members,
            created_at: T,
        };
        let e = event(
            AuditAction::CommunityCreate,
            format!("community:{}", c.id.0),
        );
        self.store.insert_community(&c, &e).await.unwrap();
        c.id
    }

    async fn collection(&mut self, audience: Audience) -> Collection {
        let c = Collection {
            id: CollectionId(Uuid::new_v4()),
            title: format!("{} collection", audience.kind()),
            alias: None,
            description: String::new(),
            audience,
            default_tlp: Tlp::Amber,
            read_only_orgs: Vec::new(),
            created_at: T,
        };
        let e = event(
            AuditAction::CollectionCreate,
            format!("collection:{}", c.id),
        );
        self.store.insert_collection(&c, &e).await.unwrap();
        c
    }

    /// `user` signed in, with their organisation's communities.
    async fn principal(&self, user: UserId) -> Principal {
        let user = self.users.iter().find(|u| u.id == user).unwrap().clone();
        let org = self
            .orgs
            .iter()
            .find(|o| o.id == user.org_id)
            .unwrap()
            .clone();
        let communities = self.store.communities_of_org(org.id).await.unwrap();
        Principal::User(Box::new(UserPrincipal {
            user,
            org,
            communities,
            method: AuthMethod::Session {
                csrf_token: "csrf".into(),
            },
            source: None,
        }))
    }
}

fn viewing(p: &Principal) -> Visibility {
    Visibility::of(&authorize(p, Action::ReadIntel).unwrap())
}

/// An indicator version produced by `user` of `org`.
fn object(c: CollectionId, org: OrgId, user: UserId, id: &str, tlp: Tlp) -> NewObject {
    NewObject {
        collection: c,
        stix_id: id.to_owned(),
        stix_type: "indicator".into(),
        version: T,
        spec_version: "2.1".into(),
        producer_org: org,
        producer_user: user,
        tlp,
        pap: None,
        recipients: Vec::new(),
        revoked: false,
        json: format!(r#"{{"type":"indicator","id":"{id}"}}"#),
        observables: Vec::new(),
        refs: Vec::new(),
        text: String::new(),
    }
}

fn indicator_id() -> String {
    format!("indicator--{}", Uuid::new_v4())
}

fn all(order: Order) -> ObjectQuery {
    ObjectQuery {
        order,
        limit: 1000,
        ..ObjectQuery::default()
    }
}

fn stored(r: &[Inserted]) -> Vec<OffsetDateTime> {
    r.iter()
        .map(|i| match i {
            Inserted::Stored(t) => *t,
            Inserted::AlreadyStored => panic!("expected stored: {r:?}"),
        })
        .collect()
}

/// One organisation with a user and an org-list collection: what the writer tests need.
async fn producer(store: PostgresStore) -> (World, Collection, OrgId, UserId) {
    let mut w = World::new(store).await;
    let org = w.org().await;
    let user = w.user(org).await;
    let c = w.collection(Audience::Orgs { orgs: vec![org] }).await;
    (w, c, org, user)
}

pg_test! {
    async fn concurrent_writers_on_three_nodes_commit_in_date_added_order() {
        let db = TestDb::new().await;
        let (w, c, org, user) = producer(db.open().await).await;
        let viewer = Arc::new(w.principal(user).await);
        let mut nodes = vec![w.store.clone()];
        for _ in 0..2 {
            nodes.push(db.open().await);
        }
        const WRITERS_PER_NODE: usize = 4;
        const BATCHES: usize = 8;
        const PER_BATCH: usize = 5;

        // A TAXII-style poller pages oldest first after the last date_added it saw, while the
        // writers write. Were a later commit to carry an earlier date_added, it would land behind
        // the poller's cursor and never be seen.
        let done = Arc::new(AtomicBool::new(false));
        let poller = {
            let (store, done, viewer) = (nodes[0].clone(), done.clone(), viewer.clone());
            tokio::spawn(async move {
                let v = viewing(&viewer);
                let mut seen: Vec<StoredObject> = Vec::new();
                loop {
                    let finished = done.load(Ordering::SeqCst);
                    loop {
                        let q = ObjectQuery {
                            after_cursor: seen.last().map(|o| o.date_added),
                            limit: 7,
                            ..all(Order::OldestFirst)
                        };
                        let page = store.list_objects(&v, &q).await.unwrap();
                        if page.is_empty() {
                            break;
                        }
                        seen.extend(page);
                    }
                    if finished {
                        return seen;
                    }
                    tokio::task::yield_now().await;
                }
            })
        };

        let mut writers = Vec::new();
        for node in &nodes {
            for _ in 0..WRITERS_PER_NODE {
                let (store, c) = (node.clone(), c.id);
                writers.push(tokio::spawn(async move {
                    let mut out = Vec::new();
                    for _ in 0..BATCHES {
                        let batch: Vec<NewObject> = (0..PER_BATCH)
                            .map(|_| object(c, org, user, &indicator_id(), Tlp::Green))
                            .collect();
                        // Every writer claims the same instant: the store must spread them.
                        let r = store.insert_objects(&batch, T).await.unwrap();
                        let times = stored(&r);
                        assert!(times.windows(2).all(|w| w[1] == w[0] + micros(1)), "{times:?}");
                        out.extend(batch.into_iter().map(|o| o.stix_id).zip(times));
                    }
                    out
                }));
            }
        }
        let mut written = Vec::new();
        for wr in writers {
            written.extend(wr.await.unwrap());
        }
        done.store(true, Ordering::SeqCst);
        let seen = poller.await.unwrap();

        let total = nodes.len() * WRITERS_PER_NODE * BATCHES * PER_BATCH;
        assert_eq!(written.len(), total);
        // Distinct, gap-free from T: every writer claimed T, so the store handed out T, T+1µs, …
        let times: BTreeSet<OffsetDateTime> = written.iter().map(|(_, t)| *t).collect();
        assert_eq!(times.len(), total);
        assert_eq!(times.first(), Some(&T));
        assert_eq!(times.last(), Some(&(T + micros(total as i64 - 1))));
        // The poller saw every object exactly once, each at the time its writer was answered with.
        let seen_pairs: Vec<(String, OffsetDateTime)> =
            seen.iter().map(|o| (o.stix_id.clone(), o.date_added)).collect();
        assert!(seen_pairs.windows(2).all(|w| w[0].1 < w[1].1));
        let mut expected = written.clone();
        expected.sort_by_key(|(_, t)| *t);
        assert_eq!(seen_pairs, expected);
        // And the sequence numbers, handed out under the same lock, follow date_added.
        let client = db.client().await;
        let by_seq: Vec<OffsetDateTime> = client
            .query("SELECT date_added FROM objects ORDER BY seq", &[])
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        assert!(by_seq.windows(2).all(|w| w[0] < w[1]));
    }
}

pg_test! {
    async fn a_writer_waits_for_the_one_before_it_to_commit() {
        let db = TestDb::new().await;
        let (_w, c, org, user) = producer(db.open().await).await;
        // Another app node is in the middle of an insert: it holds the clock row.
        let mut other = db.client().await;
        let tx = other.transaction().await.unwrap();
        tx.execute("SELECT last_added FROM intel_clock WHERE id = 1 FOR UPDATE", &[])
            .await
            .unwrap();
        tx.execute(
            "UPDATE intel_clock SET last_added = $1 WHERE id = 1",
            &[&(T + time::Duration::hours(1))],
        )
        .await
        .unwrap();
        let node = db.open().await;
        let writer = tokio::spawn(async move {
            node.insert_objects(&[object(c.id, org, user, &indicator_id(), Tlp::Green)], T)
                .await
                .unwrap()
        });
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert!(!writer.is_finished(), "the writer did not wait for the clock row");
        tx.commit().await.unwrap();
        // It then follows what the other committed, not its own (earlier) clock.
        let r = writer.await.unwrap();
        assert_eq!(stored(&r), vec![T + time::Duration::hours(1) + micros(1)]);
    }
}

pg_test! {
    async fn date_added_never_goes_back_and_skips_what_is_held() {
        let db = TestDb::new().await;
        let (w, c, org, user) = producer(db.open().await).await;
        let a = object(c.id, org, user, &indicator_id(), Tlp::Green);
        let b = object(c.id, org, user, &indicator_id(), Tlp::Green);
        let r = w.store.insert_objects(std::slice::from_ref(&a), T).await.unwrap();
        assert_eq!(r, vec![Inserted::Stored(T)]);
        // A node whose clock is an hour behind; `a` again, and `b` twice in one batch.
        let node = db.open().await;
        let r = node
            .insert_objects(&[a.clone(), b.clone(), b.clone()], T - time::Duration::hours(1))
            .await
            .unwrap();
        assert_eq!(
            r,
            vec![Inserted::AlreadyStored, Inserted::Stored(T + micros(1)), Inserted::AlreadyStored]
        );
        // Nanoseconds are cut, as core's clock does: what is answered is what is read back.
        let r = node.insert_objects(&[object(c.id, org, user, &indicator_id(), Tlp::Green)],
            T + time::Duration::seconds(1) + time::Duration::nanoseconds(999)).await.unwrap();
        assert_eq!(r, vec![Inserted::Stored(T + time::Duration::seconds(1))]);
        let v = viewing(&w.principal(user).await);
        let listed = w.store.list_objects(&v, &all(Order::OldestFirst)).await.unwrap();
        let times: Vec<_> = listed.iter().map(|o| o.date_added).collect();
        assert_eq!(times, vec![T, T + micros(1), T + time::Duration::seconds(1)]);
        assert_eq!(listed[0].json, a.json);
        // An empty batch and a batch of held versions store nothing and move no clock.
        assert!(node.insert_objects(&[], T).await.unwrap().is_empty());
        assert_eq!(node.insert_objects(&[b], T).await.unwrap(), vec![Inserted::AlreadyStored]);
        let last: Option<OffsetDateTime> = db.client().await
            .query_one("SELECT last_added FROM intel_clock", &[]).await.unwrap().get(0);
        assert_eq!(last, Some(T + time::Duration::seconds(1)));
    }
}

pg_test! {
    async fn text_search_takes_any_input_as_words() {
        let db = TestDb::new().await;
        let (w, c, org, user) = producer(db.open().await).await;
        let mut phish = object(c.id, org, user, &indicator_id(), Tlp::Green);
        phish.text = "Phishing kit\nhttps://bank-login-verify.example/login\n\
                      [domain-name:value = 'bank-login-verify.example']"
            .into();
        let mut other = object(c.id, org, user, &indicator_id(), Tlp::Green);
        other.text = "Scam call centre\n+66 2 123 4567\nÜBER straße".into();
        w.store.insert_objects(&[phish.clone(), other.clone()], T).await.unwrap();
        let v = viewing(&w.principal(user).await);
        let search = |text: &str| ObjectQuery {
            text: Some(text.to_owned()),
            ..all(Order::NewestFirst)
        };
        let found = |text: &'static str| {
            let (store, v) = (&w.store, &v);
            async move {
                let q = search(text);
                let listed = store.list_objects(v, &q).await;
                let listed = listed.unwrap_or_else(|e| panic!("{text:?}: {e}"));
                let n = store.count_objects(v, &q).await;
                let n = n.unwrap_or_else(|e| panic!("{text:?}: {e}"));
                assert_eq!(n, listed.len() as u64, "{text:?}");
                listed.into_iter().map(|o| o.stix_id).collect::<Vec<_>>()
            }
        };
        let hostile = [
            "", " ", "'", "\"", "''", "&|!():*", "& | ! ( ) : *", "a & | b", "!!!", "<->", "<2>",
            "\\", "foo:*", "foo:*A", "(((", ")))", "'; DROP TABLE objects; --", "\"unterminated",
            "phishing & !kit", "phishing | kit", "-kit", "OR", "AND NOT", "\0", "phish\0ing",
            "%_", "$1", "::", "😀", "ไทย",
        ];
        for text in hostile {
            found(text).await;
        }
        // Too many words for PostgreSQL to build one query of: the first ones are searched for.
        let long = format!("phishing {}", "kit ".repeat(50_000));
        let listed = w.store.list_objects(&v, &search(&long)).await.unwrap();
        assert_eq!(listed.len(), 1);
        let long = "ไทย".repeat(50_000);
        assert!(w.store.list_objects(&v, &search(&long)).await.unwrap().is_empty());
        // Blank text does not filter; text of no words finds nothing.
        let both = BTreeSet::from([phish.stix_id.clone(), other.stix_id.clone()]);
        for blank in ["", " \t ", "\0", " \n\u{1}"] {
            assert_eq!(found(blank).await.into_iter().collect::<BTreeSet<_>>(), both, "{blank:?}");
        }
        assert_eq!(found("&|!():*").await, Vec::<String>::new());
        // Words are found whatever the case and punctuation around them; all must occur.
        assert_eq!(found("phishing").await, vec![phish.stix_id.clone()]);
        assert_eq!(found("LOGIN").await, vec![phish.stix_id.clone()]);
        assert_eq!(found("bank-login-verify.example").await, vec![phish.stix_id.clone()]);
        assert_eq!(found("'bank-login-verify.example'").await, vec![phish.stix_id.clone()]);
        assert_eq!(found("phishing & !kit").await, vec![phish.stix_id.clone()]);
        assert_eq!(found("phishing scam").await, Vec::<String>::new());
        assert_eq!(found("über").await, vec![other.stix_id.clone()]);
        assert_eq!(found("4567").await, vec![other.stix_id.clone()]);
    }
}

pg_test! {
    async fn the_sql_filter_agrees_with_the_truth_table_on_every_row() {
        let db = TestDb::new().await;
        let mut w = World::new(db.open().await).await;
        let producer = w.org().await;
        let member = w.org().await;
        let partner = w.org().await;
        let outsider = w.org().await;
        let community = w.community(vec![producer, member]).await;
        let _other_community = w.community(vec![outsider]).await;
        let p_user = w.user(producer).await;
        let m_user = w.user(member).await;
        let partner_user = w.user(partner).await;
        let named = w.user(outsider).await;
        let o_user = w.user(outsider).await;
        let collections = [
            w.collection(Audience::Community { community }).await,
            w.collection(Audience::Orgs { orgs: vec![producer, partner] }).await,
            w.collection(Audience::Users { users: vec![named, m_user] }).await,
        ];
        let recipient_sets = [vec![], vec![named], vec![partner_user, o_user]];
        let mut batch = Vec::new();
        let mut facts = Vec::new();
        for c in &collections {
            for tlp in Tlp::ALL {
                for recipients in &recipient_sets {
                    let mut o = object(c.id, producer, p_user, &indicator_id(), tlp);
                    o.recipients = recipients.clone();
                    facts.push((
                        o.stix_id.clone(),
                        SharingFacts {
                            producer_org: producer,
                            tlp,
                            recipients: recipients.clone(),
                            audience: c.audience.clone(),
                        },
                    ));
                    batch.push(o);
                }
            }
        }
        w.store.insert_objects(&batch, T).await.unwrap();
        for viewer in [p_user, m_user, partner_user, named, o_user] {
            let v = viewing(&w.principal(viewer).await);
            let expected: BTreeSet<&str> = facts
                .iter()
                .filter(|(_, f)| visible(&v, f))
                .map(|(id, _)| id.as_str())
                .collect();
            for c in [None, Some(collections[1].id)] {
                let q = ObjectQuery { collection: c, ..all(Order::NewestFirst) };
                let listed = w.store.list_objects(&v, &q).await.unwrap();
                let got: BTreeSet<&str> = listed.iter().map(|o| o.stix_id.as_str()).collect();
                let want: BTreeSet<&str> = expected
                    .iter()
                    .copied()
                    .filter(|id| {
                        c.is_none()
                            || batch.iter().any(|o| o.stix_id == *id && Some(o.collection) == c)
                    })
                    .collect();
                assert_eq!(got, want, "viewer {viewer:?}, collection {c:?}");
                assert_eq!(w.store.count_objects(&v, &q).await.unwrap(), want.len() as u64);
            }
        }
        // The operator sees no shared object.
        let op = Principal::operator("root");
        let v = viewing(&op);
        assert!(w.store.list_objects(&v, &all(Order::NewestFirst)).await.unwrap().is_empty());
        assert_eq!(w.store.count_objects(&v, &all(Order::NewestFirst)).await.unwrap(), 0);
    }
}

pg_test! {
    async fn filters_latest_versions_and_cursor_pages_are_sql() {
        let db = TestDb::new().await;
        let mut w = World::new(db.open().await).await;
        let producer = w.org().await;
        let outsider = w.org().await;
        let p_user = w.user(producer).await;
        let named = w.user(outsider).await;
        let o_user = w.user(outsider).await;
        let c = w.collection(Audience::Orgs { orgs: vec![producer] }).await;
        let d = w.collection(Audience::Orgs { orgs: vec![producer] }).await;

        // One id in three versions: CLEAR, then RED for `named` only, then AMBER (the producer's).
        let id = indicator_id();
        let mut versions = Vec::new();
        let specs = [(Tlp::Clear, vec![]), (Tlp::Red, vec![named]), (Tlp::Amber, vec![])];
        for (i, (tlp, recipients)) in specs.into_iter().enumerate() {
            let mut o = object(c.id, producer, p_user, &id, tlp);
            o.version = T + time::Duration::seconds(i as i64);
            o.recipients = recipients;
            o.revoked = i == 2;
            versions.push(o);
        }
        // The same id in another collection is another object.
        let mut elsewhere = object(d.id, producer, p_user, &id, Tlp::Clear);
        elsewhere.version = T - time::Duration::days(1);
        // Twenty CLEAR objects of two types, with observables, for the other filters and paging.
        let mut many = Vec::new();
        for i in 0..20 {
            let mut o = object(c.id, producer, p_user, &indicator_id(), Tlp::Clear);
            if i % 2 == 1 {
                o.stix_type = "domain-name".into();
                o.stix_id = format!("domain-name--{}", Uuid::new_v4());
            }
            o.observables = vec![format!("domain|d{}.example", i % 5), "ipv4|192.0.2.1".into()];
            o.pap = (i == 0).then_some(simpul_core::intel::Pap::Red);
            many.push(o);
        }
        let mut batch = versions.clone();
        batch.push(elsewhere.clone());
        batch.extend(many.iter().cloned());
        w.store.insert_objects(&batch, T).await.unwrap();

        let latest = |v: &Visibility, q: ObjectQuery| {
            let (store, v, id) = (&w.store, v.clone(), id.clone());
            async move {
                let q = ObjectQuery { ids: vec![id], latest_only: true, ..q };
                let listed = store.list_objects(&v, &q).await.unwrap();
                assert_eq!(store.count_objects(&v, &q).await.unwrap(), listed.len() as u64);
                listed.into_iter().map(|o| (o.collection, o.tlp)).collect::<Vec<_>>()
            }
        };
        let base = all(Order::NewestFirst);
        let v_p = viewing(&w.principal(p_user).await);
        let v_named = viewing(&w.principal(named).await);
        let v_out = viewing(&w.principal(o_user).await);
        // The newest version of each object, for those it admits: the AMBER version of the
        // producer's organisation hides the object from the recipient of the RED version and from
        // the outsider who saw the CLEAR one.
        let mut want = vec![(c.id, Tlp::Amber), (d.id, Tlp::Clear)];
        want.sort();
        let mut got = latest(&v_p, base.clone()).await;
        got.sort();
        assert_eq!(got, want);
        assert_eq!(latest(&v_named, base.clone()).await, vec![(d.id, Tlp::Clear)]);
        let in_c = ObjectQuery { collection: Some(c.id), ..base.clone() };
        assert_eq!(latest(&v_out, in_c.clone()).await, vec![]);
        // Filters apply to the newest version, never choose an older one instead.
        let not_revoked = ObjectQuery { revoked: Some(false), ..in_c.clone() };
        assert_eq!(latest(&v_p, not_revoked).await, vec![]);
        let red = ObjectQuery { tlp: Some(Tlp::Red), ..in_c.clone() };
        assert_eq!(latest(&v_named, red.clone()).await, vec![]);
        assert_eq!(latest(&v_p, red).await, vec![]);
        // The recipients are read back with the version.
        let q = ObjectQuery { ids: vec![id.clone()], tlp: Some(Tlp::Red), ..base.clone() };
        let red_version = w.store.list_objects(&v_named, &q).await.unwrap();
        assert_eq!(red_version.len(), 1);
        assert_eq!(red_version[0].recipients, vec![named]);
        assert_eq!(red_version[0].version, T + time::Duration::seconds(1));

        let q = |f: fn(&mut ObjectQuery)| {
            let mut q = base.clone();
            f(&mut q);
            q
        };
        #[rustfmt::skip]
        let cases: Vec<(ObjectQuery, u64)> = vec![
            (base.clone(), 22), // the twenty, v1 (CLEAR) and the one elsewhere
            (q(|q| q.types = vec!["domain-name".into()]), 10),
            (q(|q| q.types = vec!["domain-name".into(), "indicator".into()]), 22),
            (q(|q| q.observables = vec!["domain|d3.example".into()]), 4),
            (q(|q| q.observables = vec!["ipv4|192.0.2.1".into()]), 20),
            (q(|q| q.observables = vec!["ipv4|192.0.2.2".into()]), 0),
            (q(|q| q.observables = vec!["domain|d3.example".into(), "domain|d4.example".into()]), 8),
            (q(|q| q.tlp = Some(Tlp::Amber)), 0),
            (q(|q| q.revoked = Some(true)), 0),
            (q(|q| q.collection = Some(CollectionId(Uuid::nil()))), 0),
            // T, T+1µs and T+2µs are the three versions of `id`; the one elsewhere is next.
            (q(|q| q.added_after = Some(T + micros(2))), 21),
            (q(|q| q.added_after = Some(T + micros(30))), 0),
        ];
        for (i, (query, n)) in cases.into_iter().enumerate() {
            assert_eq!(w.store.count_objects(&v_out, &query).await.unwrap(), n, "case {i}");
            let listed = w.store.list_objects(&v_out, &query).await.unwrap();
            assert_eq!(listed.len() as u64, n, "case {i}");
        }
        let by = |org: OrgId| ObjectQuery { producer_org: Some(org), ..base.clone() };
        assert_eq!(w.store.count_objects(&v_out, &by(outsider)).await.unwrap(), 0);
        assert_eq!(w.store.count_objects(&v_out, &by(producer)).await.unwrap(), 22);
        let in_d = ObjectQuery { collection: Some(d.id), ..base.clone() };
        assert_eq!(w.store.count_objects(&v_out, &in_d).await.unwrap(), 1);
        let first = ObjectQuery { ids: vec![many[0].stix_id.clone()], ..base.clone() };
        let first = w.store.list_objects(&v_out, &first).await.unwrap();
        assert_eq!(first[0].pap, Some(simpul_core::intel::Pap::Red));
        assert_eq!(first[0].json, many[0].json);

        // Pages of 6 by cursor, both ways: every object once, in order; count ignores the cursor.
        for order in [Order::NewestFirst, Order::OldestFirst] {
            let mut pages: Vec<StoredObject> = Vec::new();
            loop {
                let q = ObjectQuery {
                    after_cursor: pages.last().map(|o| o.date_added),
                    limit: 6,
                    ..all(order)
                };
                let page = w.store.list_objects(&v_out, &q).await.unwrap();
                assert!(page.len() <= 6);
                assert_eq!(w.store.count_objects(&v_out, &q).await.unwrap(), 22);
                if page.is_empty() {
                    break;
                }
                pages.extend(page);
            }
            assert_eq!(pages.len(), 22);
            let mut times: Vec<_> = pages.iter().map(|o| o.date_added).collect();
            if order == Order::NewestFirst {
                times.reverse();
            }
            assert!(times.windows(2).all(|w| w[0] < w[1]), "{order:?}");
        }
    }
}
