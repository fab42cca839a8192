//! A case's tasks: each owned by one organisation of the case (the owner or a party), optionally
//! assigned to one of its users, optionally due, and moved through a small state machine:
//!
//! | from | to |
//! |---|---|
//! | `open` | `in-progress`, `done`, `cancelled` |
//! | `in-progress` | `open` (put back), `done`, `cancelled` |
//! | `done`, `cancelled` | `open` (reopened) |
//!
//! Who may move a task (its owner organisation or the case owner) is `crate::access::cases`'s;
//! the steps are the same for both. Overdue is not a state: [`overdue`] computes it from the clock
//! for an open or in-progress task past its due time.

use serde::Deserialize;
use time::OffsetDateTime;

use crate::error::Invalid;
use crate::org::{OrgId, ShortName, string_enum};
use crate::requests::text;
use crate::user::Email;

/// The bounds of a task's fields, in characters, and of its due time.
pub mod limits {
    pub const TITLE_CHARS: usize = 200;
    pub const DETAILS_CHARS: usize = 5_000;
    /// The latest due time, in days from its creation.
    pub const MAX_DUE_DAYS: i64 = 365;
}

string_enum!(
    /// Where a task stands.
    TaskState, "state" {
        Open => "open",
        InProgress => "in-progress",
        Done => "done",
        Cancelled => "cancelled",
    }
);

use TaskState as T;

const EDGES: &[(TaskState, TaskState)] = &[
    (T::Open, T::InProgress),
    (T::Open, T::Done),
    (T::Open, T::Cancelled),
    (T::InProgress, T::Open),
    (T::InProgress, T::Done),
    (T::InProgress, T::Cancelled),
    (T::Done, T::Open),
    (T::Cancelled, T::Open),
];

impl TaskState {
    /// Whether the task is still to be done.
    pub fn is_open(self) -> bool {
        matches!(self, T::Open | T::InProgress)
    }
}

/// The states a task in `from` may move to, in the table's order.
pub fn allowed(from: TaskState) -> Vec<TaskState> {
    EDGES
        .iter()
        .filter(|(f, _)| *f == from)
        .map(|(_, to)| *to)
        .collect()
}

/// A refused step (REST: 409 with `allowed`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub from: TaskState,
    pub to: TaskState,
    pub allowed: Vec<TaskState>,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.allowed.iter().map(|s| s.as_str()).collect();
        write!(
            f,
            "a task that is {} cannot become {}; allowed: {}",
            self.from,
            self.to,
            names.join(", ")
        )
    }
}

impl std::error::Error for Refused {}

/// Whether a task may move from `from` to `to`.
pub fn check(from: TaskState, to: TaskState) -> Result<(), Refused> {
    if EDGES.contains(&(from, to)) {
        Ok(())
    } else {
        Err(Refused {
            from,
            to,
            allowed: allowed(from),
        })
    }
}

/// Whether a task in `state` due at `due` is overdue at `now`.
pub fn overdue(state: TaskState, due: Option<OffsetDateTime>, now: OffsetDateTime) -> bool {
    state.is_open() && due.is_some_and(|d| now > d)
}

/// The body of `POST /api/v1/cases/{id}/tasks` (unvalidated).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewTask {
    pub title: String,
    #[serde(default)]
    pub details: String,
    /// The owner organisation's short name: the writer's own when absent.
    #[serde(default)]
    pub owner: Option<String>,
    /// The e-mail address of a user of the owner organisation.
    #[serde(default)]
    pub assignee: Option<String>,
    /// RFC 3339.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub due: Option<OffsetDateTime>,
}

/// A task whose every field is checked; the store resolves the owner to an organisation of the
/// case and the assignee to one of its users (refusing others at `/owner`, `/assignee`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidTask {
    pub title: String,
    pub details: String,
    pub owner: Option<ShortName>,
    pub assignee: Option<Email>,
    pub due: Option<OffsetDateTime>,
}

/// A task a template plans (`super::templates`), for one organisation of the case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedTask {
    pub title: String,
    pub details: String,
    pub owner_org: OrgId,
    pub due: OffsetDateTime,
}

impl NewTask {
    /// Checks every field at `now` (the service clock's time).
    pub fn validate(&self, now: OffsetDateTime) -> Result<ValidTask, Invalid> {
        let title = text("/title", &self.title, limits::TITLE_CHARS, true, true)?;
        let details = text(
            "/details",
            &self.details,
            limits::DETAILS_CHARS,
            false,
            false,
        )?;
        let owner = self
            .owner
            .as_deref()
            .map(|s| ShortName::parse(s.trim()).map_err(|e| Invalid::new("/owner", e.message)))
            .transpose()?;
        let assignee = self
            .assignee
            .as_deref()
            .map(|s| Email::parse(s.trim()).map_err(|e| Invalid::new("/assignee", e.message)))
            .transpose()?;
        match self.due {
            Some(d) if d <= now => {
                return Err(Invalid::new(
                    "/due",
                    "is in the past: give a time after now",
                ));
            }
            Some(d) if d > now + time::Duration::days(limits::MAX_DUE_DAYS) => {
                return Err(Invalid::new(
                    "/due",
                    format!("is more than {} days away", limits::MAX_DUE_DAYS),
                ));
            }
            _ => {}
        }
        Ok(ValidTask {
            title,
            details,
            owner,
            assignee,
            due: self.due,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-03-01 10:00 UTC);

    fn expected(from: TaskState) -> &'static [TaskState] {
        match from {
            T::Open => &[T::InProgress, T::Done, T::Cancelled],
            T::InProgress => &[T::Open, T::Done, T::Cancelled],
            T::Done | T::Cancelled => &[T::Open],
        }
    }

    #[test]
    fn every_state_and_step() {
        let mut n = 0;
        for &from in TaskState::ALL {
            assert_eq!(allowed(from), expected(from), "{from}");
            for &to in TaskState::ALL {
                match check(from, to) {
                    Ok(()) => {
                        n += 1;
                        assert!(expected(from).contains(&to), "{from} -> {to}");
                    }
                    Err(e) => {
                        assert!(!expected(from).contains(&to), "{from} -> {to}");
                        assert_eq!((e.from, e.to), (from, to));
                        assert_eq!(e.allowed, expected(from));
                    }
                }
            }
        }
        assert_eq!(n, EDGES.len());
        assert_eq!(n, 8);
        assert_eq!(
            check(T::Done, T::Cancelled).unwrap_err().to_string(),
            "a task that is done cannot become cancelled; allowed: open"
        );
        assert!(check(T::Open, T::Open).is_err(), "no step to where it is");
    }

    #[test]
    fn overdue_over_a_controlled_clock() {
        let due = datetime!(2026-03-02 10:00 UTC);
        for &s in TaskState::ALL {
            assert!(!overdue(s, Some(due), datetime!(2026-03-02 09:59:59 UTC)));
            assert!(!overdue(s, Some(due), due), "{s} at its due time");
            assert_eq!(
                overdue(s, Some(due), datetime!(2026-03-02 10:00:01 UTC)),
                s.is_open(),
                "{s}"
            );
            assert!(
                !overdue(s, None, datetime!(2030-01-01 00:00 UTC)),
                "{s} without due"
            );
        }
        let open: Vec<_> = TaskState::ALL.iter().filter(|s| s.is_open()).collect();
        assert_eq!(open, [&T::Open, &T::InProgress]);
    }

    fn check_task(v: serde_json::Value) -> Result<ValidTask, Invalid> {
        serde_json::from_value::<NewTask>(v).unwrap().validate(NOW)
    }

    #[test]
    fn tasks_are_validated() {
        let t = check_task(
            json!({"title": " Block the landing domains ", "owner": "MyCERT",
            "assignee": "duty@mycert.my", "due": "2026-03-02T10:00:00+08:00"}),
        )
        .unwrap();
        assert_eq!(t.title, "Block the landing domains");
        assert_eq!(t.owner.unwrap().as_str(), "MyCERT");
        assert_eq!(t.assignee.unwrap().to_string(), "duty@mycert.my");
        assert_eq!(t.due, Some(datetime!(2026-03-02 02:00 UTC)));
        let t = check_task(json!({"title": "x"})).unwrap();
        assert!(t.owner.is_none() && t.assignee.is_none() && t.due.is_none());
        for (v, at) in [
            (json!({"title": ""}), "/title"),
            (json!({"title": "a\nb"}), "/title"),
            (
                json!({"title": "t".repeat(limits::TITLE_CHARS + 1)}),
                "/title",
            ),
            (
                json!({"title": "x", "details": "d".repeat(limits::DETAILS_CHARS + 1)}),
                "/details",
            ),
            (json!({"title": "x", "owner": "-"}), "/owner"),
            (json!({"title": "x", "assignee": "nobody"}), "/assignee"),
            (json!({"title": "x", "due": "2026-03-01T10:00:00Z"}), "/due"),
            (json!({"title": "x", "due": "2027-03-02T10:00:00Z"}), "/due"),
        ] {
            assert_eq!(check_task(v.clone()).unwrap_err().path, at, "{v}");
        }
        assert!(serde_json::from_value::<NewTask>(json!({"title": "x", "state": "done"})).is_err());
    }
}
