//! Passwords, API tokens, session ids and CSRF tokens.
//!
//! Passwords are hashed with Argon2id, version 0x13, memory 19 MiB (19456 KiB), 2 iterations, 1 lane,
//! a 16-byte random salt, stored as a PHC string (the OWASP password storage minimum for Argon2id).
//! API tokens and session ids are 256 random bits shown once and stored only as their SHA-256 (they have
//! full entropy, so a fast hash is enough and lets the store look them up by index).

use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use sha2::{Digest, Sha256};

use crate::error::Invalid;

/// The fewest characters a password may have.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// The most characters a password may have (bounds the hashing work an attacker can ask for).
pub const MAX_PASSWORD_CHARS: usize = 1024;

/// The Argon2id parameters (see the module docs).
pub fn argon2() -> Argon2<'static> {
    // 19456 KiB, 2 passes, 1 lane are within argon2's bounds, so `Params::new` cannot fail; fall back
    // to the library default (also Argon2id, 19 MiB, t=2, p=1) rather than panic.
    let params = Params::new(19_456, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Checks the password policy: 12 to 1024 characters, not all the same character.
pub fn check_password(password: &str) -> Result<(), Invalid> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Err(Invalid::new(
            "password",
            format!("must have at least {MIN_PASSWORD_CHARS} characters (has {n})"),
        ));
    }
    if n > MAX_PASSWORD_CHARS {
        return Err(Invalid::new(
            "password",
            format!("must have at most {MAX_PASSWORD_CHARS} characters"),
        ));
    }
    let mut chars = password.chars();
    let first = chars.next();
    if chars.all(|c| Some(c) == first) {
        return Err(Invalid::new("password", "must not repeat one character"));
    }
    Ok(())
}

/// A PHC-format Argon2id hash of `password` (which must already satisfy [`check_password`]).
pub fn hash_password(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Whether `password` matches the stored PHC hash. A malformed hash never matches.
pub fn verify_password(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A hash to verify against when the account does not exist, so that timing does not tell.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("dummy password for timing").unwrap_or_default())
}

/// A generated password: 20 characters from an alphabet without look-alikes (about 114 bits).
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"23456789abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ";
    let mut out = String::with_capacity(20);
    let mut buf = [0u8; 64];
    while out.len() < 20 {
        OsRng.fill_bytes(&mut buf);
        for b in buf {
            // Rejection sampling keeps the choice uniform.
            let limit = 256 - (256 % ALPHABET.len());
            if usize::from(b) < limit && out.len() < 20 {
                out.push(char::from(ALPHABET[usize::from(b) % ALPHABET.len()]));
            }
        }
    }
    out
}

/// 256 random bits, base64url without padding.
fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The SHA-256 of a secret, as stored.
pub fn secret_hash(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// The prefix every API token carries, so that secret scanners and people recognise one.
pub const TOKEN_PREFIX: &str = "simpul_";

/// A new API token: (the secret to show once, its hash to store).
pub fn new_token() -> (String, [u8; 32]) {
    let secret = format!("{TOKEN_PREFIX}{}", random_secret());
    let hash = secret_hash(&secret);
    (secret, hash)
}

/// A new session id: (the cookie value, its hash to store).
pub fn new_session_id() -> (String, [u8; 32]) {
    let secret = random_secret();
    let hash = secret_hash(&secret);
    (secret, hash)
}

/// A new communication-check acknowledgement token: (the token for the link, 43 base64url
/// characters of 256 random bits; its hash to store).
pub fn new_ack_token() -> (String, [u8; 32]) {
    let secret = random_secret();
    let hash = secret_hash(&secret);
    (secret, hash)
}

/// A new webhook signing secret: `whsec_` and 256 random bits as base64url (shown once, stored
/// sealed: `webhooks/`).
pub fn new_webhook_secret() -> String {
    format!("whsec_{}", random_secret())
}

/// A new CSRF token.
pub fn new_csrf_token() -> String {
    random_secret()
}

/// Compares two strings in time independent of where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_policy() {
        assert!(check_password("short").is_err());
        assert!(check_password("aaaaaaaaaaaaaaaa").is_err());
        assert!(check_password(&"x".repeat(1025)).is_err());
        check_password("correct horse battery").unwrap();
        let e = check_password("elevenchars").unwrap_err();
        assert_eq!(
            e.to_string(),
            "password: must have at least 12 characters (has 11)"
        );
    }

    #[test]
    fn hash_and_verify() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("correct horse batterx", &h));
        assert!(!verify_password("anything", "not a hash"));
    }

    #[test]
    fn generated_secrets() {
        let p = generate_password();
        assert_eq!(p.chars().count(), 20);
        check_password(&p).unwrap();
        assert_ne!(p, generate_password());
        let (t, h) = new_token();
        assert!(t.starts_with(TOKEN_PREFIX));
        assert_eq!(t.len(), TOKEN_PREFIX.len() + 43, "256 bits in base64url");
        assert_eq!(secret_hash(&t), h);
        assert!(
            constant_time_eq("abc", "abc")
                && !constant_time_eq("abc", "abd")
                && !constant_time_eq("a", "ab")
        );
    }
}
