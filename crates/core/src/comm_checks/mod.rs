//! Communication checks ("ping tests", P2.1): a coordinator asks a set of contacts to acknowledge a
//! message before a deadline, and the check measures who answers and how fast.
//!
//! A [`Check`] keeps what was asked (the target spec as given, kinds, channels, deadline); each
//! [`Target`] is one contact as it was when the check started ([`TargetContact`], a snapshot the
//! contacts domain fills) with the SHA-256 of its acknowledgement token (the token itself is
//! returned once to whoever queues the mail and never stored), its delivery and its
//! acknowledgement. A target's final state is computed from its times ([`Target::state`]), never
//! swept by a job. Durations are in [`duration`], the summary in [`summary`], the acknowledgement
//! rules in [`ack`], recurring schedules in [`schedule`].

use std::fmt;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::contacts::{ContactId, ContactKind};
use crate::error::Invalid;
use crate::org::{OrgId, ShortName, id_type, string_enum};

pub mod ack;
pub mod delivery;
pub mod duration;
pub mod in_app;
pub mod rows;
pub mod schedule;
pub mod schedules;
pub mod service;
pub mod start;
pub mod store;
pub mod summary;
mod target_spec;

pub use duration::CheckDuration;
pub use target_spec::TargetSpec;

id_type!(
    /// A communication check's id.
    CheckId
);
id_type!(
    /// One target (contact) of a check.
    TargetId
);
id_type!(
    /// A recurring schedule's id.
    ScheduleId
);

string_enum!(
    /// How a check reaches its contacts.
    Channel, "channel" {
        Email => "email",
        InApp => "in-app",
    }
);

string_enum!(
    /// How an acknowledgement arrived.
    AckVia, "via" {
        Link => "link",
        InApp => "in-app",
    }
);

string_enum!(
    /// A target's state, computed from its times ([`Target::state`]).
    TargetState, "state" {
        Pending => "pending",
        Acknowledged => "acknowledged",
        Late => "late",
        NoAnswer => "no-answer",
        Undeliverable => "undeliverable",
    }
);

/// The longest title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// The longest message, in characters.
pub const MAX_MESSAGE_CHARS: usize = 4000;

/// A communication check as started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub id: CheckId,
    pub title: String,
    pub message: String,
    pub channels: Vec<Channel>,
    /// The contact kinds asked; empty: every kind.
    pub kinds: Vec<ContactKind>,
    /// The targets as the starter gave them.
    pub targets: TargetSpec,
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    /// The audit actor who started it (`user:…`, `cli:…`, `schedule:…`).
    pub started_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub deadline_at: OffsetDateTime,
    pub schedule: Option<ScheduleId>,
}

/// A contact as it was when the check started: later edits of the contact do not change what the
/// check asked of whom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetContact {
    pub contact_id: ContactId,
    pub org_id: OrgId,
    pub name: String,
    pub email: String,
}

/// What became of a target's message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum Delivery {
    /// Waiting in the outbox (or in-app only).
    Queued,
    /// The relay took it; its answer.
    Sent { answer: String },
    /// The relay refused it for good; why.
    Undeliverable { reason: String },
}

/// One contact of a check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub id: TargetId,
    pub check: CheckId,
    pub contact: TargetContact,
    /// SHA-256 of the acknowledgement token.
    pub token_hash: [u8; 32],
    /// As stored, never sent and `queued`; a report reads both from the target's outbox row
    /// ([`delivery`]).
    pub sent_at: Option<OffsetDateTime>,
    pub delivery: Delivery,
    pub acknowledged_at: Option<OffsetDateTime>,
    pub via: Option<AckVia>,
}

impl Target {
    /// The state at `now` for a check whose deadline is `deadline`: an acknowledgement is
    /// `acknowledged` when it came by the deadline and `late` after it (only in-app can be late:
    /// the link expires at the deadline); without one, an undeliverable message is
    /// `undeliverable`, a passed deadline `no-answer`, otherwise `pending`.
    pub fn state(&self, deadline: OffsetDateTime, now: OffsetDateTime) -> TargetState {
        match (self.acknowledged_at, &self.delivery) {
            (Some(at), _) if at <= deadline => TargetState::Acknowledged,
            (Some(_), _) => TargetState::Late,
            (None, Delivery::Undeliverable { .. }) => TargetState::Undeliverable,
            (None, _) if now > deadline => TargetState::NoAnswer,
            (None, _) => TargetState::Pending,
        }
    }

    /// How long the contact took: from sending (or from the check's start when it was never
    /// sent, e.g. in-app only) to the acknowledgement.
    pub fn response_time(&self, started_at: OffsetDateTime) -> Option<time::Duration> {
        let at = self.acknowledged_at?;
        Some(at - self.sent_at.unwrap_or(started_at))
    }
}

/// What a coordinator asks for when starting a check (targets are resolved by the caller into
/// [`TargetContact`]s).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCheck {
    pub title: String,
    pub message: String,
    pub channels: Vec<Channel>,
    pub kinds: Vec<ContactKind>,
    pub targets: TargetSpec,
    pub deadline: CheckDuration,
}

/// Reads a title: 1 to [`MAX_TITLE_CHARS`] characters, not blank.
pub fn check_title(path: &str, s: &str) -> Result<String, Invalid> {
    let t = s.trim();
    if t.is_empty() {
        return Err(Invalid::new(path, "the title must not be empty"));
    }
    if t.chars().count() > MAX_TITLE_CHARS {
        return Err(Invalid::new(
            path,
            format!("the title is longer than {MAX_TITLE_CHARS} characters"),
        ));
    }
    Ok(t.to_owned())
}

impl NewCheck {
    /// Checks the fields: a title, a message of at most [`MAX_MESSAGE_CHARS`], at least one
    /// channel and no repeated channel or kind.
    pub fn validate(&self) -> Result<(), Invalid> {
        check_title("/title", &self.title)?;
        if self.message.chars().count() > MAX_MESSAGE_CHARS {
            return Err(Invalid::new(
                "/message",
                format!("the message is longer than {MAX_MESSAGE_CHARS} characters"),
            ));
        }
        if self.channels.is_empty() {
            return Err(Invalid::new(
                "/channels",
                "give at least one channel (email, in-app)",
            ));
        }
        if let Some(i) = first_repeat(&self.channels) {
            return Err(Invalid::new(
                format!("/channels/{i}"),
                "this channel is given twice",
            ));
        }
        if let Some(i) = first_repeat(&self.kinds) {
            return Err(Invalid::new(
                format!("/kinds/{i}"),
                "this kind is given twice",
            ));
        }
        Ok(())
    }
}

/// The index of the first element that repeats an earlier one.
fn first_repeat<T: PartialEq>(v: &[T]) -> Option<usize> {
    (1..v.len()).find(|&i| v[..i].contains(&v[i]))
}

/// A short name of an organisation in a target spec, read at `path`.
pub(crate) fn short_at(path: String, s: &str) -> Result<ShortName, Invalid> {
    ShortName::parse(s).map_err(|e| Invalid::new(path, e.message))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn target(ack: Option<OffsetDateTime>, delivery: Delivery) -> Target {
        Target {
            id: TargetId::new_random(),
            check: CheckId::new_random(),
            contact: TargetContact {
                contact_id: ContactId::new_random(),
                org_id: OrgId(Uuid::nil()),
                name: "n".into(),
                email: "n@example.org".into(),
            },
            token_hash: [0; 32],
            sent_at: Some(datetime!(2026-01-01 10:00:10 UTC)),
            delivery,
            acknowledged_at: ack,
            via: ack.map(|_| AckVia::Link),
        }
    }

    #[test]
    fn states_follow_the_times() {
        let deadline = datetime!(2026-01-01 11:00 UTC);
        let before = datetime!(2026-01-01 10:30 UTC);
        let after = datetime!(2026-01-01 12:00 UTC);
        let sent = Delivery::Sent {
            answer: "250 ok".into(),
        };
        let bad = Delivery::Undeliverable {
            reason: "550 no such user".into(),
        };
        let t = target(None, sent.clone());
        assert_eq!(t.state(deadline, before), TargetState::Pending);
        assert_eq!(t.state(deadline, deadline), TargetState::Pending);
        assert_eq!(t.state(deadline, after), TargetState::NoAnswer);
        let t = target(Some(deadline), sent.clone());
        assert_eq!(t.state(deadline, after), TargetState::Acknowledged);
        let t = target(Some(after), sent);
        assert_eq!(t.state(deadline, after), TargetState::Late);
        let t = target(None, bad.clone());
        assert_eq!(t.state(deadline, before), TargetState::Undeliverable);
        assert_eq!(t.state(deadline, after), TargetState::Undeliverable);
        // An in-app answer counts even when the mail bounced.
        let t = target(Some(before), bad);
        assert_eq!(t.state(deadline, after), TargetState::Acknowledged);
    }

    #[test]
    fn response_time_runs_from_sending_or_from_the_start() {
        let started = datetime!(2026-01-01 10:00 UTC);
        let mut t = target(Some(datetime!(2026-01-01 10:05:10 UTC)), Delivery::Queued);
        assert_eq!(t.response_time(started), Some(time::Duration::minutes(5)));
        t.sent_at = None;
        assert_eq!(t.response_time(started), Some(time::Duration::seconds(310)));
        t.acknowledged_at = None;
        assert_eq!(t.response_time(started), None);
    }

    #[test]
    fn a_new_check_is_validated_with_paths() {
        let ok = NewCheck {
            title: "Quarterly".into(),
            message: String::new(),
            channels: vec![Channel::Email],
            kinds: vec![],
            targets: TargetSpec::AllMembers,
            deadline: "4h".parse().unwrap(),
        };
        assert!(ok.validate().is_ok());
        let mut c = ok.clone();
        c.title = "  ".into();
        assert_eq!(c.validate().unwrap_err().path, "/title");
        let mut c = ok.clone();
        c.channels = vec![];
        assert_eq!(c.validate().unwrap_err().path, "/channels");
        let mut c = ok.clone();
        c.channels = vec![Channel::Email, Channel::InApp, Channel::Email];
        assert_eq!(c.validate().unwrap_err().path, "/channels/2");
        let mut c = ok;
        c.message = "x".repeat(MAX_MESSAGE_CHARS + 1);
        assert_eq!(c.validate().unwrap_err().path, "/message");
    }
}
