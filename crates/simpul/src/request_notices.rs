//! The deadline sweep of action requests that `simpul serve` runs: every
//! [`DEADLINE_SWEEP`] it asks core for the requests whose due-soon or overdue notice is due over
//! the service's clock ([`Service::notify_request_deadlines`]), which queues each notice's webhook
//! events and mail once, across app nodes (a compare-and-set mark in the store).
//!
//! The retention purge of requests' personal data (`simpul_core::requests::retention`) has no
//! service function yet, so nothing schedules it here.

use simpul_core::requests::notify_service::DEADLINE_SWEEP;
use simpul_core::{Principal, Service};

/// The principal the sweep acts as.
pub fn sweep_principal() -> Principal {
    Principal::operator("system:requests")
}

/// Runs until the task is dropped.
pub async fn keep_notifying(svc: Service) {
    let op = sweep_principal();
    let mut tick = tokio::time::interval(DEADLINE_SWEEP);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match svc.notify_request_deadlines(&op).await {
            Ok(sent) if !sent.is_empty() => {
                tracing::info!(notices = sent.len(), "requests: deadline notices queued");
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "requests: the deadline sweep failed"),
        }
    }
}
