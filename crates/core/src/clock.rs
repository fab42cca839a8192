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
}
