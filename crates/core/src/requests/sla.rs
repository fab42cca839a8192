//! The service level per urgency: how long the target has by default when the requester gives no
//! `due`. Defaults: critical 4 h, high 24 h, normal 3 days, low 7 days; each configurable as a
//! duration of [`CheckDuration`]'s form (`90s`, `30m`, `4h`, `3d`, at most 30 days), and they must
//! not decrease from critical to low.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::Urgency;
use crate::comm_checks::CheckDuration;
use crate::error::Invalid;

/// The default deadline of each urgency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "SlaFields")]
pub struct Sla {
    critical: CheckDuration,
    high: CheckDuration,
    normal: CheckDuration,
    low: CheckDuration,
}

/// The fields as a configuration gives them, before [`Sla::check`].
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct SlaFields {
    critical: CheckDuration,
    high: CheckDuration,
    normal: CheckDuration,
    low: CheckDuration,
}

fn fixed(s: &str) -> CheckDuration {
    // The defaults are within CheckDuration's bounds; `Sla::defaults_parse` tests it.
    CheckDuration::parse_at("sla", s).unwrap_or_else(|_| unreachable!("default SLA {s}"))
}

impl Default for SlaFields {
    fn default() -> Self {
        Self {
            critical: fixed(Sla::DEFAULTS[0]),
            high: fixed(Sla::DEFAULTS[1]),
            normal: fixed(Sla::DEFAULTS[2]),
            low: fixed(Sla::DEFAULTS[3]),
        }
    }
}

impl Default for Sla {
    fn default() -> Self {
        let f = SlaFields::default();
        Self {
            critical: f.critical,
            high: f.high,
            normal: f.normal,
            low: f.low,
        }
    }
}

impl TryFrom<SlaFields> for Sla {
    type Error = Invalid;
    fn try_from(f: SlaFields) -> Result<Self, Invalid> {
        let sla = Self {
            critical: f.critical,
            high: f.high,
            normal: f.normal,
            low: f.low,
        };
        sla.check("sla")?;
        Ok(sla)
    }
}

impl Sla {
    /// The defaults, critical to low.
    pub const DEFAULTS: [&'static str; 4] = ["4h", "24h", "3d", "7d"];

    /// The deadline length of `u`.
    pub fn of(&self, u: Urgency) -> &CheckDuration {
        match u {
            Urgency::Critical => &self.critical,
            Urgency::High => &self.high,
            Urgency::Normal => &self.normal,
            Urgency::Low => &self.low,
        }
    }

    /// The default due time of a request of urgency `u` made at `now`.
    pub fn due(&self, u: Urgency, now: OffsetDateTime) -> OffsetDateTime {
        now + self.of(u).as_duration()
    }

    /// Sets the length of `u` from text such as `12h`; `prefix` names the setting in errors
    /// (`requests.sla` gives `requests.sla.high`). Refused when out of bounds or when the levels
    /// would no longer be in order (nothing is changed then).
    pub fn set(&mut self, prefix: &str, u: Urgency, s: &str) -> Result<(), Invalid> {
        let path = format!("{prefix}.{u}");
        let d = CheckDuration::parse_at(&path, s)?;
        let mut next = self.clone();
        *next.slot(u) = d;
        next.check(prefix)?;
        *self = next;
        Ok(())
    }

    /// Reads `critical=4h,high=12h` (any of the four, the others default), as one setting.
    pub fn parse(path: &str, s: &str) -> Result<Self, Invalid> {
        let mut sla = Self::default();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let Some((name, value)) = part.split_once('=') else {
                return Err(Invalid::new(
                    path,
                    "write urgency=duration pairs, e.g. critical=4h,high=24h",
                ));
            };
            let u: Urgency = name
                .trim()
                .parse()
                .map_err(|e: Invalid| Invalid::new(path, e.message))?;
            // Order is checked once all are read, so that `low=2h,critical=1h` is accepted.
            *sla.slot(u) = CheckDuration::parse_at(&format!("{path}.{u}"), value)?;
        }
        sla.check(path)?;
        Ok(sla)
    }

    fn slot(&mut self, u: Urgency) -> &mut CheckDuration {
        match u {
            Urgency::Critical => &mut self.critical,
            Urgency::High => &mut self.high,
            Urgency::Normal => &mut self.normal,
            Urgency::Low => &mut self.low,
        }
    }

    /// A more urgent level never has a longer deadline than a less urgent one.
    fn check(&self, prefix: &str) -> Result<(), Invalid> {
        for pair in Urgency::ALL.windows(2) {
            let (more, less) = (pair[0], pair[1]);
            if self.of(more).secs() > self.of(less).secs() {
                return Err(Invalid::new(
                    format!("{prefix}.{more}"),
                    format!(
                        "{more} ({}) is longer than {less} ({}): a more urgent request has no later deadline",
                        self.of(more),
                        self.of(less)
                    ),
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn defaults_parse() {
        let sla = Sla::default();
        let hours: Vec<i64> = Urgency::ALL
            .iter()
            .map(|u| sla.of(*u).secs() / 3600)
            .collect();
        assert_eq!(hours, [4, 24, 72, 168]);
        let now = datetime!(2026-03-01 10:00 UTC);
        assert_eq!(
            sla.due(Urgency::Critical, now),
            datetime!(2026-03-01 14:00 UTC)
        );
        assert_eq!(sla.due(Urgency::Low, now), datetime!(2026-03-08 10:00 UTC));
    }

    #[test]
    fn levels_are_set_within_bounds_and_order() {
        let mut sla = Sla::default();
        sla.set("requests.sla", Urgency::High, "12h").unwrap();
        assert_eq!(sla.of(Urgency::High).secs(), 12 * 3600);
        let e = sla.set("requests.sla", Urgency::High, "2h").unwrap_err();
        assert_eq!(e.path, "requests.sla.critical");
        assert_eq!(sla.of(Urgency::High).secs(), 12 * 3600, "unchanged");
        let e = sla.set("requests.sla", Urgency::Low, "31d").unwrap_err();
        assert_eq!(e.path, "requests.sla.low");
        assert!(e.message.contains("longer than 30 days"));
        let e = sla
            .set("requests.sla", Urgency::Normal, "3 days")
            .unwrap_err();
        assert_eq!(e.path, "requests.sla.normal");
    }

    #[test]
    fn one_setting_of_pairs() {
        let sla = Sla::parse("sla", "low=2h, critical=1h,high=1h,normal=2h").unwrap();
        assert_eq!(sla.of(Urgency::Critical).as_str(), "1h");
        assert_eq!(sla.of(Urgency::Low).as_str(), "2h");
        assert_eq!(Sla::parse("sla", "").unwrap(), Sla::default());
        for (s, path) in [
            ("critical", "sla"),
            ("urgent=1h", "sla"),
            ("high=1w", "sla.high"),
            ("critical=5d", "sla.critical"),
        ] {
            assert_eq!(Sla::parse("sla", s).unwrap_err().path, path, "{s}");
        }
    }

    #[test]
    fn configuration_form() {
        let sla: Sla = serde_json::from_str(r#"{"critical":"2h"}"#).unwrap();
        assert_eq!(sla.of(Urgency::Critical).secs(), 7200);
        assert_eq!(sla.of(Urgency::High).secs(), 86_400);
        assert!(serde_json::from_str::<Sla>(r#"{"critical":"2d"}"#).is_err());
        assert!(serde_json::from_str::<Sla>(r#"{"urgent":"2h"}"#).is_err());
        let back: Sla = serde_json::from_str(&serde_json::to_string(&sla).unwrap()).unwrap();
        assert_eq!(back, sla);
    }
}
