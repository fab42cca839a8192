//! IANA time zones: a team's time zone in its profile, a scheduled check's start (P2.1). Names are
//! read against the tz database bundled into the binary (jiff's), so the answer does not depend on
//! the host's `/usr/share/zoneinfo`.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

use crate::error::{Invalid, excerpt};

/// An IANA time zone name such as `Asia/Singapore`, known to the bundled tz database.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TimeZoneName(String);

impl TimeZoneName {
    /// The longest name accepted (the database's longest is 32 characters).
    pub const MAX_CHARS: usize = 64;

    /// Reads a name, refusing one the tz database does not know (`Invalid` at `path`).
    pub fn parse_at(path: &str, s: &str) -> Result<Self, Invalid> {
        let known = s.chars().count() <= Self::MAX_CHARS
            && !s.is_empty()
            && jiff::tz::TimeZone::get(s).is_ok();
        if known {
            Ok(Self(s.to_owned()))
        } else {
            Err(Invalid::new(
                path,
                format!(
                    "`{}` is not an IANA time zone name (for example Asia/Singapore, Asia/Jakarta, UTC)",
                    excerpt(s)
                ),
            ))
        }
    }

    pub fn parse(s: &str) -> Result<Self, Invalid> {
        Self::parse_at("time_zone", s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn zone(&self) -> jiff::tz::TimeZone {
        // Parsed names are known; should the database ever lose one, UTC is the safe reading.
        jiff::tz::TimeZone::get(&self.0).unwrap_or(jiff::tz::TimeZone::UTC)
    }

    /// The zone's offset from UTC at `at`.
    pub fn offset_at(&self, at: OffsetDateTime) -> UtcOffset {
        let ts =
            jiff::Timestamp::new(at.unix_timestamp(), 0).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        let secs = self.zone().to_offset(ts).seconds();
        UtcOffset::from_whole_seconds(secs).unwrap_or(UtcOffset::UTC)
    }

    /// `at` as the zone's local time (the same instant, at the zone's offset then).
    pub fn local(&self, at: OffsetDateTime) -> OffsetDateTime {
        crate::clock::at_offset(at, self.offset_at(at))
    }

    /// The instant of a local date and time in this zone. A local time skipped by a clock change is
    /// read with the offset before the change, and one that occurs twice as its first occurrence
    /// (the "compatible" rule of RFC 9557 and JavaScript's Temporal).
    pub fn instant_of(&self, local: PrimitiveDateTime) -> Result<OffsetDateTime, Invalid> {
        let out_of_range = || Invalid::new("start", "the local time is out of range");
        let month = i8::try_from(u8::from(local.month())).map_err(|_| out_of_range())?;
        let dt = jiff::civil::DateTime::new(
            i16::try_from(local.year()).map_err(|_| out_of_range())?,
            month,
            i8::try_from(local.day()).map_err(|_| out_of_range())?,
            i8::try_from(local.hour()).map_err(|_| out_of_range())?,
            i8::try_from(local.minute()).map_err(|_| out_of_range())?,
            i8::try_from(local.second()).map_err(|_| out_of_range())?,
            0,
        )
        .map_err(|_| out_of_range())?;
        let ts = dt
            .to_zoned(self.zone())
            .map_err(|_| out_of_range())?
            .timestamp();
        OffsetDateTime::from_unix_timestamp(ts.as_second()).map_err(|_| out_of_range())
    }
}

impl fmt::Display for TimeZoneName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for TimeZoneName {
    type Error = Invalid;
    fn try_from(s: String) -> Result<Self, Invalid> {
        Self::parse(&s)
    }
}

impl From<TimeZoneName> for String {
    fn from(t: TimeZoneName) -> String {
        t.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn asean_zones_and_refusals() {
        let sg = TimeZoneName::parse("Asia/Singapore").unwrap();
        let at = datetime!(2026-12-02 00:00 UTC);
        assert_eq!(sg.offset_at(at), UtcOffset::from_hms(8, 0, 0).unwrap());
        let yangon = TimeZoneName::parse("Asia/Yangon").unwrap();
        assert_eq!(yangon.offset_at(at), UtcOffset::from_hms(6, 30, 0).unwrap());
        assert_eq!(sg.local(at).hour(), 8);
        for bad in ["", "Asia/Atlantis", "Europe/London/Extra", &"A".repeat(200)] {
            let e = TimeZoneName::parse(bad).unwrap_err();
            assert_eq!(e.path, "time_zone");
            assert!(e.message.len() < 200, "{}", e.message);
        }
    }

    #[test]
    fn local_times_across_a_clock_change() {
        let ny = TimeZoneName::parse("America/New_York").unwrap();
        // 2026-03-08 02:30 does not exist in New York (clocks jump from 02:00 to 03:00).
        let gap = ny.instant_of(datetime!(2026-03-08 02:30)).unwrap();
        assert_eq!(gap, datetime!(2026-03-08 07:30 UTC));
        // 2026-11-01 01:30 happens twice: the first (EDT, UTC-4) is taken.
        let fold = ny.instant_of(datetime!(2026-11-01 01:30)).unwrap();
        assert_eq!(fold, datetime!(2026-11-01 05:30 UTC));
        let sg = TimeZoneName::parse("Asia/Singapore").unwrap();
        assert_eq!(
            sg.instant_of(datetime!(2026-12-02 09:00)).unwrap(),
            datetime!(2026-12-02 01:00 UTC)
        );
    }
}
