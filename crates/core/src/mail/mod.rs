//! Outgoing e-mail (P2.1): a durable outbox in the store, claimed by senders, retried with backoff.
//!
//! A message is queued ([`NewMail`]) by a service function — or, inside another domain's own
//! transaction, by the backend's `insert_outbox` — and stays `queued` until a sender claims it
//! ([`MailStatus::Sending`], with a holder and a claim that expires, so a crashed sender's mail is
//! retried). The sender records each attempt: success → `sent`; a transient failure (no
//! connection, a timeout, a 4xx reply) → `queued` again after [`backoff`]; a permanent failure
//! (5xx), or [`MAX_ATTEMPTS`] attempts → `failed`. The body may carry secrets (an acknowledgement
//! link): it is erased once the message is sent or given up; what stays is the record (to,
//! subject, times, outcome). The network lives in the binary (`crates/simpul/src/mail/`).

pub mod service;
pub mod store;

use std::fmt;

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::error::{Invalid, excerpt};
use crate::org::string_enum;
use crate::store::StoreError;
use crate::user::Email;

/// The most attempts before a message is given up.
pub const MAX_ATTEMPTS: u32 = 10;
/// The most characters of a subject.
pub const MAX_SUBJECT_CHARS: usize = 200;
/// The most bytes of a body.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// The most characters of a recorded SMTP answer.
pub const MAX_ANSWER_CHARS: usize = 500;

/// A queued message's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MailId(pub Uuid);

impl fmt::Display for MailId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

string_enum!(
    /// Where a message stands: `failed` means given up.
    MailStatus, "status" {
        Queued => "queued",
        Sending => "sending",
        Sent => "sent",
        Failed => "failed",
    }
);

/// A subject: one line (no control characters, so no header can be injected), 1–200 characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Subject(String);

impl Subject {
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let s = s.trim();
        if s.is_empty() || s.chars().count() > MAX_SUBJECT_CHARS {
            return Err(Invalid::new(
                "subject",
                format!("a subject has 1 to {MAX_SUBJECT_CHARS} characters"),
            ));
        }
        if s.chars().any(char::is_control) {
            return Err(Invalid::new(
                "subject",
                format!(
                    "`{}`: a subject is one line without control characters",
                    excerpt(s)
                ),
            ));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Subject {
    type Error = Invalid;
    fn try_from(s: String) -> Result<Self, Invalid> {
        Self::parse(&s)
    }
}

impl From<Subject> for String {
    fn from(s: Subject) -> String {
        s.0
    }
}

/// A plain-text body of at most [`MAX_BODY_BYTES`]; line ends are kept as given.
#[derive(Clone, PartialEq, Eq)]
pub struct MailBody(String);

impl MailBody {
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        if s.len() > MAX_BODY_BYTES {
            return Err(Invalid::new(
                "body",
                format!("a body has at most {MAX_BODY_BYTES} bytes"),
            ));
        }
        if s.chars()
            .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
        {
            return Err(Invalid::new("body", "a body has no control characters"));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The body may hold a secret: never printed.
impl fmt::Debug for MailBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MailBody({} bytes)", self.0.len())
    }
}

/// Why a message is sent (`comm-check-target`, `test`): lower-case letters, digits and `-`, 1–40.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Purpose(String);

impl Purpose {
    /// The purpose of `simpul mail test`.
    pub fn test() -> Self {
        Self("test".into())
    }

    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let ok = (1..=40).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(Invalid::new(
                "purpose",
                format!("`{}`: a purpose is 1 to 40 of a-z, 0-9 and -", excerpt(s)),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Purpose {
    type Error = Invalid;
    fn try_from(s: String) -> Result<Self, Invalid> {
        Self::parse(&s)
    }
}

impl From<Purpose> for String {
    fn from(p: Purpose) -> String {
        p.0
    }
}

/// A message to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMail {
    pub to: Email,
    pub subject: Subject,
    pub body: MailBody,
    pub purpose: Purpose,
    /// What the message is about (a communication check's target), to read its outcome back.
    pub ref_id: Option<Uuid>,
}

/// A message ready for the outbox: its id and queue time, given by whoever queues it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    pub id: MailId,
    pub created_at: OffsetDateTime,
    pub mail: NewMail,
}

impl OutboxEntry {
    /// A fresh id, due at once.
    pub fn new(mail: NewMail, now: OffsetDateTime) -> Self {
        Self {
            id: MailId(Uuid::new_v4()),
            created_at: now,
            mail,
        }
    }
}

/// The SMTP server's answer (or, without one, what went wrong), bounded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    /// The reply code, when a server answered.
    pub code: Option<u16>,
    pub text: String,
}

impl Answer {
    pub fn new(code: Option<u16>, text: &str) -> Self {
        let one_line: String = text
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .take(MAX_ANSWER_CHARS)
            .collect();
        Self {
            code,
            text: one_line.trim().to_owned(),
        }
    }
}

/// What one attempt to send came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// The relay accepted the message.
    Sent(Answer),
    /// Worth trying again: no connection, a timeout, a 4xx reply.
    Transient(Answer),
    /// Never going to work: a 5xx reply.
    Permanent(Answer),
}

/// The record of a message: never its body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MailRecord {
    pub id: MailId,
    pub to: Email,
    pub subject: Subject,
    pub purpose: Purpose,
    pub ref_id: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub next_attempt_at: OffsetDateTime,
    pub attempts: u32,
    pub status: MailStatus,
    pub last_answer: Option<Answer>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub sent_at: Option<OffsetDateTime>,
}

/// A message a sender claimed: what it needs to send it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedMail {
    pub id: MailId,
    pub to: Email,
    pub subject: Subject,
    pub body: MailBody,
    /// Attempts before this one.
    pub attempts: u32,
    pub created_at: OffsetDateTime,
}

/// Which records a listing reads, newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MailFilter {
    pub status: Option<MailStatus>,
    pub limit: u32,
}

impl MailFilter {
    pub const MAX_LIMIT: u32 = 1000;
}

/// How an attempt changes a row: the store writes exactly this.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptUpdate {
    pub status: MailStatus,
    pub attempts: u32,
    pub next_attempt_at: OffsetDateTime,
    pub answer: Answer,
    pub sent_at: Option<OffsetDateTime>,
}

impl AttemptUpdate {
    /// Whether the body is erased (sent or given up).
    pub fn erases_body(&self) -> bool {
        matches!(self.status, MailStatus::Sent | MailStatus::Failed)
    }
}

/// The wait before the next attempt after `attempts` failed ones: 30 s, 1, 2, 4 … min, at most
/// an hour, stretched by up to a quarter by `jitter` (in `[0, 1)`, from the caller's RNG) so that
/// many messages refused together do not come back together.
pub fn backoff(attempts: u32, jitter: f64) -> Duration {
    let base = match attempts {
        0 | 1 => 30,
        n => 60i64.saturating_mul(1i64 << (n - 2).min(6)).min(3600),
    };
    let jitter = if jitter.is_finite() {
        jitter.clamp(0.0, 1.0)
    } else {
        0.0
    };
    // At most 900 s more: the product stays well inside i64.
    #[allow(clippy::cast_possible_truncation)]
    let extra = (base as f64 * 0.25 * jitter) as i64;
    Duration::seconds(base + extra)
}

/// What an attempt makes of a claimed message with `attempts` before it, at `now`.
pub fn next_state(
    attempts: u32,
    outcome: Attempt,
    now: OffsetDateTime,
    jitter: f64,
) -> AttemptUpdate {
    let attempts = attempts.saturating_add(1);
    let (status, answer, sent_at, next) = match outcome {
        Attempt::Sent(a) => (MailStatus::Sent, a, Some(now), now),
        Attempt::Permanent(a) => (MailStatus::Failed, a, None, now),
        Attempt::Transient(a) if attempts >= MAX_ATTEMPTS => (MailStatus::Failed, a, None, now),
        Attempt::Transient(a) => (MailStatus::Queued, a, None, now + backoff(attempts, jitter)),
    };
    AttemptUpdate {
        status,
        attempts,
        next_attempt_at: next,
        answer,
        sent_at,
    }
}

/// The columns of `mail_outbox` a record reads, in [`MailRow`] order.
pub const MAIL_COLUMNS: &str = "id, to_addr, subject, purpose, ref_id, created_at, \
     next_attempt_at, attempts, status, last_code, last_text, sent_at";

/// One stored row, the one decoding both backends fill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailRow {
    pub id: Uuid,
    pub to: String,
    pub subject: String,
    pub purpose: String,
    pub ref_id: Option<Uuid>,
    pub created_at: OffsetDateTime,
    pub next_attempt_at: OffsetDateTime,
    pub attempts: i64,
    pub status: String,
    pub last_code: Option<i64>,
    pub last_text: Option<String>,
    pub sent_at: Option<OffsetDateTime>,
}

fn corrupt(what: &str, e: impl fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("mail_outbox.{what}: {e}"))
}

impl MailRow {
    pub fn decode(self) -> Result<MailRecord, StoreError> {
        let last_answer = match (self.last_code, self.last_text) {
            (None, None) => None,
            (code, text) => Some(Answer {
                code: code
                    .map(u16::try_from)
                    .transpose()
                    .map_err(|e| corrupt("last_code", e))?,
                text: text.unwrap_or_default(),
            }),
        };
        Ok(MailRecord {
            id: MailId(self.id),
            to: Email::parse(&self.to).map_err(|e| corrupt("to_addr", e))?,
            subject: Subject::parse(&self.subject).map_err(|e| corrupt("subject", e))?,
            purpose: Purpose::parse(&self.purpose).map_err(|e| corrupt("purpose", e))?,
            ref_id: self.ref_id,
            created_at: self.created_at,
            next_attempt_at: self.next_attempt_at,
            attempts: u32::try_from(self.attempts).map_err(|e| corrupt("attempts", e))?,
            status: self.status.parse().map_err(|e| corrupt("status", e))?,
            last_answer,
            sent_at: self.sent_at,
        })
    }
}

/// A claimed row as stored, decoded.
pub fn decode_claimed(
    id: Uuid,
    to: &str,
    subject: &str,
    body: Option<&str>,
    attempts: i64,
    created_at: OffsetDateTime,
) -> Result<ClaimedMail, StoreError> {
    Ok(ClaimedMail {
        id: MailId(id),
        to: Email::parse(to).map_err(|e| corrupt("to_addr", e))?,
        subject: Subject::parse(subject).map_err(|e| corrupt("subject", e))?,
        body: MailBody::parse(body.unwrap_or_default()).map_err(|e| corrupt("body", e))?,
        attempts: u32::try_from(attempts).map_err(|e| corrupt("attempts", e))?,
        created_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_thirty_seconds_to_an_hour() {
        let secs: Vec<i64> = (1..=10).map(|n| backoff(n, 0.0).whole_seconds()).collect();
        assert_eq!(secs, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]);
        assert_eq!(backoff(3, 0.999).whole_seconds(), 149);
        assert_eq!(backoff(3, f64::NAN).whole_seconds(), 120);
    }

    #[test]
    fn attempts_end_sent_queued_or_failed() {
        let now = OffsetDateTime::UNIX_EPOCH;
        let a = || Answer::new(Some(421), "busy");
        let t = next_state(0, Attempt::Transient(a()), now, 0.0);
        assert_eq!(
            (t.status, t.attempts, t.next_attempt_at),
            (MailStatus::Queued, 1, now + Duration::seconds(30))
        );
        assert!(!t.erases_body());
        let t = next_state(9, Attempt::Transient(a()), now, 0.0);
        assert_eq!(t.status, MailStatus::Failed);
        assert!(t.erases_body());
        let p = next_state(
            0,
            Attempt::Permanent(Answer::new(Some(550), "no such user")),
            now,
            0.0,
        );
        assert_eq!((p.status, p.attempts), (MailStatus::Failed, 1));
        let s = next_state(2, Attempt::Sent(Answer::new(Some(250), "ok")), now, 0.0);
        assert_eq!((s.status, s.sent_at), (MailStatus::Sent, Some(now)));
    }

    #[test]
    fn subjects_are_one_bounded_line() {
        assert_eq!(Subject::parse(" Hello ").unwrap().as_str(), "Hello");
        for bad in ["", "a\r\nBcc: x@y.org", "a\nb", &"x".repeat(201)] {
            assert!(Subject::parse(bad).is_err(), "{bad:?}");
        }
        assert!(MailBody::parse(&"x".repeat(MAX_BODY_BYTES + 1)).is_err());
        assert!(MailBody::parse("line\r\nline\n").is_ok());
        assert!(Purpose::parse("comm-check-target").is_ok());
        assert!(Purpose::parse("Bad purpose").is_err());
        assert_eq!(Answer::new(Some(250), "ok\r\nmore").text, "ok  more");
    }
}
