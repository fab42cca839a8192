//! # simpul-matcher: which shared indicators does this observable hit?
//!
//! This crate owns the **compiled indicator index**: STIX 2.1 `indicator` objects (pattern type
//! `stix`) are compiled once into hash and prefix structures keyed by the canonical keys of
//! `simpul-observable`, so that matching one observable costs a few hash lookups instead of one
//! pattern evaluation per indicator. It also owns reading observables out of log lines
//! ([`input`]: plain lines, JSON lines, CSV, Zeek `dns`/`http`/`conn` logs), loading indicator
//! files ([`load`]) and the output form of a hit ([`Hit`]), so the `simpul match` command stays a thin loop.
//!
//! It must never do I/O, read the clock (every time-dependent call takes `now`), or panic on
//! any indicator or input line; it never decides who may see an indicator — callers hand it only
//! indicators the requester may read (TLP is carried for the output, not enforced here). It
//! does not parse patterns or normalise values itself: `simpul-pattern` and
//! `simpul-observable` do, and the residual set is decided by `simpul-pattern`'s evaluator.
//!
//! ## What compiles to index entries
//!
//! A pattern is split at observation-level and comparison-level `OR`s into branches. A branch
//! that joins two or more observation expressions with `AND` or `FOLLOWEDBY` needs several
//! observations, so it **never fires from a single observable** and is dropped; an indicator
//! left with no branch is kept (for replace/revoke) but never matches ([`Route::Never`]). If
//! every remaining branch is one of the comparisons below, the indicator is *indexed*;
//! otherwise the whole pattern goes to the *residual set*.
//!
//! | comparison (not negated, path without `[n]`) | entry |
//! |---|---|
//! | `P = 'v'`, `P IN ('v', …)` on a normalisable path `P` (see `simpul_observable::stix::candidate_types`) | exact canonical key(s) of `v` (`keys_for`); a literal valid under no candidate type is dropped (no canonical key can equal it) |
//! | `autonomous-system:number = 64500` (integer) | exact key `AS64500` |
//! | `ipv4-addr:value = 'a.b.c.d/n'` / `ipv6-addr:value = '…/n'` (a block, `n` below 32/128) | CIDR containment (deliberately, see below) |
//! | `ipv4-addr:value ISSUBSET 'a.b.c.d/n'` (`n` ≥ 1), same for `ipv6-addr` | CIDR containment |
//! | `domain-name:value LIKE 'example.com'` (no `%`/`_`) | exact key |
//! | `domain-name:value LIKE '%.example.com'` | suffix: strict subdomains of `example.com` |
//! | `domain-name:value MATCHES '^example\.com$'` | exact key |
//! | `MATCHES '\.D$'`, `'^.*\.D$'`, `'^.+\.D$'`, `'.\.D$'` | suffix: strict subdomains of D |
//! | `MATCHES '(^\|\.)D$'`, `'^(.*\.)?D$'`, `'^(.+\.)?D$'` | exact key D + strict subdomains of D |
//!
//! (The regexes are shown unescaped; in pattern text each `\` is written `\\`, e.g.
//! `MATCHES '(^|\\.)example\\.com$'`.) In the suffix shapes `D` must already be a canonical domain (lower case, punycode, no `_`),
//! written in `MATCHES` with `\.` between labels of `[a-z0-9-]`; anything else (`%example.com`,
//! case-insensitive flags, other regexes, `url:value LIKE 'http://x/%'`) is residual.
//! `hostname:value` is treated like `domain-name:value`.
//!
//! ## Matching an observable
//!
//! [`Index::lookup`] takes one canonical key and returns the live indicators (`valid_from`
//! not after `now`, `valid_until` after it) it satisfies: the exact map for its type (social accounts and e-wallets are
//! keyed without platform/provider, as `user-account:account_login` carries none), for a domain
//! each proper parent in the suffix map, for an address or block each CIDR containing it (one
//! hash probe per prefix length in use). Residual indicators are pre-filtered by STIX object
//! type (a comparison holds only on an object of its own type, so only residuals naming the
//! observable's type, e.g. `domain-name`, are evaluated) and then evaluated by
//! `simpul-pattern` against one observation: an `observed-data` with `number_observed` 1,
//! first and last observed `now`, referring to one SCO that carries the canonical key where
//! simpul writes that type ([`sco::sco`]). So `REPEATS 2 TIMES` never fires, `START … STOP`
//! fires when `now` is inside it, and `WITHIN` always holds for one observation.
//!
//! Cost: an indexed lookup is one hash probe per key (plus one per parent domain when suffix
//! entries exist, and one per CIDR prefix length in use for addresses); a residual costs, per
//! observable of its object type, building that observation once and one evaluation per
//! residual pattern — microseconds, not nanoseconds — so residuals are the slow path and
//! their count per object type is what to watch (`Stats`, `simpul match --summary`).
//!
//! Agreement with the evaluator (property-tested in `tests/it/agree.rs`): for canonical
//! literals and observables on an object's own path, the index answers exactly what the
//! evaluator answers on that observation. The index is deliberately **wider** in three ways:
//! * literals are normalised, so `domain-name:value = 'Example.COM.'` hits `example.com` (the
//!   evaluator compares strings);
//! * `ipv4-addr:value = '10.0.0.0/8'` means the block (the evaluator compares the string), and
//!   `ISSUBSET` works for IPv6 (the evaluator's is IPv4-only);
//! * reference paths (`network-traffic:dst_ref.value`, `email-message:from_ref.value`) are
//!   indexed by the value's key: a bare value from a log carries no context, so an IP address
//!   hits an indicator on the destination of network traffic.
//!
//! ## Updates
//!
//! [`Index::offer`] adds an indicator, replaces an older version (same id, later `modified`;
//! same or older versions are [`Outcome::Stale`]), removes it when `revoked` (and refuses the id
//! from then on) or when `valid_until` ≤ `now`. [`Index::revoke`] and [`Index::remove`] take an
//! id; [`Index::expire`] drops everything whose `valid_until` has passed (a sorted set of
//! expiry times, so it costs only what it removes). Each update touches only the entries of the
//! indicator concerned; nothing is rebuilt. Lookups skip expired indicators even before
//! `expire` runs, and indicators whose `valid_from` is still to come.
//!
//! ## Memory
//!
//! Per indicator: one record (id shared with the id map, name, TLP, interned `created_by_ref`,
//! `valid_until`, `modified`, its entries for removal) plus one hash entry per key; residual
//! indicators also keep their parsed pattern. Measured in BENCHMARKS.md (section Matching).

pub mod compile;
mod found;
mod index;
mod indicator;
pub mod input;
pub mod load;
pub mod sco;
mod slots;

pub use compile::{Entry, Never, Plan};
pub use found::{Finds, Found, Part};
pub use index::{Index, Indicator, Outcome, Route, Slot, Stats};
pub use indicator::IndicatorError;
/// The TLP level an indicator carries (the one `simpul-vocab` type, also `simpul_stix::Tlp`).
pub use simpul_vocab::Tlp;

use simpul_observable::Canonical;

/// One hit: one line of `simpul match` output, serialised with its fields in this order:
/// `observable` (as read), `type`, `canonical`, `indicator_id`, `indicator_name`, `tlp`,
/// `created_by_ref`, `valid_until` (absent values are `null`), then, only when they apply,
/// `part` and `matched` (a part of the value matched: `host` — a URL's host — or
/// `parent-domain`, with the key that matched), `collection` (where a server holds the
/// indicator), `warninglists` (the MISP warninglists the value is on, where they are loaded) and
/// `decay_score` with `decayed` (the indicator's decay for the reader, where a server scores it).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Hit<'a> {
    /// The value as read.
    pub observable: &'a str,
    /// Its canonical type name.
    #[serde(rename = "type")]
    pub ty: String,
    /// Its canonical key.
    pub canonical: &'a str,
    /// The indicator's STIX id.
    pub indicator_id: &'a str,
    /// Its name.
    pub indicator_name: Option<&'a str>,
    /// Its TLP (`TLP:GREEN`…).
    pub tlp: Option<&'static str>,
    /// Its creator.
    pub created_by_ref: Option<&'a str>,
    /// Its `valid_until` (RFC 3339, UTC).
    pub valid_until: Option<String>,
    /// Which part of the value matched ([`Part::name`]); absent when the whole value did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part: Option<&'static str>,
    /// The key that matched when a part did: the URL's host, or the parent domain.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matched: Option<&'a str>,
    /// The collection a server holds the indicator in (absent for indicator files).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collection: Option<String>,
    /// The warninglists the value is on (known benign: a hit to look at twice); absent when none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warninglists: Vec<&'a str>,
    /// The indicator's decay score for the reader (0 to 100), where one is computed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decay_score: Option<f64>,
    /// The score is not above the threshold (the hit is kept, marked).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decayed: Option<bool>,
}

impl<'a> Hit<'a> {
    /// The hit of `observable` (canonical `c`) on `ind`, by the whole value.
    #[must_use]
    pub fn new(observable: &'a str, c: &'a Canonical, ind: &'a Indicator) -> Self {
        Self {
            observable,
            ty: c.ty().to_string(),
            canonical: c.key(),
            indicator_id: ind.id(),
            indicator_name: ind.name(),
            tlp: ind.tlp().map(Tlp::as_str),
            created_by_ref: ind.created_by_ref(),
            valid_until: ind.valid_until(),
            part: None,
            matched: None,
            collection: None,
            warninglists: Vec::new(),
            decay_score: None,
            decayed: None,
        }
    }

    /// The hit `f` of [`Index::find`] (`finds` of the observable `c`) on `ind`.
    #[must_use]
    pub fn found(
        observable: &'a str,
        c: &'a Canonical,
        ind: &'a Indicator,
        finds: &'a Finds,
        f: &Found,
    ) -> Self {
        Self {
            part: f.part.name(),
            matched: finds.matched(c, f),
            ..Self::new(observable, c, ind)
        }
    }
}

/// A hit as a JSON value (see [`Hit`]).
#[must_use]
pub fn hit_json(observable: &str, c: &Canonical, ind: &Indicator) -> serde_json::Value {
    serde_json::to_value(Hit::new(observable, c, ind)).unwrap_or_default()
}
