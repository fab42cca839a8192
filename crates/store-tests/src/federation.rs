//! What federation needs of a store, told through the service: peers with sealed credentials
//! (replaced by name, removed with their cursors, audited), cursors, provenance, round status and
//! the sync lease; a pulled page shared as the peer's account (again: nothing stored twice) and a
//! push page cut by the forwarding rules.

use std::sync::Arc;

use simpul_core::access::Principal;
use simpul_core::audit::AuditAction;
use simpul_core::federation::store::{PushRetry, RoundRecord};
use simpul_core::federation::{
    CollectionMap, CursorKind, Direction, FederationKey, NewPeer, PeerAuth, PeerName, Provenance,
};
use simpul_core::intel::collection_change::CollectionPatch;
use simpul_core::intel::{Audience, Collection, CollectionId, Tlp};
use simpul_core::org::OrgKind;
use simpul_core::user::Role;
use simpul_core::{Clock, Service, Store};
use time::OffsetDateTime;

use crate::support::{
    at, entries_after, event, insert_org, insert_user, org, signed_in, tag, user,
};

#[derive(Debug)]
struct Fixed(OffsetDateTime);

impl Clock for Fixed {
    fn now(&self) -> OffsetDateTime {
        self.0
    }
}

fn indicator(n: u32, tlp: Tlp) -> serde_json::Value {
    serde_json::json!({
        "type": "indicator",
        "spec_version": "2.1",
        "id": format!("indicator--{}", uuid::Uuid::new_v4()),
        "created": "2026-11-01T00:00:00.000Z",
        "modified": "2026-11-01T00:00:00.000Z",
        "pattern": format!("[domain-name:value = 'fed{n}.example']"),
        "pattern_type": "stix",
        "valid_from": "2026-11-01T00:00:00Z",
        "object_marking_refs": [tlp.marking_id()],
    })
}

/// The federation story (see the module docs).
pub async fn federation(store: Arc<dyn Store>) {
    let s = &*store;
    let t = tag();
    let producer = org(&format!("{t}-prod"), OrgKind::NationalCert, Some("SG"));
    let node = org(&format!("{t}-node"), OrgKind::NationalCert, Some("MY"));
    for o in [&producer, &node] {
        insert_org(s, o).await;
    }
    let alice = user(producer.id, &format!("alice@{t}.example"), Role::Analyst);
    let peer_user = user(node.id, &format!("node@{t}.example"), Role::Analyst);
    for u in [&alice, &peer_user] {
        insert_user(s, u).await;
    }
    let c = Collection {
        id: CollectionId(uuid::Uuid::new_v4()),
        title: format!("{t} federation"),
        alias: None,
        description: String::new(),
        audience: Audience::Orgs {
            orgs: vec![producer.id, node.id],
        },
        default_tlp: Tlp::Amber,
        read_only_orgs: Vec::new(),
        created_at: at(20),
    };
    s.insert_collection(&c, &event(AuditAction::CollectionCreate, "c", None))
        .await
        .unwrap();
    let key = FederationKey::generate();
    let svc = Service::new(Arc::clone(&store), Arc::new(Fixed(at(1000))))
        .with_federation_key(key.clone());
    let op = Principal::operator("root");
    let name = format!("{t}-hub");
    let secret = format!("simpul_{t}_very_secret");
    let new = |direction, interval_secs| NewPeer {
        name: PeerName::parse(&name).unwrap(),
        url: "http://127.0.0.1:9/taxii2/".into(),
        auth: PeerAuth::Token {
            token: secret.clone(),
        },
        direction,
        maps: vec![CollectionMap {
            remote: "remote-1".into(),
            local: c.id,
        }],
        interval_secs,
        act_as: peer_user.email.as_str().to_owned(),
    };

    // Nobody but site-admins and the operator administers peers.
    let as_alice = signed_in(&alice, &producer, vec![]);
    assert!(
        svc.add_peer(&as_alice, new(Direction::Pull, 60))
            .await
            .is_err()
    );
    // Without a key nothing is sealed.
    let keyless = Service::new(Arc::clone(&store), Arc::new(Fixed(at(1000))));
    assert!(
        keyless
            .add_peer(&op, new(Direction::Pull, 60))
            .await
            .is_err()
    );

    let added = svc.add_peer(&op, new(Direction::Pull, 60)).await.unwrap();
    assert_eq!(added.act_as, peer_user.id);
    let stored = s.get_peer(&added.name).await.unwrap().unwrap();
    assert!(!stored.sealed_auth.contains(&secret), "sealed at rest");
    assert_eq!(stored.peer, added);
    // The same name replaces it, keeping its id.
    let replaced = svc.add_peer(&op, new(Direction::Both, 30)).await.unwrap();
    assert_eq!(replaced.id, added.id);
    assert_eq!(
        (replaced.direction, replaced.interval_secs),
        (Direction::Both, 30)
    );
    assert!(
        svc.list_peers(&op)
            .await
            .unwrap()
            .iter()
            .any(|p| p.id == added.id)
    );
    let session = svc.peer_session(&op, &name).await.unwrap();
    assert_eq!(
        session.auth,
        PeerAuth::Token {
            token: secret.clone()
        }
    );
    assert_eq!(session.principal.org_id(), Some(node.id));
    // Another key does not open it.
    let other = Service::new(Arc::clone(&store), Arc::new(Fixed(at(1000))))
        .with_federation_key(FederationKey::generate());
    assert!(other.peer_session(&op, &name).await.is_err());

    // Cursors.
    let pid = added.id;
    assert_eq!(
        s.get_cursor(pid, CursorKind::Pull, "remote-1")
            .await
            .unwrap(),
        None
    );
    s.set_cursor(pid, CursorKind::Pull, "remote-1", "a")
        .await
        .unwrap();
    s.set_cursor(pid, CursorKind::Pull, "remote-1", "b")
        .await
        .unwrap();
    s.set_cursor(pid, CursorKind::Push, "remote-1", "c")
        .await
        .unwrap();
    assert_eq!(
        s.get_cursor(pid, CursorKind::Pull, "remote-1")
            .await
            .unwrap()
            .as_deref(),
        Some("b")
    );

    // Rounds and the lease.
    s.record_round(
        pid,
        &RoundRecord {
            at: Some(at(2000)),
            objects_in: 3,
            objects_out: 2,
            refused: 1,
            error: None,
            gave_up: None,
        },
    )
    .await
    .unwrap();
    s.record_round(
        pid,
        &RoundRecord {
            at: Some(at(3000)),
            objects_in: 1,
            error: Some("connection refused".into()),
            ..RoundRecord::default()
        },
    )
    .await
    .unwrap();
    let st = svc.peer(&op, &name).await.unwrap().status;
    assert_eq!(
        (st.objects_in, st.objects_out, st.refused, st.errors),
        (4, 2, 1, 1)
    );
    assert_eq!(st.last_sync, Some(at(3000)));
    assert_eq!(st.last_success, Some(at(2000)));
    assert_eq!(st.last_error.as_deref(), Some("connection refused"));
    // A round that gave up a push succeeded, and keeps why as its last error.
    s.record_round(
        pid,
        &RoundRecord {
            at: Some(at(3500)),
            refused: 1,
            gave_up: Some("gave up pushing x".into()),
            ..RoundRecord::default()
        },
    )
    .await
    .unwrap();
    let st = svc.peer(&op, &name).await.unwrap().status;
    assert_eq!((st.refused, st.errors), (2, 1));
    assert_eq!(st.last_success, Some(at(3500)));
    assert_eq!(st.last_error.as_deref(), Some("gave up pushing x"));
    let (a, b) = (uuid::Uuid::from_u128(0xa), uuid::Uuid::from_u128(0xb));
    assert!(s.claim_peer(pid, a, at(10), at(70)).await.unwrap());
    assert!(!s.claim_peer(pid, b, at(20), at(80)).await.unwrap(), "held");
    assert!(
        s.claim_peer(pid, a, at(30), at(90)).await.unwrap(),
        "renewed"
    );
    assert!(
        !s.claim_peer(pid, b, at(85), at(140)).await.unwrap(),
        "held longer"
    );
    assert!(
        s.claim_peer(pid, b, at(91), at(150)).await.unwrap(),
        "expired"
    );
    // The old holder's release does not free the lease b took over; b's does.
    s.release_peer(pid, a).await.unwrap();
    assert!(!s.claim_peer(pid, a, at(92), at(150)).await.unwrap(), "b's");
    s.release_peer(pid, b).await.unwrap();
    assert!(
        s.claim_peer(pid, a, at(93), at(150)).await.unwrap(),
        "released"
    );

    // A pulled page is shared as the peer's account; again, nothing is stored twice.
    let green = indicator(1, Tlp::Green);
    let pulled = serde_json::json!({ "objects": [green, indicator(2, Tlp::Amber)] });
    let body = serde_json::to_vec(&pulled).unwrap();
    let first = svc.share_pulled_page(&session, c.id, &body).await.unwrap();
    assert_eq!((first.stored, first.held, first.refused), (2, 0, 0));
    let again = svc.share_pulled_page(&session, c.id, &body).await.unwrap();
    assert_eq!((again.stored, again.held), (0, 2));
    let gid = green["id"].as_str().unwrap().to_owned();
    let prov = s
        .provenance_of(c.id, std::slice::from_ref(&gid))
        .await
        .unwrap();
    assert_eq!(prov.len(), 1);
    assert_eq!((prov[0].peer, prov[0].producer_org), (pid, node.id));
    // The first record of a version stays.
    s.record_provenance(&[Provenance {
        origin: "elsewhere".into(),
        ..prov[0].clone()
    }])
    .await
    .unwrap();
    assert_eq!(s.provenance_of(c.id, &[gid]).await.unwrap(), prov);

    // What may be pushed: the account's view, less the forwarding rules.
    let mut shared = Vec::new();
    for (n, tlp) in [
        (3, Tlp::Clear),
        (4, Tlp::Green),
        (5, Tlp::Amber),
        (6, Tlp::AmberStrict),
    ] {
        shared.push((indicator(n, tlp), tlp));
    }
    let objects: Vec<_> = shared.iter().map(|(o, _)| o.clone()).collect();
    let bundle = serde_json::json!({"type": "bundle", "id": format!("bundle--{}", uuid::Uuid::new_v4()), "objects": objects});
    let report = svc
        .share(&as_alice, c.id, &serde_json::to_vec(&bundle).unwrap(), &[])
        .await
        .unwrap();
    assert_eq!(report.stored.len(), 4, "{report:?}");
    let red = serde_json::json!({"type": "bundle", "id": format!("bundle--{}", uuid::Uuid::new_v4()), "objects": [indicator(7, Tlp::Red)]});
    let report = svc
        .share(
            &as_alice,
            c.id,
            &serde_json::to_vec(&red).unwrap(),
            &[peer_user.email.as_str().to_owned()],
        )
        .await
        .unwrap();
    assert_eq!(report.stored.len(), 1, "{report:?}");
    let page = svc.push_page(&session, c.id, None, 1000).await.unwrap();
    let mut pushed: Vec<&str> = page.objects.iter().map(|o| o.stix_id.as_str()).collect();
    pushed.sort_unstable();
    let mut expected: Vec<&str> = shared[..3]
        .iter()
        .map(|(o, _)| o["id"].as_str().unwrap())
        .collect();
    expected.sort_unstable();
    assert_eq!(
        pushed, expected,
        "CLEAR, GREEN and AMBER to an audience org; not AMBER+STRICT, RED or what came from the peer"
    );
    assert_eq!(page.withheld, 4, "AMBER+STRICT, RED and the two pulled");
    assert!(!page.more);
    // Paged from the cursor: nothing after the last one.
    let rest = svc
        .push_page(&session, c.id, page.last, 1000)
        .await
        .unwrap();
    assert!(rest.objects.is_empty() && rest.withheld == 0);

    // The push retry queue: due entries soonest first, bounded, replaced by id, removed.
    let entry = |id: &str, next: i64| PushRetry {
        peer: pid,
        local: c.id,
        remote: "remote-1".into(),
        stix_id: id.into(),
        version: at(10),
        attempts: 1,
        next_at: at(next),
        last_error: Some("too large".into()),
    };
    let (ea, eb, ec) = (entry("a", 100), entry("b", 50), entry("c", 5000));
    for e in [&ea, &eb, &ec] {
        s.put_push_retry(e).await.unwrap();
    }
    assert_eq!(
        s.due_push_retries(pid, at(1000), 10).await.unwrap(),
        vec![eb.clone(), ea.clone()]
    );
    assert_eq!(
        s.due_push_retries(pid, at(1000), 1).await.unwrap(),
        vec![eb.clone()]
    );
    assert_eq!(svc.peer(&op, &name).await.unwrap().status.retrying, 3);
    let ea2 = PushRetry {
        version: at(20),
        attempts: 2,
        next_at: at(200),
        last_error: None,
        ..ea.clone()
    };
    s.put_push_retry(&ea2).await.unwrap();
    // A first failure again (a rescan) keeps the count and the next attempt.
    s.put_push_retry(&PushRetry {
        version: at(20),
        last_error: None,
        ..ea.clone()
    })
    .await
    .unwrap();
    s.delete_push_retry(pid, c.id, "b").await.unwrap();
    assert_eq!(
        s.due_push_retries(pid, at(1000), 10).await.unwrap(),
        vec![ea2.clone()]
    );
    assert_eq!(svc.peer(&op, &name).await.unwrap().status.retrying, 2);
    // Through the service: due after the backoff of its attempts (the next round after the
    // first failure, then minutes).
    svc.queue_push_retry(&session, &entry("d", 0))
        .await
        .unwrap();
    svc.queue_push_retry(
        &session,
        &PushRetry {
            attempts: 3,
            ..entry("e", 0)
        },
    )
    .await
    .unwrap();
    let due: Vec<String> = svc
        .due_push_retries(&session, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.stix_id)
        .collect();
    assert_eq!(due, ["a", "d"]);
    // What a retry pushes: the version the peer may have now, if the rules let it leave.
    let clear = shared[0].0["id"].as_str().unwrap();
    let strict = shared[3].0["id"].as_str().unwrap();
    let now = svc.push_retry_object(&session, c.id, clear).await.unwrap();
    assert_eq!(now.map(|o| o.stix_id).as_deref(), Some(clear));
    assert!(
        svc.push_retry_object(&session, c.id, strict)
            .await
            .unwrap()
            .is_none(),
        "AMBER+STRICT never leaves"
    );
    assert!(
        svc.push_retry_object(
            &session,
            c.id,
            "indicator--00000000-0000-4000-8000-000000000000"
        )
        .await
        .unwrap()
        .is_none()
    );
    audience_change_resets_push_cursors(s, &svc, &op, &c, pid, node.short_name.as_str()).await;

    // Removing the peer removes its cursors and retries, audited.
    svc.remove_peer(&op, &name).await.unwrap();
    assert!(svc.peer(&op, &name).await.is_err());
    assert_eq!(
        s.get_cursor(pid, CursorKind::Pull, "remote-1")
            .await
            .unwrap(),
        None
    );
    assert!(
        s.due_push_retries(pid, at(1_000_000), 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(svc.remove_peer(&op, &name).await.is_err());
    let actions: Vec<String> = entries_after(s, 0)
        .await
        .into_iter()
        .filter(|e| e.target.as_deref() == Some(&format!("peer:{name}")))
        .map(|e| e.action)
        .collect();
    for a in [AuditAction::PeerAdd, AuditAction::PeerRemove] {
        assert!(actions.iter().any(|x| x == a.as_str()), "{a}: {actions:?}");
    }
}

/// A changed audience or read-only organisations removes the push cursors of the collection (not
/// the pull cursors) in the audited update's own transaction: the store's update answers how many
/// it removed, and an update that writes nothing (no change, no collection, a taken alias) removes
/// none.
async fn audience_change_resets_push_cursors(
    s: &dyn Store,
    svc: &Service,
    op: &Principal,
    c: &Collection,
    pid: simpul_core::federation::PeerId,
    reader: &str,
) {
    let key = c.id.to_string();
    let push = || async { s.get_cursor(pid, CursorKind::Push, &key).await.unwrap() };
    let set_push = || async {
        s.set_cursor(pid, CursorKind::Push, &key, "p")
            .await
            .unwrap();
    };
    set_push().await;
    s.set_cursor(pid, CursorKind::Pull, &key, "q")
        .await
        .unwrap();
    // Not an audience change: the cursor stays.
    let renamed = CollectionPatch {
        title: Some(format!("{} renamed", c.title)),
        ..CollectionPatch::default()
    };
    svc.update_collection(op, c.id, renamed).await.unwrap();
    assert_eq!(
        push().await.as_deref(),
        Some("p"),
        "a new title keeps cursors"
    );
    // No collection with the id: nothing written, nothing reset.
    let missing = Collection {
        id: CollectionId(uuid::Uuid::new_v4()),
        ..c.clone()
    };
    let e = event(AuditAction::CollectionUpdate, "missing", None);
    assert_eq!(s.update_collection(&missing, true, &e).await.unwrap(), 0);
    assert_eq!(push().await.as_deref(), Some("p"));
    // Not a write at all: an alias another collection has is refused, and the cursor stays.
    let other = Collection {
        id: CollectionId(uuid::Uuid::new_v4()),
        alias: Some(format!("{}-taken", tag())),
        ..c.clone()
    };
    s.insert_collection(&other, &event(AuditAction::CollectionCreate, "o", None))
        .await
        .unwrap();
    let taken = Collection {
        alias: other.alias.clone(),
        ..c.clone()
    };
    assert!(s.update_collection(&taken, true, &e).await.is_err());
    assert_eq!(
        push().await.as_deref(),
        Some("p"),
        "a refused update resets nothing"
    );

    // The audience changes: one audited write, and the cursor is gone with it.
    let before = entries_after(s, 0).await.last().map_or(0, |e| e.seq);
    let wider = CollectionPatch {
        read_only_orgs: Some(vec![reader.to_owned()]),
        ..CollectionPatch::default()
    };
    svc.update_collection(op, c.id, wider).await.unwrap();
    assert_eq!(push().await, None, "a new read-only organisation resets");
    assert_eq!(
        s.get_cursor(pid, CursorKind::Pull, &key)
            .await
            .unwrap()
            .as_deref(),
        Some("q"),
        "pull cursors are the remote's, not reset"
    );
    let written: Vec<String> = entries_after(s, before)
        .await
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(written, [AuditAction::CollectionUpdate.as_str()]);
    // Through the store: the reset answers how many cursors it removed.
    set_push().await;
    let back = Collection {
        title: format!("{} renamed", c.title),
        ..c.clone()
    };
    let e = event(AuditAction::CollectionUpdate, "back", None);
    assert_eq!(s.update_collection(&back, false, &e).await.unwrap(), 0);
    assert_eq!(
        push().await.as_deref(),
        Some("p"),
        "no reset asked, none done"
    );
    assert_eq!(s.update_collection(&back, true, &e).await.unwrap(), 1);
    assert_eq!(push().await, None);
}
