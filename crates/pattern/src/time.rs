//! Timestamps: `YYYY-MM-DDTHH:MM:SS[.s+]Z` to microseconds since the epoch.
//!
//! The reader is deliberately as lenient and as strict as the reference
//! matcher's (Python `strptime` with `%Y-%m-%dT%H:%M:%S[.%f]Z`): one-digit
//! month/day/hour/minute/second fields are accepted, lower-case letters are
//! not, fractions longer than six digits are truncated, and a leap second or
//! an impossible date (30 February) is an error.

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

/// Microseconds since the epoch for a calendar date and time, if it exists.
pub(crate) fn to_micros(y: i64, mo: i64, d: i64, h: i64, mi: i64, s: i64, us: i64) -> Option<i64> {
    if !(1..=9999).contains(&y) || !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) {
        return None;
    }
    if h > 23 || mi > 59 || s > 59 {
        return None;
    }
    let days = days_from_civil(y, mo, d);
    Some(((days * 86_400 + h * 3600 + mi * 60 + s) * 1_000_000) + us)
}

/// Alternatives of one numeric `strptime` field, as (min len, max len, max value).
#[derive(Clone, Copy)]
enum Field {
    Year,
    Month,
    Day,
    Hour,
    Minute,
    Second,
}

/// Up to three candidate readings without allocating.
#[derive(Default)]
struct Readings {
    items: [(usize, i64); 3],
    len: usize,
}

impl Readings {
    fn push(&mut self, r: (usize, i64)) {
        if let Some(slot) = self.items.get_mut(self.len) {
            *slot = r;
            self.len += 1;
        }
    }

    fn iter(&self) -> impl Iterator<Item = (usize, i64)> + '_ {
        self.items.iter().take(self.len).copied()
    }
}

/// Candidate (length, value) readings of a field at `s`, in the order the
/// reference regex alternatives try them.
fn readings(f: Field, s: &[u8]) -> Readings {
    let dig = |i: usize| {
        s.get(i)
            .filter(|c| c.is_ascii_digit())
            .map(|c| i64::from(c - b'0'))
    };
    let mut out = Readings::default();
    match f {
        Field::Year => {
            if let (Some(a), Some(b), Some(c), Some(d)) = (dig(0), dig(1), dig(2), dig(3)) {
                out.push((4, a * 1000 + b * 100 + c * 10 + d));
            }
        }
        _ => {
            let max = match f {
                Field::Month => 12,
                Field::Day => 31,
                Field::Hour => 23,
                Field::Minute => 59,
                _ => 61,
            };
            let min_one = matches!(f, Field::Month | Field::Day);
            if let (Some(a), Some(b)) = (dig(0), dig(1)) {
                let v = a * 10 + b;
                if v <= max && !(min_one && v == 0) {
                    out.push((2, v));
                }
            }
            if let Some(a) = dig(0)
                && !(min_one && a == 0)
            {
                out.push((1, a));
            }
            if matches!(f, Field::Day)
                && s.first() == Some(&b' ')
                && let Some(a) = dig(1).filter(|&a| a > 0)
            {
                out.push((2, a));
            }
        }
    }
    out
}

const LAYOUT: [(Field, u8); 6] = [
    (Field::Year, b'-'),
    (Field::Month, b'-'),
    (Field::Day, b'T'),
    (Field::Hour, b':'),
    (Field::Minute, b':'),
    (Field::Second, 0),
];

fn read_fields(s: &[u8], k: usize, vals: &mut [i64; 7], fraction: bool) -> bool {
    if k == LAYOUT.len() {
        // After seconds: optional fraction, then 'Z', then end.
        let mut p = 0;
        if fraction {
            if s.first() != Some(&b'.') {
                return false;
            }
            p = 1;
            let start = p;
            while p < s.len() && s[p].is_ascii_digit() && p - start < 6 {
                p += 1;
            }
            if p == start {
                return false;
            }
            let digits = &s[start..p];
            let mut us = 0i64;
            for i in 0..6 {
                us = us * 10 + digits.get(i).map_or(0, |c| i64::from(c - b'0'));
            }
            vals[6] = us;
        }
        return &s[p..] == b"Z";
    }
    let (field, sep) = LAYOUT[k];
    for (len, v) in readings(field, s).iter() {
        let rest = &s[len..];
        let rest = if sep == 0 {
            rest
        } else if rest.first() == Some(&sep) {
            &rest[1..]
        } else {
            continue;
        };
        vals[k] = v;
        if read_fields(rest, k + 1, vals, fraction) {
            return true;
        }
    }
    false
}

/// Parse a timestamp as the reference matcher does; `None` if it cannot.
pub(crate) fn parse_timestamp(text: &str) -> Option<i64> {
    if text.chars().any(char::is_lowercase) {
        return None;
    }
    let fraction = text.contains('.');
    let owned: String;
    let s: &str = match text.split_once('.') {
        Some((head, rest)) => {
            let (frac, tail) = rest
                .split_once('.')
                .map_or((rest, None), |(f, t)| (f, Some(t)));
            if frac.chars().count() > 7 && frac.ends_with('Z') {
                let digits: String = frac.chars().take(6).collect();
                owned = match tail {
                    Some(t) => format!("{head}.{digits}Z.{t}"),
                    None => format!("{head}.{digits}Z"),
                };
                &owned
            } else {
                text
            }
        }
        None => text,
    };
    let mut vals = [0i64; 7];
    if !read_fields(s.as_bytes(), 0, &mut vals, fraction) {
        return None;
    }
    to_micros(
        vals[0], vals[1], vals[2], vals[3], vals[4], vals[5], vals[6],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_like_the_reference() {
        assert_eq!(parse_timestamp("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_timestamp("1970-01-01T00:00:01.5Z"), Some(1_500_000));
        assert_eq!(parse_timestamp("1970-1-1T0:0:1Z"), Some(1_000_000));
        assert_eq!(
            parse_timestamp("1970-01-01T00:00:00.1234567Z"),
            Some(123_456)
        );
        assert_eq!(parse_timestamp("2024-02-30T00:00:00Z"), None);
        assert_eq!(parse_timestamp("2024-01-01T00:00:60Z"), None);
        assert_eq!(parse_timestamp("2024-01-01t00:00:00Z"), None);
        assert_eq!(parse_timestamp("2024-01-01T00:00:00"), None);
        assert!(parse_timestamp("2000-02-29T12:00:00Z").is_some());
    }
}
