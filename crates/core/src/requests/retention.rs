//! How long a request's personal data (victims' and account holders' names and identifiers,
//! observables marked personal) is kept after the request closes — per kind, 180 days by default —
//! and which requests are due for purging at a given time. Pure: the server's loop asks the store
//! for [`PurgeCandidate`]s, purges the personal data of [`Retention::due_ids`] (the request itself
//! stays) and audits each purge with [`Retention::purge_details`] and the run with
//! [`run_details`], which hold counts, never the data.
//!
//! A period is a whole number of days, `180d`, from [`RetentionPeriod::MIN_DAYS`] (1) to
//! [`RetentionPeriod::MAX_DAYS`] (3650, ten years). A request closes when it reaches a final state
//! (`actioned`, `declined`, `withdrawn`); an open request is never due. Configured like the
//! [`super::Sla`]: as a table `{"freeze": "365d"}` (the kinds not named keep 180 days) or as one
//! setting `freeze=365d,information=30d`.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};

use super::{RequestId, RequestKind};
use crate::clock::rfc3339_micros;
use crate::error::{Invalid, excerpt};

/// How long after closing personal data is kept: whole days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RetentionPeriod {
    days: u32,
}

impl RetentionPeriod {
    pub const MIN_DAYS: u32 = 1;
    pub const MAX_DAYS: u32 = 3650;
    pub const DEFAULT: Self = Self { days: 180 };

    /// Reads `180d`, refusing with `Invalid` at `path`.
    pub fn parse_at(path: &str, s: &str) -> Result<Self, Invalid> {
        let bad = |why: &str| {
            Invalid::new(
                path,
                format!(
                    "`{}` {why} (write a whole number of days from {} to {}, e.g. 180d)",
                    excerpt(s),
                    Self::MIN_DAYS,
                    Self::MAX_DAYS
                ),
            )
        };
        let t = s.trim();
        let Some(digits) = t.strip_suffix('d') else {
            return Err(bad("is not in days"));
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("is not a number of days"));
        }
        let days = digits.parse::<u32>().unwrap_or(u32::MAX);
        if !(Self::MIN_DAYS..=Self::MAX_DAYS).contains(&days) {
            return Err(bad("is out of range"));
        }
        Ok(Self { days })
    }

    pub fn days(&self) -> u32 {
        self.days
    }

    pub fn as_duration(&self) -> Duration {
        Duration::days(i64::from(self.days))
    }
}

impl fmt::Display for RetentionPeriod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}d", self.days)
    }
}

impl TryFrom<String> for RetentionPeriod {
    type Error = Invalid;
    fn try_from(s: String) -> Result<Self, Invalid> {
        Self::parse_at("retention", &s)
    }
}

impl From<RetentionPeriod> for String {
    fn from(p: RetentionPeriod) -> String {
        p.to_string()
    }
}

/// The retention period of each request kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct Retention {
    takedown: RetentionPeriod,
    block: RetentionPeriod,
    freeze: RetentionPeriod,
    victim_notification: RetentionPeriod,
    information: RetentionPeriod,
}

impl Default for Retention {
    fn default() -> Self {
        let d = RetentionPeriod::DEFAULT;
        Self {
            takedown: d,
            block: d,
            freeze: d,
            victim_notification: d,
            information: d,
        }
    }
}

/// What the purge reads of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PurgeCandidate {
    pub id: RequestId,
    pub kind: RequestKind,
    /// When it reached its final state; none while open.
    pub closed_at: Option<OffsetDateTime>,
    /// Whether it still holds personal data (entries or observables marked personal).
    pub personal_data: bool,
}

/// What one purge removed, by count.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PurgeCounts {
    /// Personal-data entries (victims, account holders) removed.
    pub personal_data: u64,
    /// Observables marked personal whose values were removed.
    pub personal_observables: u64,
}

impl Retention {
    /// The period of `kind`.
    pub fn of(&self, kind: RequestKind) -> RetentionPeriod {
        match kind {
            RequestKind::Takedown => self.takedown,
            RequestKind::Block => self.block,
            RequestKind::Freeze => self.freeze,
            RequestKind::VictimNotification => self.victim_notification,
            RequestKind::Information => self.information,
        }
    }

    fn slot(&mut self, kind: RequestKind) -> &mut RetentionPeriod {
        match kind {
            RequestKind::Takedown => &mut self.takedown,
            RequestKind::Block => &mut self.block,
            RequestKind::Freeze => &mut self.freeze,
            RequestKind::VictimNotification => &mut self.victim_notification,
            RequestKind::Information => &mut self.information,
        }
    }

    /// Sets the period of `kind` from text such as `365d`; `prefix` names the setting in errors
    /// (`requests.retention` gives `requests.retention.freeze`). Nothing changes when refused.
    pub fn set(&mut self, prefix: &str, kind: RequestKind, s: &str) -> Result<(), Invalid> {
        *self.slot(kind) = RetentionPeriod::parse_at(&format!("{prefix}.{kind}"), s)?;
        Ok(())
    }

    /// Reads `freeze=365d,information=30d` (any kinds, the others 180 days), as one setting.
    pub fn parse(path: &str, s: &str) -> Result<Self, Invalid> {
        let mut r = Self::default();
        let mut seen: Vec<RequestKind> = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let Some((name, value)) = part.split_once('=') else {
                return Err(Invalid::new(
                    path,
                    "write kind=days pairs, e.g. freeze=365d,information=30d",
                ));
            };
            let kind: RequestKind = name
                .trim()
                .parse()
                .map_err(|e: Invalid| Invalid::new(path, e.message))?;
            if seen.contains(&kind) {
                return Err(Invalid::new(path, format!("{kind} is given twice")));
            }
            seen.push(kind);
            r.set(path, kind, value)?;
        }
        Ok(r)
    }

    /// When the personal data of a request of `kind` closed at `closed_at` is due for purging.
    pub fn purge_at(&self, kind: RequestKind, closed_at: OffsetDateTime) -> OffsetDateTime {
        closed_at.saturating_add(self.of(kind).as_duration())
    }

    /// Whether a request of `kind` closed at `closed_at` is due for purging at `now`: its whole
    /// period has passed (at exactly the end it is due).
    pub fn due_for_purge(
        &self,
        closed_at: OffsetDateTime,
        kind: RequestKind,
        now: OffsetDateTime,
    ) -> bool {
        now >= self.purge_at(kind, closed_at)
    }

    /// The ids of the `candidates` whose personal data is due for purging at `now`: closed, still
    /// holding personal data, and past their period; the longest due first (then by id).
    pub fn due_ids(&self, candidates: &[PurgeCandidate], now: OffsetDateTime) -> Vec<RequestId> {
        let mut due: Vec<(OffsetDateTime, RequestId)> = candidates
            .iter()
            .filter(|c| c.personal_data)
            .filter_map(|c| Some((self.purge_at(c.kind, c.closed_at?), c.id)))
            .filter(|(at, _)| now >= *at)
            .collect();
        due.sort();
        due.into_iter().map(|(_, id)| id).collect()
    }

    /// The audit details of purging the personal data of a request of `kind` closed at
    /// `closed_at`: the kind, the closing time, the period applied and what was removed, by count
    /// only — never a name, an identifier or a value.
    pub fn purge_details(
        &self,
        kind: RequestKind,
        closed_at: OffsetDateTime,
        removed: PurgeCounts,
    ) -> Value {
        json!({
            "kind": kind,
            "closed_at": rfc3339_micros(closed_at),
            "retention": self.of(kind),
            "removed": removed,
        })
    }
}

/// The audit details of one purge run: how many requests were purged, per kind, and the total
/// counts removed.
pub fn run_details(purged: &[(RequestKind, PurgeCounts)]) -> Value {
    let mut total = PurgeCounts::default();
    let mut by_kind = serde_json::Map::new();
    for kind in RequestKind::ALL {
        let n = purged.iter().filter(|(k, _)| k == kind).count();
        if n > 0 {
            by_kind.insert(kind.as_str().to_owned(), json!(n));
        }
    }
    for (_, c) in purged {
        total.personal_data += c.personal_data;
        total.personal_observables += c.personal_observables;
    }
    json!({
        "requests": purged.len(),
        "by_kind": by_kind,
        "removed": total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;
    use uuid::Uuid;

    const CLOSED: OffsetDateTime = datetime!(2026-03-01 10:00 UTC);

    #[test]
    fn periods_are_whole_days_within_bounds() {
        assert_eq!(
            RetentionPeriod::parse_at("p", " 180d ").unwrap().days(),
            180
        );
        assert_eq!(RetentionPeriod::parse_at("p", "1d").unwrap().days(), 1);
        assert_eq!(
            RetentionPeriod::parse_at("p", "3650d").unwrap().days(),
            3650
        );
        for bad in [
            "0d",
            "3651d",
            "99999999999d",
            "180",
            "6m",
            "24h",
            "d",
            "-1d",
            "1.5d",
            "",
        ] {
            let e = RetentionPeriod::parse_at("p", bad).unwrap_err();
            assert_eq!(e.path, "p", "{bad}");
            assert!(e.message.contains("e.g. 180d"), "{bad}: {}", e.message);
        }
        assert_eq!(RetentionPeriod::DEFAULT.to_string(), "180d");
    }

    #[test]
    fn defaults_are_180_days_for_every_kind() {
        let r = Retention::default();
        for &k in RequestKind::ALL {
            assert_eq!(r.of(k).days(), 180, "{k}");
        }
        assert_eq!(
            r.purge_at(RequestKind::Freeze, CLOSED),
            datetime!(2026-08-28 10:00 UTC)
        );
    }

    #[test]
    fn configured_per_kind() {
        let r = Retention::parse("retention", "freeze=365d, victim-notification=30d").unwrap();
        assert_eq!(r.of(RequestKind::Freeze).days(), 365);
        assert_eq!(r.of(RequestKind::VictimNotification).days(), 30);
        assert_eq!(r.of(RequestKind::Takedown).days(), 180);
        assert_eq!(
            Retention::parse("retention", "").unwrap(),
            Retention::default()
        );
        for (s, path) in [
            ("freeze", "retention"),
            ("seize=30d", "retention"),
            ("freeze=30", "retention.freeze"),
            ("block=0d", "retention.block"),
            ("block=1d,block=2d", "retention"),
        ] {
            assert_eq!(
                Retention::parse("retention", s).unwrap_err().path,
                path,
                "{s}"
            );
        }
        let mut r = Retention::default();
        r.set("requests.retention", RequestKind::Block, "7d")
            .unwrap();
        assert_eq!(r.of(RequestKind::Block).days(), 7);
        let e = r
            .set("requests.retention", RequestKind::Block, "7 days")
            .unwrap_err();
        assert_eq!(e.path, "requests.retention.block");
        assert_eq!(r.of(RequestKind::Block).days(), 7, "unchanged");
    }

    #[test]
    fn configuration_form() {
        let r: Retention =
            serde_json::from_str(r#"{"freeze": "365d", "victim-notification": "90d"}"#).unwrap();
        assert_eq!(r.of(RequestKind::Freeze).days(), 365);
        assert_eq!(r.of(RequestKind::VictimNotification).days(), 90);
        assert_eq!(r.of(RequestKind::Information).days(), 180);
        for bad in [
            r#"{"freeze": "0d"}"#,
            r#"{"freeze": 365}"#,
            r#"{"seize": "30d"}"#,
            r#"{"victim_notification": "30d"}"#,
        ] {
            assert!(serde_json::from_str::<Retention>(bad).is_err(), "{bad}");
        }
        let back: Retention = serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
        assert_eq!(back, r);
    }

    #[test]
    fn purge_over_a_controlled_clock() {
        let r = Retention::parse("r", "takedown=30d").unwrap();
        let end = CLOSED + Duration::days(30);
        let k = RequestKind::Takedown;
        assert!(!r.due_for_purge(CLOSED, k, CLOSED));
        assert!(!r.due_for_purge(CLOSED, k, end - Duration::SECOND));
        assert!(r.due_for_purge(CLOSED, k, end), "due at exactly the end");
        assert!(r.due_for_purge(CLOSED, k, end + Duration::days(400)));
        // Another kind keeps the default.
        assert!(!r.due_for_purge(CLOSED, RequestKind::Freeze, end));
        assert!(r.due_for_purge(CLOSED, RequestKind::Freeze, CLOSED + Duration::days(180)));
    }

    fn id(n: u128) -> RequestId {
        RequestId(Uuid::from_u128(n))
    }

    fn cand(n: u128, kind: RequestKind, days_ago: Option<i64>, personal: bool) -> PurgeCandidate {
        PurgeCandidate {
            id: id(n),
            kind,
            closed_at: days_ago.map(|d| CLOSED - Duration::days(d)),
            personal_data: personal,
        }
    }

    #[test]
    fn lists_the_ids_due_longest_due_first() {
        let r = Retention::parse("r", "information=30d").unwrap();
        let cs = [
            cand(1, RequestKind::Freeze, Some(179), true), // one day left
            cand(2, RequestKind::Freeze, Some(200), true), // due 20 days ago
            cand(3, RequestKind::Freeze, Some(200), false), // already purged
            cand(4, RequestKind::Information, Some(31), true), // due a day ago
            cand(5, RequestKind::Information, None, true), // still open
            cand(6, RequestKind::Block, Some(180), true),  // due now
            cand(7, RequestKind::Block, Some(180), true),  // due now, later id
        ];
        assert_eq!(r.due_ids(&cs, CLOSED), [id(2), id(4), id(6), id(7)]);
        let mut reversed = cs;
        reversed.reverse();
        assert_eq!(r.due_ids(&reversed, CLOSED), [id(2), id(4), id(6), id(7)]);
        assert!(r.due_ids(&cs, CLOSED - Duration::days(30)).is_empty());
        assert!(r.due_ids(&[], CLOSED).is_empty());
    }

    #[test]
    fn audit_details_hold_counts_only() {
        let r = Retention::default();
        let removed = PurgeCounts {
            personal_data: 2,
            personal_observables: 1,
        };
        assert_eq!(
            r.purge_details(RequestKind::Freeze, CLOSED, removed),
            json!({
                "kind": "freeze",
                "closed_at": "2026-03-01T10:00:00.000000Z",
                "retention": "180d",
                "removed": {"personal_data": 2, "personal_observables": 1},
            })
        );
        let run = run_details(&[
            (RequestKind::Freeze, removed),
            (RequestKind::Freeze, PurgeCounts::default()),
            (
                RequestKind::VictimNotification,
                PurgeCounts {
                    personal_data: 5,
                    personal_observables: 0,
                },
            ),
        ]);
        assert_eq!(
            run,
            json!({
                "requests": 3,
                "by_kind": {"freeze": 2, "victim-notification": 1},
                "removed": {"personal_data": 7, "personal_observables": 1},
            })
        );
        assert_eq!(
            run_details(&[]),
            json!({"requests": 0, "by_kind": {}, "removed": {"personal_data": 0, "personal_observables": 0}})
        );
    }
}
