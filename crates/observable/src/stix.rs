//! The STIX 2.1 mapping: which observable type a STIX object path denotes, and the custom
//! cyber-observable types simpul uses for scam observables.
//!
//! See the crate documentation for the table.

use crate::{CryptoNetwork, EwalletProvider, ObservableType as T, SocialPlatform};

/// The id of simpul's extension-definition for scam observables. Fixed forever: SCOs carry it
/// as the key of their `extensions` entry (`{"extension_type": "new-sco"}`).
pub const EXTENSION_DEFINITION_ID: &str =
    "extension-definition--b971353a-35ef-4dce-b300-029d39ca5559";

/// The `name` of the extension-definition.
pub const EXTENSION_NAME: &str = "simpul scam observables";

/// The `version` of the extension-definition.
pub const EXTENSION_VERSION: &str = "1.0.0";

/// One custom SCO type of the extension: its STIX type, its properties, which of them carry
/// a normalisable value (and as which observable type), and whether OpenCTI defines the type
/// with the same name (so the two platforms read each other's objects).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CustomSco {
    /// The STIX `type`.
    pub stix_type: &'static str,
    /// Every property beyond the common SCO ones.
    pub properties: &'static [&'static str],
    /// The properties whose value is normalised, with their observable type.
    pub keyed: &'static [(&'static str, T)],
    /// The properties from which the deterministic id (UUIDv5) is computed.
    pub id_contributing: &'static [&'static str],
    /// Whether OpenCTI defines this type with these names.
    pub opencti: bool,
}

/// The custom SCO types (new-sco) simpul defines or shares with OpenCTI.
pub const CUSTOM_SCOS: &[CustomSco] = &[
    CustomSco {
        stix_type: "phone-number",
        properties: &["value"],
        keyed: &[("value", T::Phone)],
        id_contributing: &["value"],
        opencti: true,
    },
    CustomSco {
        stix_type: "bank-account",
        properties: &["value", "iban", "bic", "account_number"],
        keyed: &[
            ("iban", T::Iban),
            ("bic", T::Bic),
            ("account_number", T::BankAccount),
            ("value", T::BankAccount),
        ],
        id_contributing: &["iban"],
        opencti: true,
    },
    CustomSco {
        stix_type: "cryptocurrency-wallet",
        properties: &["value"],
        keyed: &[("value", T::CryptoWallet(CryptoNetwork::Other))],
        id_contributing: &["value"],
        opencti: true,
    },
    CustomSco {
        stix_type: "payment-card",
        properties: &[
            "value",
            "card_number",
            "expiration_date",
            "cvv",
            "holder_name",
        ],
        keyed: &[("card_number", T::PaymentCard), ("value", T::PaymentCard)],
        id_contributing: &["card_number"],
        opencti: true,
    },
    CustomSco {
        stix_type: "hostname",
        properties: &["value"],
        keyed: &[("value", T::Domain)],
        id_contributing: &["value"],
        opencti: true,
    },
    CustomSco {
        stix_type: "sms-sender",
        properties: &["value"],
        keyed: &[("value", T::SmsSender)],
        id_contributing: &["value"],
        opencti: false,
    },
    CustomSco {
        stix_type: "mobile-app",
        properties: &["value", "name", "store_url"],
        keyed: &[("value", T::AppId)],
        id_contributing: &["value"],
        opencti: false,
    },
    CustomSco {
        stix_type: "e-wallet",
        properties: &["value", "provider"],
        keyed: &[("value", T::Ewallet(EwalletProvider::Other))],
        id_contributing: &["provider", "value"],
        opencti: false,
    },
];

/// Splits a STIX object path as written in a pattern after the `:` — `value`,
/// `hashes.'SHA-256'`, `hashes.SHA256`, `from_ref.value`, `to_refs[*].value` — into unquoted
/// steps, list indexes dropped. `None` on unbalanced quotes.
fn steps(path: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = path.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {
                let mut closed = false;
                for q in chars.by_ref() {
                    if q == c {
                        closed = true;
                        break;
                    }
                    cur.push(q);
                }
                if !closed {
                    return None;
                }
            }
            '.' => out.push(std::mem::take(&mut cur)),
            '[' => {
                // Skip the index: [*] or [0].
                for q in chars.by_ref() {
                    if q == ']' {
                        break;
                    }
                }
            }
            c => cur.push(c),
        }
    }
    out.push(cur);
    out.iter().all(|s| !s.is_empty()).then_some(out)
}

/// The observable type of a hash algorithm name as STIX writes it (`hashing-algorithm-ov`),
/// case-insensitive, with or without the hyphen.
#[must_use]
pub fn hash_type(algorithm: &str) -> Option<T> {
    let a: String = algorithm
        .chars()
        .filter(|c| *c != '-' && *c != '_')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    Some(match a.as_str() {
        "MD5" => T::Md5,
        "SHA1" => T::Sha1,
        "SHA256" => T::Sha256,
        "SHA512" => T::Sha512,
        "SSDEEP" => T::Ssdeep,
        "TLSH" => T::Tlsh,
        _ => return None,
    })
}

/// The candidate observable types of the value at `object_type:path` in a STIX pattern
/// comparison, most specific first; empty when the path is not normalisable (the matcher then
/// treats the comparison as a residual). A value is keyed under each candidate it normalises
/// as — e.g. `network-traffic:dst_ref.value` may be an IPv4 address, an IPv6 address or a
/// domain.
#[must_use]
pub fn candidate_types(object_type: &str, path: &str) -> &'static [T] {
    let Some(steps) = steps(path) else {
        return &[];
    };
    let steps: Vec<&str> = steps.iter().map(String::as_str).collect();
    match (object_type, steps.as_slice()) {
        ("domain-name" | "hostname", ["value"]) => &[T::Domain],
        ("url", ["value"]) => &[T::Url],
        ("ipv4-addr", ["value"]) => &[T::Ipv4],
        ("ipv6-addr", ["value"]) => &[T::Ipv6],
        ("email-addr", ["value"]) => &[T::Email],
        (
            "email-message",
            [
                "from_ref" | "sender_ref" | "to_refs" | "cc_refs" | "bcc_refs",
                "value",
            ],
        ) => &[T::Email],
        ("autonomous-system", ["number"]) => &[T::Asn],
        ("mac-addr", ["value"]) => &[T::Mac],
        ("network-traffic", ["src_ref" | "dst_ref", "value"]) => &[T::Ipv4, T::Ipv6, T::Domain],
        ("file" | "artifact" | "x509-certificate", ["hashes", alg]) => match hash_type(alg) {
            Some(T::Md5) => &[T::Md5],
            Some(T::Sha1) => &[T::Sha1],
            Some(T::Sha256) => &[T::Sha256],
            Some(T::Sha512) => &[T::Sha512],
            Some(T::Ssdeep) => &[T::Ssdeep],
            Some(T::Tlsh) => &[T::Tlsh],
            _ => &[],
        },
        ("phone-number", ["value"]) => &[T::Phone],
        ("bank-account", ["iban"]) => &[T::Iban],
        ("bank-account", ["bic"]) => &[T::Bic],
        ("bank-account", ["account_number" | "value"]) => &[T::BankAccount],
        ("cryptocurrency-wallet", ["value"]) => &[T::CryptoWallet(CryptoNetwork::Other)],
        ("payment-card", ["card_number" | "value"]) => &[T::PaymentCard],
        ("user-account", ["account_login"]) => &[T::SocialAccount(SocialPlatform::Other)],
        ("sms-sender", ["value"]) => &[T::SmsSender],
        ("mobile-app", ["value"]) => &[T::AppId],
        ("e-wallet", ["value"]) => &[T::Ewallet(EwalletProvider::Other)],
        _ => &[],
    }
}

/// The canonical keys of a literal compared with `object_type:path` in a STIX pattern: one
/// per candidate type (see [`candidate_types`]) under which `value` normalises, without
/// duplicates. Empty when the path is not normalisable or the value is valid under none of its
/// types (the matcher then keeps the comparison as a residual, or drops it as unmatchable).
#[must_use]
pub fn keys_for(
    object_type: &str,
    path: &str,
    value: &str,
    ctx: &crate::Context,
) -> Vec<crate::Canonical> {
    let mut out: Vec<crate::Canonical> = Vec::new();
    for &ty in candidate_types(object_type, path) {
        if let Ok(k) = crate::normalise(ty, value, ctx)
            && !out.contains(&k)
        {
            out.push(k);
        }
    }
    out
}

/// The observable type of `object_type:path` when there is exactly one candidate
/// (see [`candidate_types`]): `domain-name:value` → domain, `file:hashes.'SHA-256'` → sha256,
/// `ipv4-addr:value` → ipv4 (whose normalisation yields `ipv4-cidr` for a block).
#[must_use]
pub fn observable_type(object_type: &str, path: &str) -> Option<T> {
    match candidate_types(object_type, path) {
        [one] => Some(*one),
        _ => None,
    }
}

/// The platform named by a STIX `user-account:account_type` value (`account-type-ov` plus the
/// platform names simpul and OpenCTI use), or `None` for non-social account types (`unix`,
/// `windows-local`, `ldap`…), whose logins are not social accounts.
#[must_use]
pub fn platform_of_account_type(account_type: &str) -> Option<SocialPlatform> {
    match account_type.to_ascii_lowercase().as_str() {
        "unix" | "windows-local" | "windows-domain" | "ldap" | "nis" | "radius" | "tacacs"
        | "openid" | "skype" => None,
        other => Some(SocialPlatform::from_name(other).unwrap_or(SocialPlatform::Other)),
    }
}

/// The STIX object type and property where simpul writes an observable of type `ty`.
#[must_use]
pub fn stix_property(ty: T) -> (&'static str, &'static str) {
    match ty {
        T::Domain => ("domain-name", "value"),
        T::Url => ("url", "value"),
        T::Ipv4 | T::Ipv4Cidr => ("ipv4-addr", "value"),
        T::Ipv6 | T::Ipv6Cidr => ("ipv6-addr", "value"),
        T::Email => ("email-addr", "value"),
        T::Asn => ("autonomous-system", "number"),
        T::Mac => ("mac-addr", "value"),
        T::Md5 => ("file", "hashes.MD5"),
        T::Sha1 => ("file", "hashes.'SHA-1'"),
        T::Sha256 => ("file", "hashes.'SHA-256'"),
        T::Sha512 => ("file", "hashes.'SHA-512'"),
        T::Ssdeep => ("file", "hashes.SSDEEP"),
        T::Tlsh => ("file", "hashes.TLSH"),
        T::Phone => ("phone-number", "value"),
        T::SmsSender => ("sms-sender", "value"),
        T::Iban => ("bank-account", "iban"),
        T::Bic => ("bank-account", "bic"),
        T::BankAccount => ("bank-account", "account_number"),
        T::PaymentCard => ("payment-card", "card_number"),
        T::CryptoWallet(_) => ("cryptocurrency-wallet", "value"),
        T::SocialAccount(_) => ("user-account", "account_login"),
        T::AppId => ("mobile-app", "value"),
        T::Ewallet(_) => ("e-wallet", "value"),
    }
}
