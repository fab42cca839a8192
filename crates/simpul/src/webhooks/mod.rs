//! The sender of webhook deliveries: the network side of webhooks (the queue and the rules are
//! core's `webhooks/`). `simpul serve` runs [`keep_delivering`]: every `poll` it claims due
//! deliveries for this node ([`Service::claim_due_deliveries`], a claim that expires if the node
//! dies) and POSTs each to its webhook:
//!
//! - the stored JSON body as is, `Content-Type: application/json`;
//! - `X-Simpul-Event` (the event type), `X-Simpul-Delivery` (the delivery's id, the same on every
//!   retry, for receivers' de-duplication), `X-Simpul-Signature: sha256=<hex HMAC-SHA256 of the
//!   body keyed with the webhook's secret>`;
//! - a timeout on connecting and one on the whole exchange; redirects are not followed;
//! - unless `allow_private_targets`, only to public addresses (`resolve.rs`: names are resolved by
//!   a resolver that drops private addresses, IP literals are checked before sending); a refusal
//!   is a delivery failed for good.
//!
//! The answer is core's to judge ([`simpul_core::webhooks::classify`]: 2xx delivered; 5xx, 408,
//! 429, timeouts and connection errors retried with backoff, `Retry-After` honoured for 429 and
//! 503; other 4xx and 3xx failed for good) and is recorded with
//! [`Service::record_delivery_attempt`]. The receiver's body is never read beyond its status.

pub mod resolve;
pub mod settings;

use std::time::Duration;

use simpul_core::webhooks::{Attempt, ClaimedDelivery, classify, sign};
use simpul_core::{Principal, Service};
use uuid::Uuid;

/// The principal the sender acts as.
pub fn sender_principal() -> Principal {
    Principal::operator("system:webhooks")
}

/// How the sender runs (`[webhooks]`, `settings.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WebhookSettings {
    /// How often due deliveries are claimed.
    pub poll: Duration,
    /// The most deliveries claimed (and sent at once) per pass.
    pub batch: u32,
    /// The most time to connect to a receiver.
    pub connect_timeout: Duration,
    /// The most time for the whole exchange (connect, send, answer's head).
    pub timeout: Duration,
    /// Whether deliveries may go to private, link-local and loopback addresses (a lab, the
    /// tests); off by default. The service has the same setting for creation
    /// (`Service::with_webhook_private_targets`).
    pub allow_private_targets: bool,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            poll: Duration::from_secs(1),
            batch: 32,
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(15),
            allow_private_targets: false,
        }
    }
}

/// An HTTP client for receivers: the timeouts, no redirects, simpul's user agent.
#[derive(Debug, Clone)]
pub struct Sender {
    http: reqwest::Client,
    allow_private_targets: bool,
}

impl Sender {
    pub fn new(s: &WebhookSettings) -> anyhow::Result<Self> {
        let mut b = reqwest::Client::builder()
            .connect_timeout(s.connect_timeout.min(s.timeout))
            .timeout(s.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("simpul-webhooks/", env!("CARGO_PKG_VERSION")));
        if !s.allow_private_targets {
            b = b.dns_resolver(std::sync::Arc::new(resolve::PublicOnly::default()));
        }
        Ok(Self {
            http: b.build()?,
            allow_private_targets: s.allow_private_targets,
        })
    }

    /// Sends one delivery: what came of it, as core reads an answer.
    pub async fn send(&self, d: &ClaimedDelivery, now: time::OffsetDateTime) -> Attempt {
        if !self.allow_private_targets
            && let Some(error) = resolve::literal_refusal(d.url.as_str())
        {
            return Attempt::Failed {
                status: None,
                error,
            };
        }
        let res = self
            .http
            .post(d.url.as_str())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("X-Simpul-Event", d.event_type.as_str())
            .header("X-Simpul-Delivery", d.id.to_string())
            .header("X-Simpul-Signature", sign(&d.secret, d.body.as_bytes()))
            .body(d.body.clone())
            .send()
            .await;
        match res {
            Ok(r) => {
                let after = r
                    .headers()
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| retry_after(v, now));
                classify(r.status().as_u16(), after)
            }
            Err(e) => match resolve::refusal(&e) {
                Some(error) => Attempt::Failed {
                    status: None,
                    error,
                },
                None => Attempt::Retry {
                    status: None,
                    error: error_text(&e.without_url()),
                    after: None,
                },
            },
        }
    }
}

/// A `Retry-After` value: seconds, or an HTTP date (the wait from `now`; a past date is none).
pub fn retry_after(v: &str, now: time::OffsetDateTime) -> Option<time::Duration> {
    let v = v.trim();
    if let Ok(secs) = v.parse::<u32>() {
        return Some(time::Duration::seconds(i64::from(secs)));
    }
    let at = httpdate::parse_http_date(v).ok()?;
    let at = time::OffsetDateTime::from(at);
    (at > now).then(|| at - now)
}

/// An error with its causes, one line (timeouts and refused connections say so).
fn error_text(e: &reqwest::Error) -> String {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "cannot connect"
    } else {
        "request failed"
    };
    let mut s = format!("{what}: {e}");
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cause = c.source();
    }
    s
}

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pass {
    pub claimed: usize,
    pub delivered: usize,
    pub retrying: usize,
    pub failed: usize,
}

/// One pass: claims at most `settings.batch` due deliveries for `holder` and sends them at once.
pub async fn deliver_due(
    svc: &Service,
    sender: &Sender,
    holder: Uuid,
    settings: &WebhookSettings,
) -> anyhow::Result<Pass> {
    let op = sender_principal();
    // The claim outlasts a pass whose every delivery runs into the timeout.
    let lease = settings
        .timeout
        .saturating_mul(2)
        .max(Duration::from_secs(30));
    let claimed = svc
        .claim_due_deliveries(&op, holder, lease, settings.batch)
        .await?;
    let mut pass = Pass {
        claimed: claimed.len(),
        ..Pass::default()
    };
    let mut tasks = tokio::task::JoinSet::new();
    for d in claimed {
        let (svc, sender, op) = (svc.clone(), sender.clone(), op.clone());
        tasks.spawn(async move {
            let outcome = sender.send(&d, svc.now()).await;
            let kind = match &outcome {
                Attempt::Delivered { .. } => 0,
                Attempt::Retry { status, error, .. } | Attempt::Failed { status, error } => {
                    tracing::info!(delivery = %d.id, webhook = %d.webhook, status = ?status, error = %error, "webhook not delivered");
                    if matches!(outcome, Attempt::Retry { .. }) {
                        1
                    } else {
                        2
                    }
                }
            };
            let given_up = kind == 1 && d.attempts + 1 >= simpul_core::webhooks::MAX_ATTEMPTS;
            svc.record_delivery_attempt(&op, &d, holder, outcome, crate::mail::jitter())
                .await
                .map(|_| if given_up { 2 } else { kind })
        });
    }
    while let Some(done) = tasks.join_next().await {
        match done?? {
            0 => pass.delivered += 1,
            1 => pass.retrying += 1,
            _ => pass.failed += 1,
        }
    }
    Ok(pass)
}

/// Runs until the task is dropped: the server's webhook sender.
pub async fn keep_delivering(svc: Service, settings: WebhookSettings) {
    let sender = match Sender::new(&settings) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "webhooks: cannot build the HTTP client; deliveries stay queued");
            return;
        }
    };
    let holder = Uuid::new_v4();
    let mut tick = tokio::time::interval(settings.poll);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        // Keep passing while full batches come back: a backlog drains without waiting a tick each.
        loop {
            match deliver_due(&svc, &sender, holder, &settings).await {
                Ok(p) if p.claimed > 0 => {
                    tracing::debug!(
                        delivered = p.delivered,
                        retrying = p.retrying,
                        failed = p.failed,
                        "webhook pass"
                    );
                    if p.claimed < settings.batch as usize {
                        break;
                    }
                }
                Ok(_) => break,
                Err(e) => {
                    tracing::warn!(error = %crate::federation::one_line(&e), "webhooks: a pass failed");
                    break;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let now = time::macros::datetime!(2026-12-03 08:00 UTC);
        assert_eq!(retry_after("120", now), Some(time::Duration::seconds(120)));
        assert_eq!(
            retry_after("Thu, 03 Dec 2026 08:05:00 GMT", now),
            Some(time::Duration::minutes(5))
        );
        assert_eq!(retry_after("Thu, 03 Dec 2026 07:00:00 GMT", now), None);
        assert_eq!(retry_after("soon", now), None);
    }
}
