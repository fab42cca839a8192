//! The state machine of a request, enforced here for every edge:
//!
//! | from | to | by |
//! |---|---|---|
//! | `submitted` | `acknowledged` | the target |
//! | `acknowledged` | `in-progress` | the target |
//! | `in-progress` | `actioned` (with an [`Outcome`]) | the target |
//! | `submitted`, `acknowledged`, `in-progress` | `declined` (with a reason) | the target |
//! | `submitted`, `acknowledged`, `in-progress` | `withdrawn` (a reason optional) | the requester |
//!
//! `actioned`, `declined` and `withdrawn` are final. The target may decline at any open state (a
//! request outside its remit need not be acknowledged first). Any other step is [`Refused`], naming
//! the states that party may move the request to. `overdue` is not a state: [`overdue`] computes it
//! from the clock, and an overdue request stays open.

use std::fmt;

use serde::Deserialize;
use time::OffsetDateTime;

use super::outcome::{Outcome, OutcomeInput};
use super::{RequestKind, limits, text};
use crate::error::Invalid;
use crate::org::string_enum;

string_enum!(
    /// Where a request stands.
    RequestState, "state" {
        Submitted => "submitted",
        Acknowledged => "acknowledged",
        InProgress => "in-progress",
        Actioned => "actioned",
        Declined => "declined",
        Withdrawn => "withdrawn",
    }
);

string_enum!(
    /// Which side of a request someone acts for (`crate::access::requests::acting_party`).
    Party, "party" {
        Requester => "requester",
        Target => "target",
    }
);

use RequestState as S;

/// Every allowed edge: (from, to, by whom).
const EDGES: &[(RequestState, RequestState, Party)] = &[
    (S::Submitted, S::Acknowledged, Party::Target),
    (S::Acknowledged, S::InProgress, Party::Target),
    (S::InProgress, S::Actioned, Party::Target),
    (S::Submitted, S::Declined, Party::Target),
    (S::Acknowledged, S::Declined, Party::Target),
    (S::InProgress, S::Declined, Party::Target),
    (S::Submitted, S::Withdrawn, Party::Requester),
    (S::Acknowledged, S::Withdrawn, Party::Requester),
    (S::InProgress, S::Withdrawn, Party::Requester),
];

impl RequestState {
    /// Whether the request still waits for the target: no outcome, not declined nor withdrawn.
    pub fn is_open(self) -> bool {
        matches!(self, S::Submitted | S::Acknowledged | S::InProgress)
    }
}

/// The states `party` may move a request in state `from` to, in the table's order.
pub fn allowed(from: RequestState, party: Party) -> Vec<RequestState> {
    EDGES
        .iter()
        .filter(|(f, _, by)| *f == from && *by == party)
        .map(|(_, to, _)| *to)
        .collect()
}

/// A refused step: the request is `from`, `party` asked for `to`; it may go to `allowed` (REST:
/// 409 with this list).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub from: RequestState,
    pub to: RequestState,
    pub party: Party,
    pub allowed: Vec<RequestState>,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the {} may not move a {} request to {}",
            self.party, self.from, self.to
        )?;
        if self.allowed.is_empty() {
            write!(f, "; the {} has no step from {}", self.party, self.from)
        } else {
            let names: Vec<&str> = self.allowed.iter().map(|s| s.as_str()).collect();
            write!(f, "; allowed: {}", names.join(", "))
        }
    }
}

impl std::error::Error for Refused {}

/// Whether `party` may move a request from `from` to `to`.
pub fn check(from: RequestState, to: RequestState, party: Party) -> Result<(), Refused> {
    if EDGES.contains(&(from, to, party)) {
        Ok(())
    } else {
        Err(Refused {
            from,
            to,
            party,
            allowed: allowed(from, party),
        })
    }
}

/// A validated step, with what its state needs: an outcome to be actioned, a reason to decline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Acknowledge,
    Start,
    Action(Outcome),
    Decline { reason: String },
    Withdraw { reason: Option<String> },
}

impl Step {
    /// The state the step leads to.
    pub fn to(&self) -> RequestState {
        match self {
            Step::Acknowledge => S::Acknowledged,
            Step::Start => S::InProgress,
            Step::Action(_) => S::Actioned,
            Step::Decline { .. } => S::Declined,
            Step::Withdraw { .. } => S::Withdrawn,
        }
    }

    /// Applies the step to a request in state `from` for `party`: the new state, or why not.
    pub fn apply(&self, from: RequestState, party: Party) -> Result<RequestState, Refused> {
        check(from, self.to(), party).map(|()| self.to())
    }
}

/// The body of `POST /api/v1/requests/{id}/transitions`: `{"to": STATE, "reason", "outcome"}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransitionInput {
    pub to: RequestState,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub outcome: Option<OutcomeInput>,
}

impl TransitionInput {
    /// Reads the step for a request of `kind` whose observables have the canonical `keys`: a
    /// reason is required to decline and allowed to withdraw, an outcome required to be actioned;
    /// neither is taken elsewhere. Whether the step is allowed is [`Step::apply`]'s.
    pub fn step(&self, kind: RequestKind, keys: &[String]) -> Result<Step, Invalid> {
        let reason = self
            .reason
            .as_deref()
            .map(|r| text("/reason", r, limits::REASON_CHARS, false, false))
            .transpose()?
            .filter(|r| !r.is_empty());
        let takes_reason = matches!(self.to, S::Declined | S::Withdrawn);
        if reason.is_some() && !takes_reason {
            return Err(Invalid::new(
                "/reason",
                "a reason is given only to decline or withdraw",
            ));
        }
        if self.outcome.is_some() && self.to != S::Actioned {
            return Err(Invalid::new(
                "/outcome",
                "an outcome is reported only with the step to actioned",
            ));
        }
        Ok(match self.to {
            S::Submitted => {
                return Err(Invalid::new(
                    "/to",
                    "a request is submitted when it is created, never by a step",
                ));
            }
            S::Acknowledged => Step::Acknowledge,
            S::InProgress => Step::Start,
            S::Actioned => match &self.outcome {
                Some(o) => Step::Action(o.validate("/outcome", kind, keys)?),
                None => {
                    return Err(Invalid::new(
                        "/outcome",
                        "report the outcome ({\"result\": \"done\" | \"partial\" | \"not-possible\", …}) to mark a request actioned",
                    ));
                }
            },
            S::Declined => Step::Decline {
                reason: reason
                    .ok_or_else(|| Invalid::new("/reason", "give the reason for declining"))?,
            },
            S::Withdrawn => Step::Withdraw { reason },
        })
    }
}

/// Whether a request in `state` due at `due` is overdue at `now`: still open after its due time.
pub fn overdue(state: RequestState, due: OffsetDateTime, now: OffsetDateTime) -> bool {
    state.is_open() && now > due
}

/// When the "deadline close" notice is due: with a quarter of the time from `created` to `due`
/// left.
pub fn warn_at(created: OffsetDateTime, due: OffsetDateTime) -> OffsetDateTime {
    due - (due - created) / 4
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use time::macros::datetime;

    /// The table of the module docs, written out independently of `EDGES`: for each state, what
    /// the requester and the target may move it to.
    fn expected(from: RequestState, party: Party) -> &'static [RequestState] {
        match (from, party) {
            (S::Submitted, Party::Target) => &[S::Acknowledged, S::Declined],
            (S::Acknowledged, Party::Target) => &[S::InProgress, S::Declined],
            (S::InProgress, Party::Target) => &[S::Actioned, S::Declined],
            (S::Submitted | S::Acknowledged | S::InProgress, Party::Requester) => &[S::Withdrawn],
            (S::Actioned | S::Declined | S::Withdrawn, _) => &[],
        }
    }

    #[test]
    fn every_state_step_and_party() {
        let mut allowed_count = 0;
        for &from in RequestState::ALL {
            for &party in Party::ALL {
                let want = expected(from, party);
                let mut got = allowed(from, party);
                got.sort_by_key(|s| s.as_str());
                let mut w = want.to_vec();
                w.sort_by_key(|s| s.as_str());
                assert_eq!(got, w, "{from} by {party}");
                for &to in RequestState::ALL {
                    let r = check(from, to, party);
                    if want.contains(&to) {
                        allowed_count += 1;
                        assert_eq!(r, Ok(()), "{from} -> {to} by {party}");
                    } else {
                        let e = r.unwrap_err();
                        assert_eq!((e.from, e.to, e.party), (from, to, party));
                        assert_eq!(e.allowed, allowed(from, party), "{from} -> {to}");
                    }
                }
            }
        }
        assert_eq!(allowed_count, EDGES.len());
        assert_eq!(allowed_count, 9);
    }

    #[test]
    fn refusals_name_the_allowed_states() {
        let e = check(S::Submitted, S::Actioned, Party::Target).unwrap_err();
        assert_eq!(
            e.to_string(),
            "the target may not move a submitted request to actioned; allowed: acknowledged, declined"
        );
        let e = check(S::InProgress, S::Actioned, Party::Requester).unwrap_err();
        assert_eq!(e.allowed, [S::Withdrawn]);
        let e = check(S::Actioned, S::Withdrawn, Party::Requester).unwrap_err();
        assert!(e.allowed.is_empty());
        assert!(
            e.to_string()
                .ends_with("the requester has no step from actioned")
        );
    }

    fn input(v: serde_json::Value) -> TransitionInput {
        serde_json::from_value(v).unwrap()
    }

    fn step(v: serde_json::Value) -> Result<Step, Invalid> {
        input(v).step(
            RequestKind::Freeze,
            &["iban|GB82WEST12345698765432".to_owned()],
        )
    }

    #[test]
    fn steps_carry_what_their_state_needs() {
        assert_eq!(
            step(json!({"to": "acknowledged"})).unwrap(),
            Step::Acknowledge
        );
        assert_eq!(step(json!({"to": "in-progress"})).unwrap(), Step::Start);
        assert_eq!(
            step(json!({"to": "declined", "reason": " Not our jurisdiction "})).unwrap(),
            Step::Decline {
                reason: "Not our jurisdiction".into()
            }
        );
        assert_eq!(
            step(json!({"to": "withdrawn"})).unwrap(),
            Step::Withdraw { reason: None }
        );
        assert_eq!(
            step(json!({"to": "withdrawn", "reason": "sent twice"})).unwrap(),
            Step::Withdraw {
                reason: Some("sent twice".into())
            }
        );
        let s = step(json!({"to": "actioned", "outcome": {"result": "done",
            "amount": {"value": "100", "currency": "MYR"}}}))
        .unwrap();
        assert!(matches!(&s, Step::Action(o) if o.amount.is_some()));
        assert_eq!(s.apply(S::InProgress, Party::Target), Ok(S::Actioned));
        assert!(s.apply(S::Acknowledged, Party::Target).is_err());
        for (v, path) in [
            (json!({"to": "declined"}), "/reason"),
            (json!({"to": "declined", "reason": "  "}), "/reason"),
            (
                json!({"to": "declined", "reason": "r".repeat(limits::REASON_CHARS + 1)}),
                "/reason",
            ),
            (json!({"to": "acknowledged", "reason": "ok"}), "/reason"),
            (json!({"to": "actioned"}), "/outcome"),
            (
                json!({"to": "in-progress", "outcome": {"result": "done"}}),
                "/outcome",
            ),
            (
                json!({"to": "actioned", "outcome": {"result": "done", "observables": [{"key": "x", "result": "done"}]}}),
                "/outcome/observables/0/key",
            ),
            (json!({"to": "submitted"}), "/to"),
        ] {
            assert_eq!(step(v.clone()).unwrap_err().path, path, "{v}");
        }
        assert!(serde_json::from_value::<TransitionInput>(json!({"to": "overdue"})).is_err());
        assert!(
            serde_json::from_value::<TransitionInput>(json!({"to": "declined", "why": "x"}))
                .is_err()
        );
    }

    #[test]
    fn overdue_over_a_controlled_clock() {
        let due = datetime!(2026-03-01 14:00 UTC);
        let before = datetime!(2026-03-01 13:59:59 UTC);
        let after = datetime!(2026-03-01 14:00:01 UTC);
        for &s in RequestState::ALL {
            assert!(!overdue(s, due, before), "{s}");
            assert!(!overdue(s, due, due), "{s} at the due time");
            assert_eq!(overdue(s, due, after), s.is_open(), "{s}");
        }
        let open: Vec<_> = RequestState::ALL.iter().filter(|s| s.is_open()).collect();
        assert_eq!(open, [&S::Submitted, &S::Acknowledged, &S::InProgress]);
    }

    #[test]
    fn the_deadline_notice_comes_with_a_quarter_left() {
        let created = datetime!(2026-03-01 10:00 UTC);
        assert_eq!(
            warn_at(created, datetime!(2026-03-01 14:00 UTC)),
            datetime!(2026-03-01 13:00 UTC)
        );
        assert_eq!(
            warn_at(created, datetime!(2026-03-04 10:00 UTC)),
            datetime!(2026-03-03 16:00 UTC)
        );
    }
}
