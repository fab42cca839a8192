//! STIX identifiers: `object-type--UUID`.

use std::fmt;

/// A syntactically valid STIX identifier (`type--uuid`, RFC 4122 variant, version 1–5).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StixId(String);

/// Why a string is not a STIX identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// Missing `--` separator or bad type part.
    #[error("does not match the id format ([object-type]--[UUID])")]
    Format,
    /// The UUID part is malformed or not an RFC 4122 UUID.
    #[error("does not contain an RFC 4122 UUID after `--`")]
    Uuid,
}

impl StixId {
    /// Parses and checks an identifier.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        split_id(s)?;
        Ok(Self(s.to_owned()))
    }
    /// The object type part.
    pub fn object_type(&self) -> &str {
        self.0.split_once("--").map_or("", |(t, _)| t)
    }
    /// The UUID part.
    pub fn uuid(&self) -> &str {
        self.0.split_once("--").map_or("", |(_, u)| u)
    }
    /// The whole identifier.
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The UUID version digit (1–5).
    pub fn uuid_version(&self) -> u8 {
        uuid_version(self.uuid())
    }
}

impl fmt::Display for StixId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Splits `type--uuid` and checks both parts; returns (type, uuid).
pub fn split_id(s: &str) -> Result<(&str, &str), IdError> {
    let b = s.as_bytes();
    // Type names contain no "--", so the separator is the first "--"; for a well-formed id it sits
    // 38 bytes from the end, which is checked first (the common case, no search).
    let n = b.len();
    let at = if n >= 41 && b[n - 38] == b'-' && b[n - 37] == b'-' && b[n - 39] != b'-' {
        n - 38
    } else {
        b.windows(2)
            .position(|w| w == b"--")
            .ok_or(IdError::Format)?
    };
    let (t, u) = (
        s.get(..at).ok_or(IdError::Format)?,
        s.get(at + 2..).ok_or(IdError::Format)?,
    );
    // `is_type_name` also rejects a `--` inside the type part.
    if !is_type_name(t) {
        return Err(IdError::Format);
    }
    if !is_uuid(u) {
        return Err(IdError::Uuid);
    }
    Ok((t, u))
}

/// A STIX type name: 3–250 chars of `a-z 0-9 -`, starting with a letter, no `--`, not ending in `-`.
pub fn is_type_name(t: &str) -> bool {
    let b = t.as_bytes();
    if b.len() < 3 || b.len() > 250 || !b[0].is_ascii_lowercase() {
        return false;
    }
    let mut prev = 0u8;
    for &c in b {
        if CLASS[usize::from(c)] & TYPE_CHAR == 0 || (c == b'-' && prev == b'-') {
            return false;
        }
        prev = c;
    }
    true
}

/// Byte classes for the identifier checks (one table load per byte).
const HEX_DIGIT: u8 = 1;
const TYPE_CHAR: u8 = 2;
static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0usize;
    while c < 256 {
        let b = c as u8;
        if b.is_ascii_hexdigit() {
            t[c] |= HEX_DIGIT;
        }
        if b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' {
            t[c] |= TYPE_CHAR;
        }
        c += 1;
    }
    t
};

/// An RFC 4122 UUID in 8-4-4-4-12 hex form with version 1–5 and variant 10xx.
pub fn is_uuid(u: &str) -> bool {
    let b = u.as_bytes();
    if b.len() != 36 || b[8] != b'-' || b[13] != b'-' || b[18] != b'-' || b[23] != b'-' {
        return false;
    }
    let hex = |r: std::ops::Range<usize>| {
        b[r].iter()
            .fold(HEX_DIGIT, |acc, &c| acc & CLASS[usize::from(c)])
            != 0
    };
    hex(0..8)
        && hex(9..13)
        && hex(14..18)
        && hex(19..23)
        && hex(24..36)
        && matches!(b[14], b'1'..=b'5')
        && matches!(b[19], b'8' | b'9' | b'a' | b'b' | b'A' | b'B')
}

/// The version digit of a checked UUID (0 if not a digit).
pub fn uuid_version(u: &str) -> u8 {
    u.as_bytes().get(14).map_or(0, |c| c.wrapping_sub(b'0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ids() {
        let id = StixId::parse("indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f").unwrap();
        assert_eq!(id.object_type(), "indicator");
        assert_eq!(id.uuid_version(), 4);
        assert_eq!(StixId::parse("tool--blablabla"), Err(IdError::Uuid));
        assert_eq!(StixId::parse("indicator-8e2e2d2b"), Err(IdError::Format));
        assert_eq!(
            StixId::parse("corpo_ration--4527e5de-8572-446a-a57a-706f15467461"),
            Err(IdError::Format)
        );
        assert!(StixId::parse("indicator--a932fcc6-e032-176c-126f-cb970a5a1adf").is_err()); // variant 1
        assert_eq!(
            StixId::parse("abc---8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"),
            Err(IdError::Uuid)
        );
        assert_eq!(
            StixId::parse("a--b--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"),
            Err(IdError::Format)
        );
        assert_eq!(
            StixId::parse("x-acme-widget--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f")
                .unwrap()
                .object_type(),
            "x-acme-widget"
        );
        assert_eq!(StixId::parse("--"), Err(IdError::Format));
    }

    /// The table-driven checks agree with a byte-by-byte reading of the rules on every one-byte
    /// change of a valid id.
    #[test]
    fn table_checks_match_the_rules() {
        fn uuid_rule(u: &str) -> bool {
            let b = u.as_bytes();
            b.len() == 36
                && b.iter().enumerate().all(|(i, c)| match i {
                    8 | 13 | 18 | 23 => *c == b'-',
                    _ => c.is_ascii_hexdigit(),
                })
                && matches!(b[14], b'1'..=b'5')
                && matches!(b[19], b'8' | b'9' | b'a' | b'b' | b'A' | b'B')
        }
        fn type_rule(t: &str) -> bool {
            let b = t.as_bytes();
            (3..=250).contains(&b.len())
                && b[0].is_ascii_lowercase()
                && b.iter()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
                && !t.contains("--")
        }
        let id = "x-acme-widget--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f";
        for i in 0..id.len() {
            for c in [
                b'-', b'0', b'5', b'9', b'a', b'f', b'g', b'z', b'A', b'F', b'G', b'_', b' ',
            ] {
                let mut b = id.as_bytes().to_vec();
                b[i] = c;
                let s = String::from_utf8(b).unwrap();
                let (t, u) = s.split_at(13);
                assert_eq!(is_type_name(t), type_rule(t), "{t}");
                assert_eq!(is_uuid(&u[2..]), uuid_rule(&u[2..]), "{u}");
                let want = s
                    .find("--")
                    .is_some_and(|at| type_rule(&s[..at]) && uuid_rule(&s[at + 2..]));
                assert_eq!(split_id(&s).is_ok(), want, "{s}");
            }
        }
    }
}
