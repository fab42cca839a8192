//! The compiled indicator index.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use serde_json::Value;
use simpul_observable::{Canonical, Context, ObservableType as T};
use simpul_pattern::Pattern;
use time::OffsetDateTime;

use crate::Tlp;
use crate::compile::{Entry, Never, Plan, plan};
use crate::found::{Finds, Found, Part};
use crate::indicator::{IndicatorError, format_micros, micros, read};
use crate::slots::{CidrTable, Map, Slots, add_to, remove_from};

type Set<K> = HashSet<K, foldhash::fast::RandomState>;

/// A handle to an indicator in the index, valid until the index is next changed (a slot from
/// [`Index::insert`] stays valid until [`Index::remove_slot`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Slot(u32);

impl Slot {
    /// The slot's number: small and dense (slots are reused), so a caller can keep what it knows
    /// about each indicator in a vector indexed by it.
    #[must_use]
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// What an indicator hit reports.
#[derive(Debug, Clone)]
pub struct Indicator {
    id: Arc<str>,
    name: Option<Box<str>>,
    tlp: Option<Tlp>,
    created_by_ref: Option<Arc<str>>,
    valid_from: i64,
    valid_until: Option<i64>,
    modified: i64,
}

impl Indicator {
    /// The STIX id.
    #[must_use]
    pub fn id(&self) -> &str {
        &self.id
    }
    /// The `name`, if any.
    #[must_use]
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
    /// The TLP level from `object_marking_refs` (the most restrictive if several).
    #[must_use]
    pub fn tlp(&self) -> Option<Tlp> {
        self.tlp
    }
    /// The `created_by_ref`, if any.
    #[must_use]
    pub fn created_by_ref(&self) -> Option<&str> {
        self.created_by_ref.as_deref()
    }
    /// `valid_until` as RFC 3339 (UTC), if set.
    #[must_use]
    pub fn valid_until(&self) -> Option<String> {
        self.valid_until.map(format_micros)
    }
    /// `valid_from` ≤ `now` < `valid_until`.
    fn live(&self, now: i64) -> bool {
        self.valid_from <= now && self.valid_until.is_none_or(|u| now < u)
    }
}

#[derive(Debug)]
enum Kind {
    Indexed(Box<[Entry]>),
    Residual(Box<Pattern>, Box<[Box<str>]>),
    Never,
}

#[derive(Debug)]
struct Record {
    meta: Indicator,
    kind: Kind,
}

/// The result of offering an indicator to the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A new indicator, indexed.
    Added(Route),
    /// A newer version (later `modified`) replaced the one indexed.
    Replaced(Route),
    /// The same or an older version than the one indexed: nothing changed.
    Stale,
    /// `revoked: true`: the indicator was removed (if present) and its id is refused from now on.
    Revoked,
    /// The id was revoked earlier: refused.
    AlreadyRevoked,
    /// `valid_until` is not after `now`: removed (if present), not indexed.
    Expired,
}

/// Where an indicator went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// Exact, suffix or CIDR entries.
    Indexed,
    /// The residual set (evaluated by the pattern evaluator).
    Residual,
    /// Kept (for replace and revoke) but can never match one observable.
    Never(Never),
}

/// Counts of what the index holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Indicators held.
    pub indicators: usize,
    /// Of which compiled to index entries.
    pub indexed: usize,
    /// Of which in the residual set.
    pub residual: usize,
    /// Of which can never match a single observable.
    pub never: usize,
    /// Exact-key entries.
    pub exact_keys: usize,
    /// Domain-suffix entries.
    pub suffixes: usize,
    /// CIDR entries (IPv4 + IPv6).
    pub cidrs: usize,
    /// Revoked ids remembered.
    pub revoked_ids: usize,
}

/// A compiled index of STIX indicators: see the crate docs.
#[derive(Debug)]
pub struct Index {
    ctx: Context,
    records: Vec<Option<Record>>,
    free: Vec<u32>,
    by_id: Map<Arc<str>, u32>,
    revoked: Set<Box<str>>,
    identities: Set<Arc<str>>,
    exact: Map<T, Map<Box<str>, Slots>>,
    suffix: Map<Box<str>, Slots>,
    cidr4: CidrTable,
    cidr6: CidrTable,
    residual: Map<Box<str>, Slots>,
    expiry: BTreeSet<(i64, u32)>,
}

impl Default for Index {
    fn default() -> Self {
        Self::new(Context::new())
    }
}

/// Parameterised types whose patterns cannot name the parameter in a simple comparison
/// (`user-account:account_login` has no platform): keyed under the `Other` parameter.
fn key_type(t: T) -> T {
    use simpul_observable::{EwalletProvider, SocialPlatform};
    match t {
        T::SocialAccount(_) => T::SocialAccount(SocialPlatform::Other),
        T::Ewallet(_) => T::Ewallet(EwalletProvider::Other),
        t => t,
    }
}

impl Index {
    /// An empty index; `ctx` normalises pattern literals (a default region for national phone
    /// numbers written in patterns; usually [`Context::new`]).
    #[must_use]
    pub fn new(ctx: Context) -> Self {
        Self {
            ctx,
            records: Vec::new(),
            free: Vec::new(),
            by_id: Map::default(),
            revoked: Set::default(),
            identities: Set::default(),
            exact: Map::default(),
            suffix: Map::default(),
            cidr4: CidrTable::new(32),
            cidr6: CidrTable::new(128),
            residual: Map::default(),
            expiry: BTreeSet::new(),
        }
    }

    /// Offers one STIX object: an `indicator` with `pattern_type` `stix` is added, replaces an
    /// older version of itself (same id, later `modified`), is revoked or is dropped as
    /// expired (`valid_until` ≤ `now`).
    ///
    /// # Errors
    /// An [`IndicatorError`] when the object is not an indicator, has another pattern type, a
    /// pattern that does not parse, or bad properties; the index is unchanged.
    pub fn offer(&mut self, v: &Value, now: OffsetDateTime) -> Result<Outcome, IndicatorError> {
        let p = read(v)?;
        if self.revoked.contains(p.id) {
            return Ok(Outcome::AlreadyRevoked);
        }
        let existing = self.by_id.get(p.id).copied();
        if let Some(s) = existing
            && let Some(Some(r)) = self.records.get(s as usize)
            && r.meta.modified >= p.modified
            && !p.revoked
        {
            return Ok(Outcome::Stale);
        }
        if p.revoked {
            self.revoke(p.id);
            return Ok(Outcome::Revoked);
        }
        if p.valid_until.is_some_and(|u| u <= micros(now)) {
            self.remove(p.id);
            return Ok(Outcome::Expired);
        }
        let pattern = simpul_pattern::parse(p.pattern).map_err(|e| IndicatorError::Pattern {
            id: p.id.to_owned(),
            message: e.to_string(),
        })?;
        self.remove(p.id);
        let (slot, route) = self.add(&p, pattern);
        if let Some(Some(r)) = self.records.get(slot as usize) {
            self.by_id.insert(r.meta.id.clone(), slot);
        }
        Ok(if existing.is_some() {
            Outcome::Replaced(route)
        } else {
            Outcome::Added(route)
        })
    }

    /// Adds one `indicator` **without knowing it by id**, for callers that keep their own
    /// identity of indicators (the server's index holds one entry per collection and id, and
    /// decides itself which version is the latest): [`Index::get`], [`Index::remove`],
    /// [`Index::revoke`] and the version checks of [`Index::offer`] do not see it, and its slot
    /// stays valid until [`Index::remove_slot`]. `Ok(None)` when it is revoked or its
    /// `valid_until` is not after `now` (nothing added). An index filled this way must not be
    /// [`Index::expire`]d (that would free slots the caller holds); lookups skip expired
    /// indicators anyway.
    ///
    /// # Errors
    /// As [`Index::offer`]; the index is unchanged.
    pub fn insert(
        &mut self,
        v: &Value,
        now: OffsetDateTime,
    ) -> Result<Option<(Slot, Route)>, IndicatorError> {
        let p = read(v)?;
        if p.revoked || p.valid_until.is_some_and(|u| u <= micros(now)) {
            return Ok(None);
        }
        let pattern = simpul_pattern::parse(p.pattern).map_err(|e| IndicatorError::Pattern {
            id: p.id.to_owned(),
            message: e.to_string(),
        })?;
        let (slot, route) = self.add(&p, pattern);
        Ok(Some((Slot(slot), route)))
    }

    /// Records `p` in a free slot with its entries.
    fn add(&mut self, p: &crate::indicator::Parsed<'_>, pattern: Pattern) -> (u32, Route) {
        let id: Arc<str> = Arc::from(p.id);
        let created_by_ref = p.created_by_ref.map(|c| match self.identities.get(c) {
            Some(a) => a.clone(),
            None => {
                let a: Arc<str> = Arc::from(c);
                self.identities.insert(a.clone());
                a
            }
        });
        let meta = Indicator {
            id,
            name: p.name.map(Box::from),
            tlp: p.tlp,
            created_by_ref,
            valid_from: p.valid_from,
            valid_until: p.valid_until,
            modified: p.modified,
        };
        let slot = match self.free.pop() {
            Some(s) => s,
            None => u32::try_from(self.records.len()).unwrap_or(u32::MAX),
        };
        let (kind, route) = match plan(pattern.root(), &self.ctx) {
            Plan::Indexed(entries) => {
                for e in &entries {
                    self.insert_entry(e, slot);
                }
                (Kind::Indexed(entries.into()), Route::Indexed)
            }
            Plan::Residual(types) => {
                let types: Box<[Box<str>]> = types.into_iter().map(Box::from).collect();
                for t in &types {
                    add_to(&mut self.residual, t.clone(), slot);
                }
                (Kind::Residual(Box::new(pattern), types), Route::Residual)
            }
            Plan::Never(n) => (Kind::Never, Route::Never(n)),
        };
        if let Some(u) = p.valid_until {
            self.expiry.insert((u, slot));
        }
        let rec = Record { meta, kind };
        match self.records.get_mut(slot as usize) {
            Some(r) => *r = Some(rec),
            None => self.records.push(Some(rec)),
        }
        (slot, route)
    }

    fn insert_entry(&mut self, e: &Entry, slot: u32) {
        match e {
            Entry::Exact(c) => add_to(
                self.exact.entry(key_type(c.ty())).or_default(),
                Box::from(c.key()),
                slot,
            ),
            Entry::Suffix(d) => add_to(&mut self.suffix, d.clone(), slot),
            Entry::Cidr(c) => {
                let t = if c.is_ipv4() {
                    &mut self.cidr4
                } else {
                    &mut self.cidr6
                };
                t.insert(c.range().0, c.prefix(), slot);
            }
        }
    }

    fn remove_entry(&mut self, e: &Entry, slot: u32) {
        match e {
            Entry::Exact(c) => {
                let t = key_type(c.ty());
                if let Some(m) = self.exact.get_mut(&t) {
                    remove_from(m, c.key(), slot);
                    if m.is_empty() {
                        self.exact.remove(&t);
                    }
                }
            }
            Entry::Suffix(d) => remove_from(&mut self.suffix, &**d, slot),
            Entry::Cidr(c) => {
                let t = if c.is_ipv4() {
                    &mut self.cidr4
                } else {
                    &mut self.cidr6
                };
                t.remove(c.range().0, c.prefix(), slot);
            }
        }
    }

    /// Removes the indicator `id` (any version); `true` if it was present.
    pub fn remove(&mut self, id: &str) -> bool {
        match self.by_id.get(id).copied() {
            Some(slot) => self.remove_slot(Slot(slot)),
            None => false,
        }
    }

    /// Removes the indicator at `slot` (whether added by [`Index::offer`] or
    /// [`Index::insert`]); `true` if one was there. Only its own entries are touched.
    pub fn remove_slot(&mut self, slot: Slot) -> bool {
        let slot = slot.0;
        let Some(rec) = self.records.get_mut(slot as usize).and_then(Option::take) else {
            return false;
        };
        if self.by_id.get(&*rec.meta.id) == Some(&slot) {
            self.by_id.remove(&*rec.meta.id);
        }
        match &rec.kind {
            Kind::Indexed(entries) => {
                for e in entries {
                    self.remove_entry(e, slot);
                }
            }
            Kind::Residual(_, types) => {
                for t in types {
                    remove_from(&mut self.residual, &**t, slot);
                }
            }
            Kind::Never => {}
        }
        if let Some(u) = rec.meta.valid_until {
            self.expiry.remove(&(u, slot));
        }
        if let Some(c) = &rec.meta.created_by_ref
            && Arc::strong_count(c) == 2
        {
            self.identities.remove(&**c);
        }
        self.free.push(slot);
        true
    }

    /// Revokes `id`: removes it and refuses every later version (STIX revocation is final).
    /// `true` if it was present.
    pub fn revoke(&mut self, id: &str) -> bool {
        self.revoked.insert(Box::from(id));
        self.remove(id)
    }

    /// Removes every indicator whose `valid_until` is not after `now`; returns how many.
    /// (Lookups already skip them; this frees their memory.)
    pub fn expire(&mut self, now: OffsetDateTime) -> usize {
        let now = micros(now);
        let mut n = 0;
        while let Some(&(u, slot)) = self.expiry.first() {
            if u > now {
                break;
            }
            if !self.remove_slot(Slot(slot)) {
                self.expiry.remove(&(u, slot));
            }
            n += 1;
        }
        n
    }

    /// The indicator at `slot`.
    #[must_use]
    pub fn indicator(&self, slot: Slot) -> Option<&Indicator> {
        self.records
            .get(slot.0 as usize)
            .and_then(Option::as_ref)
            .map(|r| &r.meta)
    }

    /// The indicator with STIX id `id`.
    #[must_use]
    pub fn get(&self, id: &str) -> Option<&Indicator> {
        self.indicator(Slot(*self.by_id.get(id)?))
    }

    /// Appends to `out` the indicators that the observable `c` satisfies at `now`, each once,
    /// in no particular order. `out` is cleared first. (The value itself: a domain's parent
    /// domains against suffix indicators, an address inside blocks; not a URL's host — see
    /// [`Index::find`].)
    pub fn lookup(&self, c: &Canonical, now: OffsetDateTime, out: &mut Vec<Slot>) {
        out.clear();
        self.candidates(c, &mut |slots, _| {
            out.extend(slots.iter().map(|&s| Slot(s)));
        });
        let now_us = micros(now);
        if out.len() > 1 {
            out.sort_unstable();
            out.dedup();
        }
        if !out.is_empty() {
            out.retain(|s| self.live(s.0, now_us));
        }
        if !self.residual.is_empty() {
            self.residual_hits(c, now_us, &mut |s| {
                if !out.contains(&Slot(s)) {
                    out.push(Slot(s));
                }
            });
        }
    }

    /// Like [`Index::lookup`], into a new vector.
    #[must_use]
    pub fn matches(&self, c: &Canonical, now: OffsetDateTime) -> Vec<Slot> {
        let mut out = Vec::new();
        self.lookup(c, now, &mut out);
        out
    }

    /// What the observable `c` hits at `now`, and by which part ([`Part`]): what
    /// [`Index::lookup`] finds for the value (parent domains of a domain marked
    /// [`Part::ParentDomain`]), and for a URL also what its host hits as a domain or an
    /// address ([`Part::Host`]; the host's parent domains against suffix indicators as
    /// [`Part::ParentDomain`]). Each indicator once, by the first of value, host, parent domain
    /// that hits it. `out` is cleared first.
    pub fn find(&self, c: &Canonical, now: OffsetDateTime, out: &mut Finds) {
        out.found.clear();
        out.host = c.url_host();
        let found = &mut out.found;
        let push = |found: &mut Vec<Found>, direct: Part, slots: &[u32], parent: Option<u16>| {
            let (part, at) = parent.map_or((direct, 0), |at| (Part::ParentDomain, at));
            found.extend(slots.iter().map(|&s| Found {
                slot: Slot(s),
                part,
                at,
            }));
        };
        self.candidates(c, &mut |sl, p| push(found, Part::Value, sl, p));
        if let Some(h) = &out.host {
            self.candidates(h, &mut |sl, p| push(found, Part::Host, sl, p));
        }
        let now_us = micros(now);
        if found.len() > 1 {
            found.sort_unstable_by_key(|f| (f.slot, f.part));
            found.dedup_by_key(|f| f.slot);
        }
        if !found.is_empty() {
            found.retain(|f| self.live(f.slot.0, now_us));
        }
        if !self.residual.is_empty() {
            for (c, part) in [(Some(c), Part::Value), (out.host.as_ref(), Part::Host)] {
                let Some(c) = c else { continue };
                self.residual_hits(c, now_us, &mut |s| {
                    if !found.iter().any(|f| f.slot.0 == s) {
                        found.push(Found {
                            slot: Slot(s),
                            part,
                            at: 0,
                        });
                    }
                });
            }
        }
    }

    fn live(&self, slot: u32, now_us: i64) -> bool {
        self.records
            .get(slot as usize)
            .and_then(Option::as_ref)
            .is_some_and(|r| r.meta.live(now_us))
    }

    /// Calls `f` with the slots of each entry the key `c` is in: exact, CIDR (`None`), and for
    /// a domain each proper parent in the suffix map (`Some` byte offset of the parent in the key).
    fn candidates(&self, c: &Canonical, f: &mut dyn FnMut(&[u32], Option<u16>)) {
        let ty = c.ty();
        if let Some(s) = self.exact.get(&key_type(ty)).and_then(|m| m.get(c.key())) {
            f(s.as_slice(), None);
        }
        match ty {
            T::Domain if !self.suffix.is_empty() => {
                let len = c.key().len();
                for parent in c.domain_suffixes().skip(1) {
                    if let Some(s) = self.suffix.get(parent) {
                        let at = u16::try_from(len - parent.len()).unwrap_or(u16::MAX);
                        f(s.as_slice(), Some(at));
                    }
                }
            }
            T::Ipv4 | T::Ipv4Cidr if !self.cidr4.lens.is_empty() => {
                if let Some(b) = c.cidr() {
                    self.cidr4
                        .lookup(b.range().0, b.prefix(), &mut |s| f(s, None));
                }
            }
            T::Ipv6 | T::Ipv6Cidr if !self.cidr6.lens.is_empty() => {
                if let Some(b) = c.cidr() {
                    self.cidr6
                        .lookup(b.range().0, b.prefix(), &mut |s| f(s, None));
                }
            }
            _ => {}
        }
    }

    /// Calls `f` with each live residual indicator that `c` satisfies.
    fn residual_hits(&self, c: &Canonical, now_us: i64, f: &mut dyn FnMut(u32)) {
        let Some(slots) = self.residual.get(crate::sco::object_type(c.ty())) else {
            return;
        };
        let at = format_micros(now_us);
        let observation = [crate::sco::observation(c, &at)];
        let Ok(set) = simpul_pattern::ObservationSet::from_json(
            &observation,
            simpul_pattern::StixVersion::V21,
        ) else {
            return;
        };
        for &s in slots.as_slice() {
            if let Some(Some(Record {
                meta,
                kind: Kind::Residual(p, _),
            })) = self.records.get(s as usize)
                && meta.live(now_us)
                // An evaluation error (e.g. an invalid CIDR literal) is no match.
                && p.matches_set(&set).is_ok_and(|r| r.matched)
            {
                f(s);
            }
        }
    }

    /// What the index holds.
    #[must_use]
    pub fn stats(&self) -> Stats {
        let mut st = Stats {
            revoked_ids: self.revoked.len(),
            suffixes: self.suffix.len(),
            exact_keys: self.exact.values().map(HashMap::len).sum(),
            cidrs: self
                .cidr4
                .by_len
                .iter()
                .chain(&self.cidr6.by_len)
                .map(HashMap::len)
                .sum(),
            ..Stats::default()
        };
        for r in self.records.iter().flatten() {
            st.indicators += 1;
            match r.kind {
                Kind::Indexed(_) => st.indexed += 1,
                Kind::Residual(..) => st.residual += 1,
                Kind::Never => st.never += 1,
            }
        }
        st
    }

    /// Number of indicators held.
    #[must_use]
    pub fn len(&self) -> usize {
        self.records.len() - self.free.len()
    }

    /// Whether the index holds no indicator.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
