//! Peer credentials sealed at rest: XChaCha20-Poly1305 (RustCrypto `chacha20poly1305`) under a
//! 256-bit key that is never in the database — it comes from the configuration
//! (`[federation] key`) or from a key file in the data directory, which the binary reads. Each
//! sealed value has a fresh random 192-bit nonce and is bound to its peer's id (the associated
//! data), so a sealed secret copied onto another peer's row does not open.
//!
//! Stored form: `xc20p1:` and base64url (no padding) of nonce ‖ ciphertext ‖ tag.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

use crate::error::Invalid;

const PREFIX: &str = "xc20p1:";
const NONCE_LEN: usize = 24;

/// The key that seals peer credentials. `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct FederationKey([u8; 32]);

impl std::fmt::Debug for FederationKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FederationKey(***)")
    }
}

impl FederationKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// A new random key.
    pub fn generate() -> Self {
        use argon2::password_hash::rand_core::{OsRng, RngCore};
        let mut k = [0u8; 32];
        OsRng.fill_bytes(&mut k);
        Self(k)
    }

    /// Reads a key written as base64 (standard or URL-safe, padded or not) of 32 bytes.
    pub fn parse(path: &str, text: &str) -> Result<Self, Invalid> {
        let t = text.trim().trim_end_matches('=');
        let bytes = URL_SAFE_NO_PAD
            .decode(t.replace('+', "-").replace('/', "_"))
            .map_err(|_| Invalid::new(path, "the federation key is not base64"))?;
        let k: [u8; 32] = bytes.try_into().map_err(|_| {
            Invalid::new(
                path,
                "the federation key must be 32 bytes (44 base64 characters)",
            )
        })?;
        Ok(Self(k))
    }

    /// The key as base64url text (what a key file holds).
    pub fn to_text(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.0)
    }

    /// Seals `plain`, bound to `aad`.
    pub fn seal(&self, plain: &[u8], aad: &[u8]) -> Result<String, String> {
        use argon2::password_hash::rand_core::{OsRng, RngCore};
        let mut nonce = [0u8; NONCE_LEN];
        OsRng.fill_bytes(&mut nonce);
        let cipher = XChaCha20Poly1305::new((&self.0).into());
        let ct = cipher
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: plain, aad })
            .map_err(|_| "cannot seal the secret".to_owned())?;
        let mut out = nonce.to_vec();
        out.extend(ct);
        Ok(format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(out)))
    }

    /// Opens a value [`FederationKey::seal`] made with the same key and `aad`.
    pub fn open(&self, sealed: &str, aad: &[u8]) -> Result<Vec<u8>, String> {
        let wrong = || {
            "the peer's credentials do not open with this federation key (was the key changed?)"
                .to_owned()
        };
        let body = sealed.strip_prefix(PREFIX).ok_or_else(wrong)?;
        let raw = URL_SAFE_NO_PAD.decode(body).map_err(|_| wrong())?;
        if raw.len() < NONCE_LEN + 16 {
            return Err(wrong());
        }
        let (nonce, ct) = raw.split_at(NONCE_LEN);
        XChaCha20Poly1305::new((&self.0).into())
            .decrypt(XNonce::from_slice(nonce), Payload { msg: ct, aad })
            .map_err(|_| wrong())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_and_open() {
        let k = FederationKey::generate();
        let s = k.seal(b"simpul_token", b"peer-1").unwrap();
        assert!(s.starts_with(PREFIX));
        assert!(!s.contains("simpul_token"));
        assert_eq!(k.open(&s, b"peer-1").unwrap(), b"simpul_token");
        assert_ne!(
            s,
            k.seal(b"simpul_token", b"peer-1").unwrap(),
            "fresh nonce"
        );
        assert!(k.open(&s, b"peer-2").is_err(), "bound to its peer");
        assert!(FederationKey::generate().open(&s, b"peer-1").is_err());
        let mut tampered = s.clone();
        tampered.pop();
        assert!(k.open(&tampered, b"peer-1").is_err());
        assert_eq!(FederationKey::parse("key", &k.to_text()).unwrap(), k);
        assert!(FederationKey::parse("key", "abc").is_err());
        assert_eq!(format!("{k:?}"), "FederationKey(***)");
    }
}
