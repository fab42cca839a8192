//! Multi-party incident cases (P2.2): one organisation opens a case — a phishing campaign, a
//! ransomware outbreak, a scam operation — and invites the other organisations concerned; each
//! party says where it stands, writes to a shared timeline behind a consent gate, and takes on
//! tasks; at the end an after-action summary says who took how long.
//!
//! The model and rules below, with the store ([`store`], [`rows`]) and the service
//! (`service.rs`, `service_timeline.rs`) on top; REST, CLI and web are still to come:
//!
//! - `mod.rs`: the id ([`CaseId`], the one `crate::requests` names too), the vocabularies
//!   ([`Severity`] 1–4, [`Category`]), the bounds of the fields and the body of
//!   `POST /api/v1/cases` ([`NewCase`]) validated into a [`ValidCase`], every error with the JSON
//!   pointer of its field;
//! - [`party`]: each invited party's status (`invited` → `acknowledged` → `investigating` →
//!   `resolved` | `not-affected`), who may move it, and the re-invitation by the owner;
//! - [`timeline`]: the entries (comments, status changes, linked STIX objects, observables,
//!   attachment metadata), each with its own TLP and audience, and the consent gate's data
//!   ([`timeline::Consent`]: released to the case, the parties the owner may pass it on to);
//! - [`tasks`]: tasks with an owner organisation, an assignee, a due time and a state machine,
//!   overdue from the clock;
//! - [`templates`]: the case templates (phishing campaign, ransomware, scam operation) and the
//!   tasks they create;
//! - [`closing`]: the after-action summary from the parties' status histories;
//! - `crate::access::cases`: who sees a case, its timeline and each entry, who may write,
//!   release, pass on and invite.
//!
//! ## What the next layers must add
//!
//! - **Store**: tables for cases, parties (one row per case and organisation, with the status and
//!   its history: every step with its time and user, each one audited), named users of RED cases
//!   (resolved from [`ValidCase::recipients`] to users of the owner or a party, refusing anyone
//!   else; the opening user is named too), timeline entries with their consent columns
//!   (`released_to_case`, the allowed parties, the parties the owner passed it to), attachments
//!   (the bytes in the database, at most [`timeline::MAX_ATTACHMENT_BYTES`], the sha256 computed
//!   by the store, never trusted from the client) and tasks. A backend compilation of
//!   `access::cases::CaseFilter` and `access::cases::EntryFilter` into SQL that agrees with their
//!   `admits`, so that an unreleased entry is absent from lists, counts and search, not filtered
//!   after paging.
//! - **Creation**: [`NewCase::validate`], then the party short names resolved to organisations
//!   (an unknown one is an error at `/parties/N`) and [`ensure_parties`]; each party starts
//!   `invited` (a status-change entry and a notification per party); a template's tasks are
//!   created with [`templates::tasks`].
//! - **Linking and merging**: requests raised from a case (`crate::requests::NewRequest::case`)
//!   listed in the case with their outcomes; linking duplicate cases and merging one into
//!   another (its parties, entries and tasks moved, keeping each entry's consent as it was).
//! - **Closing**: the owner closes a case; [`closing::summarise`] over the stored histories.
//! - **REST/CLI/web**: `POST/GET/PATCH /api/v1/cases`, `/{id}/parties` (a refused step is 409 with
//!   [`party::Refused::allowed`]), `/{id}/timeline` (+ release and pass-on), `/{id}/tasks`; the
//!   actions in `access::authorize`; rows in the visibility matrix, including a not-yet-released
//!   entry in lists, counts, search and the timeline.

use std::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::Invalid;
use crate::intel::{Pap, Tlp, parse_tlp};
use crate::org::{OrgId, ShortName, string_enum};
use crate::requests::{bounded, named_users, text};
use crate::user::Email;

pub mod closing;
pub mod manage;
pub mod party;
pub mod rows;
mod service;
mod service_timeline;
pub mod store;
pub mod tasks;
pub mod templates;
pub mod timeline;

pub use party::{PartyStatus, Side};
pub use tasks::{TaskState, ValidTask};
pub use templates::TemplateKind;
pub use timeline::{Consent, EntryAudience, EntryBody};

/// The largest case attachment unless configured (5 MiB).
pub const DEFAULT_ATTACHMENT_MAX: u64 = 5 * 1024 * 1024;

pub use service::CaseView;
pub use service_timeline::{ConsentInput, EntryView, TaskUpdate, TaskView};

/// An incident case's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CaseId(pub Uuid);

impl CaseId {
    pub fn new_random() -> Self {
        Self(Uuid::new_v4())
    }
}

impl fmt::Display for CaseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::str::FromStr for CaseId {
    type Err = Invalid;
    fn from_str(s: &str) -> Result<Self, Invalid> {
        Uuid::parse_str(s.trim())
            .map(Self)
            .map_err(|_| Invalid::new("id", "must be a case id (a UUID)"))
    }
}

/// How bad the incident is: 1 (low) to 4 (critical), as TheHive counts, so that a higher number
/// is worse and sorts first in a descending list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Severity(u8);

impl Severity {
    pub const LOW: Severity = Severity(1);
    pub const MEDIUM: Severity = Severity(2);
    pub const HIGH: Severity = Severity(3);
    pub const CRITICAL: Severity = Severity(4);

    /// Reads a severity at `path`: a whole number from 1 to 4.
    pub fn parse(path: &str, n: i64) -> Result<Self, Invalid> {
        match u8::try_from(n) {
            Ok(v @ 1..=4) => Ok(Severity(v)),
            _ => Err(Invalid::new(
                path,
                "must be 1 (low), 2 (medium), 3 (high) or 4 (critical)",
            )),
        }
    }

    pub fn get(self) -> u8 {
        self.0
    }

    /// The word for it: `low`, `medium`, `high`, `critical`.
    pub fn label(self) -> &'static str {
        match self.0 {
            1 => "low",
            2 => "medium",
            3 => "high",
            _ => "critical",
        }
    }
}

impl TryFrom<u8> for Severity {
    type Error = Invalid;
    fn try_from(n: u8) -> Result<Self, Invalid> {
        Severity::parse("severity", n.into())
    }
}

impl From<Severity> for u8 {
    fn from(s: Severity) -> u8 {
        s.0
    }
}

string_enum!(
    /// What kind of incident a case is about.
    Category, "category" {
        PhishingCampaign => "phishing-campaign",
        Ransomware => "ransomware",
        Ddos => "ddos",
        DataBreach => "data-breach",
        ScamOperation => "scam-operation",
        Vulnerability => "vulnerability",
        Other => "other",
    }
);

/// The bounds of a case's fields, in characters.
pub mod limits {
    pub const TITLE_CHARS: usize = 200;
    pub const SUMMARY_CHARS: usize = 10_000;
    /// Invited parties of one case.
    pub const PARTIES: usize = 50;
    /// Named users of a RED case or entry.
    pub const RECIPIENTS: usize = 50;
}

/// Parses a PAP level as people write it: `amber`, `PAP:AMBER`, `pap:green` (`white` is CLEAR, as
/// for TLP 1.0).
pub fn parse_pap(path: &str, s: &str) -> Result<Pap, Invalid> {
    let t = s.trim().to_ascii_lowercase();
    let t = t.strip_prefix("pap:").unwrap_or(&t);
    let t = if t == "white" { "clear" } else { t };
    t.parse::<Pap>().map_err(|_| {
        Invalid::new(
            path,
            "unknown PAP level (expected clear, green, amber or red)",
        )
    })
}

/// A case as its owner opens it (unvalidated): the body of `POST /api/v1/cases`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewCase {
    pub title: String,
    #[serde(default)]
    pub summary: String,
    /// 1 (low) to 4 (critical).
    pub severity: i64,
    /// A TLP level as people write it (`amber`, `TLP:AMBER+STRICT`).
    pub tlp: String,
    /// A PAP level (`green`, `PAP:AMBER`); `clear` when absent.
    #[serde(default)]
    pub pap: Option<String>,
    pub category: Category,
    /// The short names of the organisations invited (the owner's own is not one of them).
    #[serde(default)]
    pub parties: Vec<String>,
    /// A template whose tasks the case starts with; of the case's category.
    #[serde(default)]
    pub template: Option<TemplateKind>,
    /// For TLP:RED only: the e-mail addresses of the users of the owner and the parties who may
    /// see it (besides the opening user).
    #[serde(default)]
    pub recipients: Vec<String>,
}

/// A case whose every field is checked; what the store keeps (with the resolved parties).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidCase {
    pub title: String,
    pub summary: String,
    pub severity: Severity,
    pub tlp: Tlp,
    pub pap: Pap,
    pub category: Category,
    pub parties: Vec<ShortName>,
    pub template: Option<TemplateKind>,
    pub recipients: Vec<Email>,
}

impl NewCase {
    /// Checks every field.
    pub fn validate(&self) -> Result<ValidCase, Invalid> {
        let title = text("/title", &self.title, limits::TITLE_CHARS, true, true)?;
        let summary = text(
            "/summary",
            &self.summary,
            limits::SUMMARY_CHARS,
            false,
            false,
        )?;
        let severity = Severity::parse("/severity", self.severity)?;
        let tlp = parse_tlp("/tlp", &self.tlp)?;
        let pap = match &self.pap {
            Some(p) => parse_pap("/pap", p)?,
            None => Pap::Clear,
        };
        let parties = short_names("/parties", &self.parties, None, limits::PARTIES)?;
        if let Some(t) = self.template
            && t.category() != self.category
        {
            return Err(Invalid::new(
                "/template",
                format!(
                    "the {t} template is for {} cases, this one is {}",
                    t.category(),
                    self.category
                ),
            ));
        }
        let recipients = named_users(
            &self.recipients,
            tlp,
            limits::RECIPIENTS,
            "users are named only for TLP:RED; at other levels the owner and the parties see the case",
            "a TLP:RED case names the users who may see it",
        )?;
        Ok(ValidCase {
            title,
            summary,
            severity,
            tlp,
            pap,
            category: self.category,
            parties,
            template: self.template,
            recipients,
        })
    }
}

/// Short names at `path`, at most `max`, none twice (short names are unique case-insensitively);
/// `empty` is the message refusing an empty list, when one is refused.
pub(crate) fn short_names(
    path: &str,
    list: &[String],
    empty: Option<&str>,
    max: usize,
) -> Result<Vec<ShortName>, Invalid> {
    bounded(path, list.len(), empty, max, "organisations")?;
    let mut out: Vec<ShortName> = Vec::with_capacity(list.len());
    for (i, s) in list.iter().enumerate() {
        let at = format!("{path}/{i}");
        let name = ShortName::parse(s.trim()).map_err(|e| Invalid::new(&at, e.message))?;
        if let Some(j) = out
            .iter()
            .position(|seen| seen.as_str().eq_ignore_ascii_case(name.as_str()))
        {
            return Err(Invalid::new(
                at,
                format!("is named twice (also {path}/{j})"),
            ));
        }
        out.push(name);
    }
    Ok(out)
}

/// Refuses the owner's own organisation among the resolved parties (in the order of
/// `/parties`), at its pointer.
pub fn ensure_parties(owner: OrgId, resolved: &[OrgId]) -> Result<(), Invalid> {
    match resolved.iter().position(|&o| o == owner) {
        Some(i) => Err(Invalid::new(
            format!("/parties/{i}"),
            "is the case owner's own organisation: the owner is in the case without an invitation",
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn base() -> serde_json::Value {
        json!({
            "title": "Parcel-delivery SMS phishing wave",
            "summary": "Smishing since 2026-02-27,\nlanding pages on bulletproof hosting.",
            "severity": 3,
            "tlp": "amber",
            "pap": "PAP:GREEN",
            "category": "phishing-campaign",
            "parties": ["MyCERT", "ID-SIRTII", "ThaiCERT"],
            "template": "phishing-campaign"
        })
    }

    fn with(key: &str, v: serde_json::Value) -> serde_json::Value {
        let mut b = base();
        b[key] = v;
        b
    }

    fn check(v: serde_json::Value) -> Result<ValidCase, Invalid> {
        serde_json::from_value::<NewCase>(v).unwrap().validate()
    }

    #[test]
    fn a_case_is_validated() {
        let c = check(base()).unwrap();
        assert_eq!(c.severity, Severity::HIGH);
        assert_eq!(c.severity.label(), "high");
        assert_eq!((c.tlp, c.pap), (Tlp::Amber, Pap::Green));
        assert_eq!(c.category, Category::PhishingCampaign);
        let names: Vec<_> = c.parties.iter().map(|p| p.as_str()).collect();
        assert_eq!(names, ["MyCERT", "ID-SIRTII", "ThaiCERT"]);
        assert_eq!(c.template, Some(TemplateKind::PhishingCampaign));
        assert!(c.recipients.is_empty());
        let mut b = base();
        for k in ["summary", "pap", "parties", "template"] {
            b.as_object_mut().unwrap().remove(k);
        }
        let c = check(b).unwrap();
        assert_eq!((c.summary.as_str(), c.pap), ("", Pap::Clear));
        assert!(c.parties.is_empty() && c.template.is_none());
    }

    #[test]
    fn every_error_has_its_pointer() {
        let many: Vec<_> = (0..=limits::PARTIES).map(|i| format!("org{i}")).collect();
        for (key, v, path) in [
            ("title", json!(" "), "/title"),
            ("title", json!("a\nb"), "/title"),
            (
                "title",
                json!("t".repeat(limits::TITLE_CHARS + 1)),
                "/title",
            ),
            (
                "summary",
                json!("s".repeat(limits::SUMMARY_CHARS + 1)),
                "/summary",
            ),
            ("summary", json!("bell\u{7}"), "/summary"),
            ("severity", json!(0), "/severity"),
            ("severity", json!(5), "/severity"),
            ("severity", json!(-1), "/severity"),
            ("severity", json!(300), "/severity"),
            ("tlp", json!("purple"), "/tlp"),
            ("pap", json!("PAP:PURPLE"), "/pap"),
            ("parties", json!(["MyCERT", "-x"]), "/parties/1"),
            ("parties", json!(["MyCERT", "TH", "mycert"]), "/parties/2"),
            ("parties", json!(many), "/parties"),
            ("template", json!("ransomware"), "/template"),
            ("recipients", json!(["a@cert.my"]), "/recipients"),
        ] {
            let e = check(with(key, v.clone())).unwrap_err();
            assert_eq!(e.path, path, "{key}={v}: {}", e.message);
        }
        let e = check(with("parties", json!(["MyCERT", "TH", "mycert"]))).unwrap_err();
        assert_eq!(e.message, "is named twice (also /parties/0)");
        let e = check(with("template", json!("scam-operation"))).unwrap_err();
        assert_eq!(
            e.message,
            "the scam-operation template is for scam-operation cases, this one is phishing-campaign"
        );
        let exactly: Vec<_> = (0..limits::PARTIES).map(|i| format!("org{i}")).collect();
        assert_eq!(
            check(with("parties", json!(exactly)))
                .unwrap()
                .parties
                .len(),
            limits::PARTIES
        );
        for s in 1..=4 {
            assert_eq!(
                check(with("severity", json!(s))).unwrap().severity.get(),
                s as u8
            );
        }
    }

    #[test]
    fn only_red_names_users() {
        let red = |list: serde_json::Value| {
            let mut b = with("tlp", json!("TLP:RED"));
            b["recipients"] = list;
            check(b)
        };
        assert_eq!(red(json!([])).unwrap_err().path, "/recipients");
        assert_eq!(
            red(json!(["a@cert.my", "b@cert.id"]))
                .unwrap()
                .recipients
                .len(),
            2
        );
        assert_eq!(
            red(json!(["a@cert.my", "nope"])).unwrap_err().path,
            "/recipients/1"
        );
        assert_eq!(
            red(json!(["a@cert.my", " a@cert.my"])).unwrap_err().path,
            "/recipients/1"
        );
        let many: Vec<_> = (0..=limits::RECIPIENTS)
            .map(|i| format!("u{i}@c.my"))
            .collect();
        assert_eq!(red(json!(many)).unwrap_err().path, "/recipients");
    }

    #[test]
    fn the_body_shape_is_strict() {
        for (key, v) in [
            ("category", json!("espionage")),
            ("severity", json!("high")),
            ("template", json!("ddos")),
            ("owner", json!("MyCERT")),
        ] {
            assert!(
                serde_json::from_value::<NewCase>(with(key, v)).is_err(),
                "{key}"
            );
        }
        let mut b = base();
        b.as_object_mut().unwrap().remove("category");
        assert!(serde_json::from_value::<NewCase>(b).is_err());
    }

    #[test]
    fn vocabularies_and_ids() {
        assert_eq!(Category::ALL.len(), 7);
        assert_eq!("ddos".parse::<Category>().unwrap(), Category::Ddos);
        assert!("DDoS".parse::<Category>().is_err());
        for (s, want) in [
            ("amber", Pap::Amber),
            (" PAP:RED ", Pap::Red),
            ("pap:white", Pap::Clear),
            ("Green", Pap::Green),
        ] {
            assert_eq!(parse_pap("/pap", s).unwrap(), want, "{s}");
        }
        assert!(parse_pap("/pap", "TLP:AMBER").is_err());
        assert_eq!(serde_json::to_string(&Severity::CRITICAL).unwrap(), "4");
        assert!(serde_json::from_str::<Severity>("0").is_err());
        assert_eq!(
            serde_json::from_str::<Severity>("2").unwrap(),
            Severity::MEDIUM
        );
        assert!(Severity::CRITICAL > Severity::LOW);
        let id = CaseId::new_random();
        assert_eq!(id.to_string().parse::<CaseId>().unwrap(), id);
        assert_eq!("x".parse::<CaseId>().unwrap_err().path, "id");
        // Requests name cases by the same type.
        let r: crate::requests::CaseId = id;
        assert_eq!(r, id);
    }

    #[test]
    fn the_owner_is_no_party() {
        let (owner, a, b) = (
            OrgId::new_random(),
            OrgId::new_random(),
            OrgId::new_random(),
        );
        assert!(ensure_parties(owner, &[a, b]).is_ok());
        assert!(ensure_parties(owner, &[]).is_ok());
        assert_eq!(
            ensure_parties(owner, &[a, owner]).unwrap_err().path,
            "/parties/1"
        );
    }
}
