//! The facts of a contact's OpenPGP public key, parsed with rpgp (the `pgp` crate): fingerprint,
//! user ids, creation time, expiry and algorithm.
//!
//! The expiry is the primary key's: the key-expiration-time subpacket of its newest
//! self-signature (a direct-key signature or a user id's certification), counted from the key's
//! creation; none (or zero) is a key that never expires. Expired means expiry ≤ now, always the
//! service's clock.

use std::io::Cursor;

use pgp::composed::{PublicOrSecret, SignedPublicKey};
use pgp::types::KeyDetails;
use serde::Serialize;
use time::OffsetDateTime;

/// Keys expiring within this many days are flagged `expires_soon`.
pub const EXPIRES_SOON_DAYS: i64 = 30;

/// Why a key was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error(
        "not an ASCII-armoured OpenPGP public key (expected `-----BEGIN PGP PUBLIC KEY BLOCK-----`)"
    )]
    NotArmoured,
    #[error(
        "this is private key material (`PGP PRIVATE KEY BLOCK`): give the public key only, and keep the private key secret"
    )]
    PrivateKey,
    #[error("malformed OpenPGP key: {0}")]
    Malformed(String),
    #[error("the armour holds no OpenPGP key")]
    Empty,
    #[error("the armour holds {0} keys; give exactly one")]
    Several(usize),
}

/// What simpul shows of a key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyFacts {
    /// Upper-case hex, no spaces.
    pub fingerprint: String,
    pub user_ids: Vec<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires: Option<OffsetDateTime>,
    /// The public-key algorithm, as rpgp names it (`EdDSALegacy`, `RSA`, `Ed25519`, …).
    pub algorithm: String,
}

fn at(secs: u32) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(i64::from(secs)).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

impl KeyFacts {
    /// Parses one armoured public key.
    pub fn parse(armoured: &str) -> Result<Self, KeyError> {
        let text = armoured.trim();
        if text.contains("-----BEGIN PGP PRIVATE KEY BLOCK-----") {
            return Err(KeyError::PrivateKey);
        }
        if !text.starts_with("-----BEGIN PGP PUBLIC KEY BLOCK-----") {
            return Err(KeyError::NotArmoured);
        }
        let (keys, _headers) = PublicOrSecret::from_armor_many(Cursor::new(text.as_bytes()))
            .map_err(|e| KeyError::Malformed(e.to_string()))?;
        let mut found: Vec<SignedPublicKey> = Vec::new();
        for k in keys {
            match k.map_err(|e| KeyError::Malformed(e.to_string()))? {
                PublicOrSecret::Secret(_) => return Err(KeyError::PrivateKey),
                PublicOrSecret::Public(p) => found.push(p),
            }
        }
        match found.len() {
            0 => Err(KeyError::Empty),
            1 => found.pop().map(|k| Self::of(&k)).ok_or(KeyError::Empty),
            n => Err(KeyError::Several(n)),
        }
    }

    fn of(key: &SignedPublicKey) -> Self {
        let primary = &key.primary_key;
        let created_secs = primary.created_at().as_secs();
        let self_sigs = key
            .details
            .direct_signatures
            .iter()
            .chain(key.details.users.iter().flat_map(|u| u.signatures.iter()));
        // The newest self-signature decides (a later one can extend or remove the expiry).
        let newest = self_sigs
            .filter(|s| {
                s.issuer_fingerprint()
                    .iter()
                    .any(|f| **f == primary.fingerprint())
                    || s.issuer_key_id()
                        .iter()
                        .any(|id| **id == primary.legacy_key_id())
            })
            .max_by_key(|s| s.created().map_or(0, |t| t.as_secs()));
        let expires = newest
            .and_then(|s| s.key_expiration_time())
            .map(|d| d.as_secs())
            .filter(|d| *d > 0)
            .map(|d| at(created_secs.saturating_add(d)));
        let user_ids = key
            .details
            .users
            .iter()
            .map(|u| String::from_utf8_lossy(u.id.id()).into_owned())
            .collect();
        Self {
            fingerprint: format!("{:X}", primary.fingerprint()),
            user_ids,
            created: at(created_secs),
            expires,
            algorithm: format!("{:?}", primary.algorithm()),
        }
    }

    /// Whether the key has expired at `now`.
    pub fn expired(&self, now: OffsetDateTime) -> bool {
        self.expires.is_some_and(|e| e <= now)
    }

    /// Whether the key expires within [`EXPIRES_SOON_DAYS`] of `now` (and has not yet).
    pub fn expires_soon(&self, now: OffsetDateTime) -> bool {
        self.expires
            .is_some_and(|e| e > now && e - now <= time::Duration::days(EXPIRES_SOON_DAYS))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    // Generated once for these tests (gpg --faked-system-time 20250101T000000, ed25519): one key
    // expiring 2026-01-01T12:00:00Z, one that never expires, both exported together, and the
    // second one's secret key. No third-party keys.
    const EXPIRING: &str = include_str!("testdata/expiring.asc");
    const NO_EXPIRY: &str = include_str!("testdata/no-expiry.asc");
    const TWO_KEYS: &str = include_str!("testdata/two-keys.asc");
    const SECRET: &str = include_str!("testdata/secret.asc");

    #[test]
    fn a_valid_key_that_never_expires() {
        let k = KeyFacts::parse(NO_EXPIRY).unwrap();
        assert_eq!(k.fingerprint, "921E9F62E0FECF11C5B29D1DEE45161E0D7F887E");
        assert_eq!(k.user_ids, ["Alice Analyst <alice@cert.example>"]);
        assert_eq!(k.created, datetime!(2025-01-01 00:00 UTC));
        assert_eq!(k.expires, None);
        assert!(!k.expired(datetime!(2099-01-01 00:00 UTC)));
        assert!(k.algorithm.contains("EdDSA"), "{}", k.algorithm);
    }

    #[test]
    fn an_expired_key_and_one_expiring_in_ten_days() {
        let k = KeyFacts::parse(EXPIRING).unwrap();
        assert_eq!(k.fingerprint, "61899FFB8AF1DF82F07FEFFF329E2A6BD524E1AF");
        let expiry = datetime!(2026-01-01 12:00 UTC);
        assert_eq!(k.expires, Some(expiry));
        // Valid, far from expiry.
        let early = datetime!(2025-06-01 00:00 UTC);
        assert!(!k.expired(early) && !k.expires_soon(early));
        // Expiring in 10 days.
        let soon = expiry - time::Duration::days(10);
        assert!(!k.expired(soon) && k.expires_soon(soon));
        // Expired: at the expiry and after.
        assert!(k.expired(expiry) && !k.expires_soon(expiry));
        assert!(k.expired(expiry + time::Duration::days(1)));
    }

    #[test]
    fn refuses_malformed_private_and_several_keys() {
        assert_eq!(KeyFacts::parse("hello").unwrap_err(), KeyError::NotArmoured);
        assert_eq!(KeyFacts::parse(SECRET).unwrap_err(), KeyError::PrivateKey);
        assert_eq!(KeyFacts::parse(TWO_KEYS).unwrap_err(), KeyError::Several(2));
        // Damage the base64 body of a real key.
        let broken = NO_EXPIRY.replacen("mDME", "mDMx", 1).replace('A', "!");
        let e = KeyFacts::parse(&broken).unwrap_err();
        assert!(matches!(e, KeyError::Malformed(_)), "{e:?}");
        let truncated: String = NO_EXPIRY.lines().take(4).collect::<Vec<_>>().join("\n")
            + "\n-----END PGP PUBLIC KEY BLOCK-----\n";
        assert!(KeyFacts::parse(&truncated).is_err());
    }
}
