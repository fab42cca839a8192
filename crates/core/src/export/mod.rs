//! Exports for defenders: what the indicators a principal may see say, in the formats firewalls,
//! DNS resolvers and sensors load (Suricata rules, a Zeek intel file, a DNS RPZ zone, CSV, plain
//! lists, a STIX bundle). A read path like any other: the indicators come through the sharing
//! policy's filter (`Service::list_objects`), page by page, so an export streams in bounded
//! memory and holds nothing the reader may not see.
//!
//! An indicator is exported when it is the latest version of its lineage, not revoked, and valid
//! now (`valid_from` ≤ now < `valid_until`). Its values are the entries its pattern compiles to
//! when the pattern is a disjunction of exact comparisons (the matcher's `Plan::Indexed`): a value
//! exactly, a domain suffix (`LIKE '%.example.com'`), an address block. Patterns that need more
//! than one value to hold (`AND`, `FOLLOWEDBY`, other operators) are not exported — a blocklist
//! entry must mean what the indicator means — and are counted. Values on a MISP warninglist are
//! left out and counted. PAP: a blocking format (RPZ) takes only indicators whose PAP allows
//! active actions (none, CLEAR or GREEN); detection formats (Suricata alerts, Zeek intel) are
//! passive and take every PAP. Decay: an indicator whose score for this reader now (the sightings
//! they may see, read once per page) is not above the threshold (the model's, or `min_score`) is
//! left out and counted (`crate::decay`).
//!
//! The `misp` format is an exchange, not a blocklist: it gives back the MISP events the reader
//! may see (`misp.rs`, over [`crate::misp::events`]), each report an event with what it refers
//! to, and what no visible report holds in one synthetic event per collection; an indicator
//! that is not valid now, has decayed for the reader or has a warninglisted value is kept with
//! `to_ids` false.

mod formats;
mod misp;

use serde::Serialize;
use simpul_matcher::{Entry, Plan};
use simpul_observable::{Canonical, Context};
use time::OffsetDateTime;

use crate::Service;
use crate::access::Principal;
use crate::decay::Facts;
use crate::error::{CoreError, Invalid};
use crate::intel::store::{MAX_PAGE, ObjectQuery, Order, StoredObject};
use crate::intel::{CollectionId, Pap, Tlp};
use crate::org::OrgId;

/// An export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// One value per line.
    Text,
    /// `indicator_id,type,value,tlp,pap,collection,valid_until,name` with a header.
    Csv,
    /// A DNS response-policy zone (RPZ): listed names and addresses answer NXDOMAIN.
    Rpz,
    /// Suricata 7 rules: DNS query, TLS SNI, HTTP host (and URI) and IP reputation.
    Suricata,
    /// A Zeek intel framework file.
    Zeek,
    /// A STIX 2.1 bundle of the indicators as they were shared.
    Stix,
    /// A JSON array of MISP events (`{"Event": …}`).
    Misp,
}

impl Format {
    /// Every format, by name.
    pub const ALL: [(&'static str, Format); 7] = [
        ("text", Format::Text),
        ("csv", Format::Csv),
        ("rpz", Format::Rpz),
        ("suricata", Format::Suricata),
        ("zeek", Format::Zeek),
        ("stix", Format::Stix),
        ("misp", Format::Misp),
    ];

    /// The format named `s`.
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        Self::ALL
            .iter()
            .find(|(n, _)| *n == s)
            .map(|(_, f)| *f)
            .ok_or_else(|| {
                Invalid::new(
                    "format",
                    "unknown export format: text, csv, rpz, suricata, zeek, stix or misp",
                )
            })
    }

    /// The media type of the export.
    pub fn media_type(self) -> &'static str {
        match self {
            Format::Text | Format::Rpz | Format::Suricata | Format::Zeek => {
                "text/plain; charset=utf-8"
            }
            Format::Csv => "text/csv; charset=utf-8",
            Format::Stix => "application/stix+json;version=2.1",
            Format::Misp => "application/json",
        }
    }
}

/// What to export.
#[derive(Debug, Clone, Default)]
pub struct ExportOptions {
    /// Only this collection's indicators.
    pub collection: Option<CollectionId>,
    /// The first Suricata `sid` (the range is `sid_base ..= sid_base + SID_RANGE - 1`).
    pub sid_base: Option<u32>,
    /// Only indicators whose decay score is above this (0 to less than 100), instead of the
    /// model's threshold.
    pub min_score: Option<f64>,
    /// Only indicators at this TLP level.
    pub tlp: Option<Tlp>,
    /// Only indicators this organisation produced.
    pub producer: Option<OrgId>,
    /// Only indicators added after this time (an incremental export: the previous run's time).
    pub added_after: Option<OffsetDateTime>,
    /// Only indicators matching these words (as the object search).
    pub text: Option<String>,
}

impl ExportOptions {
    /// The name of the first selection filter set (beyond the collection), if any.
    fn filter_set(&self) -> Option<&'static str> {
        [
            ("tlp", self.tlp.is_some()),
            ("org", self.producer.is_some()),
            ("added_after", self.added_after.is_some()),
            ("q", self.text.is_some()),
        ]
        .into_iter()
        .find_map(|(name, set)| set.then_some(name))
    }
}

/// The default first Suricata `sid`: 1,000,000,000 and up is a range the public rule sets
/// leave to local rules.
pub const DEFAULT_SID_BASE: u32 = 1_000_000_000;
/// How many `sid`s an export may use.
pub const SID_RANGE: u32 = 1_000_000_000;

/// What an export left out, and what it wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ExportSummary {
    /// Indicators read (visible, latest, not revoked).
    pub indicators: u64,
    /// Values written (lines, rules or records; a STIX export counts objects).
    pub written: u64,
    /// Indicators outside their validity window now.
    pub not_valid_now: u64,
    /// Indicators whose pattern is not a disjunction of exact comparisons.
    pub not_exportable: u64,
    /// Values on a MISP warninglist.
    pub warninglisted: u64,
    /// Values this format cannot express (e.g. a phone number in an RPZ zone).
    pub not_in_format: u64,
    /// Indicators whose PAP forbids this format's use (active blocking).
    pub pap_restricted: u64,
    /// Indicators whose decay score (for this reader, now) is not above the threshold.
    pub decayed: u64,
}

/// One value of one indicator, as formats write it.
#[derive(Debug, Clone)]
pub(crate) struct Item<'a> {
    pub(crate) object: &'a StoredObject,
    pub(crate) name: Option<String>,
    pub(crate) valid_until: Option<String>,
    pub(crate) value: Value,
}

/// An exported value.
#[derive(Debug, Clone)]
pub(crate) enum Value {
    /// The canonical observable.
    Exact(Canonical),
    /// A domain strictly below this one.
    Suffix(Box<str>),
    /// An address block (its canonical form, `a.b.c.d/n`).
    Cidr(Canonical),
}

/// An export under way: [`Export::next_chunk`] until it answers `None`.
#[derive(Debug)]
pub struct Export {
    service: Service,
    principal: Principal,
    format: Format,
    query: ObjectQuery,
    now: OffsetDateTime,
    /// An indicator's decay score must be above this.
    min_score: f64,
    state: formats::State,
    started: bool,
    done: bool,
    summary: ExportSummary,
    misp: Option<misp::MispExport>,
}

impl Service {
    /// Starts an export of what `p` may see in `format`. Nothing is read until the first chunk.
    pub fn export(
        &self,
        p: &Principal,
        format: Format,
        opts: &ExportOptions,
    ) -> Result<Export, CoreError> {
        crate::access::authorize(p, crate::access::Action::ReadIntel)?;
        let sid_base = opts.sid_base.unwrap_or(DEFAULT_SID_BASE);
        if sid_base == 0 || u32::MAX - sid_base < SID_RANGE - 1 {
            return Err(Invalid::new(
                "sid_base",
                format!(
                    "must leave room for {SID_RANGE} sids (1 to {})",
                    u32::MAX - (SID_RANGE - 1)
                ),
            )
            .into());
        }
        if format == Format::Misp
            && let Some(name) = opts.filter_set()
        {
            // A MISP event is exported whole, with all it holds that the reader may see.
            return Err(Invalid::new(
                name,
                "the misp format exports whole events: of the filters it takes only the \
                 collection and min_score",
            )
            .into());
        }
        // Blank as the stores see it (they drop such a search, which would export everything).
        if let Some(text) = &opts.text
            && text.chars().all(|c| c.is_whitespace() || c.is_control())
        {
            return Err(Invalid::new("q", "give some words to find, or leave q out").into());
        }
        let min_score = match opts.min_score {
            Some(s) => crate::decay::checked_threshold("min_score", s)?,
            None => self.decay_model().threshold(),
        };
        Ok(Export {
            min_score,
            service: self.clone(),
            principal: p.clone(),
            format,
            query: ObjectQuery {
                collection: opts.collection,
                types: vec!["indicator".into()],
                latest_only: true,
                revoked: Some(false),
                tlp: opts.tlp,
                producer_org: opts.producer,
                added_after: opts.added_after,
                text: opts.text.clone(),
                order: Order::OldestFirst,
                limit: MAX_PAGE,
                ..ObjectQuery::default()
            },
            now: self.now(),
            state: formats::State::new(sid_base),
            started: false,
            done: false,
            summary: ExportSummary::default(),
            misp: None,
        })
    }
}

impl Export {
    /// The next part of the export (the format's header first), or `None` when it is complete.
    pub async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, CoreError> {
        if self.done {
            return Ok(None);
        }
        if self.format == Format::Misp {
            return self.next_misp_chunk().await;
        }
        let mut out = Vec::new();
        if !self.started {
            self.started = true;
            self.state.header(self.format, self.now, &mut out);
        }
        let page = self
            .service
            .list_objects(&self.principal, &self.query)
            .await?;
        let Some(last) = page.last() else {
            self.state.footer(self.format, &mut out);
            self.done = true;
            return Ok(Some(out));
        };
        self.query.after_cursor = Some(last.date_added);
        let lists = std::sync::Arc::clone(self.service.warninglists());
        // What this reader sees of the page's sightings: one read per page, not per indicator.
        let ids: Vec<String> = page.iter().map(|o| o.stix_id.clone()).collect();
        let seen = self.service.sighted(&self.principal, &ids).await?;
        for object in &page {
            self.summary.indicators += 1;
            let Some(fields) = Fields::of(object) else {
                self.summary.not_exportable += 1;
                continue;
            };
            if !fields.valid_at(self.now) {
                self.summary.not_valid_now += 1;
                continue;
            }
            let values = fields.values();
            if self.format != Format::Stix && values.is_none() {
                self.summary.not_exportable += 1;
                continue;
            }
            let kinds = match &values {
                Some(v) => kinds_of_values(v),
                None => fields
                    .pattern
                    .as_deref()
                    .map(crate::decay::kinds_of_pattern)
                    .unwrap_or_default(),
            };
            let facts = Facts {
                kinds,
                ..fields.facts.clone()
            };
            let decay = crate::decay::score(
                self.service.decay_model(),
                &facts,
                &seen.of(&object.stix_id),
                self.now,
            );
            if !decay.above(self.min_score) {
                self.summary.decayed += 1;
                continue;
            }
            if self.format == Format::Stix {
                self.state.stix(object, &mut out);
                self.summary.written += 1;
                continue;
            }
            if self.format == Format::Rpz && !allows_blocking(object.pap) {
                self.summary.pap_restricted += 1;
                continue;
            }
            for value in values.unwrap_or_default() {
                let listed = match &value {
                    Value::Exact(c) | Value::Cidr(c) => !lists.check(c).is_empty(),
                    Value::Suffix(d) => format!("domain|{d}")
                        .parse::<Canonical>()
                        .is_ok_and(|c| !lists.check(&c).is_empty()),
                };
                if listed {
                    self.summary.warninglisted += 1;
                    continue;
                }
                let item = Item {
                    object,
                    name: fields.name.clone(),
                    valid_until: fields.valid_until.clone(),
                    value,
                };
                let n = self.state.write(self.format, &item, &mut out);
                if n == 0 {
                    self.summary.not_in_format += 1;
                }
                self.summary.written += n;
            }
        }
        Ok(Some(out))
    }

    /// What the export wrote and left out so far (all of it once `next_chunk` answered `None`).
    pub fn summary(&self) -> &ExportSummary {
        &self.summary
    }
}

/// Whether PAP `pap` allows active actions (blocking): none set, CLEAR or GREEN.
fn allows_blocking(pap: Option<Pap>) -> bool {
    matches!(pap, None | Some(Pap::Clear | Pap::Green))
}

/// The decay kinds of an indicator's exported values.
fn kinds_of_values(values: &[Value]) -> Vec<&'static str> {
    let mut out = Vec::new();
    for v in values {
        let k = match v {
            Value::Exact(c) | Value::Cidr(c) => crate::decay::kind_of(c.ty()),
            Value::Suffix(_) => "domain",
        };
        if !out.contains(&k) {
            out.push(k);
        }
    }
    out
}

/// What an export reads of a stored indicator.
struct Fields {
    /// Its decay facts, but for the kinds (known once its pattern is compiled).
    facts: Facts,
    name: Option<String>,
    pattern: Option<String>,
    valid_from: Option<OffsetDateTime>,
    valid_until_at: Option<OffsetDateTime>,
    valid_until: Option<String>,
}

impl Fields {
    fn of(o: &StoredObject) -> Option<Self> {
        let v: serde_json::Value = serde_json::from_str(&o.json).ok()?;
        let text = |k: &str| {
            v.get(k)
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
        };
        let time = |k: &str| {
            text(k).and_then(|t| {
                OffsetDateTime::parse(&t, &time::format_description::well_known::Rfc3339).ok()
            })
        };
        let stix = text("pattern_type").is_none_or(|t| t == "stix");
        Some(Self {
            facts: Facts::with_kinds(&v, Vec::new(), o.version),
            name: text("name"),
            pattern: text("pattern").filter(|_| stix),
            valid_from: time("valid_from"),
            valid_until_at: time("valid_until"),
            valid_until: time("valid_until").map(crate::clock::rfc3339_micros),
        })
    }

    fn valid_at(&self, now: OffsetDateTime) -> bool {
        self.valid_from.is_none_or(|f| f <= now) && self.valid_until_at.is_none_or(|u| now < u)
    }

    /// The values of an exact disjunction; `None` for any other pattern.
    fn values(&self) -> Option<Vec<Value>> {
        let parsed = simpul_pattern::parse(self.pattern.as_deref()?).ok()?;
        match simpul_matcher::compile::plan(parsed.root(), &Context::new()) {
            Plan::Indexed(entries) if !entries.is_empty() => Some(
                entries
                    .into_iter()
                    .map(|e| match e {
                        Entry::Exact(c) => Value::Exact(c),
                        Entry::Suffix(d) => Value::Suffix(d),
                        Entry::Cidr(c) => Value::Cidr(c.canonical()),
                    })
                    .collect(),
            ),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests;
