//! Webhooks (P2.2): an organisation's HTTP endpoints that receive its events as signed JSON.
//!
//! An org-admin (or a site-admin) registers a [`Webhook`] for their organisation: an endpoint
//! ([`WebhookUrl`]: `https://`, or `http://` to a loopback address only; at creation a public
//! address only unless the operator allows private targets — [`target`], the SSRF guard — ), the event types it
//! wants ([`EventPattern`]s) and a generated 256-bit secret, shown once at creation and stored
//! sealed under the federation key (`federation/secrets.rs`) so that the sender can sign with it.
//! A domain emits an event — an [`EventType`], a JSON payload and the organisation it belongs to —
//! through [`crate::Service::queue_event`] or, inside its own transaction, its backend's
//! `insert_webhook_deliveries(tx, …)`: one [`Delivery`] per active webhook of that organisation
//! whose patterns match, each holding the exact body to send (the [`envelope`]), so every retry
//! sends (and signs) the same bytes.
//!
//! Deliveries go like the mail outbox's messages (`mail/`): claimed by a sender with a lease,
//! retried with [`crate::mail::backoff`], given up after [`MAX_ATTEMPTS`]. What an HTTP answer
//! means is [`classify`]'s; what it does to a row is [`next_state`]'s. The body is erased once a
//! delivery is delivered or given up (payloads may carry personal data); the log keeps the event
//! id and type, attempts, the last status code and a bounded error text — never a body. The
//! network lives in the binary (`crates/simpul/src/webhooks/`).

pub mod attempt;
pub mod rows;
pub mod service;
pub mod store;
pub mod target;
mod url;

use std::fmt;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::{Invalid, excerpt};
use crate::org::{OrgId, id_type, string_enum};

pub use attempt::{Attempt, DeliveryUpdate, classify, next_state, sign};
pub use target::{check_target, is_public};
pub use url::{MAX_URL_CHARS, WebhookUrl};

/// The most attempts before a delivery is given up (about six hours of backoff).
pub const MAX_ATTEMPTS: u32 = 12;
/// The most event patterns a webhook subscribes to.
pub const MAX_PATTERNS: usize = 32;
/// The most characters of an event type.
pub const MAX_EVENT_TYPE_CHARS: usize = 64;
/// The most characters of a webhook's description.
pub const MAX_DESCRIPTION_CHARS: usize = 200;
/// The most bytes of a delivery's body (the envelope with its payload).
pub const MAX_BODY_BYTES: usize = 256 * 1024;
/// The most characters of a recorded error.
pub const MAX_ERROR_CHARS: usize = 300;
/// The most webhooks of one organisation.
pub const MAX_WEBHOOKS_PER_ORG: usize = 20;

id_type!(
    /// A webhook's id.
    WebhookId
);
id_type!(
    /// A delivery's id (the `X-Simpul-Delivery` header: the same on every retry, for receivers'
    /// de-duplication).
    DeliveryId
);
id_type!(
    /// An event's id: the same in every webhook's delivery of it.
    EventId
);

string_enum!(
    /// Where a delivery stands: `failed` means given up.
    DeliveryStatus, "status" {
        Queued => "queued",
        Sending => "sending",
        Delivered => "delivered",
        Failed => "failed",
    }
);

fn is_segment(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

/// An event's type: dot-separated segments of lower-case letters, digits, `_` and `-`, each
/// starting with a letter (`request.created`, `request.transition`), 1–64 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EventType(String);

impl EventType {
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        if (1..=MAX_EVENT_TYPE_CHARS).contains(&s.len()) && s.split('.').all(is_segment) {
            Ok(Self(s.to_owned()))
        } else {
            Err(Invalid::new(
                "event_type",
                format!(
                    "`{}`: an event type is dot-separated segments of a-z, 0-9, _ and -, each \
                     starting with a letter, at most {MAX_EVENT_TYPE_CHARS} characters",
                    excerpt(s)
                ),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A type the code names (each one's form is checked by its domain's tests).
    pub(crate) fn known(t: &'static str) -> Self {
        Self(t.to_owned())
    }
}

impl TryFrom<String> for EventType {
    type Error = Invalid;
    fn try_from(s: String) -> Result<Self, Invalid> {
        Self::parse(&s)
    }
}

impl From<EventType> for String {
    fn from(t: EventType) -> String {
        t.0
    }
}

/// Which events a webhook wants: `*` (all), an exact [`EventType`], or a prefix `request.*`
/// (every type under `request.`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EventPattern(String);

impl EventPattern {
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let ok = s == "*"
            || match s.strip_suffix(".*") {
                Some(prefix) => EventType::parse(prefix).is_ok(),
                None => EventType::parse(s).is_ok(),
            };
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(Invalid::new(
                "events",
                format!(
                    "`{}`: an event pattern is `*`, an event type (`request.created`) or a \
                     prefix (`request.*`)",
                    excerpt(s)
                ),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether events of type `t` match.
    pub fn matches(&self, t: &EventType) -> bool {
        match self.0.strip_suffix('*') {
            Some("") => true,
            Some(prefix) => t.as_str().starts_with(prefix),
            None => self.0 == t.0,
        }
    }
}

impl TryFrom<String> for EventPattern {
    type Error = Invalid;
    fn try_from(s: String) -> Result<Self, Invalid> {
        Self::parse(&s)
    }
}

impl From<EventPattern> for String {
    fn from(p: EventPattern) -> String {
        p.0
    }
}

/// Whether any of `patterns` matches `t`.
pub fn wants(patterns: &[EventPattern], t: &EventType) -> bool {
    patterns.iter().any(|p| p.matches(t))
}

/// A webhook's signing secret (`whsec_` and 43 base64url characters: 256 random bits). The HMAC
/// key is the secret's text, as shown. `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(String);

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret(***)")
    }
}

impl WebhookSecret {
    /// A new random secret.
    pub fn generate() -> Self {
        Self(crate::secret::new_webhook_secret())
    }

    /// A secret as stored (opened from its sealed form).
    pub fn from_opened(text: String) -> Self {
        Self(text)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// The associated data a webhook's sealed secret is bound to: its id, so that a sealed secret
/// copied onto another webhook's row does not open.
pub fn secret_aad(id: WebhookId) -> Vec<u8> {
    format!("webhook:{id}").into_bytes()
}

/// A webhook to register, as the edges read it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct NewWebhook {
    pub url: String,
    pub events: Vec<String>,
    pub description: Option<String>,
    /// Whether it receives events (default: yes).
    pub active: Option<bool>,
}

/// A [`NewWebhook`] that validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidWebhook {
    pub url: WebhookUrl,
    pub events: Vec<EventPattern>,
    pub description: Option<String>,
    pub active: bool,
}

impl NewWebhook {
    /// Validates every field, errors by JSON pointer (`/url`, `/events/2`).
    pub fn validate(self) -> Result<ValidWebhook, Invalid> {
        let url = WebhookUrl::parse(&self.url).map_err(|e| Invalid::new("/url", e.message))?;
        if self.events.is_empty() || self.events.len() > MAX_PATTERNS {
            return Err(Invalid::new(
                "/events",
                format!("a webhook subscribes to 1 to {MAX_PATTERNS} event patterns (`*`: all)"),
            ));
        }
        let mut events: Vec<EventPattern> = Vec::with_capacity(self.events.len());
        for (i, e) in self.events.iter().enumerate() {
            let p = EventPattern::parse(e)
                .map_err(|err| Invalid::new(format!("/events/{i}"), err.message))?;
            if events.contains(&p) {
                return Err(Invalid::new(
                    format!("/events/{i}"),
                    format!("`{}` is listed twice", excerpt(e)),
                ));
            }
            events.push(p);
        }
        let description = match self.description.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(d)
                if d.chars().count() > MAX_DESCRIPTION_CHARS || d.chars().any(char::is_control) =>
            {
                return Err(Invalid::new(
                    "/description",
                    format!(
                        "a description is one line of at most {MAX_DESCRIPTION_CHARS} characters"
                    ),
                ));
            }
            Some(d) => Some(d.to_owned()),
        };
        Ok(ValidWebhook {
            url,
            events,
            description,
            active: self.active.unwrap_or(true),
        })
    }
}

/// A registered webhook (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Webhook {
    pub id: WebhookId,
    pub org: OrgId,
    pub url: WebhookUrl,
    pub events: Vec<EventPattern>,
    pub description: Option<String>,
    pub active: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// A webhook as the store writes it: with its secret sealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredWebhook {
    pub webhook: Webhook,
    /// [`crate::federation::FederationKey::seal`] of the secret, bound to [`secret_aad`].
    pub sealed_secret: String,
}

/// A webhook just created, with its secret (shown this once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedWebhook {
    pub webhook: Webhook,
    pub secret: WebhookSecret,
}

/// An event ready for delivery: its id, type, organisation, time and the exact body to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedEvent {
    pub id: EventId,
    pub org: OrgId,
    pub event_type: EventType,
    pub created_at: OffsetDateTime,
    /// The [`envelope`] as sent.
    pub body: String,
}

/// The body of every delivery of an event: `{"id", "type", "organisation", "created_at",
/// "data"}`, `data` being the payload. Refused when larger than [`MAX_BODY_BYTES`].
pub fn envelope(
    id: EventId,
    org: OrgId,
    event_type: &EventType,
    created_at: OffsetDateTime,
    payload: &serde_json::Value,
) -> Result<String, Invalid> {
    let at = created_at
        .format(&time::format_description::well_known::Rfc3339)
        .map_err(|e| Invalid::new("created_at", e.to_string()))?;
    let body = serde_json::json!({
        "id": id,
        "type": event_type.as_str(),
        "organisation": org,
        "created_at": at,
        "data": payload,
    })
    .to_string();
    if body.len() > MAX_BODY_BYTES {
        return Err(Invalid::new(
            "payload",
            format!("an event's body has at most {MAX_BODY_BYTES} bytes"),
        ));
    }
    Ok(body)
}

/// A delivery's new row: what the store inserts for one webhook of a [`QueuedEvent`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDelivery {
    pub id: DeliveryId,
    pub webhook: WebhookId,
}

/// A delivery in the log (never its body).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Delivery {
    pub id: DeliveryId,
    pub webhook: WebhookId,
    pub org: OrgId,
    pub event_id: EventId,
    pub event_type: EventType,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub attempts: u32,
    pub status: DeliveryStatus,
    pub last_status_code: Option<u16>,
    pub last_error: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub next_attempt_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub delivered_at: Option<OffsetDateTime>,
}

/// A delivery a sender claimed, with its webhook's sealed secret (the service opens it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedRow {
    pub id: DeliveryId,
    pub webhook: WebhookId,
    pub url: WebhookUrl,
    pub event_id: EventId,
    pub event_type: EventType,
    pub body: String,
    pub attempts: u32,
    pub sealed_secret: String,
}

/// A delivery a sender claimed: what it needs to send it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedDelivery {
    pub id: DeliveryId,
    pub webhook: WebhookId,
    pub url: WebhookUrl,
    pub event_id: EventId,
    pub event_type: EventType,
    /// The exact bytes to send and sign.
    pub body: String,
    pub secret: WebhookSecret,
    /// Attempts before this one.
    pub attempts: u32,
}

/// How many log rows a listing reads at most.
pub const MAX_LIST: u32 = 1000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_types_and_patterns() {
        for ok in [
            "request.created",
            "request.transition",
            "case.party-status",
            "x",
        ] {
            assert!(EventType::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "Request",
            "request.",
            ".x",
            "a..b",
            "1x",
            "a b",
            "*",
            &"a".repeat(65),
        ] {
            assert!(EventType::parse(bad).is_err(), "{bad:?}");
        }
        let t = EventType::parse("request.created").unwrap();
        let p = |s| EventPattern::parse(s).unwrap();
        assert!(p("*").matches(&t));
        assert!(p("request.*").matches(&t));
        assert!(p("request.created").matches(&t));
        assert!(!p("request.transition").matches(&t));
        assert!(!p("req.*").matches(&t), "a prefix is whole segments");
        assert!(!p("case.*").matches(&t));
        for bad in ["**", "request.**", "*.created", "request*", ""] {
            assert!(EventPattern::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn new_webhooks_validate_by_pointer() {
        let good = NewWebhook {
            url: "https://hooks.example/simpul".into(),
            events: vec!["request.*".into()],
            ..Default::default()
        };
        let v = good.clone().validate().unwrap();
        assert!(v.active);
        let err = |n: NewWebhook| n.validate().unwrap_err().path;
        assert_eq!(
            err(NewWebhook {
                url: "ftp://x.example".into(),
                ..good.clone()
            }),
            "/url"
        );
        assert_eq!(
            err(NewWebhook {
                events: vec![],
                ..good.clone()
            }),
            "/events"
        );
        assert_eq!(
            err(NewWebhook {
                events: vec!["request.*".into(), "Bad".into()],
                ..good.clone()
            }),
            "/events/1"
        );
        assert_eq!(
            err(NewWebhook {
                events: vec!["*".into(), "*".into()],
                ..good.clone()
            }),
            "/events/1"
        );
        assert_eq!(
            err(NewWebhook {
                description: Some("a\nb".into()),
                ..good
            }),
            "/description"
        );
    }

    #[test]
    fn envelopes_are_bounded_and_secrets_hidden() {
        let t = EventType::parse("request.created").unwrap();
        let id = EventId::new_random();
        let org = OrgId::new_random();
        let body = envelope(
            id,
            org,
            &t,
            OffsetDateTime::UNIX_EPOCH,
            &serde_json::json!({"a": 1}),
        )
        .unwrap();
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["type"], "request.created");
        assert_eq!(v["data"]["a"], 1);
        assert_eq!(v["id"], id.to_string());
        assert_eq!(v["created_at"], "1970-01-01T00:00:00Z");
        let big = serde_json::json!("x".repeat(MAX_BODY_BYTES));
        assert!(envelope(id, org, &t, OffsetDateTime::UNIX_EPOCH, &big).is_err());
        let s = WebhookSecret::generate();
        assert!(s.expose().starts_with("whsec_") && s.expose().len() == 6 + 43);
        assert_eq!(format!("{s:?}"), "WebhookSecret(***)");
    }
}
