//! The MISP core format as simpul reads it: an Event with its Attributes, Objects (with their
//! ObjectReferences), Tags, Galaxies and their clusters, Sightings, EventReports and the
//! SharingGroup. Only what the conversion uses is modelled; other fields are ignored.
//!
//! MISP writes numbers as strings (`"timestamp": "1700000000"`), booleans as `"1"`/`"0"` or
//! `true`, and absent associations as `[]` or `null` as often as leaving them out; the
//! deserialisers in [`de`] accept each form.

use serde::Deserialize;

/// `{"Event": {...}}`: how MISP wraps an event (its API, exports and feeds).
#[derive(Debug, Clone, Deserialize)]
pub struct Wrapped {
    #[serde(rename = "Event")]
    pub event: Event,
}

/// A MISP event.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Event {
    pub uuid: String,
    pub info: String,
    /// `YYYY-MM-DD`.
    pub date: Option<String>,
    /// Seconds since the epoch of the last change.
    #[serde(deserialize_with = "de::opt_i64")]
    pub timestamp: Option<i64>,
    #[serde(deserialize_with = "de::opt_i64")]
    pub publish_timestamp: Option<i64>,
    /// 1 high … 4 undefined.
    #[serde(deserialize_with = "de::opt_i64")]
    pub threat_level_id: Option<i64>,
    /// 0 initial, 1 ongoing, 2 completed.
    #[serde(deserialize_with = "de::opt_i64")]
    pub analysis: Option<i64>,
    /// 0 your organisation, 1 this community, 2 connected communities, 3 all, 4 sharing group.
    #[serde(deserialize_with = "de::opt_i64")]
    pub distribution: Option<i64>,
    #[serde(deserialize_with = "de::opt_string")]
    pub sharing_group_id: Option<String>,
    #[serde(rename = "Orgc", deserialize_with = "de::opt_obj")]
    pub orgc: Option<Organisation>,
    #[serde(rename = "Attribute", deserialize_with = "de::list")]
    pub attributes: Vec<Attribute>,
    #[serde(rename = "Object", deserialize_with = "de::list")]
    pub objects: Vec<Object>,
    #[serde(rename = "Tag", deserialize_with = "de::list")]
    pub tags: Vec<Tag>,
    #[serde(rename = "Galaxy", deserialize_with = "de::list")]
    pub galaxies: Vec<Galaxy>,
    #[serde(rename = "EventReport", deserialize_with = "de::list")]
    pub reports: Vec<EventReport>,
    #[serde(rename = "SharingGroup", deserialize_with = "de::opt_obj")]
    pub sharing_group: Option<SharingGroup>,
}

/// An attribute: a typed value, of the event or of an object.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Attribute {
    pub uuid: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub category: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub value: String,
    /// Whether the value is an indicator of compromise (`to_ids`).
    #[serde(deserialize_with = "de::flag")]
    pub to_ids: bool,
    #[serde(deserialize_with = "de::opt_string")]
    pub comment: Option<String>,
    #[serde(deserialize_with = "de::opt_i64")]
    pub timestamp: Option<i64>,
    /// 0–4 as for events, 5 inherit.
    #[serde(deserialize_with = "de::opt_i64")]
    pub distribution: Option<i64>,
    #[serde(deserialize_with = "de::opt_string")]
    pub sharing_group_id: Option<String>,
    #[serde(rename = "SharingGroup", deserialize_with = "de::opt_obj")]
    pub sharing_group: Option<SharingGroup>,
    /// ISO 8601.
    #[serde(deserialize_with = "de::opt_string")]
    pub first_seen: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub last_seen: Option<String>,
    #[serde(deserialize_with = "de::flag")]
    pub deleted: bool,
    /// The attribute's role in its object (`ip`, `iban`…).
    #[serde(deserialize_with = "de::opt_string")]
    pub object_relation: Option<String>,
    #[serde(rename = "Tag", deserialize_with = "de::list")]
    pub tags: Vec<Tag>,
    #[serde(rename = "Galaxy", deserialize_with = "de::list")]
    pub galaxies: Vec<Galaxy>,
    #[serde(rename = "Sighting", deserialize_with = "de::list")]
    pub sightings: Vec<Sighting>,
}

/// An object: attributes grouped by a template (`file`, `bank-account`…).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Object {
    pub uuid: String,
    /// The template's name.
    pub name: String,
    #[serde(rename = "meta-category")]
    pub meta_category: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub comment: Option<String>,
    #[serde(deserialize_with = "de::opt_i64")]
    pub timestamp: Option<i64>,
    #[serde(deserialize_with = "de::opt_i64")]
    pub distribution: Option<i64>,
    #[serde(deserialize_with = "de::opt_string")]
    pub sharing_group_id: Option<String>,
    #[serde(rename = "SharingGroup", deserialize_with = "de::opt_obj")]
    pub sharing_group: Option<SharingGroup>,
    #[serde(deserialize_with = "de::opt_string")]
    pub first_seen: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub last_seen: Option<String>,
    #[serde(deserialize_with = "de::flag")]
    pub deleted: bool,
    #[serde(rename = "Attribute", deserialize_with = "de::list")]
    pub attributes: Vec<Attribute>,
    #[serde(rename = "ObjectReference", deserialize_with = "de::list")]
    pub references: Vec<ObjectReference>,
}

/// A typed link from an object to another object or attribute of the event.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ObjectReference {
    pub uuid: String,
    /// The object the reference starts from (the enclosing one when absent).
    #[serde(deserialize_with = "de::opt_string")]
    pub object_uuid: Option<String>,
    pub referenced_uuid: String,
    pub relationship_type: String,
    #[serde(deserialize_with = "de::opt_string")]
    pub comment: Option<String>,
    #[serde(deserialize_with = "de::opt_i64")]
    pub timestamp: Option<i64>,
    #[serde(deserialize_with = "de::flag")]
    pub deleted: bool,
}

/// A tag (`tlp:amber`, `PAP:GREEN`, `misp-galaxy:…`, free text).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Tag {
    pub name: String,
    /// A local tag is not meant to leave the instance; simpul keeps it like any other label.
    #[serde(deserialize_with = "de::flag")]
    pub local: bool,
}

/// A galaxy (`threat-actor`, `mitre-attack-pattern`…) with the clusters attached.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Galaxy {
    pub uuid: Option<String>,
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(rename = "GalaxyCluster", deserialize_with = "de::list")]
    pub clusters: Vec<GalaxyCluster>,
}

/// One cluster of a galaxy: a named actor, malware family, technique…
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct GalaxyCluster {
    pub uuid: String,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub value: String,
    pub tag_name: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub description: Option<String>,
}

/// A sighting of an attribute.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Sighting {
    pub uuid: Option<String>,
    /// 0 sighting, 1 false positive, 2 expiration.
    #[serde(rename = "type", deserialize_with = "de::opt_i64")]
    pub kind: Option<i64>,
    #[serde(deserialize_with = "de::opt_i64")]
    pub date_sighting: Option<i64>,
    #[serde(deserialize_with = "de::opt_string")]
    pub source: Option<String>,
    #[serde(rename = "Organisation", deserialize_with = "de::opt_obj")]
    pub organisation: Option<Organisation>,
}

/// A narrative report of the event (markdown).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct EventReport {
    pub uuid: String,
    pub name: String,
    pub content: String,
    #[serde(deserialize_with = "de::opt_i64")]
    pub timestamp: Option<i64>,
    #[serde(deserialize_with = "de::opt_i64")]
    pub distribution: Option<i64>,
    #[serde(deserialize_with = "de::opt_string")]
    pub sharing_group_id: Option<String>,
    #[serde(deserialize_with = "de::flag")]
    pub deleted: bool,
}

/// A MISP sharing group: the organisations it admits.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SharingGroup {
    #[serde(deserialize_with = "de::opt_string")]
    pub id: Option<String>,
    pub uuid: Option<String>,
    pub name: Option<String>,
    #[serde(rename = "SharingGroupOrg", deserialize_with = "de::list")]
    pub orgs: Vec<SharingGroupOrg>,
}

/// One organisation of a sharing group.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SharingGroupOrg {
    #[serde(rename = "Organisation", deserialize_with = "de::opt_obj")]
    pub organisation: Option<Organisation>,
}

/// An organisation as MISP names it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Organisation {
    pub name: Option<String>,
    pub uuid: Option<String>,
}

/// The lenient deserialisers of MISP's value forms.
pub mod de {
    use serde::de::{DeserializeOwned, Error};
    use serde::{Deserialize, Deserializer};
    use serde_json::Value;

    /// A string, or a number or boolean written as one; null is empty.
    pub fn string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        Ok(opt_string(d)?.unwrap_or_default())
    }

    pub fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::Null => None,
            Value::String(s) => Some(s),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            other => {
                return Err(D::Error::custom(format!(
                    "expected a string, found {}",
                    kind(&other)
                )));
            }
        })
    }

    /// An integer, or a string of one; null or an empty string is none.
    pub fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        match Value::deserialize(d)? {
            Value::Null => Ok(None),
            Value::Number(n) => n
                .as_i64()
                .map(Some)
                .ok_or_else(|| D::Error::custom(format!("expected an integer, found {n}"))),
            Value::String(s) if s.trim().is_empty() => Ok(None),
            Value::String(s) => s.trim().parse().map(Some).map_err(|_| {
                D::Error::custom(format!(
                    "expected an integer, found \"{}\"",
                    crate::error::excerpt(&s)
                ))
            }),
            other => Err(D::Error::custom(format!(
                "expected an integer, found {}",
                kind(&other)
            ))),
        }
    }

    /// `true`/`false`, `1`/`0`, `"1"`/`"0"`, `"true"`/`"false"`; null is false.
    pub fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
        match Value::deserialize(d)? {
            Value::Null => Ok(false),
            Value::Bool(b) => Ok(b),
            Value::Number(n) => Ok(n.as_i64() != Some(0)),
            Value::String(s) => match s.trim() {
                "1" | "true" | "True" => Ok(true),
                "0" | "false" | "False" | "" => Ok(false),
                other => Err(D::Error::custom(format!(
                    "expected a boolean, found \"{}\"",
                    crate::error::excerpt(other)
                ))),
            },
            other => Err(D::Error::custom(format!(
                "expected a boolean, found {}",
                kind(&other)
            ))),
        }
    }

    /// A list; null is empty.
    pub fn list<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Vec<T>, D::Error> {
        Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
    }

    /// An object; null and `[]` (how MISP writes an absent association) are none.
    pub fn opt_obj<'de, D: Deserializer<'de>, T: DeserializeOwned>(
        d: D,
    ) -> Result<Option<T>, D::Error> {
        match Value::deserialize(d)? {
            Value::Null => Ok(None),
            Value::Array(a) if a.is_empty() => Ok(None),
            v @ Value::Object(_) => serde_json::from_value(v)
                .map(Some)
                .map_err(D::Error::custom),
            other => Err(D::Error::custom(format!(
                "expected an object, found {}",
                kind(&other)
            ))),
        }
    }

    fn kind(v: &Value) -> &'static str {
        match v {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        }
    }
}
