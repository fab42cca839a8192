//! Statistics over action requests (`GET /api/v1/requests/stats?from=&to=`), pure: the caller
//! gives the [`RequestRecord`]s the reader may count (the visibility rules are
//! `crate::access::requests`'s, applied before) and the clock.
//!
//! **Which requests**: those *created* in the period `[from, to)` — a cohort. Every figure is about
//! those requests as they stand now: how many were opened, how many of them have been acknowledged,
//! actioned, declined or withdrawn, how many are overdue at `now` (open past their due time,
//! [`state::overdue`]), and how long acknowledging and reporting the outcome took. So every count
//! is at most `opened`, and a recent period fills in as its requests are answered.
//!
//! **Which country**: [`RequestStats::by_target`] is per the *target's* country and kind — what
//! was asked of a country (a request routed to a national CERT counts for that country);
//! [`RequestStats::by_requester`] is the same figures per *requesting* country. An organisation
//! without a country is counted under no country (`null`), listed after the countries. Rows are
//! ordered by country code, then by kind in [`RequestKind::ALL`]'s order; only combinations with
//! at least one request are listed.
//!
//! **Times** are whole seconds from creation: to acknowledge, over the requests with an
//! acknowledgement time; to outcome, over the actioned ones (the time of the `actioned` step,
//! when the outcome was reported). Declined and withdrawn requests have no outcome time. A time
//! before the creation (a clock step) counts as 0. Median and 90th percentile use the nearest-rank
//! method of the communication checks ([`crate::comm_checks::summary::nearest_rank`]): always one
//! of the measured times, never interpolated.
//!
//! **Amounts frozen** are summed exactly per currency, in ten-thousandths (as [`Amount`] keeps
//! them), over actioned freeze requests; the sum is written as a decimal string. What a request
//! contributes is its outcome's [`super::Outcome::frozen`].

use std::collections::BTreeMap;

use serde::Serialize;
use time::{Duration, OffsetDateTime};

#[cfg(doc)]
use super::Outcome;
use super::outcome::{Currency, decimal_text};
use super::state::{self, RequestState};
use super::{Amount, OutcomeResult, RequestKind};
use crate::comm_checks::summary::nearest_rank;
use crate::country::Country;
use crate::error::Invalid;

/// What the statistics read of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRecord {
    /// The requesting organisation's country.
    pub requester_country: Option<Country>,
    /// The target organisation's country (after routing a country to its national CERT).
    pub target_country: Option<Country>,
    pub kind: RequestKind,
    pub created_at: OffsetDateTime,
    /// When the target acknowledged it (none if it never did, e.g. declined at once).
    pub acknowledged_at: Option<OffsetDateTime>,
    /// When it reached its final state (`actioned`: when the outcome was reported; `declined`;
    /// `withdrawn`); none while open.
    pub closed_at: Option<OffsetDateTime>,
    pub state: RequestState,
    /// The outcome's result, for an actioned request.
    pub result: Option<OutcomeResult>,
    pub due: OffsetDateTime,
    /// What the outcome reports frozen ([`super::Outcome::frozen`]); counted for actioned requests
    /// only.
    pub frozen: Vec<Amount>,
}

/// The requests created in `[from, to)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    #[serde(with = "time::serde::rfc3339")]
    pub from: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub to: OffsetDateTime,
}

impl Period {
    /// A period whose `from` is before its `to`; refused at `to` otherwise.
    pub fn new(from: OffsetDateTime, to: OffsetDateTime) -> Result<Self, Invalid> {
        if from >= to {
            return Err(Invalid::new("to", "must be after `from`"));
        }
        Ok(Self { from, to })
    }

    pub fn contains(&self, t: OffsetDateTime) -> bool {
        self.from <= t && t < self.to
    }
}

/// How the outcomes of actioned requests came out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ResultCounts {
    pub done: u64,
    pub partial: u64,
    pub not_possible: u64,
}

/// Nearest-rank median and 90th percentile of `count` times, in whole seconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Times {
    pub count: u64,
    pub median_secs: Option<i64>,
    pub p90_secs: Option<i64>,
}

/// The exact sum frozen in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Frozen {
    pub currency: String,
    /// The sum as a decimal without trailing zeros (`15000.5`).
    pub value: String,
    /// The sum in ten-thousandths of a unit.
    #[serde(skip)]
    pub ten_thousandths: i128,
    /// How many requests froze something in this currency.
    pub requests: u64,
}

/// The figures of a set of requests.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Figures {
    pub opened: u64,
    pub acknowledged: u64,
    pub actioned: u64,
    pub declined: u64,
    pub withdrawn: u64,
    /// Open past their due time at the statistics' `at`.
    pub overdue: u64,
    pub results: ResultCounts,
    pub time_to_acknowledge: Times,
    pub time_to_outcome: Times,
    /// Per currency, by code.
    pub frozen: Vec<Frozen>,
}

/// The figures of one country and kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    pub country: Option<Country>,
    pub kind: RequestKind,
    #[serde(flatten)]
    pub figures: Figures,
}

/// The statistics of a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequestStats {
    pub period: Period,
    /// The time `overdue` is computed at.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub total: Figures,
    /// Per target country and kind: what was asked of each country.
    pub by_target: Vec<Row>,
    /// Per requesting country and kind: what each country asked.
    pub by_requester: Vec<Row>,
}

#[derive(Default)]
struct Tally {
    f: Figures,
    ack: Vec<Duration>,
    outcome: Vec<Duration>,
    frozen: BTreeMap<Currency, (i128, u64)>,
}

impl Tally {
    fn add(&mut self, r: &RequestRecord, now: OffsetDateTime) {
        let f = &mut self.f;
        f.opened += 1;
        let since = |t: OffsetDateTime| (t - r.created_at).max(Duration::ZERO);
        if let Some(at) = r.acknowledged_at {
            f.acknowledged += 1;
            self.ack.push(since(at));
        }
        match r.state {
            RequestState::Actioned => {
                f.actioned += 1;
                match r.result {
                    Some(OutcomeResult::Done) => f.results.done += 1,
                    Some(OutcomeResult::Partial) => f.results.partial += 1,
                    Some(OutcomeResult::NotPossible) => f.results.not_possible += 1,
                    None => {}
                }
                self.outcome.extend(r.closed_at.map(since));
                let mut seen: Vec<Currency> = Vec::new();
                for a in &r.frozen {
                    let slot = self.frozen.entry(a.currency()).or_default();
                    slot.0 += i128::from(a.ten_thousandths());
                    if !seen.contains(&a.currency()) {
                        seen.push(a.currency());
                        slot.1 += 1;
                    }
                }
            }
            RequestState::Declined => f.declined += 1,
            RequestState::Withdrawn => f.withdrawn += 1,
            RequestState::Submitted | RequestState::Acknowledged | RequestState::InProgress => {}
        }
        if state::overdue(r.state, r.due, now) {
            f.overdue += 1;
        }
    }

    fn finish(mut self) -> Figures {
        self.f.time_to_acknowledge = times(&mut self.ack);
        self.f.time_to_outcome = times(&mut self.outcome);
        self.f.frozen = self
            .frozen
            .into_iter()
            .map(|(c, (sum, requests))| Frozen {
                currency: c.as_str().to_owned(),
                value: decimal_text(sum),
                ten_thousandths: sum,
                requests,
            })
            .collect();
        self.f
    }
}

fn times(v: &mut [Duration]) -> Times {
    v.sort();
    let secs = |p| nearest_rank(v, p).map(|d| d.whole_seconds());
    Times {
        count: v.len() as u64,
        median_secs: secs(50),
        p90_secs: secs(90),
    }
}

/// Countries in code order, no country last; then kinds in [`RequestKind::ALL`]'s order.
type Key = (bool, Option<Country>, usize);

/// The tallies of one breakdown, by [`Key`], each with its country and kind.
#[derive(Default)]
struct Breakdown(BTreeMap<Key, (Option<Country>, RequestKind, Tally)>);

impl Breakdown {
    fn add(&mut self, country: Option<Country>, r: &RequestRecord, now: OffsetDateTime) {
        let rank = RequestKind::ALL.iter().position(|k| *k == r.kind);
        let key = (country.is_none(), country, rank.unwrap_or(usize::MAX));
        let slot = self.0.entry(key);
        let (_, _, t) = slot.or_insert_with(|| (country, r.kind, Tally::default()));
        t.add(r, now);
    }

    fn rows(self) -> Vec<Row> {
        self.0
            .into_values()
            .map(|(country, kind, t)| Row {
                country,
                kind,
                figures: t.finish(),
            })
            .collect()
    }
}

/// The statistics of the `records` created in `period`, with `overdue` at `now`.
pub fn request_stats(
    records: &[RequestRecord],
    period: Period,
    now: OffsetDateTime,
) -> RequestStats {
    let mut total = Tally::default();
    let mut by_target = Breakdown::default();
    let mut by_requester = Breakdown::default();
    for r in records.iter().filter(|r| period.contains(r.created_at)) {
        total.add(r, now);
        by_target.add(r.target_country, r, now);
        by_requester.add(r.requester_country, r, now);
    }
    RequestStats {
        period,
        at: now,
        total: total.finish(),
        by_target: by_target.rows(),
        by_requester: by_requester.rows(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::requests::outcome::AmountInput;
    use serde_json::json;
    use time::macros::datetime;

    const T0: OffsetDateTime = datetime!(2026-03-01 00:00 UTC);

    /// A country code, or no country for "".
    fn cc(s: &str) -> Option<Country> {
        (!s.is_empty()).then(|| Country::parse(s).unwrap())
    }

    fn amount(v: &str, c: &str) -> Amount {
        let input = AmountInput {
            value: json!(v),
            currency: c.into(),
        };
        Amount::parse("/amount", &input).unwrap()
    }

    /// A request from `from` to `to` of `kind`, created `h` hours after T0, due a day later.
    fn rec(from: &str, to: &str, kind: RequestKind, h: i64) -> RequestRecord {
        let created_at = T0 + Duration::hours(h);
        RequestRecord {
            requester_country: cc(from),
            target_country: cc(to),
            kind,
            created_at,
            acknowledged_at: None,
            closed_at: None,
            state: RequestState::Submitted,
            result: None,
            due: created_at + Duration::days(1),
            frozen: vec![],
        }
    }

    impl RequestRecord {
        fn acked(mut self, secs: i64) -> Self {
            self.acknowledged_at = Some(self.created_at + Duration::seconds(secs));
            self.state = RequestState::Acknowledged;
            self
        }
        fn actioned(mut self, secs: i64, result: OutcomeResult, frozen: Vec<Amount>) -> Self {
            self.closed_at = Some(self.created_at + Duration::seconds(secs));
            self.state = RequestState::Actioned;
            self.result = Some(result);
            self.frozen = frozen;
            self
        }
        fn closed(mut self, state: RequestState, secs: i64) -> Self {
            self.closed_at = Some(self.created_at + Duration::seconds(secs));
            self.state = state;
            self
        }
    }

    fn march() -> Period {
        Period::new(T0, datetime!(2026-04-01 00:00 UTC)).unwrap()
    }

    use OutcomeResult::*;
    use RequestKind::*;

    fn sample() -> Vec<RequestRecord> {
        vec![
            // Asked of Malaysia: three freezes, one takedown.
            rec("SG", "MY", Freeze, 0).acked(60).actioned(
                3_600,
                Done,
                vec![amount("15000.50", "MYR")],
            ),
            rec("ID", "MY", Freeze, 1).acked(120).actioned(
                7_200,
                Partial,
                vec![amount("0.0001", "MYR"), amount("20", "USD")],
            ),
            rec("SG", "MY", Freeze, 2).acked(600),
            rec("SG", "MY", Takedown, 3).closed(RequestState::Declined, 30),
            // Asked of Singapore.
            rec("MY", "SG", Block, 4)
                .acked(30)
                .actioned(90, NotPossible, vec![]),
            rec("MY", "SG", Block, 5).closed(RequestState::Withdrawn, 10),
            // Asked of an organisation without a country.
            rec("TH", "", Information, 6),
        ]
    }

    #[test]
    fn counts_times_and_amounts_per_target_country_and_kind() {
        let records = sample();
        // Two days after T0: the open ones created in the first hours are past their due time.
        let now = T0 + Duration::days(2);
        let s = request_stats(&records, march(), now);

        let t = &s.total;
        assert_eq!(
            (
                t.opened,
                t.acknowledged,
                t.actioned,
                t.declined,
                t.withdrawn
            ),
            (7, 4, 3, 1, 1)
        );
        // Open: the third freeze (acknowledged) and the information request.
        assert_eq!(t.overdue, 2);
        assert_eq!(
            t.results,
            ResultCounts {
                done: 1,
                partial: 1,
                not_possible: 1
            }
        );
        // Acknowledged after 30, 60, 120, 600 s: median rank 2, p90 rank 4.
        assert_eq!(
            t.time_to_acknowledge,
            Times {
                count: 4,
                median_secs: Some(60),
                p90_secs: Some(600)
            }
        );
        // Outcomes after 90, 3600, 7200 s.
        assert_eq!(
            t.time_to_outcome,
            Times {
                count: 3,
                median_secs: Some(3_600),
                p90_secs: Some(7_200)
            }
        );
        let frozen: Vec<_> = t
            .frozen
            .iter()
            .map(|f| (f.currency.as_str(), f.value.as_str(), f.requests))
            .collect();
        assert_eq!(frozen, [("MYR", "15000.5001", 2), ("USD", "20", 1)]);

        let keys: Vec<_> = s
            .by_target
            .iter()
            .map(|r| (r.country.map(|c| c.to_string()), r.kind))
            .collect();
        let c = |s: &str| Some(s.to_owned());
        assert_eq!(
            keys,
            [
                (c("MY"), Takedown),
                (c("MY"), Freeze),
                (c("SG"), Block),
                (None, Information),
            ]
        );
        let my_freeze = &s.by_target[1].figures;
        assert_eq!(
            (my_freeze.opened, my_freeze.acknowledged, my_freeze.actioned),
            (3, 3, 2)
        );
        assert_eq!(my_freeze.overdue, 1);
        assert_eq!(my_freeze.time_to_acknowledge.median_secs, Some(120));
        assert_eq!(my_freeze.time_to_outcome.median_secs, Some(3_600));
        assert_eq!(my_freeze.frozen.len(), 2);
        let my_takedown = &s.by_target[0].figures;
        assert_eq!((my_takedown.declined, my_takedown.overdue), (1, 0));
        assert_eq!(my_takedown.time_to_acknowledge, Times::default());
        let sg_block = &s.by_target[2].figures;
        assert_eq!((sg_block.withdrawn, sg_block.results.not_possible), (1, 1));
        assert!(sg_block.frozen.is_empty());
        assert_eq!(s.by_target[3].figures.overdue, 1);
    }

    #[test]
    fn per_requesting_country_too() {
        let s = request_stats(&sample(), march(), T0);
        let keys: Vec<_> = s
            .by_requester
            .iter()
            .map(|r| (r.country.unwrap().to_string(), r.kind, r.figures.opened))
            .collect();
        assert_eq!(
            keys,
            [
                ("ID".to_owned(), Freeze, 1),
                ("MY".to_owned(), Block, 2),
                ("SG".to_owned(), Takedown, 1),
                ("SG".to_owned(), Freeze, 2),
                ("TH".to_owned(), Information, 1),
            ]
        );
        let sg_freeze = &s.by_requester[3].figures;
        assert_eq!(sg_freeze.frozen[0].value, "15000.5");
        // At T0 nothing is overdue yet.
        assert_eq!(s.total.overdue, 0);
    }

    #[test]
    fn only_requests_created_in_the_period() {
        let mut records = sample();
        let before = rec("SG", "MY", Freeze, -1).acked(1);
        let at_end = rec("SG", "MY", Freeze, 0);
        let at_end = RequestRecord {
            created_at: datetime!(2026-04-01 00:00 UTC),
            ..at_end
        };
        let at_start = rec("SG", "BN", Block, 0);
        records.extend([before, at_end, at_start]);
        let s = request_stats(&records, march(), T0);
        assert_eq!(s.total.opened, 8, "the start is in, the end is out");
        assert!(
            s.by_target
                .iter()
                .any(|r| r.country == cc("BN") && r.kind == Block)
        );
        let empty = request_stats(&[], march(), T0);
        assert_eq!(empty.total, Figures::default());
        assert!(empty.by_target.is_empty() && empty.by_requester.is_empty());
        assert_eq!(Period::new(T0, T0).unwrap_err().path, "to");
        assert!(Period::new(T0 + Duration::SECOND, T0).is_err());
    }

    #[test]
    fn the_order_of_the_records_does_not_matter() {
        let mut records = sample();
        let a = request_stats(&records, march(), T0 + Duration::days(2));
        records.reverse();
        let b = request_stats(&records, march(), T0 + Duration::days(2));
        assert_eq!(a, b);
    }

    #[test]
    fn sums_are_exact_beyond_an_i64() {
        let big = amount("99999999999999.9999", "SGD");
        let records: Vec<_> = (0..10)
            .map(|h| {
                rec("MY", "SG", Freeze, h)
                    .acked(1)
                    .actioned(2, Done, vec![big])
            })
            .collect();
        let s = request_stats(&records, march(), T0);
        let f = &s.total.frozen[0];
        assert_eq!(f.value, "999999999999999.999");
        assert_eq!(f.ten_thousandths, 9_999_999_999_999_999_990);
        assert_eq!(f.requests, 10);
        // An amount on a request that is not actioned is not counted.
        let mut open = rec("MY", "SG", Freeze, 0);
        open.frozen = vec![big];
        assert!(request_stats(&[open], march(), T0).total.frozen.is_empty());
    }

    #[test]
    fn a_time_before_creation_counts_as_zero() {
        let mut r = rec("MY", "SG", Block, 1);
        r.acknowledged_at = Some(r.created_at - Duration::seconds(5));
        r.state = RequestState::Acknowledged;
        let s = request_stats(&[r], march(), T0);
        assert_eq!(s.total.time_to_acknowledge.median_secs, Some(0));
    }

    #[test]
    fn serialises_for_the_api() {
        let records = vec![rec("SG", "MY", Freeze, 0).acked(60).actioned(
            3_600,
            Done,
            vec![amount("1500.50", "MYR")],
        )];
        let s = request_stats(&records, march(), T0 + Duration::hours(1));
        let v = serde_json::to_value(&s).unwrap();
        assert_eq!(
            v["period"],
            json!({"from": "2026-03-01T00:00:00Z", "to": "2026-04-01T00:00:00Z"})
        );
        assert_eq!(v["at"], "2026-03-01T01:00:00Z");
        assert_eq!(
            v["by_target"][0],
            json!({
                "country": "MY", "kind": "freeze",
                "opened": 1, "acknowledged": 1, "actioned": 1, "declined": 0, "withdrawn": 0,
                "overdue": 0,
                "results": {"done": 1, "partial": 0, "not_possible": 0},
                "time_to_acknowledge": {"count": 1, "median_secs": 60, "p90_secs": 60},
                "time_to_outcome": {"count": 1, "median_secs": 3600, "p90_secs": 3600},
                "frozen": [{"currency": "MYR", "value": "1500.5", "requests": 1}],
            })
        );
        assert_eq!(v["by_requester"][0]["country"], "SG");
        assert_eq!(v["total"]["opened"], 1);
    }
}
