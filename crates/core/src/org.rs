//! Organisations: who shares, who receives.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::country::Country;
use crate::error::{Invalid, excerpt};

/// An organisation's id. The same UUID names its STIX `identity` object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OrgId(pub Uuid);

impl OrgId {
    pub fn new_random() -> Self {
        Self(Uuid::new_v4())
    }
}

impl fmt::Display for OrgId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A short name such as `SingCERT`: 2–32 characters of letters, digits, `-`, `_`, `.` and `/`,
/// starting with a letter or digit. Unique case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ShortName(String);

impl ShortName {
    /// The fewest characters a short name has.
    pub const MIN_CHARS: usize = 2;
    /// The most characters a short name has.
    pub const MAX_CHARS: usize = 32;
    /// The characters a short name is made of (JSON Schema / ECMA-262 syntax; lengths apart).
    pub const PATTERN: &'static str = "^[A-Za-z0-9][A-Za-z0-9._/-]*$";

    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let ok_len = (Self::MIN_CHARS..=Self::MAX_CHARS).contains(&s.chars().count());
        let ok_first = s.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
        let ok_chars = s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'));
        if ok_len && ok_first && ok_chars {
            Ok(Self(s.to_owned()))
        } else {
            Err(Invalid::new(
                "short_name",
                format!(
                    "`{}` is not a valid short name (2-32 letters, digits, '-', '_', '.', '/', starting with a letter or digit)",
                    excerpt(s)
                ),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ShortName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for ShortName {
    type Error = Invalid;
    fn try_from(s: String) -> Result<Self, Invalid> {
        Self::parse(&s)
    }
}

impl From<ShortName> for String {
    fn from(s: ShortName) -> String {
        s.0
    }
}

macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident, $field:literal { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $(#[serde(rename = $text)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(&self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::error::Invalid;
            fn from_str(s: &str) -> Result<Self, $crate::error::Invalid> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err($crate::error::Invalid::new(
                        $field,
                        format!(
                            "unknown {} `{}` (expected one of: {})",
                            $field,
                            $crate::error::excerpt(s),
                            [$($text),+].join(", ")
                        ),
                    )),
                }
            }
        }
    };
}

pub(crate) use string_enum;

/// `id_type!(/// doc \n Name)`: a `Copy` uuid newtype with `new_random`, `Display` and transparent
/// serde. The caller's scope provides `Uuid`, `fmt`, `Serialize` and `Deserialize`.
macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            pub fn new_random() -> Self {
                Self(Uuid::new_v4())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}
pub(crate) use id_type;

string_enum!(
    /// What kind of organisation this is.
    OrgKind, "kind" {
        RegionalCert => "regional-cert",
        NationalCert => "national-cert",
        SectorCert => "sector-cert",
        Government => "government",
        InternationalOrg => "international-org",
        Industry => "industry",
        Academia => "academia",
        Other => "other",
    }
);

string_enum!(
    /// A suspended organisation's users and tokens stop working at once.
    OrgStatus, "status" {
        Active => "active",
        Suspended => "suspended",
    }
);

/// An organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organisation {
    pub id: OrgId,
    pub name: String,
    pub short_name: ShortName,
    pub kind: OrgKind,
    pub country: Option<Country>,
    pub status: OrgStatus,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// What is needed to create an organisation.
#[derive(Debug, Clone)]
pub struct NewOrganisation {
    pub name: String,
    pub short_name: ShortName,
    pub kind: OrgKind,
    pub country: Option<Country>,
}

/// The most characters a display name (of an organisation, a user, a token) has.
pub const NAME_MAX_CHARS: usize = 200;
/// What [`check_name`] accepts, lengths apart: no control characters and not only white space
/// (JSON Schema / ECMA-262 syntax).
pub const NAME_PATTERN: &str = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u001F\\u007F-\\u009F]*$";

/// Checks a display name: 1–200 characters, no control characters.
pub fn check_name(path: &str, name: &str) -> Result<String, Invalid> {
    let name = name.trim();
    if name.is_empty()
        || name.chars().count() > NAME_MAX_CHARS
        || name.chars().any(char::is_control)
    {
        return Err(Invalid::new(
            path,
            "must be 1-200 characters without control characters",
        ));
    }
    Ok(name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names() {
        for ok in [
            "SingCERT",
            "Id-SIRTII/CC",
            "VNCERT/CC",
            "mmCERT",
            "CERT-PH",
            "BN",
        ] {
            ShortName::parse(ok).unwrap();
        }
        for bad in [
            "",
            "x",
            "-lead",
            "has space",
            "a".repeat(33).as_str(),
            "naïve",
        ] {
            assert!(ShortName::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn kinds_round_trip_and_reject_unknown() {
        for k in OrgKind::ALL {
            assert_eq!(k.as_str().parse::<OrgKind>().unwrap(), *k);
        }
        let err = "cert".parse::<OrgKind>().unwrap_err();
        assert_eq!(err.path, "kind");
        assert!(
            err.message.starts_with("unknown kind `cert`"),
            "{}",
            err.message
        );
    }
}
