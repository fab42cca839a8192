//! The directory: organisations and sharing communities.

use simpul_core::Store;
use simpul_core::audit::AuditAction;
use simpul_core::org::{OrgId, OrgKind, OrgStatus, Organisation};
use simpul_core::user::{Community, CommunityId, CommunityName};

use crate::support::{
    assert_duplicate, at, country, event, insert_org, last_seq, org, short, strictly_increasing,
    tag, written_after, wrote,
};

/// Organisations round-trip, are found by short name in any case, are unique case-insensitively and
/// listed by short name case-insensitively; updates write only what they may; communities keep their
/// members once, ordered by org id, listed by name in one query.
pub async fn directory(store: &dyn Store) {
    let t = tag();
    let start = last_seq(store).await;

    // Create three, read each back whole (timestamps to the microsecond, `None` country included).
    let alpha = org(&format!("{t}-alpha"), OrgKind::NationalCert, Some("SG"));
    let bravo = org(&format!("{t}-Bravo"), OrgKind::Other, None);
    let charlie = org(&format!("{t}-CHARLIE"), OrgKind::SectorCert, Some("MY"));
    for o in [&bravo, &charlie, &alpha] {
        insert_org(store, o).await;
    }
    for o in [&alpha, &bravo, &charlie] {
        assert_eq!(store.get_org(o.id).await.unwrap().as_ref(), Some(o));
    }
    assert_eq!(store.get_org(OrgId::new_random()).await.unwrap(), None);

    // By short name, whatever its case.
    let upper = short(&alpha.short_name.as_str().to_uppercase());
    let lower = short(&charlie.short_name.as_str().to_lowercase());
    assert_eq!(
        store.get_org_by_short_name(&upper).await.unwrap(),
        Some(alpha.clone())
    );
    assert_eq!(
        store.get_org_by_short_name(&lower).await.unwrap(),
        Some(charlie.clone())
    );
    let unknown = short(&format!("{t}-delta"));
    assert_eq!(store.get_org_by_short_name(&unknown).await.unwrap(), None);

    // A duplicate short name in another case, or a duplicate id, is refused, audit entry included.
    let before = last_seq(store).await;
    let dup = Organisation {
        id: OrgId::new_random(),
        short_name: short(&bravo.short_name.as_str().to_uppercase()),
        ..alpha.clone()
    };
    assert_duplicate(insert_dup(store, &dup).await, "short name in another case");
    let same_id = Organisation {
        short_name: short(&format!("{t}-echo")),
        ..bravo.clone()
    };
    assert_duplicate(insert_dup(store, &same_id).await, "organisation id");
    assert_eq!(
        last_seq(store).await,
        before,
        "a refused write appends no entry"
    );
    assert_eq!(store.get_org(dup.id).await.unwrap(), None);
    assert_eq!(
        store.get_org(bravo.id).await.unwrap().as_ref(),
        Some(&bravo)
    );

    // Listed by short name, case-insensitively.
    let listed = store.list_orgs().await.unwrap();
    let ours: Vec<_> = listed
        .iter()
        .filter(|o| o.short_name.as_str().starts_with(&t))
        .cloned()
        .collect();
    assert_eq!(ours, vec![alpha.clone(), bravo.clone(), charlie.clone()]);
    let keys: Vec<String> = listed
        .iter()
        .map(|o| o.short_name.as_str().to_lowercase())
        .collect();
    assert!(strictly_increasing(&keys), "{keys:?}");

    // An update writes name, kind, country and status, and nothing else.
    let changed = Organisation {
        name: "Renamed".into(),
        kind: OrgKind::Government,
        country: None,
        status: OrgStatus::Suspended,
        short_name: short(&format!("{t}-foxtrot")),
        created_at: at(999),
        ..alpha.clone()
    };
    let e = event(
        AuditAction::OrgSuspend,
        &format!("org:{}", alpha.short_name),
        Some(alpha.id),
    );
    store.update_org(&changed, &e).await.unwrap();
    let alpha = Organisation {
        short_name: alpha.short_name.clone(),
        created_at: alpha.created_at,
        ..changed
    };
    assert_eq!(
        store.get_org(alpha.id).await.unwrap().as_ref(),
        Some(&alpha)
    );
    let brought_back = Organisation {
        country: Some(country("TH")),
        status: OrgStatus::Active,
        ..alpha.clone()
    };
    let e = event(
        AuditAction::OrgReactivate,
        &format!("org:{}", alpha.short_name),
        Some(alpha.id),
    );
    store.update_org(&brought_back, &e).await.unwrap();
    assert_eq!(store.get_org(alpha.id).await.unwrap(), Some(brought_back));

    communities(store, &t, [&alpha.id, &bravo.id, &charlie.id]).await;

    // Every write above appended exactly its own entry, in order.
    let org_entry =
        |o: &Organisation| wrote(AuditAction::OrgCreate, &format!("org:{}", o.short_name));
    let community_entry = |n: &str, a| wrote(a, &format!("community:d{t}-{n}"));
    assert_eq!(
        written_after(store, start).await,
        vec![
            org_entry(&bravo),
            org_entry(&charlie),
            org_entry(&alpha),
            wrote(
                AuditAction::OrgSuspend,
                &format!("org:{}", alpha.short_name)
            ),
            wrote(
                AuditAction::OrgReactivate,
                &format!("org:{}", alpha.short_name)
            ),
            community_entry("beta", AuditAction::CommunityCreate),
            community_entry("alpha", AuditAction::CommunityCreate),
            community_entry("gamma", AuditAction::CommunityCreate),
            community_entry("beta", AuditAction::CommunityAddMembers),
            community_entry("beta", AuditAction::CommunityAddMembers),
            community_entry("alpha", AuditAction::CommunityAddMembers),
        ]
    );
}

async fn insert_dup(store: &dyn Store, o: &Organisation) -> Result<(), simpul_core::StoreError> {
    let e = event(AuditAction::OrgCreate, "org:duplicate", Some(o.id));
    store.insert_org(o, &e).await
}

fn community(t: &str, name: &str, members: Vec<OrgId>) -> Community {
    Community {
        id: CommunityId(uuid::Uuid::new_v4()),
        name: CommunityName::parse(&format!("d{t}-{name}")).unwrap(),
        description: format!("The {name} community"),
        members,
        created_at: at(10),
    }
}

async fn communities(store: &dyn Store, t: &str, [a, b, c]: [&OrgId; 3]) {
    let event_for = |c: &Community, action| event(action, &format!("community:{}", c.name), None);

    // Members given twice and out of order are kept once, ordered by org id; none is fine.
    let beta = community(t, "beta", vec![*c, *a, *c]);
    let alpha = community(t, "alpha", Vec::new());
    let gamma = community(t, "gamma", vec![*b]);
    for x in [&beta, &alpha, &gamma] {
        let e = event_for(x, AuditAction::CommunityCreate);
        store.insert_community(x, &e).await.unwrap();
    }
    let sorted = |mut v: Vec<OrgId>| {
        v.sort();
        v.dedup();
        v
    };
    let beta = Community {
        members: sorted(vec![*a, *c]),
        ..beta
    };
    let found = store.get_community_by_name(&beta.name).await.unwrap();
    assert_eq!(
        found.as_ref(),
        Some(&beta),
        "round trip, members once and ordered"
    );
    assert_eq!(
        store
            .get_community_by_name(&alpha.name)
            .await
            .unwrap()
            .as_ref(),
        Some(&alpha)
    );
    let nobody = CommunityName::parse(&format!("d{t}-delta")).unwrap();
    assert_eq!(store.get_community_by_name(&nobody).await.unwrap(), None);

    // A duplicate name is refused, audit entry included.
    let before = last_seq(store).await;
    let dup = community(t, "beta", vec![*b]);
    let e = event_for(&dup, AuditAction::CommunityCreate);
    assert_duplicate(store.insert_community(&dup, &e).await, "community name");
    assert_eq!(last_seq(store).await, before);

    // Adding members keeps the ones already in once.
    let add = |x: &Community| event_for(x, AuditAction::CommunityAddMembers);
    store
        .add_community_members(beta.id, &[*b, *a, *b], &add(&beta))
        .await
        .unwrap();
    store
        .add_community_members(beta.id, &[*c], &add(&beta))
        .await
        .unwrap();
    store
        .add_community_members(alpha.id, &[*c, *a], &add(&alpha))
        .await
        .unwrap();
    let beta = Community {
        members: sorted(vec![*a, *b, *c]),
        ..beta
    };
    let alpha = Community {
        members: sorted(vec![*a, *c]),
        ..alpha
    };

    // Listed by name, each with its members (none for a community without any).
    let listed = store.list_communities().await.unwrap();
    let ours: Vec<_> = listed
        .iter()
        .filter(|x| x.name.as_str().starts_with(&format!("d{t}-")))
        .cloned()
        .collect();
    assert_eq!(ours, vec![alpha.clone(), beta.clone(), gamma.clone()]);
    let names: Vec<&str> = listed.iter().map(|x| x.name.as_str()).collect();
    assert!(strictly_increasing(&names), "{names:?}");
    assert!(listed.iter().all(|x| strictly_increasing(&x.members)));

    // An organisation's communities, by community id.
    let of = |ids: Vec<CommunityId>| {
        let mut ids = ids;
        ids.sort();
        ids
    };
    assert_eq!(
        store.communities_of_org(*a).await.unwrap(),
        of(vec![alpha.id, beta.id])
    );
    assert_eq!(
        store.communities_of_org(*b).await.unwrap(),
        of(vec![beta.id, gamma.id])
    );
    assert_eq!(
        store.communities_of_org(*c).await.unwrap(),
        of(vec![alpha.id, beta.id])
    );
    assert_eq!(
        store.communities_of_org(OrgId::new_random()).await.unwrap(),
        vec![]
    );
}
