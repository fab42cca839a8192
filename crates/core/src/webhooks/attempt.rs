//! What an attempt to deliver comes to: the HTTP answer's meaning ([`classify`]), the row's next
//! state ([`next_state`]) and the signature ([`sign`]). Pure.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use time::{Duration, OffsetDateTime};

use super::{DeliveryStatus, MAX_ATTEMPTS, MAX_ERROR_CHARS};

/// The longest `Retry-After` honoured; a longer one waits this long.
pub const MAX_RETRY_AFTER: Duration = Duration::hours(6);

/// What one attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// A 2xx answer.
    Delivered { status: u16 },
    /// Worth trying again: a 5xx, 408 or 429 answer, a timeout, no connection. `after`: the
    /// receiver's `Retry-After`, when it gave one.
    Retry {
        status: Option<u16>,
        error: String,
        after: Option<Duration>,
    },
    /// Never going to work: any other 4xx, a redirect (never followed), a bad answer.
    Failed { status: Option<u16>, error: String },
}

/// What an answer with `status` (and the `Retry-After` it gave, for 429 and 503) means: 2xx
/// delivered; 408, 429 and 5xx retried; everything else (other 4xx, 3xx — redirects are not
/// followed —, 1xx) failed for good.
pub fn classify(status: u16, retry_after: Option<Duration>) -> Attempt {
    match status {
        200..=299 => Attempt::Delivered { status },
        408 | 429 | 500..=599 => Attempt::Retry {
            status: Some(status),
            error: format!("the receiver answered {status}"),
            after: if matches!(status, 429 | 503) {
                retry_after
            } else {
                None
            },
        },
        300..=399 => Attempt::Failed {
            status: Some(status),
            error: format!(
                "the receiver answered {status}: redirects are not followed (register the final URL)"
            ),
        },
        _ => Attempt::Failed {
            status: Some(status),
            error: format!("the receiver answered {status}"),
        },
    }
}

/// How an attempt changes a row: the store writes exactly this.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryUpdate {
    pub status: DeliveryStatus,
    pub attempts: u32,
    pub next_attempt_at: OffsetDateTime,
    pub last_status_code: Option<u16>,
    pub last_error: Option<String>,
    pub delivered_at: Option<OffsetDateTime>,
}

impl DeliveryUpdate {
    /// Whether the body is erased (delivered or given up).
    pub fn erases_body(&self) -> bool {
        matches!(
            self.status,
            DeliveryStatus::Delivered | DeliveryStatus::Failed
        )
    }
}

/// An error as the log keeps it: one line, at most [`MAX_ERROR_CHARS`] characters.
pub fn bounded_error(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MAX_ERROR_CHARS)
        .collect::<String>()
        .trim()
        .to_owned()
}

/// What an attempt makes of a claimed delivery with `attempts` before it, at `now`; `jitter` in
/// `[0, 1)` stretches the backoff ([`crate::mail::backoff`]: 30 s, 1, 2, 4 … min, at most an hour).
/// A `Retry-After` replaces the backoff (at least a second, at most [`MAX_RETRY_AFTER`]).
pub fn next_state(
    attempts: u32,
    outcome: Attempt,
    now: OffsetDateTime,
    jitter: f64,
) -> DeliveryUpdate {
    let attempts = attempts.saturating_add(1);
    let (status, code, error, delivered_at, next) = match outcome {
        Attempt::Delivered { status } => (
            DeliveryStatus::Delivered,
            Some(status),
            None,
            Some(now),
            now,
        ),
        Attempt::Failed { status, error } => {
            (DeliveryStatus::Failed, status, Some(error), None, now)
        }
        Attempt::Retry { status, error, .. } if attempts >= MAX_ATTEMPTS => {
            (DeliveryStatus::Failed, status, Some(error), None, now)
        }
        Attempt::Retry {
            status,
            error,
            after,
        } => {
            let wait = match after {
                Some(a) => a.clamp(Duration::SECOND, MAX_RETRY_AFTER),
                None => crate::mail::backoff(attempts, jitter),
            };
            (
                DeliveryStatus::Queued,
                status,
                Some(error),
                None,
                now + wait,
            )
        }
    };
    DeliveryUpdate {
        status,
        attempts,
        next_attempt_at: next,
        last_status_code: code,
        last_error: error.map(|e| bounded_error(&e)),
        delivered_at,
    }
}

/// The `X-Simpul-Signature` value of `body` under `secret`: `sha256=` and the lower-case hex of
/// HMAC-SHA256 keyed with the secret's text.
pub fn sign(secret: &super::WebhookSecret, body: &[u8]) -> String {
    // HMAC takes a key of any length, so this never fails; were it to, the empty signature
    // would be refused by every receiver.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.expose().as_bytes()) else {
        return String::new();
    };
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::webhooks::WebhookSecret;

    #[test]
    fn answers_classify() {
        assert_eq!(classify(204, None), Attempt::Delivered { status: 204 });
        for s in [500, 502, 503, 408, 429] {
            assert!(matches!(classify(s, None), Attempt::Retry { .. }), "{s}");
        }
        let after = Some(Duration::seconds(120));
        assert!(
            matches!(classify(429, after), Attempt::Retry { after: Some(a), .. } if a == Duration::seconds(120))
        );
        assert!(matches!(
            classify(500, after),
            Attempt::Retry { after: None, .. }
        ));
        for s in [400, 401, 404, 410, 301, 302, 101] {
            assert!(matches!(classify(s, None), Attempt::Failed { .. }), "{s}");
        }
    }

    #[test]
    fn attempts_end_delivered_queued_or_failed() {
        let now = OffsetDateTime::UNIX_EPOCH;
        let u = next_state(0, classify(500, None), now, 0.0);
        assert_eq!(
            (u.status, u.attempts, u.next_attempt_at, u.last_status_code),
            (
                DeliveryStatus::Queued,
                1,
                now + Duration::seconds(30),
                Some(500)
            )
        );
        assert!(!u.erases_body());
        let u = next_state(1, classify(429, Some(Duration::seconds(600))), now, 0.9);
        assert_eq!(u.next_attempt_at, now + Duration::seconds(600));
        let u = next_state(1, classify(429, Some(Duration::days(3))), now, 0.0);
        assert_eq!(u.next_attempt_at, now + MAX_RETRY_AFTER);
        let u = next_state(MAX_ATTEMPTS - 1, classify(503, None), now, 0.0);
        assert_eq!(
            (u.status, u.attempts),
            (DeliveryStatus::Failed, MAX_ATTEMPTS)
        );
        assert!(u.erases_body());
        let u = next_state(0, classify(410, None), now, 0.0);
        assert_eq!(
            (u.status, u.last_status_code),
            (DeliveryStatus::Failed, Some(410))
        );
        let u = next_state(3, classify(200, None), now, 0.0);
        assert_eq!(
            (u.status, u.delivered_at, u.last_error),
            (DeliveryStatus::Delivered, Some(now), None)
        );
        assert_eq!(
            bounded_error(&"x\n".repeat(400)).chars().count(),
            MAX_ERROR_CHARS - 1
        );
    }

    #[test]
    fn signatures_are_hmac_sha256_hex() {
        // RFC 4231 test case 2: key "Jefe".
        let s = WebhookSecret::from_opened("Jefe".into());
        assert_eq!(
            sign(&s, b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
