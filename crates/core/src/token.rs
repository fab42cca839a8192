//! API tokens and web sessions.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::error::{Invalid, excerpt};
use crate::user::UserId;

/// An API token's id (not its secret).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TokenId(pub Uuid);

impl fmt::Display for TokenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// One scope a token may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Read what the user may see (REST GETs, exports).
    Read,
    /// Share and change intelligence.
    Write,
    /// TAXII and federation.
    Sync,
    /// Manage users, tokens, organisations, communities; read the audit log.
    Admin,
}

impl Scope {
    pub const ALL: [Scope; 4] = [Scope::Read, Scope::Write, Scope::Sync, Scope::Admin];

    const fn bit(self) -> u8 {
        match self {
            Scope::Read => 1,
            Scope::Write => 2,
            Scope::Sync => 4,
            Scope::Admin => 8,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
            Scope::Sync => "sync",
            Scope::Admin => "admin",
        }
    }
}

/// A set of scopes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Scopes(u8);

impl Scopes {
    pub fn all() -> Self {
        Self(15)
    }

    pub fn contains(self, s: Scope) -> bool {
        self.0 & s.bit() != 0
    }

    pub fn with(self, s: Scope) -> Self {
        Self(self.0 | s.bit())
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = Scope> {
        Scope::ALL.into_iter().filter(move |s| self.contains(*s))
    }

    /// Parses `read,write`; an empty list, an unknown or repeated scope is an error.
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let mut out = Scopes::default();
        for part in s.split(',').map(str::trim) {
            let scope = Scope::ALL
                .into_iter()
                .find(|x| x.as_str() == part)
                .ok_or_else(|| {
                    Invalid::new(
                        "scopes",
                        format!(
                            "unknown scope `{}` (expected read, write, sync, admin)",
                            excerpt(part)
                        ),
                    )
                })?;
            out = out.with(scope);
        }
        if out.is_empty() {
            return Err(Invalid::new("scopes", "at least one scope is needed"));
        }
        Ok(out)
    }

    /// The stored form: `read,write`.
    pub fn to_list(self) -> String {
        self.iter().map(Scope::as_str).collect::<Vec<_>>().join(",")
    }

    pub fn from_bits(b: u8) -> Self {
        Self(b & 15)
    }

    pub fn bits(self) -> u8 {
        self.0
    }
}

impl Serialize for Scopes {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        ser.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for Scopes {
    fn deserialize<D: serde::Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        let list = Vec::<Scope>::deserialize(de)?;
        Ok(list.into_iter().fold(Scopes::default(), Scopes::with))
    }
}

/// An API token, without its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiToken {
    pub id: TokenId,
    pub user_id: UserId,
    pub name: String,
    pub scopes: Scopes,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
}

impl ApiToken {
    /// Why the token cannot be used at `now`, if it cannot.
    pub fn unusable_reason(&self, now: OffsetDateTime) -> Option<&'static str> {
        if self.revoked_at.is_some() {
            Some("the token has been revoked")
        } else if self.expires_at.is_some_and(|e| e <= now) {
            Some("the token has expired")
        } else {
            None
        }
    }
}

/// The longest lifetime a new API token may ask for, in days (checked by the service).
pub const MAX_EXPIRES_IN_DAYS: u32 = 3650;

/// How long a web session lives without a request.
pub const SESSION_IDLE: Duration = Duration::hours(2);
/// How long a web session lives at most.
pub const SESSION_ABSOLUTE: Duration = Duration::hours(12);
/// A token's or session's last-used time is written at most this often.
pub const TOUCH_EVERY: Duration = Duration::minutes(1);

/// A web session (its id is only ever stored hashed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub user_id: UserId,
    pub csrf_token: String,
    pub created_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
}

impl Session {
    pub fn is_live(&self, now: OffsetDateTime) -> bool {
        now - self.last_seen_at < SESSION_IDLE && now - self.created_at < SESSION_ABSOLUTE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_parse() {
        let s = Scopes::parse("read, write").unwrap();
        assert!(s.contains(Scope::Read) && s.contains(Scope::Write) && !s.contains(Scope::Admin));
        assert_eq!(s.to_list(), "read,write");
        assert!(Scopes::parse("").is_err());
        assert_eq!(
            Scopes::parse("read,root").unwrap_err().to_string(),
            "scopes: unknown scope `root` (expected read, write, sync, admin)"
        );
    }

    #[test]
    fn session_expiry() {
        let t0 = time::macros::datetime!(2026-01-01 00:00 UTC);
        let s = Session {
            user_id: UserId(Uuid::nil()),
            csrf_token: String::new(),
            created_at: t0,
            last_seen_at: t0,
        };
        assert!(s.is_live(t0 + Duration::minutes(119)));
        assert!(!s.is_live(t0 + Duration::minutes(121)));
        let busy = Session {
            last_seen_at: t0 + Duration::hours(12),
            ..s
        };
        assert!(
            !busy.is_live(t0 + Duration::hours(12) + Duration::minutes(1)),
            "absolute limit"
        );
    }
}
