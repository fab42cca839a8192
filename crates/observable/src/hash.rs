//! File hashes: cryptographic digests as lower-case hex, ssdeep and TLSH fuzzy hashes.

use crate::{Canonical, ObservableError, ObservableType as T};

/// MD5, SHA-1, SHA-256, SHA-512: hex of the exact length, lower-cased. An optional
/// `algorithm:` or `0x` prefix is not accepted: a digest is its hex.
pub(crate) fn digest(ty: T, raw: &str) -> Result<Canonical, ObservableError> {
    let (len, expected) = match ty {
        T::Md5 => (32, "32 hex digits"),
        T::Sha1 => (40, "40 hex digits"),
        T::Sha256 => (64, "64 hex digits"),
        _ => (128, "128 hex digits"),
    };
    let s = raw.trim();
    if s.is_empty() {
        return Err(ObservableError::Empty { ty });
    }
    if let Some(c) = s.chars().find(|c| !c.is_ascii_hexdigit()) {
        return Err(ObservableError::BadChar { ty, ch: c });
    }
    if s.len() != len {
        return Err(ObservableError::BadLength {
            ty,
            len: s.len(),
            expected,
        });
    }
    Ok(Canonical::new(ty, s.to_ascii_lowercase()))
}

fn is_b64(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'+' || b == b'/'
}

/// ssdeep: `blocksize:hash1:hash2`, block size 3·2ⁿ, hash1 1–64 and hash2 1–64 base64
/// characters (case kept: it is base64). A trailing `,"filename"` as printed by the ssdeep
/// tool is dropped.
pub(crate) fn ssdeep(raw: &str) -> Result<Canonical, ObservableError> {
    let ty = T::Ssdeep;
    let s = raw.trim();
    if s.is_empty() {
        return Err(ObservableError::Empty { ty });
    }
    if s.len() > 256 + 160 {
        return Err(ObservableError::TooLong {
            ty,
            len: s.len(),
            max: 416,
        });
    }
    let s = match s.find(",\"") {
        Some(i) if s.ends_with('"') => &s[..i],
        _ => s,
    };
    let mut parts = s.split(':');
    let (Some(bs), Some(h1), Some(h2), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ObservableError::Malformed {
            ty,
            what: "not blocksize:hash1:hash2",
        });
    };
    let block: u64 = if !bs.is_empty() && bs.len() <= 12 && bs.bytes().all(|b| b.is_ascii_digit()) {
        bs.parse().unwrap_or(0)
    } else {
        0
    };
    if block < 3 || !block.is_multiple_of(3) || !(block / 3).is_power_of_two() {
        return Err(ObservableError::Malformed {
            ty,
            what: "block size is not 3 times a power of two",
        });
    }
    for h in [h1, h2] {
        if h.is_empty() || h.len() > 64 {
            return Err(ObservableError::BadLength {
                ty,
                len: h.len(),
                expected: "1 to 64 base64 characters per hash part",
            });
        }
        if let Some(c) = h.chars().find(|&c| !(c.is_ascii() && is_b64(c as u8))) {
            return Err(ObservableError::BadChar { ty, ch: c });
        }
    }
    Ok(Canonical::new(ty, format!("{block}:{h1}:{h2}")))
}

/// TLSH: `T1` + 70 hex digits (the current format), or the 70 hex digits of the older format
/// without the version prefix — the same digest, keyed with `T1`. Hex upper-cased, as the tlsh
/// tools print it.
pub(crate) fn tlsh(raw: &str) -> Result<Canonical, ObservableError> {
    let ty = T::Tlsh;
    let s = raw.trim();
    if s.is_empty() {
        return Err(ObservableError::Empty { ty });
    }
    let body = s
        .strip_prefix("T1")
        .or_else(|| s.strip_prefix("t1"))
        .unwrap_or(s);
    if let Some(c) = body.chars().find(|c| !c.is_ascii_hexdigit()) {
        return Err(ObservableError::BadChar { ty, ch: c });
    }
    if body.len() != 70 {
        return Err(ObservableError::BadLength {
            ty,
            len: body.len(),
            expected: "70 hex digits after T1",
        });
    }
    Ok(Canonical::new(
        ty,
        format!("T1{}", body.to_ascii_uppercase()),
    ))
}
