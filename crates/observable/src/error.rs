//! The one error type of the crate.

use crate::ObservableType;

/// Why a raw value has no canonical key.
///
/// Every variant names the observable type that was asked for, so a caller can print one line
/// such as `invalid iban: checksum (mod-97) does not match` without extra context.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ObservableError {
    /// The value is empty (or only white space).
    #[error("empty {ty} value")]
    Empty {
        /// The type asked for.
        ty: ObservableType,
    },
    /// The value is longer than any valid value of its type.
    #[error("{ty} value too long: {len} bytes, at most {max}")]
    TooLong {
        /// The type asked for.
        ty: ObservableType,
        /// Length of the input in bytes.
        len: usize,
        /// Largest accepted length in bytes.
        max: usize,
    },
    /// A character that may not appear in this type of value.
    #[error("invalid {ty}: character {ch:?} not allowed")]
    BadChar {
        /// The type asked for.
        ty: ObservableType,
        /// The offending character.
        ch: char,
    },
    /// The value has the wrong number of characters or digits.
    #[error("invalid {ty}: length {len}, expected {expected}")]
    BadLength {
        /// The type asked for.
        ty: ObservableType,
        /// The length found (characters, digits or bytes as `expected` says).
        len: usize,
        /// The accepted lengths, in words.
        expected: &'static str,
    },
    /// A checksum over the value does not match (IBAN mod-97, base58check, bech32, EIP-55, Luhn).
    #[error("invalid {ty}: {which} checksum does not match")]
    BadChecksum {
        /// The type asked for.
        ty: ObservableType,
        /// Which checksum failed.
        which: &'static str,
    },
    /// A domain-name label is not valid.
    #[error("invalid {ty}: label {label:?} {problem}")]
    BadLabel {
        /// The type asked for (domain, or the type whose host part failed).
        ty: ObservableType,
        /// The label as given (possibly truncated to 64 characters).
        label: Box<str>,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// A phone number (or a national short code) needs a region and none was given.
    #[error("{ty} {value:?} is in national format and no default region is set")]
    MissingRegion {
        /// The type asked for.
        ty: ObservableType,
        /// The value, as given (truncated to 64 characters).
        value: Box<str>,
    },
    /// A two-letter country or region code that is unknown for this purpose.
    #[error("invalid {ty}: unknown country or region {code:?}")]
    UnknownCountry {
        /// The type asked for.
        ty: ObservableType,
        /// The code as given.
        code: Box<str>,
    },
    /// The value is recognisable as another type (another IP family, another platform's
    /// account) than the one asked for.
    #[error("invalid {ty}: the value is of type {found}")]
    WrongKind {
        /// The type asked for.
        ty: ObservableType,
        /// The type the value is.
        found: ObservableType,
    },
    /// Any other structural problem, named in words.
    #[error("invalid {ty}: {what}")]
    Malformed {
        /// The type asked for.
        ty: ObservableType,
        /// What is wrong.
        what: &'static str,
    },
}

impl ObservableError {
    /// The observable type that was asked for.
    #[must_use]
    pub fn observable_type(&self) -> ObservableType {
        match self {
            Self::Empty { ty }
            | Self::TooLong { ty, .. }
            | Self::BadChar { ty, .. }
            | Self::BadLength { ty, .. }
            | Self::BadChecksum { ty, .. }
            | Self::BadLabel { ty, .. }
            | Self::MissingRegion { ty, .. }
            | Self::UnknownCountry { ty, .. }
            | Self::WrongKind { ty, .. }
            | Self::Malformed { ty, .. } => *ty,
        }
    }

    /// The same error reported for another requested type (used when a normaliser delegates,
    /// e.g. the domain part of an e-mail address).
    #[must_use]
    pub(crate) fn retype(mut self, to: ObservableType) -> Self {
        match &mut self {
            Self::Empty { ty }
            | Self::TooLong { ty, .. }
            | Self::BadChar { ty, .. }
            | Self::BadLength { ty, .. }
            | Self::BadChecksum { ty, .. }
            | Self::BadLabel { ty, .. }
            | Self::MissingRegion { ty, .. }
            | Self::UnknownCountry { ty, .. }
            | Self::WrongKind { ty, .. }
            | Self::Malformed { ty, .. } => *ty = to,
        }
        self
    }
}

/// `Box<str>` of at most 64 characters of `s`, for error messages.
pub(crate) fn excerpt(s: &str) -> Box<str> {
    match s.char_indices().nth(64) {
        Some((i, _)) => s[..i].into(),
        None => s.into(),
    }
}
