//! Banking observables: IBAN, BIC, bank accounts (country + bank code + number), payment cards.

use crate::{Canonical, Context, ObservableError, ObservableType as T, Region};

/// IBAN lengths by country (ISO 13616 registry, release 2025). Sorted for binary search.
const IBAN_LENGTHS: &[(&str, usize)] = &[
    ("AD", 24),
    ("AE", 23),
    ("AL", 28),
    ("AT", 20),
    ("AZ", 28),
    ("BA", 20),
    ("BE", 16),
    ("BG", 22),
    ("BH", 22),
    ("BI", 27),
    ("BR", 29),
    ("BY", 28),
    ("CH", 21),
    ("CR", 22),
    ("CY", 28),
    ("CZ", 24),
    ("DE", 22),
    ("DJ", 27),
    ("DK", 18),
    ("DO", 28),
    ("EE", 20),
    ("EG", 29),
    ("ES", 24),
    ("FI", 18),
    ("FK", 18),
    ("FO", 18),
    ("FR", 27),
    ("GB", 22),
    ("GE", 22),
    ("GI", 23),
    ("GL", 18),
    ("GR", 27),
    ("GT", 28),
    ("HN", 28),
    ("HR", 21),
    ("HU", 28),
    ("IE", 22),
    ("IL", 23),
    ("IQ", 23),
    ("IS", 26),
    ("IT", 27),
    ("JO", 30),
    ("KW", 30),
    ("KZ", 20),
    ("LB", 28),
    ("LC", 32),
    ("LI", 21),
    ("LT", 20),
    ("LU", 20),
    ("LV", 21),
    ("LY", 25),
    ("MC", 27),
    ("MD", 24),
    ("ME", 22),
    ("MK", 19),
    ("MN", 20),
    ("MR", 27),
    ("MT", 31),
    ("MU", 30),
    ("NI", 28),
    ("NL", 18),
    ("NO", 15),
    ("OM", 23),
    ("PK", 24),
    ("PL", 28),
    ("PS", 29),
    ("PT", 25),
    ("QA", 29),
    ("RO", 24),
    ("RS", 22),
    ("RU", 33),
    ("SA", 24),
    ("SC", 31),
    ("SD", 18),
    ("SE", 24),
    ("SI", 19),
    ("SK", 24),
    ("SM", 27),
    ("SO", 23),
    ("ST", 25),
    ("SV", 28),
    ("TL", 23),
    ("TN", 24),
    ("TR", 26),
    ("UA", 29),
    ("VA", 22),
    ("VG", 24),
    ("XK", 20),
    ("YE", 30),
];

/// The IBAN length for a country, if the country uses IBANs.
#[must_use]
pub fn iban_length(country: &str) -> Option<usize> {
    IBAN_LENGTHS
        .binary_search_by(|(c, _)| (*c).cmp(country))
        .ok()
        .map(|i| IBAN_LENGTHS[i].1)
}

/// Removes spaces, hyphens and dots and upper-cases; `None` if anything but ASCII
/// alphanumerics remains (reported by the caller).
fn compact(ty: T, s: &str, max: usize) -> Result<String, ObservableError> {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            ' ' | '-' | '.' | '\u{a0}' => {}
            c if c.is_ascii_alphanumeric() => out.push(c.to_ascii_uppercase()),
            c => return Err(ObservableError::BadChar { ty, ch: c }),
        }
        if out.len() > max {
            return Err(ObservableError::TooLong {
                ty,
                len: s.len(),
                max,
            });
        }
    }
    if out.is_empty() {
        return Err(ObservableError::Empty { ty });
    }
    Ok(out)
}

/// Validates a compact upper-case IBAN.
fn check_iban(ty: T, s: &str) -> Result<(), ObservableError> {
    let b = s.as_bytes();
    if b.len() < 5
        || !b[0].is_ascii_uppercase()
        || !b[1].is_ascii_uppercase()
        || !b[2].is_ascii_digit()
        || !b[3].is_ascii_digit()
    {
        return Err(ObservableError::Malformed {
            ty,
            what: "an IBAN starts with a country code and two check digits",
        });
    }
    let country = &s[..2];
    let Some(len) = iban_length(country) else {
        return Err(ObservableError::UnknownCountry {
            ty,
            code: country.into(),
        });
    };
    if b.len() != len {
        return Err(ObservableError::BadLength {
            ty,
            len: b.len(),
            expected: "the IBAN length of its country",
        });
    }
    // mod-97 over BBAN + country + check digits, letters as 10..35, done incrementally.
    let mut r: u32 = 0;
    for &c in b[4..].iter().chain(&b[..4]) {
        let v = if c.is_ascii_digit() {
            u32::from(c - b'0')
        } else {
            u32::from(c - b'A') + 10
        };
        r = if v >= 10 {
            (r * 100 + v) % 97
        } else {
            (r * 10 + v) % 97
        };
    }
    if r != 1 {
        return Err(ObservableError::BadChecksum {
            ty,
            which: "IBAN mod-97",
        });
    }
    Ok(())
}

/// IBAN: spaces/hyphens removed, upper case, an `IBAN` prefix dropped; per-country length and
/// the mod-97 check (ISO 7064) enforced. Key: the compact electronic form.
pub(crate) fn iban(raw: &str) -> Result<Canonical, ObservableError> {
    let ty = T::Iban;
    let s = compact(ty, raw.trim(), 64)?;
    let s = s.strip_prefix("IBAN").map(str::to_owned).unwrap_or(s);
    check_iban(ty, &s)?;
    Ok(Canonical::new(ty, s))
}

/// BIC (ISO 9362): 4 letters bank, 2 letters country, 2 alphanumerics location, optional 3
/// alphanumerics branch; upper case. The primary-office branch `XXX` is dropped, so
/// `DEUTDEFFXXX` and `DEUTDEFF` are one key.
pub(crate) fn bic(raw: &str) -> Result<Canonical, ObservableError> {
    let ty = T::Bic;
    let s = compact(ty, raw.trim(), 11)?;
    let b = s.as_bytes();
    if b.len() != 8 && b.len() != 11 {
        return Err(ObservableError::BadLength {
            ty,
            len: b.len(),
            expected: "8 or 11 characters",
        });
    }
    if !b[..6].iter().all(u8::is_ascii_uppercase) {
        return Err(ObservableError::Malformed {
            ty,
            what: "the first six characters (bank and country) must be letters",
        });
    }
    let key = if s.len() == 11 && s.ends_with("XXX") {
        s[..8].to_owned()
    } else {
        s
    };
    Ok(Canonical::new(ty, key))
}

/// A bank account as structured parts: `COUNTRY/BANKCODE/NUMBER`, each part compacted
/// (spaces, `-`, `.` removed) and upper-cased; the bank code may be empty.
///
/// # Errors
/// When the bank code or number has other characters, the number is shorter than 4 or longer
/// than 34 characters, or the bank code longer than 16.
pub fn bank_account_key(
    country: Region,
    bank_code: &str,
    number: &str,
) -> Result<Canonical, ObservableError> {
    let ty = T::BankAccount;
    let bank = match bank_code.trim() {
        "" => String::new(),
        b => compact(ty, b, 16)?,
    };
    let number = compact(ty, number.trim(), 34)?;
    if number.len() < 4 {
        return Err(ObservableError::BadLength {
            ty,
            len: number.len(),
            expected: "4 to 34 characters of account number",
        });
    }
    Ok(Canonical::new(ty, format!("{country}/{bank}/{number}")))
}

/// A bank account written as text:
/// - an IBAN → the IBAN key (type `iban`);
/// - `CC:BANK:NUMBER` or `CC/BANK/NUMBER` → country, bank code, number;
/// - `BANK:NUMBER` → the context's region, bank code, number;
/// - `NUMBER` → the context's region, no bank code, number.
pub(crate) fn bank_account(raw: &str, ctx: &Context) -> Result<Canonical, ObservableError> {
    let ty = T::BankAccount;
    let s = raw.trim();
    if s.is_empty() {
        return Err(ObservableError::Empty { ty });
    }
    if s.len() > 128 {
        return Err(ObservableError::TooLong {
            ty,
            len: s.len(),
            max: 128,
        });
    }
    // Anything shaped like an IBAN of an IBAN country is one: a typo in it is an error, not
    // a national account number.
    let squeezed: String = s
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.'))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let b = squeezed.as_bytes();
    if b.len() >= 15
        && b[..2].iter().all(u8::is_ascii_uppercase)
        && b[2..4].iter().all(u8::is_ascii_digit)
        && b.iter().all(u8::is_ascii_alphanumeric)
        && iban_length(&squeezed[..2]).is_some()
    {
        return iban(s).map_err(|e| e.retype(ty));
    }
    let parts: Vec<&str> = s.split([':', '/']).collect();
    let region = |ctx: &Context| {
        ctx.region().ok_or_else(|| ObservableError::MissingRegion {
            ty,
            value: crate::error::excerpt(s),
        })
    };
    match parts.as_slice() {
        [country, bank, number] => {
            let country =
                Region::parse(country.trim()).map_err(|_| ObservableError::UnknownCountry {
                    ty,
                    code: crate::error::excerpt(country),
                })?;
            bank_account_key(country, bank, number)
        }
        [bank, number] => bank_account_key(region(ctx)?, bank, number),
        [number] => bank_account_key(region(ctx)?, "", number),
        _ => Err(ObservableError::Malformed {
            ty,
            what: "more than three parts (expected COUNTRY:BANK:NUMBER)",
        }),
    }
}

/// Payment card number: 12–19 digits after removing spaces and hyphens, Luhn-checked.
pub(crate) fn payment_card(raw: &str) -> Result<Canonical, ObservableError> {
    let ty = T::PaymentCard;
    let s = compact(ty, raw.trim(), 19)?;
    if let Some(c) = s.chars().find(|c| !c.is_ascii_digit()) {
        return Err(ObservableError::BadChar { ty, ch: c });
    }
    if !(12..=19).contains(&s.len()) {
        return Err(ObservableError::BadLength {
            ty,
            len: s.len(),
            expected: "12 to 19 digits",
        });
    }
    let sum: u32 = s
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let d2 = d * 2;
                if d2 > 9 { d2 - 9 } else { d2 }
            } else {
                d
            }
        })
        .sum();
    if !sum.is_multiple_of(10) {
        return Err(ObservableError::BadChecksum { ty, which: "Luhn" });
    }
    Ok(Canonical::new(ty, s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iban_table_is_sorted_and_plausible() {
        assert!(IBAN_LENGTHS.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(
            IBAN_LENGTHS
                .iter()
                .all(|(c, l)| c.len() == 2 && (15..=34).contains(l))
        );
        // Every country in the table is reachable by the binary search.
        for (c, l) in IBAN_LENGTHS {
            assert_eq!(iban_length(c), Some(*l));
        }
    }
}
