//! The STIX ids an object points at, kept at ingest (`object_refs` in both stores) so that "what
//! refers to this object" is an indexed query: the sightings of an indicator, the relationships of
//! a malware, the reports that contain a campaign.
//!
//! The references kept are the ones that say what an object is *about*: a sighting's
//! `sighting_of_ref`, `where_sighted_refs` and `observed_data_refs`, a relationship's `source_ref`
//! and `target_ref`, and the `object_refs` of reports, groupings, notes, opinions and observed-data.
//! Who made an object (`created_by_ref`) and how it is marked (`object_marking_refs`) are not: they
//! would put every object of an organisation behind one id.

use std::collections::HashSet;

use simpul_stix::{Json, StixObject};

/// The properties whose ids are kept, single (`_ref`) and lists (`_refs`).
pub const REF_PROPERTIES: [&str; 6] = [
    "sighting_of_ref",
    "where_sighted_refs",
    "observed_data_refs",
    "source_ref",
    "target_ref",
    "object_refs",
];

/// The ids `obj` refers to through [`REF_PROPERTIES`], each once, in first-seen order. Values that
/// are not strings are skipped (validation has refused them already for the STIX types).
pub fn refs_of(obj: &StixObject<'_>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    // A report may refer to 100,000 objects: duplicates are found by hash, not by scanning.
    let mut seen: HashSet<String> = HashSet::new();
    let mut push = |s: &str| {
        if !s.is_empty() && seen.insert(s.to_owned()) {
            out.push(s.to_owned());
        }
    };
    for name in REF_PROPERTIES {
        match obj.get(name) {
            Some(Json::String(s)) => push(s),
            Some(Json::Array(items)) => items.iter().filter_map(Json::as_str).for_each(&mut push),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(json: &str) -> Vec<String> {
        refs_of(&simpul_stix::parse_object(json.as_bytes()).unwrap())
    }

    #[test]
    fn what_an_object_is_about_not_who_made_or_marked_it() {
        let ind = "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f";
        let idy = "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff";
        let tlp = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487";
        let obs = "observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf";
        assert_eq!(
            refs(&format!(
                r#"{{"type":"sighting","id":"sighting--ee20065d-2555-424f-ad9e-0f8428623c75","sighting_of_ref":"{ind}","where_sighted_refs":["{idy}","{idy}"],"observed_data_refs":["{obs}"],"created_by_ref":"{idy}","object_marking_refs":["{tlp}"]}}"#
            )),
            [ind, idy, obs]
        );
        assert_eq!(
            refs(&format!(
                r#"{{"type":"relationship","source_ref":"{ind}","target_ref":"{idy}","created_by_ref":"{idy}"}}"#
            )),
            [ind, idy]
        );
        assert_eq!(
            refs(&format!(
                r#"{{"type":"report","object_refs":["{ind}", 3, "{obs}", "{ind}", ""]}}"#
            )),
            [ind, obs]
        );
        assert!(refs(r#"{"type":"indicator","created_by_ref":"identity--x"}"#).is_empty());
    }
}
