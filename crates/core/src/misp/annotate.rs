//! What an export adds to its attributes and events beyond the objects themselves: the visible
//! sightings of an attribute as MISP `Sighting`s, and the galaxy SDOs (threat actors, intrusion
//! sets, attack patterns, malware, tools) an import made of MISP galaxy clusters as `Galaxy`
//! entries with their `GalaxyCluster` (documented in `MAPPING.md`, "Sightings and galaxies").
//! Pure: the sightings and SDOs are read by [`super::events`] through the sharing policy.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::from_stix::{Head, parse, uuid_part};
use crate::intel::aggregate::FALSE_POSITIVE_PROPERTY;
use crate::intel::sightings::SeenBy;
use crate::intel::store::StoredObject;

/// The STIX types an import makes of galaxy clusters (`to_stix`'s `galaxy_sdo`).
pub const GALAXY_TYPES: [&str; 5] = [
    "threat-actor",
    "intrusion-set",
    "attack-pattern",
    "malware",
    "tool",
];

/// Whether the STIX id `id` is of a galaxy SDO type.
pub fn is_galaxy_id(id: &str) -> bool {
    id.split_once("--")
        .is_some_and(|(t, _)| GALAXY_TYPES.contains(&t))
}

fn text<'v>(v: &'v Value, k: &str) -> Option<&'v str> {
    v.get(k).and_then(Value::as_str)
}

fn secs(s: Option<&str>) -> Option<i64> {
    OffsetDateTime::parse(s?, &Rfc3339)
        .ok()
        .map(OffsetDateTime::unix_timestamp)
}

/// A visible `sighting` (`o`, its JSON `v`) reported by the organisation of short name `org`, as
/// a MISP sighting: type 0 (1 for a false positive), `date_sighting` its `last_seen` (else its
/// `created`) in epoch seconds, `source` and `Organisation` the organisation, `uuid` the uuid of
/// its STIX id (an imported MISP sighting's own uuid).
pub fn sighting(o: &StoredObject, v: &Value, org: &str) -> Value {
    let date = secs(text(v, "last_seen"))
        .or_else(|| secs(text(v, "created")))
        .unwrap_or_default();
    let false_positive = v[FALSE_POSITIVE_PROPERTY].as_bool() == Some(true);
    json!({
        "uuid": uuid_part(&o.stix_id),
        "type": if false_positive { "1" } else { "0" },
        "date_sighting": date.to_string(),
        "source": org,
        "Organisation": {"name": org},
    })
}

/// The `sighting_of_ref` of a sighting's JSON.
pub fn sighted(v: &Value) -> Option<&str> {
    text(v, "sighting_of_ref")
}

/// The galaxy type and value of a `misp-galaxy:<type>="<value>"` tag.
fn galaxy_tag(tag: &str) -> Option<(&str, &str)> {
    let rest = tag.strip_prefix("misp-galaxy:")?;
    let (kind, value) = rest.split_once('=')?;
    Some((kind, value.trim_matches('"')))
}

/// The `GalaxyCluster` of a galaxy SDO (JSON `v`) and its galaxy's type: the type and tag of the
/// carrier's label naming it (`labels`: the event's or the attribute's, where the import put the
/// cluster's `tag_name`), else the SDO's STIX type and `misp-galaxy:<type>="<name>"`.
pub fn cluster(v: &Value, labels: &[String]) -> Option<(String, Value)> {
    let id = text(v, "id")?;
    let stix_type = text(v, "type")?;
    let name = text(v, "name")?;
    let (kind, tag) = labels
        .iter()
        .find_map(|l| {
            galaxy_tag(l)
                .filter(|(_, value)| *value == name)
                .map(|(k, _)| (k.to_owned(), l.clone()))
        })
        .unwrap_or_else(|| {
            (
                stix_type.to_owned(),
                format!("misp-galaxy:{stix_type}=\"{name}\""),
            )
        });
    let mut c = Map::new();
    c.insert("uuid".into(), json!(uuid_part(id)));
    c.insert("type".into(), json!(kind));
    c.insert("value".into(), json!(name));
    c.insert("tag_name".into(), json!(tag));
    if let Some(d) = text(v, "description") {
        c.insert("description".into(), json!(d));
    }
    Some((kind, Value::Object(c)))
}

/// `Galaxy` entries: the clusters grouped by their galaxy's type, in type order.
pub fn galaxies(clusters: Vec<(String, Value)>) -> Vec<Value> {
    let mut by: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for (kind, c) in clusters {
        let list = by.entry(kind).or_default();
        if !list.iter().any(|x| x["uuid"] == c["uuid"]) {
            list.push(c);
        }
    }
    by.into_iter()
        .map(|(kind, list)| json!({"type": kind, "name": kind, "GalaxyCluster": list}))
        .collect()
}

/// The tag names of `galaxies`' clusters.
pub fn galaxy_tags(galaxies: &[Value]) -> Vec<String> {
    galaxies
        .iter()
        .flat_map(|g| g["GalaxyCluster"].as_array().into_iter().flatten())
        .filter_map(|c| c["tag_name"].as_str().map(str::to_owned))
        .collect()
}

/// A relationship from an object to a galaxy SDO: `(source, target)`.
pub fn galaxy_link(v: &Value) -> Option<(String, String)> {
    let target = text(v, "target_ref").filter(|t| is_galaxy_id(t))?;
    Some((text(v, "source_ref")?.to_owned(), target.to_owned()))
}

/// The event's `Galaxy` entries: the galaxy SDOs it refers to (`sdos`) that its labels name or
/// that no member relates to (`links`: those are its attributes'); their tags join the event's.
pub fn event_galaxies(
    head: &mut Head,
    sdos: &BTreeMap<String, Value>,
    links: &HashMap<String, Vec<String>>,
) {
    let linked: HashSet<&String> = links.values().flatten().collect();
    let clusters: Vec<(String, Value)> = sdos
        .iter()
        .filter_map(|(id, v)| Some((id, cluster(v, &head.labels)?)))
        .filter(|(id, (_, c))| {
            !linked.contains(id)
                || c["tag_name"]
                    .as_str()
                    .is_some_and(|t| head.labels.iter().any(|l| l == t))
        })
        .map(|(_, c)| c)
        .collect();
    head.galaxies = galaxies(clusters);
    for t in galaxy_tags(&head.galaxies) {
        if !head.labels.contains(&t) {
            head.labels.push(t);
        }
    }
}

/// Adds to attribute `m` (of an object labelled `labels`) its visible `sightings` and the
/// galaxies of the SDOs its object relates to (`galaxy`: the event's SDOs and the ids related),
/// with their tags where neither the attribute nor its event has them.
pub fn attribute(
    m: &mut Map<String, Value>,
    labels: &[String],
    sightings: Option<&Vec<SeenBy>>,
    galaxy: (&BTreeMap<String, Value>, Option<&Vec<String>>),
    head: &Head,
) {
    if let Some(list) = sightings {
        let out: Vec<Value> = list
            .iter()
            .filter_map(|s| Some(sighting(&s.sighting, &parse(&s.sighting)?, &s.org)))
            .collect();
        m.insert("Sighting".into(), Value::Array(out));
    }
    let (sdos, related) = galaxy;
    let clusters: Vec<(String, Value)> = related
        .into_iter()
        .flatten()
        .filter_map(|id| sdos.get(id))
        .filter_map(|sdo| cluster(sdo, labels))
        .collect();
    if clusters.is_empty() {
        return;
    }
    let galaxies = galaxies(clusters);
    if let Some(Value::Array(tags)) = m.get_mut("Tag") {
        for t in galaxy_tags(&galaxies) {
            let held = tags.iter().any(|x| x["name"] == t.as_str()) || head.labels.contains(&t);
            if !held {
                tags.push(json!({ "name": t }));
            }
        }
    }
    m.insert("Galaxy".into(), Value::Array(galaxies));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cluster_takes_its_galaxy_from_the_label_naming_it() {
        let actor = json!({"type": "threat-actor", "id": "threat-actor--6a1e0000-0000-4000-8000-000000000077",
            "name": "Scam Crew", "description": "Calls banks' customers"});
        let labels = vec![
            "misp-galaxy:mitre-intrusion-set=\"Other\"".to_owned(),
            "misp-galaxy:threat-actor=\"Scam Crew\"".to_owned(),
        ];
        let (kind, c) = cluster(&actor, &labels).unwrap();
        assert_eq!(kind, "threat-actor");
        assert_eq!(
            c,
            json!({"uuid": "6a1e0000-0000-4000-8000-000000000077", "type": "threat-actor",
                   "value": "Scam Crew", "tag_name": "misp-galaxy:threat-actor=\"Scam Crew\"",
                   "description": "Calls banks' customers"})
        );
        let (kind, c) = cluster(&actor, &[]).unwrap();
        assert_eq!(
            (kind.as_str(), &c["tag_name"]),
            (
                "threat-actor",
                &json!("misp-galaxy:threat-actor=\"Scam Crew\"")
            )
        );
        let g = galaxies(vec![(kind.clone(), c.clone()), (kind, c)]);
        assert_eq!(g.len(), 1);
        assert_eq!(g[0]["GalaxyCluster"].as_array().unwrap().len(), 1);
        assert_eq!(galaxy_tags(&g), ["misp-galaxy:threat-actor=\"Scam Crew\""]);
    }

    #[test]
    fn only_links_to_galaxy_sdos_count() {
        let rel = |t: &str| json!({"source_ref": "indicator--1", "target_ref": t});
        assert_eq!(
            galaxy_link(&rel("malware--2")),
            Some(("indicator--1".into(), "malware--2".into()))
        );
        assert_eq!(galaxy_link(&rel("indicator--3")), None);
    }
}
