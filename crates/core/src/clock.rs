//! Time is a parameter: logic asks a [`Clock`], never the wall clock.

use std::sync::Arc;
use time::OffsetDateTime;

/// A source of the current time. Production uses [`SystemClock`]; tests use a fixed clock.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> OffsetDateTime;
}

/// The wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // the one place the wall clock is read
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// Cuts a time to whole microseconds: the precision every backend stores, so that what is written
/// reads back equal.
pub fn to_micros(t: OffsetDateTime) -> OffsetDateTime {
    let micros = t.nanosecond() / 1_000 * 1_000;
    t.replace_nanosecond(micros).unwrap_or(t)
}

/// The instant `micros` microseconds after the Unix epoch, if it lies in years 1 to 9999: what
/// every backend can store and compare (PostgreSQL refuses years before 4713 BC). Paging tokens
/// that name a `date_added` are read through this, so a forged one is a client mistake, not a
/// backend error.
pub fn from_unix_micros(micros: i128) -> Option<OffsetDateTime> {
    let t = OffsetDateTime::from_unix_timestamp_nanos(micros.checked_mul(1000)?).ok()?;
    (1..=9999).contains(&t.year()).then_some(t)
}

/// `t` in UTC. An instant given with an offset at the very ends of the calendar (`9999-12-31T23:59:59-01:00`
/// is in year 10000 in UTC, which `time` cannot hold) is clamped to the last (or first) instant
/// it can, instead of panicking as `to_offset` would.
pub fn to_utc(t: OffsetDateTime) -> OffsetDateTime {
    t.checked_to_offset(time::UtcOffset::UTC)
        .unwrap_or_else(|| {
            let end = if t.year() > 0 {
                time::Date::MAX.with_time(time::Time::MAX)
            } else {
                time::Date::MIN.midnight()
            };
            end.assume_utc()
        })
}

/// `t` at `offset`, or in UTC ([`to_utc`]) when it cannot be shown there (the ends of the calendar).
pub fn at_offset(t: OffsetDateTime, offset: time::UtcOffset) -> OffsetDateTime {
    t.checked_to_offset(offset).unwrap_or_else(|| to_utc(t))
}

/// Whether `t` lies in years 1 to 9999 in UTC: what every backend stores, and what a person's
/// input must be.
pub fn in_stored_range(t: OffsetDateTime) -> bool {
    t.checked_to_offset(time::UtcOffset::UTC)
        .is_some_and(|u| (1..=9999).contains(&u.year()))
}

/// RFC 3339 in UTC with exactly six fractional digits (`2026-11-28T01:02:03.456789Z`): the stored and
/// hashed form of every timestamp, which also sorts as text.
pub fn rfc3339_micros(t: OffsetDateTime) -> String {
    let t = to_micros(to_utc(t));
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.microsecond()
    )
}

/// A shared clock handle.
pub type SharedClock = Arc<dyn Clock>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ends_of_the_calendar_never_panic() {
        use time::format_description::well_known::Rfc3339;
        let late = OffsetDateTime::parse("9999-12-31T23:59:59-01:00", &Rfc3339).unwrap();
        assert!(!in_stored_range(late));
        assert!(rfc3339_micros(late).starts_with("9999-12-31T23:59:59.999999"));
        let jakarta = time::UtcOffset::from_hms(7, 0, 0).unwrap();
        let end = OffsetDateTime::parse("9999-12-31T23:59:59Z", &Rfc3339).unwrap();
        assert!(in_stored_range(end));
        assert_eq!(at_offset(end, jakarta), end);
        let early = OffsetDateTime::parse("0000-01-01T00:00:00+01:00", &Rfc3339).unwrap();
        assert!(!in_stored_range(early));
        let _ = rfc3339_micros(early);
    }

    #[test]
    fn micros_truncation() {
        let t = time::macros::datetime!(2026-01-02 03:04:05.123456789 UTC);
        assert_eq!(
            to_micros(t),
            time::macros::datetime!(2026-01-02 03:04:05.123456 UTC)
        );
    }

    #[test]
    fn unix_micros_only_in_years_1_to_9999() {
        assert_eq!(
            from_unix_micros(1_700_000_000_000_001),
            Some(time::macros::datetime!(2023-11-14 22:13:20.000001 UTC))
        );
        assert_eq!(
            from_unix_micros(253_402_300_799_999_999),
            Some(time::macros::datetime!(9999-12-31 23:59:59.999999 UTC))
        );
        assert!(
            from_unix_micros(-62_135_596_800_000_000).is_some(),
            "0001-01-01"
        );
        for out in [
            -62_135_596_800_000_001,
            -300_000_000_000_000_000,
            253_402_300_800_000_000,
            i128::MAX,
            i128::MIN,
        ] {
            assert_eq!(from_unix_micros(out), None, "{out}");
        }
    }
}
