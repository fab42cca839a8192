//! STIX timestamps: RFC 3339 in UTC with a literal `Z` (`YYYY-MM-DDTHH:mm:ss[.s+]Z`), parsed by hand
//! (no allocation, no panic) and compared as (seconds, nanoseconds).

use std::cmp::Ordering;
use std::fmt;

/// A parsed STIX timestamp.
#[derive(Debug, Clone, Copy)]
pub struct Timestamp {
    secs: i64,
    nanos: u32,
    frac_digits: u8,
}

/// Why a string is not a STIX timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TimestampError {
    /// Not of the form `YYYY-MM-DDTHH:mm:ss[.s+]Z`.
    #[error("does not match the timestamp format YYYY-MM-DDTHH:mm:ss[.s+]Z")]
    Format,
    /// A field is out of range (month 13, 31 November, hour 24, …).
    #[error("is not a valid date and time (a field is out of range)")]
    Range,
}

impl Timestamp {
    /// Parses `YYYY-MM-DDTHH:mm:ss[.fraction]Z`.
    pub fn parse(s: &str) -> Result<Self, TimestampError> {
        let b = s.as_bytes();
        if b.len() < 20
            || b[4] != b'-'
            || b[7] != b'-'
            || b[10] != b'T'
            || b[13] != b':'
            || b[16] != b':'
        {
            return Err(TimestampError::Format);
        }
        let year = digits(&b[0..4])?;
        let month = digits(&b[5..7])?;
        let day = digits(&b[8..10])?;
        let hour = digits(&b[11..13])?;
        let minute = digits(&b[14..16])?;
        let second = digits(&b[17..19])?;
        let rest = &b[19..];
        let (nanos, frac_digits) = match rest {
            [b'Z'] => (0u32, 0u8),
            [b'.', frac @ .., b'Z'] if !frac.is_empty() => {
                let mut nanos: u32 = 0;
                for (i, &c) in frac.iter().enumerate() {
                    if !c.is_ascii_digit() {
                        return Err(TimestampError::Format);
                    }
                    if i < 9 {
                        nanos = nanos * 10 + u32::from(c - b'0');
                    }
                }
                let mut n = frac.len();
                while n < 9 {
                    nanos *= 10;
                    n += 1;
                }
                (nanos, u8::try_from(frac.len()).unwrap_or(u8::MAX))
            }
            _ => return Err(TimestampError::Format),
        };
        if !(1..=12).contains(&month) || day == 0 || hour > 23 || minute > 59 || second > 59 {
            return Err(TimestampError::Range);
        }
        if day > days_in_month(year, month) {
            return Err(TimestampError::Range);
        }
        let days = days_from_civil(i64::from(year), month, day);
        let secs = days * 86_400 + i64::from(hour * 3600 + minute * 60 + second);
        Ok(Self {
            secs,
            nanos,
            frac_digits,
        })
    }

    /// Seconds since the Unix epoch.
    pub fn unix_seconds(&self) -> i64 {
        self.secs
    }
    /// Nanoseconds within the second.
    pub fn nanos(&self) -> u32 {
        self.nanos
    }
    /// How many fractional-second digits were written.
    pub fn fraction_digits(&self) -> u8 {
        self.frac_digits
    }
    /// Builds a timestamp from Unix seconds and nanoseconds (written with millisecond precision).
    pub fn from_unix(secs: i64, nanos: u32) -> Self {
        Self {
            secs,
            nanos: nanos.min(999_999_999),
            frac_digits: 3,
        }
    }
}

impl PartialEq for Timestamp {
    /// Same instant; the number of digits written does not matter.
    fn eq(&self, other: &Self) -> bool {
        (self.secs, self.nanos) == (other.secs, other.nanos)
    }
}
impl Eq for Timestamp {}
impl std::hash::Hash for Timestamp {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        (self.secs, self.nanos).hash(h);
    }
}

impl PartialOrd for Timestamp {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Timestamp {
    /// Chronological order; the number of digits written does not matter.
    fn cmp(&self, other: &Self) -> Ordering {
        (self.secs, self.nanos).cmp(&(other.secs, other.nanos))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.secs.div_euclid(86_400);
        let sod = self.secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        write!(
            f,
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
            sod / 3600,
            sod / 60 % 60,
            sod % 60
        )?;
        let digits = usize::from(self.frac_digits.min(9));
        if digits > 0 {
            let frac = format!("{:09}", self.nanos);
            write!(f, ".{}", &frac[..digits])?;
        }
        f.write_str("Z")
    }
}

fn digits(b: &[u8]) -> Result<u32, TimestampError> {
    let mut n = 0u32;
    for &c in b {
        if !c.is_ascii_digit() {
            return Err(TimestampError::Format);
        }
        n = n * 10 + u32::from(c - b'0');
    }
    Ok(n)
}

fn is_leap(y: u32) -> bool {
    (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400)
}

fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(y) => 29,
        _ => 28,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_orders() {
        let a = Timestamp::parse("2016-04-06T20:03:48.000Z").unwrap();
        let b = Timestamp::parse("2016-04-06T20:03:48.000123Z").unwrap();
        let c = Timestamp::parse("2016-04-06T20:03:48Z").unwrap();
        assert!(a < b);
        assert_eq!(a, c); // same instant, different precision
        assert_eq!(a.cmp(&c), Ordering::Equal);
        assert_eq!(b.fraction_digits(), 6);
        assert_eq!(a.unix_seconds(), 1_459_973_028);
    }

    #[test]
    fn rejects_bad_dates() {
        for s in [
            "2016-13-12T08:17:27.000Z",
            "2016-03-00T08:17:27.000Z",
            "2016-11-31T08:17:27.000Z",
            "2017-02-29T08:17:27.000Z",
            "2016-03-12T24:00:00Z",
            "2016-03-12T08:17:60Z",
        ] {
            assert_eq!(Timestamp::parse(s), Err(TimestampError::Range), "{s}");
        }
        for s in [
            "2016-03-12 08:17:27Z",
            "2016-03-12T08:17:27+00:00",
            "2016-03-12T08:17:27.Z",
            "",
            "2016-03-12T08:17:27.1a1Z",
        ] {
            assert_eq!(Timestamp::parse(s), Err(TimestampError::Format), "{s}");
        }
        assert!(Timestamp::parse("2016-02-29T00:00:00Z").is_ok());
    }

    #[test]
    fn displays_round_trip() {
        for s in [
            "2016-04-06T20:03:48.000Z",
            "1969-12-31T23:59:59.5Z",
            "2000-02-29T00:00:00Z",
        ] {
            assert_eq!(Timestamp::parse(s).unwrap().to_string(), s);
        }
    }
}
