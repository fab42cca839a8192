//! Acknowledgement by link: the rules, apart from the store. The link's token is the credential
//! (256 random bits, base64url: [`TOKEN_CHARS`] characters); it is looked up by its SHA-256, is
//! single use and expires at the check's deadline. Opening the link ([`crate::Service::ack_preview`])
//! records nothing; only confirming it ([`crate::Service::acknowledge_by_link`]) does.

use serde::Serialize;
use time::OffsetDateTime;

use crate::comm_checks::{Check, CheckId, Target};
use crate::error::CoreError;
use crate::org::OrgId;

/// The length of a token: 32 bytes in base64url without padding.
pub const TOKEN_CHARS: usize = 43;

/// Whether `token` has the shape of one (43 base64url characters); anything else is refused
/// without a lookup.
pub fn well_formed(token: &str) -> bool {
    token.len() == TOKEN_CHARS
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Proof that the caller holds a well-formed link token: the store access of an acknowledgement
/// by link, which has no principal (the token is the credential). Only [`LinkHolder::of`] makes
/// one.
#[derive(Debug, Clone, Copy)]
pub struct LinkHolder(());

impl LinkHolder {
    /// The proof for `token`, if it has a token's shape.
    pub(crate) fn of(token: &str) -> Option<Self> {
        well_formed(token).then_some(Self(()))
    }
}

/// What the confirmation page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AckPreview {
    pub check_id: CheckId,
    pub title: String,
    pub message: String,
    pub org_id: OrgId,
    /// The organisation's name (its short name when the organisation is gone).
    pub org_name: String,
    pub contact_name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub deadline_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub acknowledged_at: Option<OffsetDateTime>,
}

/// A recorded acknowledgement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Acknowledged {
    pub check_id: CheckId,
    pub title: String,
    #[serde(with = "time::serde::rfc3339")]
    pub acknowledged_at: OffsetDateTime,
    /// From sending (or the check's start) to now.
    pub response_secs: i64,
}

/// Why a link was refused.
#[derive(Debug, thiserror::Error)]
pub enum AckError {
    /// Unknown, malformed or another system's token.
    #[error("this link is not valid")]
    Invalid,
    #[error("this link expired at {}", crate::clock::rfc3339_micros(*.deadline))]
    Expired { deadline: OffsetDateTime },
    #[error("already acknowledged at {}", crate::clock::rfc3339_micros(*.at))]
    Used { at: OffsetDateTime },
    #[error(transparent)]
    Core(#[from] CoreError),
}

impl From<crate::store::StoreError> for AckError {
    fn from(e: crate::store::StoreError) -> Self {
        Self::Core(e.into())
    }
}

/// Whether `target` of `check` may be acknowledged by link at `now`: not yet used, and `now` not
/// after the deadline.
pub fn may_confirm(check: &Check, target: &Target, now: OffsetDateTime) -> Result<(), AckError> {
    if let Some(at) = target.acknowledged_at {
        return Err(AckError::Used { at });
    }
    if now > check.deadline_at {
        return Err(AckError::Expired {
            deadline: check.deadline_at,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_shape() {
        let (t, _) = crate::secret::new_ack_token();
        assert_eq!(t.len(), TOKEN_CHARS);
        assert!(well_formed(&t));
        assert!(!well_formed(&t[1..]));
        assert!(!well_formed(&format!("{}=", &t[1..])));
        assert!(!well_formed(&format!("{}/", &t[1..])));
        assert!(!well_formed(""));
    }
}
