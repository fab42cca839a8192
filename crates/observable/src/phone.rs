//! Telephone numbers (E.164 through libphonenumber's metadata) and SMS sender ids.

use crate::error::excerpt;
use crate::{Canonical, Context, ObservableError, ObservableType as T};

/// Longest raw phone number looked at; real ones with separators are far shorter.
const MAX_PHONE: usize = 40;

/// The E.164 form (`+` and digits) of a phone number, reported as type `ty` on error.
///
/// Accepted characters: digits, a leading `+`, and the separators space, `-`, `.`, `/`, `(`,
/// `)`; a `tel:` prefix is dropped. Letters (vanity numbers), extensions and anything else are
/// rejected before the number reaches the parser. A number without `+` (or an international
/// call prefix such as `00`) is read in the context's default region; without one it is
/// rejected. The number must be valid for its region in libphonenumber's metadata.
pub(crate) fn e164(ty: T, raw: &str, ctx: &Context) -> Result<String, ObservableError> {
    let s = raw.trim();
    let s = crate::net::strip_prefix_ci(s, "tel:").unwrap_or(s);
    if s.is_empty() {
        return Err(ObservableError::Empty { ty });
    }
    if s.len() > MAX_PHONE {
        return Err(ObservableError::TooLong {
            ty,
            len: s.len(),
            max: MAX_PHONE,
        });
    }
    let mut digits = 0usize;
    for (i, c) in s.char_indices() {
        match c {
            '0'..='9' => digits += 1,
            '+' if i == 0 => {}
            ' ' | '-' | '.' | '/' | '(' | ')' => {}
            _ => return Err(ObservableError::BadChar { ty, ch: c }),
        }
    }
    if !(5..=17).contains(&digits) {
        return Err(ObservableError::BadLength {
            ty,
            len: digits,
            expected: "5 to 17 digits",
        });
    }
    let international = s.starts_with('+');
    let region = match ctx.region() {
        Some(r) => Some(
            r.as_str()
                .parse::<phonenumber::country::Id>()
                .map_err(|_| ObservableError::UnknownCountry {
                    ty,
                    code: r.as_str().into(),
                })?,
        ),
        None if international => None,
        None => {
            return Err(ObservableError::MissingRegion {
                ty,
                value: excerpt(s),
            });
        }
    };
    let n = phonenumber::parse(region, s).map_err(|_| ObservableError::Malformed {
        ty,
        what: "not a phone number",
    })?;
    if !phonenumber::is_valid(&n) {
        return Err(ObservableError::Malformed {
            ty,
            what: "not a valid number in its country's numbering plan",
        });
    }
    if n.extension().is_some() {
        return Err(ObservableError::Malformed {
            ty,
            what: "extensions are not part of a phone observable",
        });
    }
    // E.164 is `+`, country code, national significant number (with its Italian-style leading
    // zeros); written directly, as the formatter's metadata lookup costs more than the parse.
    Ok(format!("+{}{}", n.code().value(), n.national()))
}

pub(crate) fn phone(raw: &str, ctx: &Context) -> Result<Canonical, ObservableError> {
    Ok(Canonical::new(T::Phone, e164(T::Phone, raw, ctx)?))
}

/// An SMS sender:
/// - a phone number (starts with `+`, or 9 or more digits) → the phone key (type `phone`);
/// - a national short code (3–8 digits) → `REGION/digits`, region from the context (required),
///   or given in that form;
/// - an alphanumeric sender id (1–11 of letters, digits, space, `.`, `-`, `_`, `&`, `+`, with
///   at least one letter) → lower-cased, runs of spaces collapsed to one, as networks display
///   them case-folded differently and spoofers vary case.
pub(crate) fn sms_sender(raw: &str, ctx: &Context) -> Result<Canonical, ObservableError> {
    let ty = T::SmsSender;
    let s = raw.trim();
    if s.is_empty() {
        return Err(ObservableError::Empty { ty });
    }
    if s.len() > MAX_PHONE {
        return Err(ObservableError::TooLong {
            ty,
            len: s.len(),
            max: MAX_PHONE,
        });
    }
    // The canonical short-code form, REGION/digits.
    if let Some((r, code)) = s.split_once('/')
        && let Ok(region) = crate::Region::parse(r)
        && (3..=8).contains(&code.len())
        && code.bytes().all(|b| b.is_ascii_digit())
    {
        return Ok(Canonical::new(ty, format!("{region}/{code}")));
    }
    let digits = s.bytes().filter(u8::is_ascii_digit).count();
    let phone_like = s
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b' ' | b'-' | b'.' | b'(' | b')'));
    if phone_like && (s.starts_with('+') || digits >= 9) {
        return Ok(Canonical::new(T::Phone, e164(ty, s, ctx)?));
    }
    if phone_like && s.bytes().all(|b| b.is_ascii_digit()) {
        if !(3..=8).contains(&s.len()) {
            return Err(ObservableError::BadLength {
                ty,
                len: s.len(),
                expected: "3 to 8 digits for a short code",
            });
        }
        let Some(region) = ctx.region() else {
            return Err(ObservableError::MissingRegion {
                ty,
                value: excerpt(s),
            });
        };
        return Ok(Canonical::new(ty, format!("{region}/{s}")));
    }
    if s.chars().count() > 11 {
        return Err(ObservableError::BadLength {
            ty,
            len: s.chars().count(),
            expected: "at most 11 characters for an alphanumeric sender id",
        });
    }
    if let Some(c) = s
        .chars()
        .find(|&c| !(c.is_ascii_alphanumeric() || " .-_&+".contains(c)))
    {
        return Err(ObservableError::BadChar { ty, ch: c });
    }
    if !s.bytes().any(|b| b.is_ascii_alphabetic()) {
        return Err(ObservableError::Malformed {
            ty,
            what: "an alphanumeric sender id needs a letter",
        });
    }
    // Runs of spaces collapse to one: "DBS  Bank" and "DBS Bank" display alike.
    let key = s
        .split(' ')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_lowercase();
    Ok(Canonical::new(ty, key))
}
