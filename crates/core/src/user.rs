//! Users, their roles, and communities of organisations.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::{Invalid, excerpt};
use crate::org::{OrgId, string_enum};

/// A user's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UserId(pub Uuid);

impl UserId {
    pub fn new_random() -> Self {
        Self(Uuid::new_v4())
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// An email address, kept in lower case (unique case-insensitively).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    /// The most characters an email address has.
    pub const MAX_CHARS: usize = 254;

    /// A pragmatic check: one `@`, a non-empty local part without spaces or controls, a domain of
    /// dot-separated LDH labels with at least one dot; at most 254 characters.
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let s = s.trim();
        let bad = || {
            Invalid::new(
                "email",
                format!("`{}` is not a valid email address", excerpt(s)),
            )
        };
        if s.len() > Self::MAX_CHARS {
            return Err(bad());
        }
        let (local, domain) = s.split_once('@').ok_or_else(bad)?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.contains('@')
            && local
                .chars()
                .all(|c| c.is_ascii_graphic() && !"()<>[]:;,\\\"".contains(c));
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
        if local_ok && domain_ok {
            Ok(Self(s.to_ascii_lowercase()))
        } else {
            Err(bad())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Email {
    type Error = Invalid;
    fn try_from(s: String) -> Result<Self, Invalid> {
        Self::parse(&s)
    }
}

impl From<Email> for String {
    fn from(e: Email) -> String {
        e.0
    }
}

string_enum!(
    /// What a user may do; see the role × action matrix in ARCHITECTURE.md.
    Role, "role" {
        SiteAdmin => "site-admin",
        OrgAdmin => "org-admin",
        Analyst => "analyst",
        ReadOnly => "read-only",
    }
);

string_enum!(
    /// A disabled user cannot sign in and their tokens stop working.
    UserStatus, "status" {
        Active => "active",
        Disabled => "disabled",
    }
);

/// A user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    pub email: Email,
    pub display_name: String,
    pub org_id: OrgId,
    pub role: Role,
    pub status: UserStatus,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// A community's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CommunityId(pub Uuid);

impl fmt::Display for CommunityId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A community name: 2–64 lower-case letters, digits and `-`, starting with a letter (e.g. `asean-cert`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CommunityName(String);

impl CommunityName {
    /// The fewest characters a community name has.
    pub const MIN_CHARS: usize = 2;
    /// The most characters a community name has.
    pub const MAX_CHARS: usize = 64;
    /// The characters a community name is made of (JSON Schema / ECMA-262 syntax; lengths apart).
    pub const PATTERN: &'static str = "^[a-z][a-z0-9-]*$";
    /// The most characters a community's description has (checked by `Service::create_community`).
    pub const DESCRIPTION_MAX_CHARS: usize = 2000;

    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let ok = (Self::MIN_CHARS..=Self::MAX_CHARS).contains(&s.len())
            && s.starts_with(|c: char| c.is_ascii_lowercase())
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(Invalid::new(
                "name",
                format!(
                    "`{}` is not a valid community name (2-64 lower-case letters, digits, '-', starting with a letter)",
                    excerpt(s)
                ),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CommunityName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for CommunityName {
    type Error = Invalid;
    fn try_from(s: String) -> Result<Self, Invalid> {
        Self::parse(&s)
    }
}

impl From<CommunityName> for String {
    fn from(c: CommunityName) -> String {
        c.0
    }
}

/// A sharing community: a named set of organisations, the audience later issues share to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Community {
    pub id: CommunityId,
    pub name: CommunityName,
    pub description: String,
    pub members: Vec<OrgId>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(
            Email::parse(" Analyst@SingCERT.gov.SG ").unwrap().as_str(),
            "analyst@singcert.gov.sg"
        );
        for bad in [
            "",
            "a",
            "a@b",
            "@x.org",
            "a@.org",
            "a b@x.org",
            "a@x..org",
            "a@-x.org",
            "a@@x.org",
            "a@x\n.org",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn roles_parse_and_reject() {
        assert_eq!("org-admin".parse::<Role>().unwrap(), Role::OrgAdmin);
        let e = "admin".parse::<Role>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "role: unknown role `admin` (expected one of: site-admin, org-admin, analyst, read-only)"
        );
    }

    #[test]
    fn community_names() {
        CommunityName::parse("asean-cert").unwrap();
        for bad in ["A", "ASEAN", "-x", "x y", "1abc"] {
            assert!(CommunityName::parse(bad).is_err(), "{bad}");
        }
    }
}
