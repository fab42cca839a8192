//! What the decay model reads of an indicator: the kinds of observable its pattern names, when it
//! became valid, and its STIX `confidence`.

use serde_json::Value;
use simpul_matcher::{Entry, Plan};
use simpul_observable::Context;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{OTHER, kind_of};
use crate::intel::store::StoredObject;

/// An indicator's facts for [`super::score`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    /// The observable kinds its pattern names (each once; empty: [`OTHER`] applies).
    pub kinds: Vec<&'static str>,
    /// Its `valid_from` (else `created`, else its version).
    pub valid_from: OffsetDateTime,
    /// Its STIX `confidence` (0 to 100), when given.
    pub confidence: Option<u8>,
}

impl Facts {
    /// The facts of a stored indicator version; `None` for any other object (or one whose JSON
    /// does not parse).
    pub fn of(o: &StoredObject) -> Option<Self> {
        if o.stix_type != "indicator" {
            return None;
        }
        let v: Value = serde_json::from_str(&o.json).ok()?;
        let pattern = v.get("pattern").and_then(Value::as_str).filter(|_| {
            v.get("pattern_type")
                .and_then(Value::as_str)
                .is_none_or(|t| t == "stix")
        });
        let kinds = pattern.map(kinds_of_pattern).unwrap_or_default();
        Some(Self::with_kinds(&v, kinds, o.version))
    }

    /// The facts of indicator `v` whose kinds are known already (an export compiled its pattern);
    /// `version` stands for a missing `valid_from` and `created`.
    pub fn with_kinds(v: &Value, kinds: Vec<&'static str>, version: OffsetDateTime) -> Self {
        let time = |k: &str| {
            v.get(k)
                .and_then(Value::as_str)
                .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok())
        };
        Self {
            kinds,
            valid_from: time("valid_from")
                .or_else(|| time("created"))
                .unwrap_or(version),
            confidence: v
                .get("confidence")
                .and_then(Value::as_u64)
                .and_then(|c| u8::try_from(c).ok())
                .filter(|c| *c <= 100),
        }
    }
}

/// The kinds of the entries of an exact disjunction, each once, in order of first appearance.
pub fn kinds_of_entries<'e>(entries: impl IntoIterator<Item = &'e Entry>) -> Vec<&'static str> {
    let mut out = Vec::new();
    for e in entries {
        let k = match e {
            Entry::Exact(c) => kind_of(c.ty()),
            Entry::Suffix(_) => "domain",
            Entry::Cidr(c) => kind_of(c.canonical().ty()),
        };
        if !out.contains(&k) {
            out.push(k);
        }
    }
    out
}

/// The kinds a STIX pattern names: its entries' kinds when it is an exact disjunction, else the
/// kinds of the object types it compares (`ipv4-addr` → `ipv4`…; types without one: [`OTHER`]).
pub fn kinds_of_pattern(pattern: &str) -> Vec<&'static str> {
    let Ok(parsed) = simpul_pattern::parse(pattern) else {
        return Vec::new();
    };
    match simpul_matcher::compile::plan(parsed.root(), &Context::new()) {
        Plan::Indexed(entries) => kinds_of_entries(&entries),
        Plan::Residual(types) => {
            let mut out = Vec::new();
            for t in &types {
                let k = kind_of_stix_type(t);
                if !out.contains(&k) {
                    out.push(k);
                }
            }
            out
        }
        Plan::Never(_) => Vec::new(),
    }
}

/// The kind of a STIX cyber-observable type.
fn kind_of_stix_type(t: &str) -> &'static str {
    match t {
        "ipv4-addr" => "ipv4",
        "ipv6-addr" => "ipv6",
        "domain-name" => "domain",
        "url" => "url",
        "email-addr" | "email-message" => "email",
        "file" | "artifact" => "sha256",
        "autonomous-system" => "asn",
        "mac-addr" => "mac",
        _ => OTHER,
    }
}
