//! MISP times as STIX timestamps: `timestamp` (seconds since the epoch) is an object's
//! `modified`; the event's `date` (or the timestamp, if earlier) is `created`, the same for every
//! version; `first_seen`/`last_seen` (ISO 8601) bound validity and observation.

use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};

use super::model::Event;

/// The times every object of an event derives from.
#[derive(Debug, Clone, Copy)]
pub struct Stamps {
    /// The event's timestamp.
    pub modified: i64,
    /// The event's date, at midnight UTC.
    date: Option<i64>,
}

impl Stamps {
    pub fn of_event(e: &Event) -> Stamps {
        let date = e.date.as_deref().and_then(parse_date);
        let modified = e
            .timestamp
            .or(e.publish_timestamp)
            .or(date)
            .unwrap_or_default();
        Stamps { modified, date }
    }

    /// `created` of an object modified at `modified`.
    pub fn created(&self, modified: i64) -> i64 {
        self.date.map_or(modified, |d| d.min(modified))
    }
}

fn parse_date(s: &str) -> Option<i64> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(s.trim(), &fmt)
        .ok()
        .map(|d| d.midnight().assume_utc().unix_timestamp())
}

fn at(secs: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(secs).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// A STIX timestamp (UTC, `Z`).
pub fn format_dt(t: OffsetDateTime) -> String {
    let t = crate::clock::to_utc(t);
    let ms = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    let us = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
    );
    let fmt = if t.microsecond().is_multiple_of(1000) {
        ms
    } else {
        us
    };
    t.format(&fmt)
        .unwrap_or_else(|_| "1970-01-01T00:00:00.000Z".into())
}

/// [`format_dt`] of seconds since the epoch.
pub fn format_ts(secs: i64) -> String {
    format_dt(at(secs))
}

/// When an attribute or object was seen.
#[derive(Debug, Clone)]
pub struct Seen {
    /// `first_seen`, else `modified`.
    pub from: OffsetDateTime,
    /// `last_seen`, when after `from`.
    pub until: Option<OffsetDateTime>,
    /// Times that could not be read.
    pub warnings: Vec<String>,
}

/// Reads `first_seen`/`last_seen` of the content at `path`.
pub fn seen(path: &str, first: Option<&str>, last: Option<&str>, modified: i64) -> Seen {
    let mut warnings = Vec::new();
    let mut read = |name: &str, v: Option<&str>| {
        let v = v.map(str::trim).filter(|v| !v.is_empty())?;
        match OffsetDateTime::parse(v, &Rfc3339) {
            Ok(t) => Some(t),
            Err(_) => {
                warnings.push(format!(
                    "{path}/{name}: '{}' is not an ISO 8601 time: ignored",
                    crate::error::excerpt(v)
                ));
                None
            }
        }
    };
    let from = read("first_seen", first).unwrap_or_else(|| at(modified));
    let until = read("last_seen", last).filter(|u| *u > from);
    Seen {
        from,
        until,
        warnings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn misp_times_become_stix_timestamps() {
        assert_eq!(format_ts(1_700_000_000), "2023-11-14T22:13:20.000Z");
        let e = Event {
            date: Some("2023-11-01".into()),
            timestamp: Some(1_700_000_000),
            ..Event::default()
        };
        let s = Stamps::of_event(&e);
        assert_eq!(format_ts(s.created(s.modified)), "2023-11-01T00:00:00.000Z");
        assert_eq!(s.created(10), 10);
        let seen = seen(
            "/a",
            Some("2023-01-01T00:00:00.000000+01:00"),
            Some("bad"),
            0,
        );
        assert_eq!(format_dt(seen.from), "2022-12-31T23:00:00.000Z");
        assert!(seen.until.is_none());
        assert_eq!(seen.warnings.len(), 1);
    }
}
