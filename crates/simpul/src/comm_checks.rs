//! The server's communication-check scheduler: every `interval` it starts the scheduled checks
//! that are due ([`Service::run_due_comm_checks`]) as the operator `system:comm-checks`. Each due
//! schedule is claimed in the transaction that starts its check, so with several app nodes over one
//! PostgreSQL exactly one node starts it; the check's mail is queued in that transaction and the
//! mail sender (`crate::mail::keep_sending`) delivers it. A failed look is logged and the next one
//! tries again.

use std::time::Duration;

use simpul_core::access::{Action, authorize};
use simpul_core::{Principal, Service};

/// The principal the scheduler acts as.
pub fn scheduler_principal() -> Principal {
    Principal::operator("system:comm-checks")
}

/// Runs until the task is dropped.
pub async fn keep_running_schedules(svc: Service, interval: Duration) {
    let op = scheduler_principal();
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        run_due(&svc, &op).await;
    }
}

/// One look: starts what is due now and logs each started check; errors are logged.
pub async fn run_due(svc: &Service, op: &Principal) -> usize {
    let grant = match authorize(op, Action::RunCommChecks) {
        Ok(g) => g,
        Err(e) => {
            tracing::error!(error = %e, "communication checks: the scheduler may not run checks");
            return 0;
        }
    };
    match svc.run_due_comm_checks(&grant, svc.now()).await {
        Ok(started) => {
            for s in &started {
                tracing::info!(
                    check = %s.check.id,
                    schedule = ?s.check.schedule.map(|id| id.to_string()),
                    title = %s.check.title,
                    targets = s.tokens.len(),
                    deadline_at = %simpul_core::clock::rfc3339_micros(s.check.deadline_at),
                    "communication check started by its schedule"
                );
            }
            started.len()
        }
        Err(e) => {
            tracing::warn!(error = %e, "communication checks: cannot run the due schedules");
            0
        }
    }
}
