//! The server's federation scheduler: every second it looks for peers whose interval has passed
//! since their last round (the store's `last_sync`, so every app node agrees) and runs each one's
//! round under the peer's lease in the store (`sync::leased_round`), so with several app nodes over one
//! PostgreSQL a peer is synced by one node at a time. A round cut by a crash resumes from the
//! cursors it saved; a lease left by a dead node expires.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use simpul_core::{Principal, Service};

use super::client::Limits;

/// Runs until the task is dropped.
pub async fn keep_peers_synced(svc: Service, lease_secs: u32) {
    let op = Principal::operator("system:federation");
    let running: Arc<Mutex<HashSet<String>>> = Arc::default();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let peers = match svc.list_peers(&op).await {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(error = %e, "federation: cannot list peers");
                continue;
            }
        };
        let now = svc.now();
        for p in peers {
            let due = p
                .status
                .last_sync
                .is_none_or(|t| now - t >= time::Duration::seconds(i64::from(p.interval_secs)));
            let name = p.name.to_string();
            if !due || !lock(&running).insert(name.clone()) {
                continue;
            }
            let (svc, op, running) = (svc.clone(), op.clone(), Arc::clone(&running));
            tokio::spawn(async move {
                run_one(&svc, &op, &name, lease_secs).await;
                lock(&running).remove(&name);
            });
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

async fn run_one(svc: &Service, op: &Principal, name: &str, lease_secs: u32) {
    match super::sync::leased_round(svc, op, name, Limits::default(), lease_secs).await {
        Ok(Some(r)) => tracing::info!(
            peer = name,
            pulled = r.pulled,
            pushed = r.pushed,
            refused = r.refused,
            withheld = r.withheld,
            queued = r.queued,
            "federation round"
        ),
        // Another node runs it.
        Ok(None) => {}
        Err(e) => {
            tracing::warn!(peer = name, error = %super::one_line(&e), "federation round failed")
        }
    }
}
