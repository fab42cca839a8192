//! Identity: users, their password hashes, and who holds the site-admin role.

use simpul_core::audit::AuditAction;
use simpul_core::org::{OrgId, OrgKind, OrgStatus, Organisation};
use simpul_core::token::Session;
use simpul_core::user::{Role, User, UserId, UserStatus};
use simpul_core::{Store, StoreError};

use crate::support::{
    assert_duplicate, at, email, event, insert_org, insert_user, last_seq, org,
    strictly_increasing, tag, user, written_after, wrote,
};

/// Users round-trip and are found by email in any case; emails are unique; only
/// `credentials` reads the password hash; updates write display name, role and status only;
/// disabling a user or setting their password ends their sessions (and only theirs);
/// `site_admin_orgs` counts active site-admins of active organisations, once each.
pub async fn identity(store: &dyn Store) {
    let t = tag();
    let start = last_seq(store).await;
    let home = org(&format!("{t}-home"), OrgKind::NationalCert, Some("ID"));
    let away = org(&format!("{t}-away"), OrgKind::Academia, None);
    insert_org(store, &home).await;
    insert_org(store, &away).await;

    // Three users, inserted out of email order; every field reads back.
    let bea = user(home.id, &format!("Bea.{t}@Home.example"), Role::Analyst);
    let ann = user(home.id, &format!("ann.{t}@home.example"), Role::OrgAdmin);
    let cat = user(away.id, &format!("cat.{t}@away.example"), Role::ReadOnly);
    for u in [&bea, &cat, &ann] {
        insert_user(store, u).await;
    }
    for u in [&ann, &bea, &cat] {
        assert_eq!(store.get_user(u.id).await.unwrap().as_ref(), Some(u));
    }
    assert_eq!(store.get_user(UserId::new_random()).await.unwrap(), None);

    // By email in any case; the hash only through `credentials`.
    let shouted = email(&bea.email.as_str().to_uppercase());
    assert_eq!(
        store.get_user_by_email(&shouted).await.unwrap().as_ref(),
        Some(&bea)
    );
    let (found, hash) = store.credentials(&shouted).await.unwrap().unwrap();
    assert_eq!(
        (found, hash),
        (bea.clone(), format!("hash-of-{}", bea.email))
    );
    let nobody = email(&format!("nobody.{t}@home.example"));
    assert_eq!(store.get_user_by_email(&nobody).await.unwrap(), None);
    assert_eq!(store.credentials(&nobody).await.unwrap(), None);

    // The same email in another case, or the same id, is refused, audit entry included.
    let before = last_seq(store).await;
    let dup = User {
        id: UserId::new_random(),
        ..user(away.id, &ann.email.as_str().to_uppercase(), Role::Analyst)
    };
    assert_duplicate(insert(store, &dup).await, "email in another case");
    let same_id = User {
        email: email(&format!("other.{t}@home.example")),
        ..cat.clone()
    };
    assert_duplicate(insert(store, &same_id).await, "user id");
    assert_eq!(
        last_seq(store).await,
        before,
        "a refused write appends no entry"
    );
    assert_eq!(store.get_user(dup.id).await.unwrap(), None);

    // Listed by email; by organisation when asked.
    let everyone = store.list_users(None).await.unwrap();
    let ours: Vec<_> = everyone
        .iter()
        .filter(|u| u.email.as_str().contains(&t))
        .cloned()
        .collect();
    assert_eq!(ours, vec![ann.clone(), bea.clone(), cat.clone()]);
    let emails: Vec<&str> = everyone.iter().map(|u| u.email.as_str()).collect();
    assert!(strictly_increasing(&emails), "{emails:?}");
    let at_home = store.list_users(Some(home.id)).await.unwrap();
    assert_eq!(at_home, vec![ann.clone(), bea.clone()]);
    assert_eq!(
        store.list_users(Some(OrgId::new_random())).await.unwrap(),
        vec![]
    );

    // An update writes display name, role and status, and nothing else.
    let changed = User {
        display_name: "Bea B.".into(),
        role: Role::OrgAdmin,
        email: email(&format!("moved.{t}@home.example")),
        org_id: away.id,
        created_at: at(999),
        ..bea.clone()
    };
    store
        .update_user(&changed, &user_event(AuditAction::UserUpdate, &bea))
        .await
        .unwrap();
    let bea = User {
        display_name: changed.display_name,
        role: changed.role,
        ..bea
    };
    assert_eq!(store.get_user(bea.id).await.unwrap().as_ref(), Some(&bea));

    // Disabling ends the user's sessions, not anyone else's; enabling brings none back.
    let (bea_session, ann_session) = ([1u8; 32], [2u8; 32]);
    let bea_session = unique(bea_session, &t);
    let ann_session = unique(ann_session, &t);
    sign_in(store, &bea_session, &bea).await;
    sign_in(store, &ann_session, &ann).await;
    let disabled = User {
        status: UserStatus::Disabled,
        ..bea.clone()
    };
    store
        .update_user(&disabled, &user_event(AuditAction::UserDisable, &bea))
        .await
        .unwrap();
    assert_eq!(
        store.get_session(&bea_session).await.unwrap(),
        None,
        "sessions end"
    );
    assert!(store.get_session(&ann_session).await.unwrap().is_some());
    assert_eq!(
        store.get_user(bea.id).await.unwrap().as_ref(),
        Some(&disabled)
    );
    store
        .update_user(&bea, &user_event(AuditAction::UserEnable, &bea))
        .await
        .unwrap();
    assert_eq!(store.get_session(&bea_session).await.unwrap(), None);
    assert_eq!(store.get_user(bea.id).await.unwrap().as_ref(), Some(&bea));

    // A new password replaces the hash and ends the user's sessions, not anyone else's.
    let cat_session = unique([3u8; 32], &t);
    sign_in(store, &bea_session, &bea).await;
    sign_in(store, &cat_session, &cat).await;
    let e = user_event(AuditAction::UserResetPassword, &bea);
    store.set_password(bea.id, "a new hash", &e).await.unwrap();
    let (found, hash) = store.credentials(&bea.email).await.unwrap().unwrap();
    assert_eq!((found, hash.as_str()), (bea.clone(), "a new hash"));
    assert_eq!(
        store.get_session(&bea_session).await.unwrap(),
        None,
        "sessions end"
    );
    assert!(store.get_session(&ann_session).await.unwrap().is_some());
    assert!(store.get_session(&cat_session).await.unwrap().is_some());
    let (_, cat_hash) = store.credentials(&cat.email).await.unwrap().unwrap();
    assert_eq!(
        cat_hash,
        format!("hash-of-{}", cat.email),
        "others' hashes kept"
    );

    let mid = last_seq(store).await;
    site_admins(store, &t).await;

    let user_entry = |a, u: &User| wrote(a, &format!("user:{}", u.id));
    let written = written_after(store, start).await;
    let org_entry =
        |o: &Organisation| wrote(AuditAction::OrgCreate, &format!("org:{}", o.short_name));
    let session_entry = |u: &User| user_entry(AuditAction::LoginSuccess, u);
    let expected = vec![
        org_entry(&home),
        org_entry(&away),
        user_entry(AuditAction::UserCreate, &bea),
        user_entry(AuditAction::UserCreate, &cat),
        user_entry(AuditAction::UserCreate, &ann),
        user_entry(AuditAction::UserUpdate, &bea),
        session_entry(&bea),
        session_entry(&ann),
        user_entry(AuditAction::UserDisable, &bea),
        user_entry(AuditAction::UserEnable, &bea),
        session_entry(&bea),
        session_entry(&cat),
        user_entry(AuditAction::UserResetPassword, &bea),
    ];
    assert_eq!(written[..expected.len()], expected[..]);
    assert_eq!(start + expected.len() as i64, mid);
}

/// A 32-byte session hash no other run uses.
fn unique(mut hash: [u8; 32], t: &str) -> [u8; 32] {
    for (h, b) in hash[1..].iter_mut().zip(t.bytes()) {
        *h = b;
    }
    hash
}

fn user_event(action: AuditAction, u: &User) -> simpul_core::AuditEvent {
    event(action, &format!("user:{}", u.id), Some(u.org_id))
}

async fn insert(store: &dyn Store, u: &User) -> Result<(), StoreError> {
    store
        .insert_user(u, "x", &user_event(AuditAction::UserCreate, u))
        .await
}

async fn sign_in(store: &dyn Store, hash: &[u8; 32], u: &User) {
    let session = Session {
        user_id: u.id,
        csrf_token: "csrf".into(),
        created_at: at(20),
        last_seen_at: at(20),
    };
    let e = user_event(AuditAction::LoginSuccess, u);
    store.insert_session(hash, &session, &e).await.unwrap();
}

/// Active site-admins in active organisations, each organisation once, ordered by id.
async fn site_admins(store: &dyn Store, t: &str) {
    let before = store.site_admin_orgs().await.unwrap();
    assert!(strictly_increasing(&before), "{before:?}");

    let new_org = |name: &str| org(&format!("{t}-{name}"), OrgKind::Government, None);
    let (two, disabled, suspended, none) = (
        new_org("two-admins"),
        new_org("disabled-admin"),
        new_org("suspended"),
        new_org("org-admins-only"),
    );
    for o in [&two, &disabled, &suspended, &none] {
        insert_org(store, o).await;
    }
    let admin = |o: &Organisation, n: &str, role| user(o.id, &format!("{n}.{t}@{t}.example"), role);
    let gone = User {
        status: UserStatus::Disabled,
        ..admin(&disabled, "gone", Role::SiteAdmin)
    };
    for u in [
        admin(&two, "one", Role::SiteAdmin),
        admin(&two, "two", Role::SiteAdmin),
        gone,
        admin(&suspended, "away", Role::SiteAdmin),
        admin(&none, "local", Role::OrgAdmin),
    ] {
        insert_user(store, &u).await;
    }
    let s = Organisation {
        status: OrgStatus::Suspended,
        ..suspended.clone()
    };
    let e = event(
        AuditAction::OrgSuspend,
        &format!("org:{}", s.short_name),
        Some(s.id),
    );
    store.update_org(&s, &e).await.unwrap();

    let with = |extra: &[OrgId]| {
        let mut v: Vec<OrgId> = before.iter().chain(extra).copied().collect();
        v.sort();
        v
    };
    assert_eq!(store.site_admin_orgs().await.unwrap(), with(&[two.id]));

    // Reactivating the organisation counts its admin again.
    let e = event(
        AuditAction::OrgReactivate,
        &format!("org:{}", s.short_name),
        Some(s.id),
    );
    store.update_org(&suspended, &e).await.unwrap();
    let mut expected = [two.id, suspended.id];
    expected.sort();
    assert_eq!(store.site_admin_orgs().await.unwrap(), with(&expected));
}
