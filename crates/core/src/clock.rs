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

/// RFC 3339 in UTC with exactly six fractional digits (`2026-11-28T01:02:03.456789Z`): the stored and
/// hashed form of every timestamp, which also sorts as text.
pub fn rfc3339_micros(t: OffsetDateTime) -> String {
    let t = to_micros(t.to_offset(time::UtcOffset::UTC));
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
