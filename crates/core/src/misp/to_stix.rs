//! One MISP event → STIX 2.1 objects: a `report` referring to the event's content; per attribute
//! an `indicator` (`to_ids`) or an `observed-data` with its cyber-observables, or a `note` for
//! free text; per object the same over its attributes together; `relationship`s for object
//! references and galaxy clusters; `sighting`s; `note`s for event reports.
//!
//! Ids derive from MISP uuids (`indicator--<attribute uuid>`), versions from MISP timestamps, so
//! importing again stores nothing and a newer MISP timestamp is a new STIX version. Content the
//! target collection may not receive ([`Target::admits`]) is refused with the reason, at its
//! path. The mapping is documented in `MAPPING.md`.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::distribution::{Distribution, Target};
use super::model::{Attribute, Event, Galaxy, SharingGroup, Tag};
use super::time::{Stamps, format_ts, seen};
use super::types::{self, Mapped};
use crate::intel::Tlp;

/// The namespace of the ids simpul derives where MISP has no uuid (a relationship to a galaxy
/// cluster, a sighting without one). Fixed forever.
pub const NAMESPACE: Uuid = Uuid::from_u128(0x6c0e_5b0a_8f0e_4d53_9a3c_2f1b_7d5e_0a91);

/// What converting emits, in order, each at its path in the MISP document.
#[derive(Debug, Clone, PartialEq)]
pub enum Emit {
    /// A STIX object.
    Object(Value),
    /// MISP content not imported, and why.
    Refused(String),
    /// Imported, with a remark.
    Warning(String),
}

/// Where each emitted item goes: `(path, what)`.
pub type Sink<'s> = dyn FnMut(&str, Emit) + 's;

/// The markings and labels of an event or attribute, from its tags.
#[derive(Debug, Clone, Default)]
struct Marks {
    tlp: Option<Tlp>,
    pap: Option<simpul_vocab::Pap>,
    labels: Vec<String>,
}

impl Marks {
    fn of(tags: &[Tag], galaxies: &[Galaxy], parent: Option<&Marks>) -> Marks {
        let mut m = Marks {
            tlp: parent.and_then(|p| p.tlp),
            pap: parent.and_then(|p| p.pap),
            labels: parent.map(|p| p.labels.clone()).unwrap_or_default(),
        };
        for t in tags {
            let name = t.name.trim();
            if let Some(l) = Tlp::from_tag(name) {
                m.tlp = m.tlp.max(Some(l));
            } else if let Some(p) = pap_of_tag(name) {
                m.pap = m.pap.max(Some(p));
            } else if !name.is_empty() && !m.labels.iter().any(|l| l == name) {
                m.labels.push(name.to_owned());
            }
        }
        for g in galaxies {
            for c in &g.clusters {
                let label = c
                    .tag_name
                    .clone()
                    .unwrap_or_else(|| format!("misp-galaxy:{}=\"{}\"", g.kind, c.value));
                if !m.labels.contains(&label) {
                    m.labels.push(label);
                }
            }
        }
        m
    }

    fn markings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(t) = self.tlp {
            out.push(t.marking_id().to_owned());
        }
        if let Some(p) = self.pap {
            out.push(p.marking_id().to_owned());
        }
        out
    }

    /// Puts labels and markings on a STIX object.
    fn apply(&self, o: &mut Map<String, Value>) {
        if !self.labels.is_empty() {
            o.insert("labels".into(), json!(self.labels));
        }
        let m = self.markings();
        if !m.is_empty() {
            o.insert("object_marking_refs".into(), json!(m));
        }
    }
}

/// `PAP:GREEN` (any case; `PAP:WHITE` reads as CLEAR).
fn pap_of_tag(tag: &str) -> Option<simpul_vocab::Pap> {
    let (prefix, name) = (tag.get(..4)?, tag.get(4..)?);
    if !prefix.eq_ignore_ascii_case("pap:") {
        return None;
    }
    use simpul_vocab::Pap;
    Some(match name.to_ascii_lowercase().as_str() {
        "clear" | "white" => Pap::Clear,
        "green" => Pap::Green,
        "amber" => Pap::Amber,
        "red" => Pap::Red,
        _ => return None,
    })
}

/// The STIX object type a galaxy's clusters become, when one fits.
fn galaxy_sdo(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "threat-actor" => "threat-actor",
        "mitre-intrusion-set" | "intrusion-set" => "intrusion-set",
        "mitre-attack-pattern" | "attack-pattern" => "attack-pattern",
        "mitre-malware" | "malpedia" | "malware" | "ransomware" | "banker" | "rat" | "stealer"
        | "botnet" | "android" | "backdoor" => "malware",
        "mitre-tool" | "tool" => "tool",
        _ => return None,
    })
}

/// A parsed uuid in its canonical form, or why not.
fn uuid_of(s: &str) -> Result<Uuid, String> {
    Uuid::parse_str(s.trim()).map_err(|_| {
        format!(
            "'{}' is not a uuid (simpul derives STIX ids from MISP uuids)",
            crate::error::excerpt(s)
        )
    })
}

/// A STIX id derived from parts where MISP has no uuid.
fn derived(ty: &str, parts: &[&str]) -> String {
    format!(
        "{ty}--{}",
        Uuid::new_v5(&NAMESPACE, parts.join("|").as_bytes())
    )
}

struct Conv<'a> {
    event: &'a Event,
    base: String,
    target: &'a Target,
    stamps: Stamps,
    marks: Marks,
    report_id: String,
    groups: HashMap<String, &'a SharingGroup>,
    /// MISP uuid → STIX id of what was emitted for it.
    ids: HashMap<String, String>,
    /// What the report refers to.
    refs: Vec<String>,
    sdos: HashSet<String>,
    sink: &'a mut Sink<'a>,
}

/// Converts `event`, whose path in the input is `base` (`/Event`, `/response/3/Event`…), for
/// the collection `target`, emitting each STIX object, refusal and warning to `sink`.
pub fn convert<'a>(event: &'a Event, base: &str, target: &'a Target, sink: &'a mut Sink<'a>) {
    let event_uuid = match uuid_of(&event.uuid) {
        Ok(u) => u,
        Err(why) => return sink(&format!("{base}/uuid"), Emit::Refused(why)),
    };
    let level = match Distribution::of(event.distribution) {
        Ok(Distribution::Inherit) => Err("an event's distribution cannot be 5 (inherit)".into()),
        other => other,
    };
    let mut groups: HashMap<String, &SharingGroup> = HashMap::new();
    for g in std::iter::once(&event.sharing_group)
        .chain(event.attributes.iter().map(|a| &a.sharing_group))
        .chain(event.objects.iter().map(|o| &o.sharing_group))
        .flatten()
    {
        if let Some(id) = &g.id {
            groups.insert(id.clone(), g);
        }
    }
    let group = event.sharing_group.as_ref().or_else(|| {
        event
            .sharing_group_id
            .as_ref()
            .and_then(|i| groups.get(i).copied())
    });
    if let Err(why) = level.and_then(|l| target.admits(l, group)) {
        return sink(&format!("{base}/distribution"), Emit::Refused(why));
    }
    let stamps = Stamps::of_event(event);
    let mut c = Conv {
        event,
        base: base.to_owned(),
        target,
        stamps,
        marks: Marks::of(&event.tags, &event.galaxies, None),
        report_id: format!("report--{event_uuid}"),
        groups,
        ids: HashMap::new(),
        refs: Vec::new(),
        sdos: HashSet::new(),
        sink,
    };
    c.run();
}

impl Conv<'_> {
    fn emit(&mut self, path: &str, e: Emit) {
        (self.sink)(path, e);
    }

    fn object(&mut self, path: &str, v: Value, in_report: bool) {
        if in_report && let Some(id) = v["id"].as_str() {
            self.refs.push(id.to_owned());
        }
        self.emit(path, Emit::Object(v));
    }

    /// Whether content at `level` with its sharing group may be imported (else refused at
    /// `path`).
    fn admitted(
        &mut self,
        path: &str,
        dist: Option<i64>,
        sg: &Option<SharingGroup>,
        sg_id: &Option<String>,
    ) -> bool {
        let level = match dist {
            None => Ok(Distribution::Inherit),
            d => Distribution::of(d),
        };
        let group = sg
            .as_ref()
            .or_else(|| sg_id.as_ref().and_then(|i| self.groups.get(i).copied()));
        match level.and_then(|l| self.target.admits(l, group)) {
            Ok(()) => true,
            Err(why) => {
                self.emit(&format!("{path}/distribution"), Emit::Refused(why));
                false
            }
        }
    }

    fn run(&mut self) {
        let event = self.event;
        let base = self.base.clone();
        for (i, a) in event.attributes.iter().enumerate() {
            self.attribute(&format!("{base}/Attribute/{i}"), a);
        }
        for (i, o) in event.objects.iter().enumerate() {
            self.misp_object(&format!("{base}/Object/{i}"), o);
        }
        let report_marks = self.marks.clone();
        for g in &event.galaxies {
            for cl in &g.clusters {
                let path = format!("{base}/Galaxy");
                if let Some(id) = self.cluster(&path, g, cl, &report_marks) {
                    self.refs.push(id);
                }
            }
        }
        for (i, r) in event.reports.iter().enumerate() {
            let path = format!("{base}/EventReport/{i}");
            self.event_report(&path, r);
        }
        for (i, o) in event.objects.iter().enumerate() {
            for (k, r) in o.references.iter().enumerate() {
                let path = format!("{base}/Object/{i}/ObjectReference/{k}");
                self.reference(&path, o, r);
            }
        }
        self.report();
    }

    fn base_sdo(&self, ty: &str, id: &str, modified: i64) -> Map<String, Value> {
        let mut o = Map::new();
        o.insert("type".into(), json!(ty));
        o.insert("spec_version".into(), json!("2.1"));
        o.insert("id".into(), json!(id));
        o.insert(
            "created".into(),
            json!(format_ts(self.stamps.created(modified))),
        );
        o.insert("modified".into(), json!(format_ts(modified)));
        o
    }

    /// The uuid of a piece of the event to import; `None` (with the warning or refusal) when it
    /// was deleted, has no uuid or may not enter the collection.
    fn enter(&mut self, path: &str, g: &Gate<'_>) -> Option<Uuid> {
        if g.deleted {
            self.emit(path, Emit::Warning("deleted in MISP: not imported".into()));
            return None;
        }
        let u = match uuid_of(g.uuid) {
            Ok(u) => u,
            Err(why) => {
                self.emit(&format!("{path}/uuid"), Emit::Refused(why));
                return None;
            }
        };
        self.admitted(path, g.distribution, g.group, g.group_id)
            .then_some(u)
    }

    fn attribute(&mut self, path: &str, a: &Attribute) {
        let gate = Gate {
            deleted: a.deleted,
            uuid: &a.uuid,
            distribution: a.distribution,
            group: &a.sharing_group,
            group_id: &a.sharing_group_id,
        };
        let Some(u) = self.enter(path, &gate) else {
            return;
        };
        let marks = Marks::of(&a.tags, &a.galaxies, Some(&self.marks));
        let modified = a.timestamp.unwrap_or(self.stamps.modified);
        let id = match types::map(&a.kind, &a.value) {
            Mapped::Observable(cmps) => {
                let seen = seen(
                    path,
                    a.first_seen.as_deref(),
                    a.last_seen.as_deref(),
                    modified,
                );
                for w in &seen.warnings {
                    self.emit(path, Emit::Warning(w.clone()));
                }
                let content = Content {
                    path,
                    uuid: u,
                    to_ids: a.to_ids,
                    cmps: &cmps,
                    marks: &marks,
                    modified,
                    seen: &seen,
                    name: a.value.trim().to_owned(),
                    description: a.comment.clone().filter(|c| !c.trim().is_empty()),
                    extra: vec![
                        ("x_misp_type".into(), json!(a.kind)),
                        ("x_misp_category".into(), json!(a.category)),
                        // The value as MISP wrote it (the pattern and observables hold the
                        // STIX form: a full registry hive, a lower-case MAC address).
                        ("x_misp_value".into(), json!(a.value)),
                    ],
                };
                self.observable(&content)
            }
            Mapped::Note => {
                let id = format!("note--{u}");
                let mut o = self.base_sdo("note", &id, modified);
                o.insert(
                    "abstract".into(),
                    json!(format!("MISP {} attribute", a.kind)),
                );
                o.insert("content".into(), json!(a.value));
                o.insert("object_refs".into(), json!([self.report_id]));
                o.insert("x_misp_type".into(), json!(a.kind));
                if let Some(c) = &a.category {
                    o.insert("x_misp_category".into(), json!(c));
                }
                marks.apply(&mut o);
                self.object(path, Value::Object(o), true);
                id
            }
            Mapped::Custom(why) => {
                self.emit(&format!("{path}/type"), Emit::Warning(why));
                self.custom(path, &u, a, &marks, modified)
            }
        };
        self.ids.insert(a.uuid.trim().to_owned(), id.clone());
        for g in &a.galaxies {
            for cl in &g.clusters {
                if let Some(sdo) = self.cluster(&format!("{path}/Galaxy"), g, cl, &marks) {
                    let rel = if id.starts_with("indicator--") {
                        "indicates"
                    } else {
                        "related-to"
                    };
                    self.relationship(path, None, &id, rel, &sdo, modified, &marks);
                }
            }
        }
        for (k, s) in a.sightings.iter().enumerate() {
            self.sighting(&format!("{path}/Sighting/{k}"), &id, s, &marks);
        }
    }
}

/// What decides whether a piece of an event (attribute, object, report) is imported.
struct Gate<'g> {
    deleted: bool,
    uuid: &'g str,
    distribution: Option<i64>,
    group: &'g Option<SharingGroup>,
    group_id: &'g Option<String>,
}

/// What an indicator or observed-data is made of.
struct Content<'c> {
    path: &'c str,
    uuid: Uuid,
    to_ids: bool,
    cmps: &'c [types::Cmp],
    marks: &'c Marks,
    modified: i64,
    seen: &'c super::time::Seen,
    name: String,
    description: Option<String>,
    /// Custom properties (`x_misp_…`).
    extra: Vec<(String, Value)>,
}

mod emitters;
