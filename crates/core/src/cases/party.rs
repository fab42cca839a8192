//! Each invited party's status in a case, enforced here for every edge:
//!
//! | from | to | by |
//! |---|---|---|
//! | `invited` | `acknowledged` | the party |
//! | `acknowledged` | `investigating` | the party |
//! | `investigating` | `resolved` | the party |
//! | `acknowledged`, `investigating` | `not-affected` | the party |
//! | `resolved`, `not-affected` | `invited` (re-invited, a reason required) | the owner |
//!
//! The party is an organisation: its users who may act (`crate::access::cases`) move its own
//! status, and nobody moves another party's. A party must acknowledge before anything else —
//! acknowledging is accepting the case and its TLP, and is what the after-action summary times —
//! but may then say it is not affected without investigating first. The owner does not speak for
//! a party; it may only re-invite one that has finished (`resolved` or `not-affected`) when new
//! information concerns it again, and the party then acknowledges again. A party still working
//! (`acknowledged`, `investigating`) needs no re-invitation, and an `invited` one has not
//! answered yet. Any other step is [`Refused`], naming the states that side may move it to.

use std::fmt;

use crate::error::Invalid;
use crate::org::string_enum;

string_enum!(
    /// Where an invited party stands.
    PartyStatus, "status" {
        Invited => "invited",
        Acknowledged => "acknowledged",
        Investigating => "investigating",
        Resolved => "resolved",
        NotAffected => "not-affected",
    }
);

string_enum!(
    /// Who moves a party's status: the party itself or the case's owner.
    Side, "side" {
        Party => "party",
        Owner => "owner",
    }
);

use PartyStatus as P;

/// Every allowed edge: (from, to, by whom).
const EDGES: &[(PartyStatus, PartyStatus, Side)] = &[
    (P::Invited, P::Acknowledged, Side::Party),
    (P::Acknowledged, P::Investigating, Side::Party),
    (P::Investigating, P::Resolved, Side::Party),
    (P::Acknowledged, P::NotAffected, Side::Party),
    (P::Investigating, P::NotAffected, Side::Party),
    (P::Resolved, P::Invited, Side::Owner),
    (P::NotAffected, P::Invited, Side::Owner),
];

impl PartyStatus {
    /// Whether the party has finished with the case (until re-invited).
    pub fn is_final(self) -> bool {
        matches!(self, P::Resolved | P::NotAffected)
    }

    /// Whether the party has accepted the case: it reads the timeline and tasks and writes to
    /// them (`crate::access::cases`).
    pub fn has_acknowledged(self) -> bool {
        self != P::Invited
    }
}

/// The statuses `side` may move a party in `from` to, in the table's order.
pub fn allowed(from: PartyStatus, side: Side) -> Vec<PartyStatus> {
    EDGES
        .iter()
        .filter(|(f, _, by)| *f == from && *by == side)
        .map(|(_, to, _)| *to)
        .collect()
}

/// A refused step (REST: 409 with `allowed`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub from: PartyStatus,
    pub to: PartyStatus,
    pub side: Side,
    pub allowed: Vec<PartyStatus>,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the {} may not move a party that is {} to {}",
            self.side, self.from, self.to
        )?;
        if self.allowed.is_empty() {
            write!(f, "; the {} has no step from {}", self.side, self.from)
        } else {
            let names: Vec<&str> = self.allowed.iter().map(|s| s.as_str()).collect();
            write!(f, "; allowed: {}", names.join(", "))
        }
    }
}

impl std::error::Error for Refused {}

/// Whether `side` may move a party from `from` to `to`.
pub fn check(from: PartyStatus, to: PartyStatus, side: Side) -> Result<(), Refused> {
    if EDGES.contains(&(from, to, side)) {
        Ok(())
    } else {
        Err(Refused {
            from,
            to,
            side,
            allowed: allowed(from, side),
        })
    }
}

/// The body of `POST /api/v1/cases/{id}/parties/{org}/status`: `{"to": STATUS, "reason"}`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusInput {
    pub to: PartyStatus,
    #[serde(default)]
    pub reason: Option<String>,
}

/// The bound of a status step's reason, in characters.
pub const REASON_CHARS: usize = 2_000;

/// A validated status step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusStep {
    pub to: PartyStatus,
    pub reason: Option<String>,
}

impl StatusInput {
    /// Reads the step: a reason is optional, except to re-invite, where it says what is new.
    /// Whether the step is allowed is [`StatusStep::apply`]'s.
    pub fn step(&self) -> Result<StatusStep, Invalid> {
        let reason = self
            .reason
            .as_deref()
            .map(|r| crate::requests::text("/reason", r, REASON_CHARS, false, false))
            .transpose()?
            .filter(|r| !r.is_empty());
        if self.to == P::Invited && reason.is_none() {
            return Err(Invalid::new(
                "/reason",
                "say what is new when re-inviting a party",
            ));
        }
        Ok(StatusStep {
            to: self.to,
            reason,
        })
    }
}

impl StatusStep {
    /// Applies the step to a party in `from` for `side`: the new status, or why not.
    pub fn apply(&self, from: PartyStatus, side: Side) -> Result<PartyStatus, Refused> {
        check(from, self.to, side).map(|()| self.to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The table of the module docs, written out independently of `EDGES`.
    fn expected(from: PartyStatus, side: Side) -> &'static [PartyStatus] {
        match (from, side) {
            (P::Invited, Side::Party) => &[P::Acknowledged],
            (P::Acknowledged, Side::Party) => &[P::Investigating, P::NotAffected],
            (P::Investigating, Side::Party) => &[P::Resolved, P::NotAffected],
            (P::Resolved | P::NotAffected, Side::Party) => &[],
            (P::Invited | P::Acknowledged | P::Investigating, Side::Owner) => &[],
            (P::Resolved | P::NotAffected, Side::Owner) => &[P::Invited],
        }
    }

    #[test]
    fn every_status_step_and_side() {
        let mut allowed_count = 0;
        for &from in PartyStatus::ALL {
            for &side in Side::ALL {
                let want = expected(from, side);
                assert_eq!(allowed(from, side), want, "{from} by {side}");
                for &to in PartyStatus::ALL {
                    let r = check(from, to, side);
                    if want.contains(&to) {
                        allowed_count += 1;
                        assert_eq!(r, Ok(()), "{from} -> {to} by {side}");
                    } else {
                        let e = r.unwrap_err();
                        assert_eq!((e.from, e.to, e.side), (from, to, side));
                        assert_eq!(e.allowed, want, "{from} -> {to} by {side}");
                    }
                }
            }
        }
        assert_eq!(allowed_count, EDGES.len());
        assert_eq!(allowed_count, 7);
    }

    #[test]
    fn refusals_name_the_allowed_states() {
        let e = check(P::Invited, P::Resolved, Side::Party).unwrap_err();
        assert_eq!(
            e.to_string(),
            "the party may not move a party that is invited to resolved; allowed: acknowledged"
        );
        let e = check(P::Investigating, P::Resolved, Side::Owner).unwrap_err();
        assert!(e.allowed.is_empty());
        assert!(
            e.to_string()
                .ends_with("the owner has no step from investigating")
        );
        let e = check(P::Resolved, P::Investigating, Side::Party).unwrap_err();
        assert!(
            e.to_string()
                .ends_with("the party has no step from resolved")
        );
        let e = check(P::Resolved, P::Investigating, Side::Owner).unwrap_err();
        assert_eq!(e.allowed, [P::Invited]);
    }

    #[test]
    fn status_predicates() {
        let finals: Vec<_> = PartyStatus::ALL.iter().filter(|s| s.is_final()).collect();
        assert_eq!(finals, [&P::Resolved, &P::NotAffected]);
        let waiting: Vec<_> = PartyStatus::ALL
            .iter()
            .filter(|s| !s.has_acknowledged())
            .collect();
        assert_eq!(waiting, [&P::Invited]);
        // From every final status the owner's only step leads back to the start.
        for s in finals {
            assert_eq!(allowed(*s, Side::Owner), [P::Invited]);
        }
    }

    fn step(v: serde_json::Value) -> Result<StatusStep, Invalid> {
        serde_json::from_value::<StatusInput>(v).unwrap().step()
    }

    #[test]
    fn steps_and_reasons() {
        let s = step(json!({"to": "acknowledged"})).unwrap();
        assert_eq!(s.apply(P::Invited, Side::Party), Ok(P::Acknowledged));
        assert!(s.apply(P::Invited, Side::Owner).is_err());
        let s =
            step(json!({"to": "not-affected", "reason": " No customers on that range "})).unwrap();
        assert_eq!(s.reason.as_deref(), Some("No customers on that range"));
        assert_eq!(s.apply(P::Acknowledged, Side::Party), Ok(P::NotAffected));
        let s = step(json!({"to": "invited", "reason": "new C2 in your space"})).unwrap();
        assert_eq!(s.apply(P::Resolved, Side::Owner), Ok(P::Invited));
        for v in [
            json!({"to": "invited"}),
            json!({"to": "invited", "reason": " "}),
            json!({"to": "resolved", "reason": "r".repeat(REASON_CHARS + 1)}),
        ] {
            assert_eq!(step(v.clone()).unwrap_err().path, "/reason", "{v}");
        }
        assert!(serde_json::from_value::<StatusInput>(json!({"to": "done"})).is_err());
        assert!(
            serde_json::from_value::<StatusInput>(json!({"to": "resolved", "by": "owner"}))
                .is_err()
        );
    }
}
