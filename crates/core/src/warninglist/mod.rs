//! MISP warninglists: lists of values known to be benign or not worth acting on (public DNS
//! resolvers, cloud ranges, top domains, test hashes, disposable e-mail domains…), which MISP
//! publishes and the `pymispwarninglists` package ships. The program reads them from a directory
//! (one folder per list with its `list.json`, as in MISP's `misp-warninglists/lists/`; the
//! `warninglists` setting), never from the repository, and [`compile`]s them here.
//!
//! A list has a type, and the type says how a value is looked up:
//!
//! | type        | a value is listed when                                                   |
//! |-------------|--------------------------------------------------------------------------|
//! | `string`    | its canonical key (or its text, lower-cased) is an entry                 |
//! | `hostname`  | its host (a domain, a URL's or an e-mail address's host) or a parent domain of it is an entry |
//! | `substring` | an entry occurs in its canonical key, lower-cased                        |
//! | `cidr`      | it is an address (or a URL with an address as host) inside an entry's block |
//! | `regex`     | an entry's expression finds a match in its canonical key                 |
//!
//! A list applies only to the observable types its `matching_attributes` name (MISP attribute
//! types, read as simpul's observable types by [`applies_to`]); a list that names none applies to
//! every type. Lookups never touch the store: the lists are public, so there is nothing to share.

mod compile;
pub mod service;

use serde::{Deserialize, Serialize};
use simpul_observable::ObservableType;

pub use compile::Warninglists;

/// One list as MISP writes it (`list.json`).
#[derive(Debug, Clone, Deserialize)]
pub struct ListFile {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub version: u64,
    #[serde(rename = "type", default = "default_kind")]
    pub kind: String,
    #[serde(default)]
    pub matching_attributes: Vec<String>,
    #[serde(default)]
    pub list: Vec<String>,
}

fn default_kind() -> String {
    "string".into()
}

/// How a list's entries are compared with a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    String,
    Hostname,
    Substring,
    Cidr,
    Regex,
}

impl Kind {
    const ALL: [Kind; 5] = [
        Self::String,
        Self::Hostname,
        Self::Substring,
        Self::Cidr,
        Self::Regex,
    ];

    /// Its name, as MISP writes it (`list.json`'s `type`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::String => "string",
            Self::Hostname => "hostname",
            Self::Substring => "substring",
            Self::Cidr => "cidr",
            Self::Regex => "regex",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// What is known of a loaded list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListInfo {
    pub name: String,
    pub description: String,
    pub version: u64,
    #[serde(rename = "type")]
    pub kind: Kind,
    /// The MISP attribute types it is for (empty: every type).
    pub matching_attributes: Vec<String>,
    /// Entries loaded (entries that could not be read are left out and counted in the load's
    /// warnings).
    pub entries: usize,
}

/// A list a value is on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Listed {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: Kind,
}

/// What loading a directory found besides the lists: each a path and why.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadReport {
    pub warnings: Vec<String>,
}

/// Whether a list for the MISP attribute types `attributes` applies to values of type `ty`.
#[must_use]
pub fn applies_to(attributes: &[String], ty: ObservableType) -> bool {
    attributes.is_empty()
        || attributes
            .iter()
            .any(|a| misp_types_of(ty).contains(&a.as_str()))
}

/// The MISP attribute types a simpul observable type is written as.
fn misp_types_of(ty: ObservableType) -> &'static [&'static str] {
    use ObservableType as T;
    match ty {
        T::Domain => &["domain", "hostname", "domain|ip"],
        T::Url => &["url", "uri", "link"],
        T::Ipv4 | T::Ipv6 | T::Ipv4Cidr | T::Ipv6Cidr => &[
            "ip-src",
            "ip-dst",
            "ip-src|port",
            "ip-dst|port",
            "domain|ip",
        ],
        T::Email => &[
            "email",
            "email-src",
            "email-dst",
            "target-email",
            "whois-registrant-email",
            "email-reply-to",
            "dns-soa-email",
        ],
        T::Asn => &["AS"],
        T::Mac => &["mac-address", "mac-eui-64"],
        T::Md5 => &["md5", "filename|md5"],
        T::Sha1 => &["sha1", "filename|sha1", "x509-fingerprint-sha1"],
        T::Sha256 => &["sha256", "filename|sha256", "x509-fingerprint-sha256"],
        T::Sha512 => &["sha512", "filename|sha512"],
        T::Ssdeep => &["ssdeep", "filename|ssdeep"],
        T::Tlsh => &["tlsh", "filename|tlsh"],
        T::Phone | T::SmsSender => &["phone-number", "whois-registrant-phone"],
        T::Iban => &["iban"],
        T::Bic => &["bic"],
        T::BankAccount => &["bank-account-nr"],
        T::PaymentCard => &["cc-number"],
        T::CryptoWallet(_) => &["btc", "xmr", "dash", "bch", "eth"],
        T::SocialAccount(_) | T::AppId | T::Ewallet(_) => &[],
    }
}

/// Compiles lists from their `list.json` texts, each with a label naming it in warnings (its
/// path). A text that is not a list, or a list of an unknown type, is left out with a warning,
/// as are entries that cannot be read. (Reading the files is the caller's: core does no I/O.)
pub fn compile(files: impl IntoIterator<Item = (String, Vec<u8>)>) -> (Warninglists, LoadReport) {
    let mut report = LoadReport::default();
    let mut lists = compile::Builder::default();
    for (label, text) in files {
        let file = match serde_json::from_slice::<ListFile>(&text) {
            Ok(f) => f,
            Err(e) => {
                report.warnings.push(format!("{label}: {e}"));
                continue;
            }
        };
        let Some(kind) = Kind::parse(&file.kind) else {
            report.warnings.push(format!(
                "{label}: unknown list type {:?}: list left out",
                file.kind
            ));
            continue;
        };
        let (skipped, bad) = lists.add(file, kind);
        if skipped > 0 {
            report.warnings.push(format!(
                "{label}: {skipped} entries could not be read and were left out"
            ));
        }
        for (entry, why) in bad {
            report
                .warnings
                .push(format!("{label}: entry `{entry}` left out: {why}"));
        }
    }
    (lists.build(), report)
}

#[cfg(test)]
mod tests;
