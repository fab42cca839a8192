//! A check's deadline as a duration: a whole number and a unit, `"90s"`, `"30m"`, `"4h"`, `"2d"`,
//! from [`CheckDuration::MIN_SECS`] (10 s) to [`CheckDuration::MAX_SECS`] (30 days).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Invalid, excerpt};

/// A deadline's length, in whole seconds, as the user wrote it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CheckDuration {
    text: String,
    secs: i64,
}

impl CheckDuration {
    pub const MIN_SECS: i64 = 10;
    pub const MAX_SECS: i64 = 30 * 86_400;

    /// Reads `s`, refusing with `Invalid` at `path`.
    pub fn parse_at(path: &str, s: &str) -> Result<Self, Invalid> {
        let bad = |why: &str| {
            Invalid::new(
                path,
                format!(
                    "`{}` {why} (write a whole number and s, m, h or d, e.g. 90s, 30m, 4h, 2d)",
                    excerpt(s)
                ),
            )
        };
        let t = s.trim();
        let split = t.len().saturating_sub(1);
        let (digits, unit) = (t.get(..split).unwrap_or(""), t.get(split..).unwrap_or(""));
        let per = match unit {
            "s" => 1,
            "m" => 60,
            "h" => 3_600,
            "d" => 86_400,
            _ if !t.is_empty() && t.chars().all(|c| c.is_ascii_digit()) => {
                return Err(bad("has no unit"));
            }
            _ => return Err(bad("is not a duration")),
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("is not a duration"));
        }
        let secs = digits
            .parse::<i64>()
            .ok()
            .and_then(|n| n.checked_mul(per))
            .unwrap_or(i64::MAX);
        if secs < Self::MIN_SECS {
            return Err(bad("is shorter than 10 seconds"));
        }
        if secs > Self::MAX_SECS {
            return Err(bad("is longer than 30 days"));
        }
        Ok(Self {
            text: t.to_owned(),
            secs,
        })
    }

    pub fn secs(&self) -> i64 {
        self.secs
    }

    pub fn as_duration(&self) -> time::Duration {
        time::Duration::seconds(self.secs)
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl FromStr for CheckDuration {
    type Err = Invalid;
    fn from_str(s: &str) -> Result<Self, Invalid> {
        Self::parse_at("deadline", s)
    }
}

impl TryFrom<String> for CheckDuration {
    type Error = Invalid;
    fn try_from(s: String) -> Result<Self, Invalid> {
        s.parse()
    }
}

impl From<CheckDuration> for String {
    fn from(d: CheckDuration) -> String {
        d.text
    }
}

impl fmt::Display for CheckDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// A duration for people: `4 s`, `2 min 5 s`, `3 h 2 min`, `2 d 1 h` (two largest units).
pub fn human(d: time::Duration) -> String {
    let s = d.whole_seconds().max(0);
    let (days, hours, mins, secs) = (s / 86_400, s / 3_600 % 24, s / 60 % 60, s % 60);
    match (days, hours, mins) {
        (0, 0, 0) => format!("{secs} s"),
        (0, 0, _) => format!("{mins} min {secs} s"),
        (0, _, _) => format!("{hours} h {mins} min"),
        _ => format!("{days} d {hours} h"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_bounds() {
        for (s, secs) in [
            ("90s", 90),
            ("10s", 10),
            ("30m", 1800),
            ("4h", 14_400),
            ("2d", 172_800),
            ("30d", 2_592_000),
        ] {
            assert_eq!(s.parse::<CheckDuration>().unwrap().secs(), secs, "{s}");
        }
        for (s, why) in [
            ("9s", "shorter than 10 seconds"),
            ("31d", "longer than 30 days"),
            ("99999999999999999999d", "longer than 30 days"),
            ("4", "has no unit"),
            ("4w", "is not a duration"),
            ("", "is not a duration"),
            ("h", "is not a duration"),
            ("-5m", "is not a duration"),
            ("1.5h", "is not a duration"),
        ] {
            let e = CheckDuration::parse_at("/deadline", s).unwrap_err();
            assert_eq!(e.path, "/deadline");
            assert!(e.message.contains(why), "{s}: {}", e.message);
        }
    }

    #[test]
    fn human_durations() {
        assert_eq!(human(time::Duration::seconds(4)), "4 s");
        assert_eq!(human(time::Duration::seconds(125)), "2 min 5 s");
        assert_eq!(human(time::Duration::seconds(3 * 3600 + 130)), "3 h 2 min");
        assert_eq!(human(time::Duration::seconds(2 * 86_400 + 3700)), "2 d 1 h");
    }
}
