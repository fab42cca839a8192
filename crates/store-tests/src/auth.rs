//! Authentication: API tokens, web sessions, failed-login counters.

use simpul_core::audit::AuditAction;
use simpul_core::org::OrgKind;
use simpul_core::store::rows::MAX_FAILURE_COUNT;
use simpul_core::token::{ApiToken, Scopes, Session, TokenId};
use simpul_core::user::{Role, User};
use simpul_core::{AuditEvent, Store};

use crate::support::{
    assert_duplicate, at, event, insert_org, insert_user, last_seq, org, tag, user, written_after,
    wrote,
};

/// Tokens round-trip, are found by hash, listed by creation time, touched without an audit entry and
/// revoked once; sessions round-trip, are touched and ended (audited only when a person ended them);
/// failure counters count per key and reset.
pub async fn auth(store: &dyn Store) {
    let t = tag();
    let home = org(&format!("{t}-auth"), OrgKind::Industry, Some("VN"));
    insert_org(store, &home).await;
    let owner = user(home.id, &format!("owner.{t}@auth.example"), Role::Analyst);
    let other = user(home.id, &format!("other.{t}@auth.example"), Role::Analyst);
    insert_user(store, &owner).await;
    insert_user(store, &other).await;
    let start = last_seq(store).await;

    tokens(store, &t, &owner, &other).await;
    sessions(store, &t, &owner).await;
    failures(store, &t).await;

    let token_entry = |a| wrote(a, &format!("token:{t}"));
    let session_entry = |a| wrote(a, &format!("session:{t}"));
    assert_eq!(
        written_after(store, start).await,
        vec![
            token_entry(AuditAction::TokenCreate),
            token_entry(AuditAction::TokenCreate),
            token_entry(AuditAction::TokenCreate),
            token_entry(AuditAction::TokenRevoke),
            session_entry(AuditAction::LoginSuccess),
            session_entry(AuditAction::LoginSuccess),
            session_entry(AuditAction::Logout),
            wrote(AuditAction::LoginFailure, &format!("account:{t}")),
            wrote(AuditAction::LoginFailure, &format!("account:{t}")),
        ],
        "one entry per audited write; touches, refusals and expiry write none"
    );
}

fn token(owner: &User, name: &str, created: i64) -> ApiToken {
    ApiToken {
        id: TokenId(uuid::Uuid::new_v4()),
        user_id: owner.id,
        name: name.into(),
        scopes: Scopes::parse("read,sync").unwrap(),
        created_at: at(created),
        expires_at: None,
        last_used_at: None,
        revoked_at: None,
    }
}

/// A 32-byte hash: `n` and the tag.
fn hash(n: u8, t: &str) -> [u8; 32] {
    let mut h = [n; 32];
    for (h, b) in h[1..].iter_mut().zip(t.bytes()) {
        *h = b;
    }
    h
}

async fn tokens(store: &dyn Store, t: &str, owner: &User, other: &User) {
    let ev = |a| event(a, &format!("token:{t}"), Some(owner.org_id));

    // Every field reads back, `None`s and all bits of the scopes included.
    let later = ApiToken {
        expires_at: Some(at(3600)),
        scopes: Scopes::all(),
        ..token(owner, "later", 100)
    };
    let earlier = token(owner, "earlier", 50);
    let others = token(other, "theirs", 10);
    let tokens = [
        (&later, hash(1, t)),
        (&earlier, hash(2, t)),
        (&others, hash(3, t)),
    ];
    for (tok, h) in &tokens {
        store
            .insert_token(tok, h, &ev(AuditAction::TokenCreate))
            .await
            .unwrap();
    }
    for (tok, h) in &tokens {
        assert_eq!(store.get_token(tok.id).await.unwrap().as_ref(), Some(*tok));
        assert_eq!(
            store.get_token_by_hash(h).await.unwrap().as_ref(),
            Some(*tok)
        );
    }
    assert_eq!(
        store
            .get_token(TokenId(uuid::Uuid::new_v4()))
            .await
            .unwrap(),
        None
    );
    assert_eq!(store.get_token_by_hash(&hash(9, t)).await.unwrap(), None);

    // The same hash or the same id twice is refused, audit entry included.
    let before = last_seq(store).await;
    let again = token(owner, "again", 1);
    let create = ev(AuditAction::TokenCreate);
    let refused = store.insert_token(&again, &hash(1, t), &create).await;
    assert_duplicate(refused, "token hash");
    let refused = store.insert_token(&earlier, &hash(4, t), &create).await;
    assert_duplicate(refused, "token id");
    assert_eq!(last_seq(store).await, before);
    assert_eq!(store.get_token(again.id).await.unwrap(), None);

    // Listed by creation time; only the user's.
    let listed = store.list_tokens(owner.id).await.unwrap();
    assert_eq!(listed, vec![earlier.clone(), later.clone()]);
    assert_eq!(
        store.list_tokens(other.id).await.unwrap(),
        vec![others.clone()]
    );

    // Touching records the use, unaudited.
    store.touch_token(later.id, at(200)).await.unwrap();
    let later = ApiToken {
        last_used_at: Some(at(200)),
        ..later
    };
    assert_eq!(
        store.get_token(later.id).await.unwrap().as_ref(),
        Some(&later)
    );
    assert_eq!(last_seq(store).await, before, "a touch is not audited");

    // Revocation happens once: the second time and for an unknown token it is false and unaudited.
    let revoke = ev(AuditAction::TokenRevoke);
    assert!(
        store
            .revoke_token(later.id, at(300), &revoke)
            .await
            .unwrap()
    );
    let revoked = store.get_token(later.id).await.unwrap().unwrap();
    assert_eq!(
        revoked,
        ApiToken {
            revoked_at: Some(at(300)),
            ..later
        }
    );
    assert!(
        !store
            .revoke_token(later.id, at(400), &revoke)
            .await
            .unwrap()
    );
    assert_eq!(
        store.get_token(later.id).await.unwrap(),
        Some(revoked),
        "kept"
    );
    let unknown = TokenId(uuid::Uuid::new_v4());
    assert!(!store.revoke_token(unknown, at(400), &revoke).await.unwrap());
    assert_eq!(
        last_seq(store).await,
        before + 1,
        "one entry for one revocation"
    );
    assert_eq!(store.get_token(earlier.id).await.unwrap(), Some(earlier));
}

async fn sessions(store: &dyn Store, t: &str, owner: &User) {
    let ev = |a| event(a, &format!("session:{t}"), Some(owner.org_id));
    let (first, second) = (hash(5, t), hash(6, t));
    let session = Session {
        user_id: owner.id,
        csrf_token: format!("csrf-{t}"),
        created_at: at(500),
        last_seen_at: at(501),
    };
    store
        .insert_session(&first, &session, &ev(AuditAction::LoginSuccess))
        .await
        .unwrap();
    store
        .insert_session(&second, &session, &ev(AuditAction::LoginSuccess))
        .await
        .unwrap();
    assert_eq!(
        store.get_session(&first).await.unwrap().as_ref(),
        Some(&session)
    );
    assert_eq!(store.get_session(&hash(7, t)).await.unwrap(), None);
    let before = last_seq(store).await;
    let login = ev(AuditAction::LoginSuccess);
    let refused = store.insert_session(&first, &session, &login).await;
    assert_duplicate(refused, "session hash");

    store.touch_session(&first, at(600)).await.unwrap();
    let touched = Session {
        last_seen_at: at(600),
        ..session.clone()
    };
    assert_eq!(
        store.get_session(&first).await.unwrap().as_ref(),
        Some(&touched)
    );
    assert_eq!(store.get_session(&second).await.unwrap(), Some(session));
    assert_eq!(
        last_seq(store).await,
        before,
        "refusal and touch are not audited"
    );

    // Signing out is audited; an expired session ends without an entry.
    store
        .delete_session(&first, Some(&ev(AuditAction::Logout)))
        .await
        .unwrap();
    assert_eq!(store.get_session(&first).await.unwrap(), None);
    assert_eq!(last_seq(store).await, before + 1);
    store.delete_session(&second, None).await.unwrap();
    assert_eq!(store.get_session(&second).await.unwrap(), None);
    assert_eq!(last_seq(store).await, before + 1);
}

async fn failures(store: &dyn Store, t: &str) {
    let account = format!("account:{t}");
    let addr = format!("addr:{t}");
    let ev = event(AuditAction::LoginFailure, &account, None);
    assert_eq!(store.login_failures(&account).await.unwrap(), None);

    store
        .record_login_failure(&[account.clone(), addr.clone()], at(700), &ev)
        .await
        .unwrap();
    store
        .record_login_failure(std::slice::from_ref(&account), at(701), &ev)
        .await
        .unwrap();
    assert_eq!(counted(store, &account).await, Some((2, at(701))));
    assert_eq!(counted(store, &addr).await, Some((1, at(700))));

    store.reset_login_failures(&account).await.unwrap();
    assert_eq!(counted(store, &account).await, None);
    assert_eq!(
        counted(store, &addr).await,
        Some((1, at(700))),
        "other keys kept"
    );
    store
        .reset_login_failures(&format!("account:{t}-never"))
        .await
        .unwrap();
}

async fn counted(store: &dyn Store, key: &str) -> Option<(u32, time::OffsetDateTime)> {
    let found = store.login_failures(key).await.unwrap();
    found.map(|f| (f.count, f.last))
}

/// Counters saturate instead of failing. The backend's test first stores the counter of `key` as
/// `MAX_FAILURE_COUNT - 1` by hand (no trait method can count that far); afterwards it may check the
/// stored value is exactly `MAX_FAILURE_COUNT`.
pub async fn login_failures_saturate(store: &dyn Store, key: &str) {
    let count = |f: Option<simpul_core::store::LoginFailures>| f.map(|f| f.count);
    let stored = store.login_failures(key).await.unwrap();
    assert_eq!(
        count(stored),
        Some(u32::MAX - 1),
        "the backend stores MAX - 1 first"
    );
    let ev: AuditEvent = event(AuditAction::LoginFailure, key, None);
    let keys = [key.to_owned()];
    for i in 0..3 {
        store
            .record_login_failure(&keys, at(800 + i), &ev)
            .await
            .unwrap();
        let now = store.login_failures(key).await.unwrap().unwrap();
        assert_eq!(
            (i64::from(now.count), now.last),
            (MAX_FAILURE_COUNT, at(800 + i))
        );
    }
}
