//! The after-action summary of a case, computed from the parties' status histories and the
//! tasks, at the time the case is closed (or any time before, as a preview).
//!
//! Per party: the time from its first invitation to its first acknowledgement, and to its
//! finish (the last step to `resolved` or `not-affected`, when that is where it stands — a party
//! re-invited and not finished again has no time to resolve); how many times it was re-invited.
//! Over the parties: the median times, and how many finished which way. Times are whole seconds.

use serde::Serialize;
use time::{Duration, OffsetDateTime};

use super::party::PartyStatus;
use super::tasks::{TaskState, overdue};
use crate::org::OrgId;

/// One party's history: every status it was in, with when it got there (the first step is its
/// invitation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartyHistory {
    pub org: OrgId,
    pub steps: Vec<(PartyStatus, OffsetDateTime)>,
}

/// One party in the summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartySummary {
    pub org: OrgId,
    /// Where it stands.
    pub status: PartyStatus,
    #[serde(with = "seconds")]
    pub time_to_acknowledge: Option<Duration>,
    #[serde(with = "seconds")]
    pub time_to_resolve: Option<Duration>,
    pub reinvited: usize,
}

/// The tasks at closing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct TaskCounts {
    pub done: usize,
    pub cancelled: usize,
    /// Still open or in progress.
    pub open: usize,
    /// Of the open ones, past their due time.
    pub overdue: usize,
}

/// The after-action summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    #[serde(with = "time::serde::rfc3339")]
    pub opened_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub closed_at: OffsetDateTime,
    pub parties: Vec<PartySummary>,
    pub resolved: usize,
    pub not_affected: usize,
    /// Parties that had not finished at closing.
    pub unfinished: usize,
    /// Parties that never acknowledged.
    pub never_acknowledged: usize,
    #[serde(with = "seconds")]
    pub median_time_to_acknowledge: Option<Duration>,
    #[serde(with = "seconds")]
    pub median_time_to_resolve: Option<Duration>,
    pub tasks: TaskCounts,
}

/// Summarises a case opened at `opened_at` and closed at `closed_at`, from its parties' histories
/// (steps in any order of time, steps at the same time in the order they were taken; a history
/// without its invitation times nothing) and its tasks' `(state, due)`.
pub fn summarise(
    opened_at: OffsetDateTime,
    closed_at: OffsetDateTime,
    histories: &[PartyHistory],
    tasks: &[(TaskState, Option<OffsetDateTime>)],
) -> Summary {
    let parties: Vec<PartySummary> = histories.iter().map(party).collect();
    let count = |s: PartyStatus| parties.iter().filter(|p| p.status == s).count();
    let acks: Vec<Duration> = parties
        .iter()
        .filter_map(|p| p.time_to_acknowledge)
        .collect();
    let resolves: Vec<Duration> = parties.iter().filter_map(|p| p.time_to_resolve).collect();
    let mut t = TaskCounts::default();
    for &(state, due) in tasks {
        match state {
            TaskState::Done => t.done += 1,
            TaskState::Cancelled => t.cancelled += 1,
            TaskState::Open | TaskState::InProgress => t.open += 1,
        }
        if overdue(state, due, closed_at) {
            t.overdue += 1;
        }
    }
    Summary {
        opened_at,
        closed_at,
        resolved: count(PartyStatus::Resolved),
        not_affected: count(PartyStatus::NotAffected),
        unfinished: parties.iter().filter(|p| !p.status.is_final()).count(),
        never_acknowledged: parties
            .iter()
            .filter(|p| p.time_to_acknowledge.is_none())
            .count(),
        median_time_to_acknowledge: median(acks),
        median_time_to_resolve: median(resolves),
        parties,
        tasks: t,
    }
}

fn party(h: &PartyHistory) -> PartySummary {
    let mut steps = h.steps.clone();
    steps.sort_by_key(|&(_, at)| at);
    let first = |s: PartyStatus| steps.iter().find(|(st, _)| *st == s).map(|&(_, at)| at);
    let invited = first(PartyStatus::Invited);
    let status = steps.last().map_or(PartyStatus::Invited, |&(s, _)| s);
    let finished = steps
        .last()
        .filter(|(s, _)| s.is_final())
        .map(|&(_, at)| at);
    let since = |at: Option<OffsetDateTime>| Some(whole_seconds(at? - invited?));
    PartySummary {
        org: h.org,
        status,
        time_to_acknowledge: since(first(PartyStatus::Acknowledged)),
        time_to_resolve: since(finished),
        reinvited: steps
            .iter()
            .filter(|(s, _)| *s == PartyStatus::Invited)
            .count()
            .saturating_sub(1),
    }
}

fn whole_seconds(d: Duration) -> Duration {
    Duration::seconds(d.whole_seconds())
}

/// The median, the mean of the two middle values for an even count (whole seconds).
fn median(mut v: Vec<Duration>) -> Option<Duration> {
    v.sort();
    let n = v.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(v[n / 2]),
        _ => Some(whole_seconds((v[n / 2 - 1] + v[n / 2]) / 2)),
    }
}

/// An optional duration as whole seconds in JSON.
mod seconds {
    use serde::Serializer;
    use time::Duration;

    pub fn serialize<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_some(&d.whole_seconds()),
            None => s.serialize_none(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PartyStatus as P;
    use time::macros::datetime;

    const T0: OffsetDateTime = datetime!(2026-03-01 10:00 UTC);

    fn h(org: OrgId, steps: &[(PartyStatus, i64)]) -> PartyHistory {
        PartyHistory {
            org,
            steps: steps
                .iter()
                .map(|&(s, m)| (s, T0 + Duration::minutes(m)))
                .collect(),
        }
    }

    #[test]
    fn per_party_times_from_the_histories() {
        let orgs: Vec<OrgId> = (0..5).map(|_| OrgId::new_random()).collect();
        let histories = [
            // Acknowledged after 30 min, resolved after 5 h.
            h(
                orgs[0],
                &[
                    (P::Invited, 0),
                    (P::Acknowledged, 30),
                    (P::Investigating, 60),
                    (P::Resolved, 300),
                ],
            ),
            // Not affected, steps given out of order.
            h(
                orgs[1],
                &[(P::NotAffected, 90), (P::Invited, 0), (P::Acknowledged, 60)],
            ),
            // Never answered.
            h(orgs[2], &[(P::Invited, 0)]),
            // Resolved, re-invited, resolved again: times from the first invitation to the last finish.
            h(
                orgs[3],
                &[
                    (P::Invited, 10),
                    (P::Acknowledged, 80),
                    (P::Investigating, 85),
                    (P::Resolved, 100),
                    (P::Invited, 200),
                    (P::Acknowledged, 210),
                    (P::Investigating, 220),
                    (P::Resolved, 400),
                ],
            ),
            // Re-invited and still investigating: no time to resolve.
            h(
                orgs[4],
                &[
                    (P::Invited, 0),
                    (P::Acknowledged, 120),
                    (P::Investigating, 130),
                    (P::Resolved, 140),
                    (P::Invited, 150),
                    (P::Acknowledged, 160),
                    (P::Investigating, 170),
                ],
            ),
        ];
        let closed = T0 + Duration::hours(24);
        let s = summarise(T0, closed, &histories, &[]);
        let got: Vec<_> = s
            .parties
            .iter()
            .map(|p| {
                (
                    p.status,
                    p.time_to_acknowledge.map(|d| d.whole_minutes()),
                    p.time_to_resolve.map(|d| d.whole_minutes()),
                    p.reinvited,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (P::Resolved, Some(30), Some(300), 0),
                (P::NotAffected, Some(60), Some(90), 0),
                (P::Invited, None, None, 0),
                (P::Resolved, Some(70), Some(390), 1),
                (P::Investigating, Some(120), None, 1),
            ]
        );
        assert_eq!(s.parties[0].org, orgs[0]);
        assert_eq!((s.resolved, s.not_affected, s.unfinished), (2, 1, 2));
        assert_eq!(s.never_acknowledged, 1);
        // Acknowledged: 30, 60, 70, 120 → (60 + 70) / 2.
        assert_eq!(s.median_time_to_acknowledge, Some(Duration::minutes(65)));
        // Resolved: 90, 300, 390.
        assert_eq!(s.median_time_to_resolve, Some(Duration::minutes(300)));
    }

    #[test]
    fn edges_of_the_histories() {
        let org = OrgId::new_random();
        // No invitation recorded: nothing timed, where it stands still read.
        let s = summarise(T0, T0, &[h(org, &[(P::Acknowledged, 5)])], &[]);
        assert_eq!(s.parties[0].status, P::Acknowledged);
        assert_eq!(s.parties[0].time_to_acknowledge, None);
        // An empty history counts as invited.
        let s = summarise(T0, T0, &[h(org, &[])], &[]);
        assert_eq!(s.parties[0].status, P::Invited);
        assert_eq!(s.unfinished, 1);
        // No parties.
        let s = summarise(T0, T0, &[], &[]);
        assert!(s.parties.is_empty());
        assert_eq!(s.median_time_to_acknowledge, None);
        // Sub-second parts are dropped.
        let odd = PartyHistory {
            org,
            steps: vec![
                (P::Invited, T0),
                (P::Acknowledged, T0 + Duration::milliseconds(1_500)),
            ],
        };
        let s = summarise(T0, T0, &[odd], &[]);
        assert_eq!(s.parties[0].time_to_acknowledge, Some(Duration::seconds(1)));
    }

    #[test]
    fn tasks_at_closing() {
        let closed = datetime!(2026-03-05 10:00 UTC);
        let past = Some(datetime!(2026-03-04 10:00 UTC));
        let later = Some(datetime!(2026-03-06 10:00 UTC));
        let tasks = [
            (TaskState::Done, past),
            (TaskState::Cancelled, past),
            (TaskState::Open, past),
            (TaskState::InProgress, past),
            (TaskState::Open, later),
            (TaskState::InProgress, None),
        ];
        let s = summarise(T0, closed, &[], &tasks);
        assert_eq!(
            s.tasks,
            TaskCounts {
                done: 1,
                cancelled: 1,
                open: 4,
                overdue: 2
            }
        );
    }

    #[test]
    fn the_summary_in_json() {
        let org = OrgId::new_random();
        let s = summarise(
            T0,
            T0 + Duration::hours(2),
            &[h(org, &[(P::Invited, 0), (P::Acknowledged, 2)])],
            &[],
        );
        let v = serde_json::to_value(&s).unwrap();
        assert_eq!(v["parties"][0]["time_to_acknowledge"], 120);
        assert!(v["parties"][0]["time_to_resolve"].is_null());
        assert_eq!(v["parties"][0]["status"], "acknowledged");
        assert_eq!(v["closed_at"], "2026-03-01T12:00:00Z");
        assert_eq!(v["median_time_to_acknowledge"], 120);
    }
}
