//! Recurring checks: every N days (1 to 366) from a start local date and time in an IANA time
//! zone. Occurrence k is the local time `start + k × N days` in the zone, so a schedule at 09:00
//! stays at 09:00 local across daylight-saving changes (its UTC instant moves).
//!
//! The server runs due schedules itself ([`crate::Service::run_due_schedules`]). A schedule due at
//! `next_run_at` is claimed by compare-and-set of `next_run_at` in the same transaction that creates
//! its check, so with several app nodes over one PostgreSQL exactly one starts it. After downtime
//! over several periods the missed occurrences are not replayed: the schedule runs **once** and
//! `next_run_at` moves to the first occurrence after now.

use serde::Serialize;
use time::{OffsetDateTime, PrimitiveDateTime};

use crate::comm_checks::{Channel, CheckDuration, NewCheck, ScheduleId, TargetSpec};
use crate::contacts::ContactKind;
use crate::error::Invalid;
use crate::tz::TimeZoneName;

pub const MIN_EVERY_DAYS: u32 = 1;
pub const MAX_EVERY_DAYS: u32 = 366;

/// What a recurring check starts, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Schedule {
    pub id: ScheduleId,
    pub title: String,
    pub message: String,
    pub channels: Vec<Channel>,
    pub kinds: Vec<ContactKind>,
    pub targets: TargetSpec,
    pub deadline: CheckDuration,
    pub every_days: u32,
    /// The first occurrence, local time in `time_zone`.
    pub start_local: PrimitiveDateTime,
    pub time_zone: TimeZoneName,
    /// When it runs next (UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub next_run_at: OffsetDateTime,
    pub created_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// A schedule to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSchedule {
    pub check: NewCheck,
    pub every_days: u32,
    pub start_local: PrimitiveDateTime,
    pub time_zone: TimeZoneName,
}

impl NewSchedule {
    pub fn validate(&self) -> Result<(), Invalid> {
        self.check.validate()?;
        if !(MIN_EVERY_DAYS..=MAX_EVERY_DAYS).contains(&self.every_days) {
            return Err(Invalid::new(
                "/every_days",
                format!("give a number of days from {MIN_EVERY_DAYS} to {MAX_EVERY_DAYS}"),
            ));
        }
        Ok(())
    }
}

/// The instant of occurrence `k` (local `start + k × every_days` days in `zone`).
fn occurrence(
    start: PrimitiveDateTime,
    zone: &TimeZoneName,
    every_days: u32,
    k: i64,
) -> Result<OffsetDateTime, Invalid> {
    let days = k
        .checked_mul(i64::from(every_days))
        .ok_or_else(|| Invalid::new("/start", "the schedule runs out of the calendar"))?;
    let local = start
        .checked_add(time::Duration::days(days))
        .ok_or_else(|| Invalid::new("/start", "the schedule runs out of the calendar"))?;
    zone.instant_of(local)
}

/// The first occurrence strictly after `after` (or at/after it when `inclusive`).
pub fn next_occurrence(
    start: PrimitiveDateTime,
    zone: &TimeZoneName,
    every_days: u32,
    after: OffsetDateTime,
    inclusive: bool,
) -> Result<OffsetDateTime, Invalid> {
    let every = i64::from(every_days.max(1));
    let first = occurrence(start, zone, every_days, 0)?;
    if first > after || (inclusive && first == after) {
        return Ok(first);
    }
    // Start a period early (offsets move an occurrence by hours, never by a day), then step.
    let k = ((after - first).whole_days() / every - 1).max(0);
    // At most a few steps: the estimate is within two periods of the answer.
    for step in 0..8 {
        let t = occurrence(start, zone, every_days, k + step)?;
        if t > after || (inclusive && t == after) {
            return Ok(t);
        }
    }
    Err(Invalid::new("/start", "no next occurrence found"))
}

impl Schedule {
    /// Where `next_run_at` goes after a run at `now`: the first occurrence after `now` (missed
    /// occurrences are not replayed).
    pub fn following(&self, now: OffsetDateTime) -> Result<OffsetDateTime, Invalid> {
        next_occurrence(
            self.start_local,
            &self.time_zone,
            self.every_days,
            now.max(self.next_run_at),
            false,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn occurrences_keep_local_time_across_dst() {
        let ny = TimeZoneName::parse("America/New_York").unwrap();
        let start = datetime!(2026-03-01 09:00);
        // EST: 14:00 UTC.
        assert_eq!(
            next_occurrence(start, &ny, 7, datetime!(2026-01-01 00:00 UTC), false).unwrap(),
            datetime!(2026-03-01 14:00 UTC)
        );
        // After the switch on 8 March, 09:00 EDT is 13:00 UTC.
        assert_eq!(
            next_occurrence(start, &ny, 7, datetime!(2026-03-01 14:00 UTC), false).unwrap(),
            datetime!(2026-03-08 13:00 UTC)
        );
        assert_eq!(
            next_occurrence(start, &ny, 7, datetime!(2026-03-01 14:00 UTC), true).unwrap(),
            datetime!(2026-03-01 14:00 UTC)
        );
        // Far ahead: 90-day periods, found without walking from the start.
        let sg = TimeZoneName::parse("Asia/Singapore").unwrap();
        let t = next_occurrence(
            datetime!(2026-01-05 08:30),
            &sg,
            90,
            datetime!(2036-01-01 00:00 UTC),
            false,
        )
        .unwrap();
        assert!(t > datetime!(2036-01-01 00:00 UTC));
        assert!(t - datetime!(2036-01-01 00:00 UTC) <= time::Duration::days(90));
        assert_eq!((t.hour(), t.minute()), (0, 30)); // 08:30 in UTC+8
    }

    #[test]
    fn after_downtime_the_next_run_is_the_first_future_occurrence() {
        let utc = TimeZoneName::parse("UTC").unwrap();
        let s = Schedule {
            id: ScheduleId::new_random(),
            title: "t".into(),
            message: String::new(),
            channels: vec![Channel::Email],
            kinds: vec![],
            targets: TargetSpec::AllMembers,
            deadline: "1h".parse().unwrap(),
            every_days: 1,
            start_local: datetime!(2026-01-01 06:00),
            time_zone: utc,
            next_run_at: datetime!(2026-01-02 06:00 UTC),
            created_by: "cli:t".into(),
            created_at: datetime!(2026-01-01 00:00 UTC),
        };
        // Down from the 2nd to the 5th at noon: one run now, next on the 6th.
        assert_eq!(
            s.following(datetime!(2026-01-05 12:00 UTC)).unwrap(),
            datetime!(2026-01-06 06:00 UTC)
        );
        // Run exactly on time: the next period.
        assert_eq!(
            s.following(datetime!(2026-01-02 06:00 UTC)).unwrap(),
            datetime!(2026-01-03 06:00 UTC)
        );
    }

    #[test]
    fn every_days_is_bounded() {
        let new = |every_days| NewSchedule {
            check: NewCheck {
                title: "t".into(),
                message: String::new(),
                channels: vec![Channel::InApp],
                kinds: vec![],
                targets: TargetSpec::AllMembers,
                deadline: "2d".parse().unwrap(),
            },
            every_days,
            start_local: datetime!(2026-01-01 06:00),
            time_zone: TimeZoneName::parse("UTC").unwrap(),
        };
        assert!(new(1).validate().is_ok());
        assert!(new(366).validate().is_ok());
        assert_eq!(new(0).validate().unwrap_err().path, "/every_days");
        assert_eq!(new(367).validate().unwrap_err().path, "/every_days");
    }
}
