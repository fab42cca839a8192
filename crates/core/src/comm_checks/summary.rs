//! A check's summary over the targets a reader sees: counts per state, the share acknowledged,
//! and the median and 90th-percentile response time, in total and per organisation. Pure.
//!
//! Response times are those of every acknowledgement (on time or late), from sending (or from the
//! check's start when the message was never sent) to the acknowledgement. Percentiles use the
//! **nearest-rank** method: over the `n` times sorted ascending, the p-th percentile is the value at
//! rank `ceil(p/100 × n)` (1-based) — always one of the measured times, never interpolated. So the
//! median of 1, 2, 3, 4 s is 2 s, and the 90th percentile of ten times is the ninth.

use std::collections::BTreeMap;

use serde::Serialize;
use time::OffsetDateTime;

use crate::comm_checks::{Check, Target, TargetState};
use crate::org::OrgId;

/// How many targets are in each state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct StateCounts {
    pub pending: u64,
    pub acknowledged: u64,
    pub late: u64,
    pub no_answer: u64,
    pub undeliverable: u64,
}

impl StateCounts {
    fn add(&mut self, s: TargetState) {
        match s {
            TargetState::Pending => self.pending += 1,
            TargetState::Acknowledged => self.acknowledged += 1,
            TargetState::Late => self.late += 1,
            TargetState::NoAnswer => self.no_answer += 1,
            TargetState::Undeliverable => self.undeliverable += 1,
        }
    }
}

/// The figures of a set of targets.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Figures {
    pub targets: u64,
    pub states: StateCounts,
    /// `acknowledged / targets` (on time only; late answers are counted in `states.late`); 0 with
    /// no target.
    pub share_acknowledged: f64,
    /// Nearest-rank median response time, seconds (with microseconds); none without answers.
    pub median_response_secs: Option<f64>,
    /// Nearest-rank 90th-percentile response time, seconds.
    pub p90_response_secs: Option<f64>,
}

/// A check's summary: the whole and per organisation (by org id).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Summary {
    #[serde(flatten)]
    pub total: Figures,
    pub per_org: BTreeMap<OrgId, Figures>,
}

/// The nearest-rank `p`-th percentile (0 < p ≤ 100) of `sorted` (ascending).
pub fn nearest_rank(sorted: &[time::Duration], p: u32) -> Option<time::Duration> {
    let n = sorted.len() as u64;
    if n == 0 {
        return None;
    }
    let rank = (u64::from(p) * n).div_ceil(100).clamp(1, n);
    sorted.get(usize::try_from(rank - 1).ok()?).copied()
}

fn figures<'t>(
    check: &Check,
    targets: impl Iterator<Item = &'t Target>,
    now: OffsetDateTime,
) -> Figures {
    let mut f = Figures::default();
    let mut times = Vec::new();
    for t in targets {
        f.targets += 1;
        f.states.add(t.state(check.deadline_at, now));
        times.extend(t.response_time(check.started_at));
    }
    times.sort();
    if f.targets > 0 {
        f.share_acknowledged = f.states.acknowledged as f64 / f.targets as f64;
    }
    f.median_response_secs = nearest_rank(&times, 50).map(|d| d.as_seconds_f64());
    f.p90_response_secs = nearest_rank(&times, 90).map(|d| d.as_seconds_f64());
    f
}

/// The summary of `targets` (what the reader sees of `check`) at `now`.
pub fn summarise(check: &Check, targets: &[Target], now: OffsetDateTime) -> Summary {
    let mut orgs: BTreeMap<OrgId, Vec<&Target>> = BTreeMap::new();
    for t in targets {
        orgs.entry(t.contact.org_id).or_default().push(t);
    }
    Summary {
        total: figures(check, targets.iter(), now),
        per_org: orgs
            .into_iter()
            .map(|(org, ts)| (org, figures(check, ts.into_iter(), now)))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::comm_checks::*;
    use crate::contacts::ContactId;
    use time::Duration;
    use time::macros::datetime;
    use uuid::Uuid;

    const START: OffsetDateTime = datetime!(2026-03-01 08:00 UTC);
    const DEADLINE: OffsetDateTime = datetime!(2026-03-01 09:00 UTC);

    fn check() -> Check {
        Check {
            id: CheckId::new_random(),
            title: "t".into(),
            message: String::new(),
            channels: vec![Channel::Email],
            kinds: vec![],
            targets: TargetSpec::AllMembers,
            started_at: START,
            started_by: "cli:test".into(),
            deadline_at: DEADLINE,
            schedule: None,
        }
    }

    /// A target of org `org` sent 10 s after the start and answered `after` seconds later.
    fn t(org: u128, after: Option<i64>, bounced: bool) -> Target {
        let sent = START + Duration::seconds(10);
        Target {
            id: TargetId::new_random(),
            check: CheckId::new_random(),
            contact: TargetContact {
                contact_id: ContactId::new_random(),
                org_id: OrgId(Uuid::from_u128(org)),
                name: "x".into(),
                email: "x@example.org".into(),
            },
            token_hash: [0; 32],
            sent_at: Some(sent),
            delivery: if bounced {
                Delivery::Undeliverable {
                    reason: "550".into(),
                }
            } else {
                Delivery::Sent {
                    answer: "250".into(),
                }
            },
            acknowledged_at: after.map(|s| sent + Duration::seconds(s)),
            via: after.map(|_| AckVia::Link),
        }
    }

    #[test]
    fn nearest_rank_percentiles() {
        let d = |v: &[i64]| v.iter().map(|s| Duration::seconds(*s)).collect::<Vec<_>>();
        assert_eq!(nearest_rank(&[], 50), None);
        assert_eq!(nearest_rank(&d(&[7]), 90), Some(Duration::seconds(7)));
        assert_eq!(
            nearest_rank(&d(&[1, 2, 3, 4]), 50),
            Some(Duration::seconds(2))
        );
        assert_eq!(
            nearest_rank(&d(&[1, 2, 3, 4, 5]), 50),
            Some(Duration::seconds(3))
        );
        let ten = d(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        assert_eq!(nearest_rank(&ten, 90), Some(Duration::seconds(9)));
        assert_eq!(nearest_rank(&ten, 100), Some(Duration::seconds(10)));
        let eleven = d(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
        assert_eq!(nearest_rank(&eleven, 90), Some(Duration::seconds(10)));
    }

    #[test]
    fn summary_counts_shares_and_times_exactly() {
        let now = datetime!(2026-03-01 10:00 UTC);
        let targets = vec![
            t(1, Some(60), false),
            t(1, Some(120), false),
            t(1, None, false),
            t(2, Some(30), false),
            t(2, Some(7200), false), // after the deadline: late
            t(2, None, true),
            t(3, Some(600), false),
            t(3, Some(900), false),
        ];
        let s = summarise(&check(), &targets, now);
        assert_eq!(s.total.targets, 8);
        assert_eq!(
            s.total.states,
            StateCounts {
                pending: 0,
                acknowledged: 5,
                late: 1,
                no_answer: 1,
                undeliverable: 1,
            }
        );
        assert_eq!(s.total.share_acknowledged, 5.0 / 8.0);
        // Times 30, 60, 120, 600, 900, 7200: the median is rank 3, the 90th percentile rank 6.
        assert_eq!(s.total.median_response_secs, Some(120.0));
        assert_eq!(s.total.p90_response_secs, Some(7200.0));

        let one = &s.per_org[&OrgId(Uuid::from_u128(1))];
        assert_eq!(one.targets, 3);
        assert_eq!(one.states.no_answer, 1);
        assert_eq!(one.share_acknowledged, 2.0 / 3.0);
        assert_eq!(one.median_response_secs, Some(60.0));
        assert_eq!(one.p90_response_secs, Some(120.0));
        let two = &s.per_org[&OrgId(Uuid::from_u128(2))];
        assert_eq!(
            (
                two.states.acknowledged,
                two.states.late,
                two.states.undeliverable
            ),
            (1, 1, 1)
        );
        assert_eq!(two.share_acknowledged, 1.0 / 3.0);
        assert_eq!(two.median_response_secs, Some(30.0));
        let three = &s.per_org[&OrgId(Uuid::from_u128(3))];
        assert_eq!(three.share_acknowledged, 1.0);
        assert_eq!(three.median_response_secs, Some(600.0));
        assert_eq!(three.p90_response_secs, Some(900.0));
    }

    #[test]
    fn before_the_deadline_unanswered_targets_are_pending() {
        let s = summarise(&check(), &[t(1, None, false), t(1, Some(5), false)], START);
        assert_eq!(s.total.states.pending, 1);
        assert_eq!(s.total.states.acknowledged, 1);
        assert_eq!(s.total.share_acknowledged, 0.5);
        let empty = summarise(&check(), &[], START);
        assert_eq!(empty.total.share_acknowledged, 0.0);
        assert_eq!(empty.total.median_response_secs, None);
    }
}
