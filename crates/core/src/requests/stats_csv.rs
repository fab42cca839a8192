//! The statistics as CSV (the export of `GET /api/v1/requests/stats` and of the dashboard): a
//! header row, then one row per target country and kind (`by` = `target`), one per requesting
//! country and kind (`by` = `requester`), in [`RequestStats`]' order, and the total last (`by` =
//! `all`, no country nor kind). A country-less organisation's rows have an empty country. Times
//! are whole seconds, empty without a measured time. Amounts frozen get one column per currency
//! that appears anywhere in the statistics (`frozen_MYR`, by code), the exact decimal sum, empty
//! where nothing was frozen in it.
//!
//! Lines are written by [`csv_row`]: RFC 4180, formula-guarded, as the web match page's CSV.

use std::collections::BTreeSet;

use super::stats::{Figures, RequestStats, Times};
use crate::csv::csv_row;

/// The columns before the per-currency ones.
pub const COLUMNS: [&str; 16] = [
    "by",
    "country",
    "kind",
    "opened",
    "acknowledged",
    "actioned",
    "declined",
    "withdrawn",
    "overdue",
    "done",
    "partial",
    "not_possible",
    "median_acknowledge_secs",
    "p90_acknowledge_secs",
    "median_outcome_secs",
    "p90_outcome_secs",
];

/// The statistics as a CSV document.
pub fn stats_csv(stats: &RequestStats) -> String {
    let rows = stats
        .by_target
        .iter()
        .map(|r| ("target", r))
        .chain(stats.by_requester.iter().map(|r| ("requester", r)));
    let currencies: BTreeSet<&str> = stats
        .total
        .frozen
        .iter()
        .map(|f| f.currency.as_str())
        .collect();
    let mut out = String::new();
    let header: Vec<String> = COLUMNS
        .iter()
        .map(|c| (*c).to_owned())
        .chain(currencies.iter().map(|c| format!("frozen_{c}")))
        .collect();
    csv_row(&mut out, header.iter().map(String::as_str));
    for (by, row) in rows {
        let country = row.country.map(|c| c.to_string()).unwrap_or_default();
        line(
            &mut out,
            [by, &country, row.kind.as_str()],
            &row.figures,
            &currencies,
        );
    }
    line(&mut out, ["all", "", ""], &stats.total, &currencies);
    out
}

fn line(out: &mut String, head: [&str; 3], f: &Figures, currencies: &BTreeSet<&str>) {
    let opt = |v: Option<i64>| v.map(|s| s.to_string()).unwrap_or_default();
    let t = |t: &Times| [opt(t.median_secs), opt(t.p90_secs)];
    let counts = [
        f.opened,
        f.acknowledged,
        f.actioned,
        f.declined,
        f.withdrawn,
        f.overdue,
        f.results.done,
        f.results.partial,
        f.results.not_possible,
    ];
    let cells: Vec<String> = head
        .iter()
        .map(|s| (*s).to_owned())
        .chain(counts.iter().map(u64::to_string))
        .chain(t(&f.time_to_acknowledge))
        .chain(t(&f.time_to_outcome))
        .chain(currencies.iter().map(|c| {
            f.frozen
                .iter()
                .find(|x| x.currency == *c)
                .map(|x| x.value.clone())
                .unwrap_or_default()
        }))
        .collect();
    csv_row(out, cells.iter().map(String::as_str));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::country::Country;
    use crate::requests::outcome::AmountInput;
    use crate::requests::stats::{Period, RequestRecord, request_stats};
    use crate::requests::{Amount, OutcomeResult, RequestKind, RequestState};
    use serde_json::json;
    use time::macros::datetime;
    use time::{Duration, OffsetDateTime};

    const T0: OffsetDateTime = datetime!(2026-03-01 00:00 UTC);

    fn amount(v: &str, c: &str) -> Amount {
        let input = AmountInput {
            value: json!(v),
            currency: c.into(),
        };
        Amount::parse("/amount", &input).unwrap()
    }

    fn rec(from: &str, to: Option<&str>, kind: RequestKind) -> RequestRecord {
        RequestRecord {
            requester_country: Some(Country::parse(from).unwrap()),
            target_country: to.map(|c| Country::parse(c).unwrap()),
            kind,
            created_at: T0,
            acknowledged_at: None,
            closed_at: None,
            state: RequestState::Submitted,
            result: None,
            due: T0 + Duration::hours(4),
            frozen: vec![],
        }
    }

    #[test]
    fn header_rows_and_currency_columns() {
        let mut frozen = rec("SG", Some("MY"), RequestKind::Freeze);
        frozen.acknowledged_at = Some(T0 + Duration::seconds(60));
        frozen.closed_at = Some(T0 + Duration::seconds(3_600));
        frozen.state = RequestState::Actioned;
        frozen.result = Some(OutcomeResult::Done);
        frozen.frozen = vec![amount("1500.50", "MYR"), amount("7", "USD")];
        let records = vec![frozen, rec("MY", None, RequestKind::Block)];
        let period = Period::new(T0, T0 + Duration::days(1)).unwrap();
        let csv = stats_csv(&request_stats(&records, period, T0 + Duration::hours(5)));
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(
            lines,
            [
                "by,country,kind,opened,acknowledged,actioned,declined,withdrawn,overdue,done,partial,not_possible,\
median_acknowledge_secs,p90_acknowledge_secs,median_outcome_secs,p90_outcome_secs,frozen_MYR,frozen_USD",
                "target,MY,freeze,1,1,1,0,0,0,1,0,0,60,60,3600,3600,1500.5,7",
                "target,,block,1,0,0,0,0,1,0,0,0,,,,,,",
                "requester,MY,block,1,0,0,0,0,1,0,0,0,,,,,,",
                "requester,SG,freeze,1,1,1,0,0,0,1,0,0,60,60,3600,3600,1500.5,7",
                "all,,,2,1,1,0,0,1,1,0,0,60,60,3600,3600,1500.5,7",
                "",
            ]
        );
        let empty = stats_csv(&request_stats(&[], period, T0));
        assert_eq!(
            empty.split("\r\n").nth(1),
            Some("all,,,0,0,0,0,0,0,0,0,0,,,,")
        );
        assert_eq!(
            empty.lines().next().unwrap().split(',').count(),
            COLUMNS.len()
        );
    }
}
