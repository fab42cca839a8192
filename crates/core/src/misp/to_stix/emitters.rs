//! The STIX objects of one piece of an event: indicators and observed-data, custom observables,
//! galaxy SDOs, relationships, sightings, notes, and the report.

use serde_json::{Map, Value, json};

use super::{Content, Conv, Emit, Gate, Marks, derived, galaxy_sdo, uuid_of};
use crate::intel::aggregate::FALSE_POSITIVE_PROPERTY;
use crate::misp::model::{
    Attribute, EventReport, Galaxy, GalaxyCluster, Object, ObjectReference, Sighting,
};
use crate::misp::objects::compose;
use crate::misp::sco;
use crate::misp::time::{format_dt, format_ts, seen};

/// A relationship type as STIX writes one: lower-case words joined by `-`.
fn relationship_type(s: &str) -> String {
    let mut out = String::new();
    for c in s.trim().chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').to_owned();
    if out.is_empty() {
        "related-to".into()
    } else {
        out
    }
}

impl Conv<'_> {
    /// An indicator (to_ids) or an observed-data with its cyber-observables; its id.
    pub(super) fn observable(&mut self, c: &Content<'_>) -> String {
        if c.to_ids {
            let id = format!("indicator--{}", c.uuid);
            let mut o = self.base_sdo("indicator", &id, c.modified);
            o.insert("name".into(), json!(c.name));
            if let Some(d) = &c.description {
                o.insert("description".into(), json!(d));
            }
            o.insert("pattern".into(), json!(sco::pattern(c.cmps)));
            o.insert("pattern_type".into(), json!("stix"));
            o.insert("pattern_version".into(), json!("2.1"));
            o.insert("valid_from".into(), json!(format_dt(c.seen.from)));
            if let Some(u) = c.seen.until {
                o.insert("valid_until".into(), json!(format_dt(u)));
            }
            self.finish(c, o);
            return id;
        }
        let markings = c.marks.markings();
        let Some((refs, scos)) = sco::objects(c.cmps, &markings) else {
            let value = c
                .cmps
                .iter()
                .map(|x| x.value.pattern())
                .collect::<Vec<_>>()
                .join(" ");
            return self.custom_observable(c, &value);
        };
        for s in scos {
            self.object(c.path, s, false);
        }
        self.observed_data(c, refs)
    }

    fn observed_data(&mut self, c: &Content<'_>, refs: Vec<String>) -> String {
        let id = format!("observed-data--{}", c.uuid);
        let mut o = self.base_sdo("observed-data", &id, c.modified);
        let first = format_dt(c.seen.from);
        let last = c.seen.until.map_or_else(|| first.clone(), format_dt);
        o.insert("first_observed".into(), json!(first));
        o.insert("last_observed".into(), json!(last));
        o.insert("number_observed".into(), json!(1));
        o.insert("object_refs".into(), json!(refs));
        if let Some(d) = &c.description {
            o.insert("x_misp_comment".into(), json!(d));
        }
        self.finish(c, o);
        id
    }

    /// Labels, markings and custom properties, then emits.
    fn finish(&mut self, c: &Content<'_>, mut o: Map<String, Value>) {
        c.marks.apply(&mut o);
        for (k, v) in &c.extra {
            if !v.is_null() {
                o.insert(k.clone(), v.clone());
            }
        }
        self.object(c.path, Value::Object(o), true);
    }

    /// A value kept as a custom `x-misp-attribute` observable, in an observed-data.
    fn custom_observable(&mut self, c: &Content<'_>, value: &str) -> String {
        let mut s = Map::new();
        s.insert("type".into(), json!("x-misp-attribute"));
        s.insert("spec_version".into(), json!("2.1"));
        s.insert("id".into(), json!(format!("x-misp-attribute--{}", c.uuid)));
        s.insert("x_misp_value".into(), json!(value));
        for (k, v) in &c.extra {
            if !v.is_null() {
                s.insert(k.clone(), v.clone());
            }
        }
        let m = c.marks.markings();
        if !m.is_empty() {
            s.insert("object_marking_refs".into(), json!(m));
        }
        let sid = s["id"].as_str().unwrap_or_default().to_owned();
        self.object(c.path, Value::Object(s), false);
        self.observed_data(c, vec![sid])
    }

    /// An attribute of a type with no STIX mapping.
    pub(super) fn custom(
        &mut self,
        path: &str,
        u: &uuid::Uuid,
        a: &Attribute,
        marks: &Marks,
        modified: i64,
    ) -> String {
        let seen = seen(
            path,
            a.first_seen.as_deref(),
            a.last_seen.as_deref(),
            modified,
        );
        let c = Content {
            path,
            uuid: *u,
            to_ids: false,
            cmps: &[],
            marks,
            modified,
            seen: &seen,
            name: a.value.clone(),
            description: a.comment.clone().filter(|c| !c.trim().is_empty()),
            extra: vec![
                ("x_misp_type".into(), json!(a.kind)),
                ("x_misp_category".into(), json!(a.category)),
                ("x_misp_value".into(), json!(a.value)),
            ],
        };
        self.custom_observable(&c, &a.value)
    }

    /// A galaxy cluster that is an actor, malware, technique or tool, as that SDO (once per
    /// event): its id.
    pub(super) fn cluster(
        &mut self,
        path: &str,
        g: &Galaxy,
        cl: &GalaxyCluster,
        marks: &Marks,
    ) -> Option<String> {
        let kind = galaxy_sdo(&g.kind).or_else(|| cl.kind.as_deref().and_then(galaxy_sdo))?;
        let u = match uuid_of(&cl.uuid) {
            Ok(u) => u,
            Err(why) => {
                self.emit(
                    path,
                    Emit::Warning(format!("galaxy cluster kept as a label: {why}")),
                );
                return None;
            }
        };
        let id = format!("{kind}--{u}");
        if self.sdos.insert(id.clone()) {
            let mut o = self.base_sdo(kind, &id, self.stamps.modified);
            o.insert("name".into(), json!(cl.value));
            if let Some(d) = cl.description.as_deref().filter(|d| !d.trim().is_empty()) {
                o.insert("description".into(), json!(d));
            }
            if kind == "malware" {
                o.insert("is_family".into(), json!(true));
            }
            let m = Marks {
                labels: Vec::new(),
                ..marks.clone()
            };
            m.apply(&mut o);
            self.object(path, Value::Object(o), true);
        }
        Some(id)
    }

    /// A relationship (`id` when MISP gave one, else derived from its ends).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn relationship(
        &mut self,
        path: &str,
        id: Option<String>,
        source: &str,
        rel: &str,
        target: &str,
        modified: i64,
        marks: &Marks,
    ) {
        let id = id.unwrap_or_else(|| derived("relationship", &[source, rel, target]));
        let mut o = self.base_sdo("relationship", &id, modified);
        o.insert("relationship_type".into(), json!(rel));
        o.insert("source_ref".into(), json!(source));
        o.insert("target_ref".into(), json!(target));
        let m = Marks {
            labels: Vec::new(),
            ..marks.clone()
        };
        m.apply(&mut o);
        self.object(path, Value::Object(o), true);
    }

    /// A sighting of what `of` is the id of.
    pub(super) fn sighting(&mut self, path: &str, of: &str, s: &Sighting, marks: &Marks) {
        if s.kind == Some(2) {
            return self.emit(
                path,
                Emit::Warning(
                    "an expiration sighting (type 2) has no STIX form: not imported".into(),
                ),
            );
        }
        let date = s.date_sighting.unwrap_or(self.stamps.modified);
        let org = s.organisation.as_ref().and_then(|o| o.name.clone());
        let id = match s.uuid.as_deref().map(uuid_of) {
            Some(Ok(u)) => format!("sighting--{u}"),
            _ => derived(
                "sighting",
                &[
                    of,
                    &date.to_string(),
                    s.source.as_deref().unwrap_or_default(),
                    org.as_deref().unwrap_or_default(),
                ],
            ),
        };
        let mut o = Map::new();
        o.insert("type".into(), json!("sighting"));
        o.insert("spec_version".into(), json!("2.1"));
        o.insert("id".into(), json!(id));
        o.insert("created".into(), json!(format_ts(date)));
        o.insert("modified".into(), json!(format_ts(date)));
        o.insert("sighting_of_ref".into(), json!(of));
        o.insert("count".into(), json!(1));
        o.insert("first_seen".into(), json!(format_ts(date)));
        o.insert("last_seen".into(), json!(format_ts(date)));
        let said: Vec<String> = [
            s.source.as_ref().map(|x| format!("source: {x}")),
            org.map(|x| format!("organisation: {x}")),
        ]
        .into_iter()
        .flatten()
        .collect();
        if !said.is_empty() {
            o.insert("description".into(), json!(said.join("; ")));
        }
        if s.kind == Some(1) {
            o.insert(FALSE_POSITIVE_PROPERTY.into(), json!(true));
        }
        let m = Marks {
            labels: Vec::new(),
            ..marks.clone()
        };
        m.apply(&mut o);
        self.object(path, Value::Object(o), false);
    }

    /// An event report, as a note on the report.
    pub(super) fn event_report(&mut self, path: &str, r: &EventReport) {
        let gate = Gate {
            deleted: r.deleted,
            uuid: &r.uuid,
            distribution: r.distribution,
            group: &None,
            group_id: &r.sharing_group_id,
        };
        let Some(u) = self.enter(path, &gate) else {
            return;
        };
        let id = format!("note--{u}");
        let mut o = self.base_sdo("note", &id, r.timestamp.unwrap_or(self.stamps.modified));
        if !r.name.trim().is_empty() {
            o.insert("abstract".into(), json!(r.name));
        }
        o.insert("content".into(), json!(r.content));
        o.insert("object_refs".into(), json!([self.report_id]));
        let m = Marks {
            labels: Vec::new(),
            ..self.marks.clone()
        };
        m.apply(&mut o);
        self.object(path, Value::Object(o), true);
    }

    /// A MISP object: its attributes together, as one indicator (any of them `to_ids`) or one
    /// observed-data.
    pub(super) fn misp_object(&mut self, path: &str, o: &Object) {
        let gate = Gate {
            deleted: o.deleted,
            uuid: &o.uuid,
            distribution: o.distribution,
            group: &o.sharing_group,
            group_id: &o.sharing_group_id,
        };
        let Some(u) = self.enter(path, &gate) else {
            return;
        };
        let mut kept: Vec<&Attribute> = Vec::new();
        for (k, a) in o.attributes.iter().enumerate() {
            let apath = format!("{path}/Attribute/{k}");
            if !a.deleted
                && self.admitted(
                    &apath,
                    a.distribution,
                    &a.sharing_group,
                    &a.sharing_group_id,
                )
            {
                kept.push(a);
            }
        }
        if kept.is_empty() {
            return self.emit(
                path,
                Emit::Refused("no attribute of this object may be imported".into()),
            );
        }
        let tags: Vec<_> = kept.iter().flat_map(|a| a.tags.iter().cloned()).collect();
        let galaxies: Vec<_> = kept
            .iter()
            .flat_map(|a| a.galaxies.iter().cloned())
            .collect();
        let marks = Marks::of(&tags, &galaxies, Some(&self.marks));
        let modified = o
            .timestamp
            .or_else(|| kept.iter().filter_map(|a| a.timestamp).max())
            .unwrap_or(self.stamps.modified);
        let (cmps, rest) = compose(&o.name, &kept);
        let all = object_attributes(&kept);
        let id = if cmps.is_empty() {
            let id = format!("note--{u}");
            let mut n = self.base_sdo("note", &id, modified);
            n.insert("abstract".into(), json!(format!("MISP {} object", o.name)));
            let lines: Vec<String> = kept
                .iter()
                .map(|a| {
                    format!(
                        "{}: {}",
                        a.object_relation.as_deref().unwrap_or(&a.kind),
                        a.value
                    )
                })
                .collect();
            n.insert("content".into(), json!(lines.join("\n")));
            n.insert("object_refs".into(), json!([self.report_id]));
            n.insert("x_misp_object_name".into(), json!(o.name));
            if let Some(m) = &o.meta_category {
                n.insert("x_misp_meta_category".into(), json!(m));
            }
            n.insert("x_misp_attributes".into(), all);
            marks.apply(&mut n);
            self.object(path, Value::Object(n), true);
            id
        } else {
            let seen = seen(
                path,
                o.first_seen.as_deref(),
                o.last_seen.as_deref(),
                modified,
            );
            for w in &seen.warnings {
                self.emit(path, Emit::Warning(w.clone()));
            }
            let mut extra = vec![
                ("x_misp_object_name".to_owned(), json!(o.name)),
                ("x_misp_meta_category".to_owned(), json!(o.meta_category)),
            ];
            if !rest.is_empty() {
                extra.push(("x_misp_object_attributes".into(), json!(rest)));
            }
            extra.push(("x_misp_attributes".into(), all));
            let c = Content {
                path,
                uuid: u,
                to_ids: kept.iter().any(|a| a.to_ids),
                cmps: &cmps,
                marks: &marks,
                modified,
                seen: &seen,
                name: o.name.clone(),
                description: o.comment.clone().filter(|c| !c.trim().is_empty()),
                extra,
            };
            self.observable(&c)
        };
        self.ids.insert(o.uuid.trim().to_owned(), id.clone());
        for (k, a) in o.attributes.iter().enumerate() {
            if !kept.iter().any(|x| std::ptr::eq(*x, a)) {
                continue;
            }
            self.ids.insert(a.uuid.trim().to_owned(), id.clone());
            for (n, s) in a.sightings.iter().enumerate() {
                let spath = format!("{path}/Attribute/{k}/Sighting/{n}");
                self.sighting(&spath, &id, s, &marks);
            }
        }
    }

    /// An object reference, as a relationship between what both ends became.
    pub(super) fn reference(&mut self, path: &str, o: &Object, r: &ObjectReference) {
        if r.deleted {
            return;
        }
        let from = r
            .object_uuid
            .as_deref()
            .unwrap_or(&o.uuid)
            .trim()
            .to_owned();
        let (Some(source), Some(target)) = (
            self.ids.get(&from).cloned(),
            self.ids.get(r.referenced_uuid.trim()).cloned(),
        ) else {
            return self.emit(
                path,
                Emit::Warning(format!(
                    "refers to {} which was not imported: no relationship",
                    crate::error::excerpt(&r.referenced_uuid)
                )),
            );
        };
        let id = uuid_of(&r.uuid).ok().map(|u| format!("relationship--{u}"));
        let modified = r.timestamp.or(o.timestamp).unwrap_or(self.stamps.modified);
        let marks = self.marks.clone();
        let rel = relationship_type(&r.relationship_type);
        self.relationship(path, id, &source, &rel, &target, modified, &marks);
    }

    /// The report of the event, referring to everything imported.
    pub(super) fn report(&mut self) {
        let base = self.base.clone();
        if self.refs.is_empty() {
            return self.emit(
                &base,
                Emit::Refused("nothing in this event could be imported".into()),
            );
        }
        let e = self.event;
        let mut o = self.base_sdo("report", &self.report_id.clone(), self.stamps.modified);
        let name = if e.info.trim().is_empty() {
            format!("MISP event {}", e.uuid.trim())
        } else {
            e.info.trim().to_owned()
        };
        o.insert("name".into(), json!(name));
        o.insert("report_types".into(), json!(["threat-report"]));
        let published = e
            .publish_timestamp
            .filter(|p| *p > 0)
            .unwrap_or(self.stamps.modified);
        o.insert("published".into(), json!(format_ts(published)));
        o.insert("object_refs".into(), json!(self.refs));
        o.insert(
            "external_references".into(),
            json!([{ "source_name": "misp", "external_id": e.uuid.trim() }]),
        );
        if let Some(org) = e.orgc.as_ref().and_then(|o| o.name.as_deref()) {
            o.insert("x_misp_orgc".into(), json!(org));
        }
        if let Some(u) = e.orgc.as_ref().and_then(|o| o.uuid.as_deref()) {
            o.insert("x_misp_orgc_uuid".into(), json!(u));
        }
        for (k, v) in [
            ("x_misp_threat_level_id", e.threat_level_id),
            ("x_misp_analysis", e.analysis),
        ] {
            if let Some(v) = v {
                o.insert(k.into(), json!(v));
            }
        }
        if let Some(d) = e.date.as_deref().filter(|d| !d.trim().is_empty()) {
            o.insert("x_misp_date".into(), json!(d.trim()));
        }
        let marks = self.marks.clone();
        marks.apply(&mut o);
        self.emit(&base, Emit::Object(Value::Object(o)));
    }
}

/// Every attribute of an object as MISP wrote it, so that an export gives the object back:
/// `uuid`, `object_relation`, `type`, `category`, `to_ids`, `value`, `timestamp`, `comment` and
/// the attribute's own tags other than TLP and PAP (those are the STIX object's markings).
fn object_attributes(kept: &[&Attribute]) -> Value {
    let list: Vec<Value> = kept
        .iter()
        .map(|a| {
            let mut m = Map::new();
            m.insert("uuid".into(), json!(a.uuid.trim()));
            if let Some(r) = &a.object_relation {
                m.insert("object_relation".into(), json!(r));
            }
            m.insert("type".into(), json!(a.kind));
            if let Some(c) = &a.category {
                m.insert("category".into(), json!(c));
            }
            m.insert("to_ids".into(), json!(a.to_ids));
            m.insert("value".into(), json!(a.value));
            if let Some(t) = a.timestamp {
                m.insert("timestamp".into(), json!(t));
            }
            if let Some(c) = a.comment.as_deref().filter(|c| !c.trim().is_empty()) {
                m.insert("comment".into(), json!(c));
            }
            let tags: Vec<&str> = a
                .tags
                .iter()
                .map(|t| t.name.trim())
                .filter(|t| {
                    !t.is_empty()
                        && crate::intel::Tlp::from_tag(t).is_none()
                        && super::pap_of_tag(t).is_none()
                })
                .collect();
            if !tags.is_empty() {
                m.insert("tags".into(), json!(tags));
            }
            Value::Object(m)
        })
        .collect();
    Value::Array(list)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relationship_types_are_stix_words() {
        assert_eq!(relationship_type("Connected To"), "connected-to");
        assert_eq!(relationship_type("resolves-to"), "resolves-to");
        assert_eq!(relationship_type("  "), "related-to");
        assert_eq!(relationship_type("drops_file!"), "drops-file");
    }
}
