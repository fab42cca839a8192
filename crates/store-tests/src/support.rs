//! What the stories share: unique names, fixed times to the microsecond, domain values and audit
//! events, signed-in viewers, a paged read of shared objects, and a few assertions.

use simpul_core::access::{Action, AuthMethod, Principal, UserPrincipal, Visibility, authorize};
use simpul_core::audit::{AuditAction, AuditEntry, AuditEvent};
use simpul_core::country::Country;
use simpul_core::intel::store::{ObjectQuery, Order, StoredObject};
use simpul_core::intel::{Audience, Collection, CollectionId, Tlp};
use simpul_core::org::{OrgId, OrgKind, OrgStatus, Organisation, ShortName};
use simpul_core::user::{
    Community, CommunityId, CommunityName, Email, Role, User, UserId, UserStatus,
};
use simpul_core::{Store, StoreError};
use time::OffsetDateTime;

/// A fresh lower-case tag starting with a letter, to name what one story run makes.
pub(crate) fn tag() -> String {
    format!("t{}", &uuid::Uuid::new_v4().simple().to_string()[..8])
}

/// A fixed instant with every microsecond digit set, plus `secs` seconds.
pub(crate) fn at(secs: i64) -> OffsetDateTime {
    time::macros::datetime!(2026-11-28 01:02:03.456789 UTC) + time::Duration::seconds(secs)
}

pub(crate) fn short(s: &str) -> ShortName {
    ShortName::parse(s).unwrap()
}

pub(crate) fn email(s: &str) -> Email {
    Email::parse(s).unwrap()
}

pub(crate) fn country(s: &str) -> Country {
    Country::parse(s).unwrap()
}

/// An active organisation.
pub(crate) fn org(short_name: &str, kind: OrgKind, country: Option<&str>) -> Organisation {
    Organisation {
        id: OrgId::new_random(),
        name: format!("The {short_name} team"),
        short_name: short(short_name),
        kind,
        country: country.map(self::country),
        status: OrgStatus::Active,
        created_at: at(1),
    }
}

/// An active user.
pub(crate) fn user(org: OrgId, address: &str, role: Role) -> User {
    User {
        id: UserId::new_random(),
        email: email(address),
        display_name: format!("User {address}"),
        org_id: org,
        role,
        status: UserStatus::Active,
        created_at: at(2),
    }
}

/// An event by the operator about `target`.
pub(crate) fn event(action: AuditAction, target: &str, target_org: Option<OrgId>) -> AuditEvent {
    AuditEvent {
        at: at(3),
        actor: "cli:story".into(),
        actor_org: None,
        source: None,
        action,
        target: Some(target.to_owned()),
        target_org,
        details: serde_json::json!({ "story": target }),
    }
}

/// Writes `org` (audited).
pub(crate) async fn insert_org(store: &dyn Store, org: &Organisation) {
    let target = format!("org:{}", org.short_name);
    let e = event(AuditAction::OrgCreate, &target, Some(org.id));
    store.insert_org(org, &e).await.unwrap();
}

/// Writes `user` with a dummy hash (audited).
pub(crate) async fn insert_user(store: &dyn Store, user: &User) {
    let target = format!("user:{}", user.id);
    let e = event(AuditAction::UserCreate, &target, Some(user.org_id));
    let hash = format!("hash-of-{}", user.email);
    store.insert_user(user, &hash, &e).await.unwrap();
}

/// The newest entry's sequence number (0 for an empty log).
pub(crate) async fn last_seq(store: &dyn Store) -> i64 {
    let newest = store.list_audit(None, None, 1).await.unwrap();
    newest.first().map_or(0, |e| e.seq)
}

/// Every entry after `seq`, oldest first, read in pages.
pub(crate) async fn entries_after(store: &dyn Store, seq: i64) -> Vec<AuditEntry> {
    let mut out: Vec<AuditEntry> = Vec::new();
    loop {
        let after = out.last().map_or(seq, |e| e.seq);
        let page = store.audit_after(after, 100).await.unwrap();
        if page.is_empty() {
            return out;
        }
        assert!(
            page.len() <= 100,
            "audit_after returned more than its limit"
        );
        assert!(
            page[0].seq > after
                && strictly_increasing(&page.iter().map(|e| e.seq).collect::<Vec<_>>()),
            "audit_after({after}) returned {:?}",
            page.iter().map(|e| e.seq).collect::<Vec<_>>()
        );
        out.extend(page);
    }
}

/// The actions and targets of the entries after `seq`, oldest first.
pub(crate) async fn written_after(store: &dyn Store, seq: i64) -> Vec<(String, Option<String>)> {
    entries_after(store, seq)
        .await
        .into_iter()
        .map(|e| (e.action, e.target))
        .collect()
}

/// `(action, target)` as [`written_after`] reports it.
pub(crate) fn wrote(action: AuditAction, target: &str) -> (String, Option<String>) {
    (action.as_str().to_owned(), Some(target.to_owned()))
}

pub(crate) fn assert_duplicate<T: std::fmt::Debug>(r: Result<T, StoreError>, what: &str) {
    assert!(
        matches!(r, Err(StoreError::Duplicate(_))),
        "{what}: expected StoreError::Duplicate, got {r:?}"
    );
}

/// The whole chain verifies and holds every entry.
pub(crate) async fn assert_chain_verifies(store: &dyn Store) {
    let all = entries_after(store, 0).await;
    let verified = simpul_core::audit::verify(&all).unwrap();
    assert_eq!(verified, all.len() as i64);
    assert_eq!(verified, last_seq(store).await, "no gaps");
}

/// Whether `v` is strictly increasing (sorted, no duplicates).
pub(crate) fn strictly_increasing<T: PartialOrd>(v: &[T]) -> bool {
    v.windows(2).all(|w| w[0] < w[1])
}

/// `user` of `org` signed in (by session), their organisation in `communities`.
pub(crate) fn signed_in(
    user: &User,
    org: &Organisation,
    communities: Vec<CommunityId>,
) -> Principal {
    Principal::User(Box::new(UserPrincipal {
        user: user.clone(),
        org: org.clone(),
        communities,
        method: AuthMethod::Session {
            csrf_token: "csrf".into(),
        },
        source: None,
    }))
}

/// Whose eyes a read of shared objects by `p` is for, as the service decides it.
pub(crate) fn visibility(p: &Principal) -> Visibility {
    Visibility::of(&authorize(p, Action::ReadIntel).unwrap())
}

/// Every object version `v` sees of `q`, read in pages of `q.limit` from `q.after_cursor` on: no page
/// longer than the limit, none short but the last (the read after a short page finds nothing), and
/// `date_added` strictly in `q.order` across all of them.
pub(crate) async fn list_all(
    store: &dyn Store,
    v: &Visibility,
    q: &ObjectQuery,
) -> Vec<StoredObject> {
    let mut out: Vec<StoredObject> = Vec::new();
    let mut cursor = q.after_cursor;
    loop {
        let page_q = ObjectQuery {
            after_cursor: cursor,
            ..q.clone()
        };
        let page = store.list_objects(v, &page_q).await.unwrap();
        assert!(
            page.len() <= q.limit as usize,
            "a page of {} rows for limit {}",
            page.len(),
            q.limit
        );
        let short = page.len() < q.limit as usize;
        out.extend(page);
        let added: Vec<OffsetDateTime> = out.iter().map(|o| o.date_added).collect();
        let in_order = match q.order {
            Order::NewestFirst => added.windows(2).all(|w| w[0] > w[1]),
            Order::OldestFirst => strictly_increasing(&added),
        };
        assert!(in_order, "date_added out of {:?} order: {added:?}", q.order);
        cursor = out.last().map(|o| o.date_added);
        if short {
            let after = ObjectQuery {
                after_cursor: cursor,
                ..q.clone()
            };
            let more = store.list_objects(v, &after).await.unwrap();
            assert!(
                more.is_empty(),
                "a short page of a listing that had {} more rows",
                more.len()
            );
            return out;
        }
        assert!(out.len() < 1_000_000, "the listing does not end");
    }
}

/// Three organisations with an analyst each: a producer (Alice) and a member (Bob) of one
/// community, and an outsider (Carol) — the world most sharing stories start from.
pub(crate) struct Region {
    pub producer: Organisation,
    pub member: Organisation,
    pub outsider: Organisation,
    pub alice: User,
    pub bob: User,
    pub carol: User,
    pub community: Community,
}

impl Region {
    /// Stores the region, its names made unique by `t`.
    pub(crate) async fn insert(store: &dyn Store, t: &str) -> Self {
        let producer = org(&format!("{t}-prod"), OrgKind::NationalCert, Some("SG"));
        let member = org(&format!("{t}-memb"), OrgKind::NationalCert, Some("MY"));
        let outsider = org(&format!("{t}-out"), OrgKind::Other, None);
        for o in [&producer, &member, &outsider] {
            insert_org(store, o).await;
        }
        let alice = user(producer.id, &format!("alice@{t}.example"), Role::Analyst);
        let bob = user(member.id, &format!("bob@{t}.example"), Role::Analyst);
        let carol = user(outsider.id, &format!("carol@{t}.example"), Role::Analyst);
        for u in [&alice, &bob, &carol] {
            insert_user(store, u).await;
        }
        let community = Community {
            id: CommunityId(uuid::Uuid::new_v4()),
            name: CommunityName::parse(&format!("{t}-region")).unwrap(),
            description: String::new(),
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
            alice,
            bob,
            carol,
            community,
        }
    }

    /// Stores a collection shared with the community, default TLP AMBER.
    pub(crate) async fn collection(&self, store: &dyn Store, title: &str) -> Collection {
        let c = Collection {
            id: CollectionId(uuid::Uuid::new_v4()),
            title: title.to_owned(),
            alias: None,
            description: String::new(),
            audience: Audience::Community {
                community: self.community.id,
            },
            default_tlp: Tlp::Amber,
            read_only_orgs: Vec::new(),
            created_at: at(20),
        };
        let e = event(
            AuditAction::CollectionCreate,
            &format!("collection:{}", c.id),
            None,
        );
        store.insert_collection(&c, &e).await.unwrap();
        c
    }

    /// What each of the three sees: the producer and the member as community members.
    pub(crate) fn viewers(&self) -> [Visibility; 3] {
        let c = vec![self.community.id];
        [
            visibility(&signed_in(&self.alice, &self.producer, c.clone())),
            visibility(&signed_in(&self.bob, &self.member, c)),
            visibility(&signed_in(&self.carol, &self.outsider, vec![])),
        ]
    }
}
