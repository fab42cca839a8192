//! Contacts: round trip, update, delete (each audited in the same transaction), the query filters,
//! the e-mail lookup, and listing under a reader's filter equal to the in-memory decision.

use simpul_core::Store;
use simpul_core::access::directory::{DirectoryFilter, DirectoryView};
use simpul_core::access::{Action, authorize};
use simpul_core::audit::AuditAction;
use simpul_core::contacts::store::{ContactQuery, LIST_MAX};
use simpul_core::contacts::{Contact, ContactId, ContactKind, DirectoryVisibility, Handle};
use simpul_core::org::{OrgId, OrgKind};
use simpul_core::user::Role;

use crate::support::{
    at, email, event, insert_org, insert_user, last_seq, org, signed_in, tag, user, written_after,
    wrote,
};

fn contact(
    org: OrgId,
    name: &str,
    kinds: &[ContactKind],
    v: DirectoryVisibility,
    mail: &str,
) -> Contact {
    Contact {
        id: ContactId::new_random(),
        org_id: org,
        name: name.into(),
        mailbox: false,
        kinds: kinds.to_vec(),
        emails: vec![email(mail)],
        phones: vec!["+6562110000".into()],
        handles: vec![Handle {
            network: "signal".into(),
            handle: "@duty".into(),
        }],
        pgp_key: None,
        languages: vec!["en".into()],
        availability: Some("24/7".into()),
        last_verified: None,
        visibility: v,
        created_at: at(1_000),
        updated_at: at(1_000),
    }
}

fn query() -> ContactQuery {
    ContactQuery {
        limit: LIST_MAX,
        ..Default::default()
    }
}

pub async fn contacts(store: &dyn Store) {
    use ContactKind::*;
    use DirectoryVisibility::*;
    let t = tag();
    let member = org(&format!("{t}-m"), OrgKind::NationalCert, Some("SG"));
    let partner = org(&format!("{t}-p"), OrgKind::Industry, None);
    for o in [&member, &partner] {
        insert_org(store, o).await;
    }
    let start = last_seq(store).await;
    let mut all: Vec<Contact> = Vec::new();
    for (i, (o, v)) in [
        (&member, Members),
        (&member, Partners),
        (&member, Public),
        (&partner, Members),
        (&partner, Public),
    ]
    .into_iter()
    .enumerate()
    {
        let kinds: &[ContactKind] = if i % 2 == 0 {
            &[Duty24x7]
        } else {
            &[TechnicalPoc, HeadOfTeam]
        };
        let c = contact(
            o.id,
            &format!("{t} Person {i}"),
            kinds,
            v,
            &format!("p{i}.{t}@Cert.example"),
        );
        store
            .insert_contact(
                &c,
                &event(
                    AuditAction::ContactCreate,
                    &format!("contact:{}", c.id),
                    Some(o.id),
                ),
            )
            .await
            .unwrap();
        all.push(c);
    }
    // Round trip, whole.
    for c in &all {
        assert_eq!(
            store.get_contact(c.id, None).await.unwrap().as_ref(),
            Some(c)
        );
    }
    assert_eq!(
        store
            .get_contact(ContactId::new_random(), None)
            .await
            .unwrap(),
        None
    );

    // Filters: org, kind, q (name or e-mail, any case), ids.
    let mine = |q: ContactQuery| async move {
        let mut ids: Vec<ContactId> = store
            .list_contacts(None, &q)
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.id)
            .collect();
        ids.sort();
        ids
    };
    let ids = |pick: &dyn Fn(&Contact) -> bool| {
        let mut v: Vec<ContactId> = all.iter().filter(|c| pick(c)).map(|c| c.id).collect();
        v.sort();
        v
    };
    let ours = Some(vec![member.id, partner.id]);
    assert_eq!(
        mine(ContactQuery {
            orgs: Some(vec![member.id]),
            ..query()
        })
        .await,
        ids(&|c| c.org_id == member.id)
    );
    assert_eq!(
        mine(ContactQuery {
            orgs: ours.clone(),
            kinds: vec![HeadOfTeam],
            ..query()
        })
        .await,
        ids(&|c| c.kinds.contains(&HeadOfTeam))
    );
    assert_eq!(
        mine(ContactQuery {
            orgs: ours.clone(),
            q: Some(format!("{t} PERSON 3")),
            ..query()
        })
        .await,
        ids(&|c| c.name.ends_with(" 3"))
    );
    assert_eq!(
        mine(ContactQuery {
            orgs: ours.clone(),
            q: Some(format!("P4.{t}@")),
            ..query()
        })
        .await,
        ids(&|c| c.name.ends_with(" 4"))
    );
    assert_eq!(
        mine(ContactQuery {
            ids: Some(vec![all[1].id]),
            ..query()
        })
        .await,
        vec![all[1].id]
    );
    // Paging: limit and offset, ordered by organisation, name, id.
    let page = |offset| ContactQuery {
        orgs: ours.clone(),
        limit: 2,
        offset,
        ..query()
    };
    let mut paged = Vec::new();
    for off in [0, 2, 4] {
        let p = store.list_contacts(None, &page(off)).await.unwrap();
        assert!(p.len() <= 2);
        paged.extend(p.into_iter().map(|c| c.id));
    }
    paged.sort();
    assert_eq!(paged, ids(&|_| true));

    // Who an e-mail address is (any case).
    assert_eq!(
        store
            .contact_ids_for_email(&format!("p2.{t}@cert.example"))
            .await
            .unwrap(),
        vec![all[2].id]
    );
    assert!(
        store
            .contact_ids_for_email(&format!("2.{t}@cert.example"))
            .await
            .unwrap()
            .is_empty()
    );

    // Listing under a reader's filter equals the in-memory decision, for member, partner and
    // anonymous readers, over every row of the store.
    let mu = user(member.id, &format!("m.{t}@x.org"), Role::ReadOnly);
    let pu = user(partner.id, &format!("p.{t}@x.org"), Role::SiteAdmin);
    for u in [&mu, &pu] {
        insert_user(store, u).await;
    }
    let views = [
        DirectoryView::of(
            &authorize(&signed_in(&mu, &member, vec![]), Action::ReadDirectory).unwrap(),
        )
        .filter()
        .clone(),
        DirectoryView::of(
            &authorize(&signed_in(&pu, &partner, vec![]), Action::ReadDirectory).unwrap(),
        )
        .filter()
        .clone(),
        DirectoryFilter {
            visibilities: &[Public],
            own_org: None,
        },
    ];
    let everything = store.list_contacts(None, &query()).await.unwrap();
    for f in &views {
        let mut seen: Vec<ContactId> = store
            .list_contacts(Some(f), &query())
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.id)
            .collect();
        seen.sort();
        let mut want: Vec<ContactId> = everything
            .iter()
            .filter(|c| f.admits(c.org_id, c.visibility))
            .map(|c| c.id)
            .collect();
        want.sort();
        assert_eq!(seen, want, "{f:?}");
        for c in &all {
            assert_eq!(
                store.get_contact(c.id, Some(f)).await.unwrap().is_some(),
                f.admits(c.org_id, c.visibility)
            );
        }
    }

    // Update and delete, audited.
    let mut changed = all[0].clone();
    changed.name = format!("{t} Renamed");
    changed.visibility = Public;
    changed.last_verified = Some(at(2_000));
    changed.updated_at = at(2_000);
    let target = format!("contact:{}", changed.id);
    assert!(
        store
            .update_contact(
                &changed,
                &event(AuditAction::ContactUpdate, &target, Some(member.id))
            )
            .await
            .unwrap()
    );
    assert_eq!(
        store.get_contact(changed.id, None).await.unwrap(),
        Some(changed.clone())
    );
    assert!(
        store
            .delete_contact(
                changed.id,
                &event(AuditAction::ContactDelete, &target, Some(member.id))
            )
            .await
            .unwrap()
    );
    assert_eq!(store.get_contact(changed.id, None).await.unwrap(), None);
    // Nothing to change or delete: no audit entry either.
    let before = last_seq(store).await;
    assert!(
        !store
            .update_contact(&changed, &event(AuditAction::ContactUpdate, &target, None))
            .await
            .unwrap()
    );
    assert!(
        !store
            .delete_contact(
                changed.id,
                &event(AuditAction::ContactDelete, &target, None)
            )
            .await
            .unwrap()
    );
    assert_eq!(last_seq(store).await, before);
    let written = written_after(store, start).await;
    for want in [
        wrote(AuditAction::ContactCreate, &target),
        wrote(AuditAction::ContactUpdate, &target),
        wrote(AuditAction::ContactDelete, &target),
    ] {
        assert!(written.contains(&want), "{want:?}");
    }
}
