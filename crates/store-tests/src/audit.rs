//! The audit log: appends, the hash chain, and its three readings (by organisation newest first,
//! paged with `before`; everything oldest first after a sequence number).

use std::sync::Arc;

use simpul_core::Store;
use simpul_core::audit::{AuditAction, AuditEntry, AuditEvent};
use simpul_core::org::OrgId;

use crate::support::{assert_chain_verifies, at, entries_after, last_seq};

/// Events with every optional field set and unset, and details of several shapes.
fn events(x: OrgId, y: OrgId) -> Vec<AuditEvent> {
    let base = AuditEvent {
        at: at(1000),
        actor: "cli:story".into(),
        actor_org: None,
        source: None,
        action: AuditAction::OrgCreate,
        target: None,
        target_org: None,
        details: serde_json::json!({}),
    };
    vec![
        AuditEvent {
            actor_org: Some(x),
            source: Some("192.0.2.7".into()),
            target: Some("org:x".into()),
            target_org: Some(y),
            details: serde_json::json!({ "nested": { "list": [1, 2.5, "three", null], "ok": true } }),
            ..base.clone()
        },
        AuditEvent {
            at: at(1001),
            action: AuditAction::LoginFailure,
            actor: "anonymous".into(),
            source: Some("2001:db8::1".into()),
            details: serde_json::json!({ "reason": "bad email or password — ünïcode" }),
            ..base.clone()
        },
        AuditEvent {
            at: at(1002),
            action: AuditAction::UserCreate,
            target: Some("user:y".into()),
            target_org: Some(x),
            ..base.clone()
        },
        AuditEvent {
            at: at(1003),
            action: AuditAction::TokenRevoke,
            actor_org: Some(y),
            ..base.clone()
        },
        AuditEvent {
            at: at(1004),
            action: AuditAction::Logout,
            actor_org: Some(x),
            target_org: Some(x),
            ..base.clone()
        },
        AuditEvent {
            at: at(1005),
            action: AuditAction::LoginThrottled,
            ..base.clone()
        },
        AuditEvent {
            at: at(1006),
            action: AuditAction::CommunityCreate,
            target_org: Some(x),
            details: serde_json::json!({ "members": ["a", "b"] }),
            ..base
        },
    ]
}

/// Appended entries read back exactly as the chain computes them (every field, `None`s and
/// microseconds included); the chain verifies; `list_audit` filters by organisation and pages with
/// `before`, newest first; `audit_after` pages oldest first.
pub async fn audit(store: &dyn Store) {
    let start = last_seq(store).await;
    let (x, y) = (OrgId::new_random(), OrgId::new_random());
    let events = events(x, y);
    for e in &events {
        store.append_audit(e).await.unwrap();
    }

    // What was written is what the chain computes from the entry before.
    let mut prev = store.audit_after(start - 1, 1).await.unwrap();
    prev.retain(|e| e.seq == start);
    let mut expected: Vec<AuditEntry> = Vec::new();
    for e in &events {
        let before = expected
            .last()
            .or(prev.first())
            .map(|p| (p.seq, p.hash.as_str()));
        expected.push(e.into_entry(before));
    }
    let written = entries_after(store, start).await;
    assert_eq!(written, expected);
    assert_eq!(written.first().map(|e| e.seq), Some(start + 1));
    assert_chain_verifies(store).await;

    // Oldest first after a sequence number, in pages.
    let mut paged = Vec::new();
    let mut after = start;
    loop {
        let page = store.audit_after(after, 3).await.unwrap();
        assert!(page.len() <= 3);
        assert!(
            page.first().is_none_or(|e| e.seq > after),
            "audit_after({after}) went back"
        );
        let Some(last) = page.last() else { break };
        after = last.seq;
        paged.extend(page);
    }
    assert_eq!(paged, expected);
    let end = start + events.len() as i64;
    assert_eq!(store.audit_after(end, 10).await.unwrap(), vec![]);
    assert_eq!(store.audit_after(start, 0).await.unwrap(), vec![]);

    // Newest first, paged with `before`.
    let newest = store.list_audit(None, None, 2).await.unwrap();
    let seqs = |v: &[AuditEntry]| v.iter().map(|e| e.seq).collect::<Vec<_>>();
    assert_eq!(seqs(&newest), vec![end, end - 1]);
    assert_eq!(newest[0], expected[6]);
    let page = store.list_audit(None, Some(end - 1), 3).await.unwrap();
    assert_eq!(seqs(&page), vec![end - 2, end - 3, end - 4]);
    assert_eq!(store.list_audit(None, None, 0).await.unwrap(), vec![]);

    // An organisation sees the entries it acted in or was the target of, newest first.
    let of = |o: OrgId| {
        let mut v: Vec<AuditEntry> = expected
            .iter()
            .filter(|e| e.actor_org == Some(o) || e.target_org == Some(o))
            .cloned()
            .collect();
        v.reverse();
        v
    };
    let x_entries = store.list_audit(Some(x), None, 100).await.unwrap();
    assert_eq!(x_entries, of(x));
    assert_eq!(seqs(&x_entries), vec![end, end - 2, end - 4, start + 1]);
    assert_eq!(store.list_audit(Some(y), None, 100).await.unwrap(), of(y));
    let x_page = store.list_audit(Some(x), Some(end - 2), 1).await.unwrap();
    assert_eq!(seqs(&x_page), vec![end - 4]);
    let x_rest = store.list_audit(Some(x), Some(end - 4), 100).await.unwrap();
    assert_eq!(seqs(&x_rest), vec![start + 1]);
    let nobody = store
        .list_audit(Some(OrgId::new_random()), None, 100)
        .await
        .unwrap();
    assert_eq!(nobody, vec![]);
}

fn numbered(n: usize) -> AuditEvent {
    AuditEvent {
        at: at(n as i64),
        actor: "cli:story".into(),
        actor_org: None,
        source: None,
        action: AuditAction::LoginThrottled,
        target: Some(format!("n:{n}")),
        target_org: None,
        details: serde_json::json!({ "n": n }),
    }
}

/// Several stores over one database (app nodes) append to the audit chain at once: it never forks.
/// Give it one store for a backend with one writer, several for one with several nodes.
pub async fn concurrent_appends(stores: Vec<Arc<dyn Store>>) {
    let start = last_seq(&*stores[0]).await;
    let mut tasks = Vec::new();
    for (i, store) in stores.iter().enumerate() {
        for j in 0..20 {
            let store = Arc::clone(store);
            let e = numbered(i * 100 + j);
            tasks.push(tokio::spawn(async move { store.append_audit(&e).await }));
        }
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let written = entries_after(&*stores[0], start).await;
    assert_eq!(written.len(), 20 * stores.len());
    let mut targets: Vec<_> = written.iter().filter_map(|e| e.target.clone()).collect();
    targets.sort();
    targets.dedup();
    assert_eq!(targets.len(), written.len(), "each event once");
    assert_chain_verifies(&*stores[0]).await;
}
