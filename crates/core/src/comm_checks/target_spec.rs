//! Whom a check asks, as the starter gave it: every member organisation's contacts, the contacts of
//! some organisations, or named contacts. Kept as given; the contacts domain resolves it.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::contacts::ContactId;
use crate::error::Invalid;
use crate::org::ShortName;

/// The most organisations or contacts one spec names.
pub const MAX_NAMED: usize = 10_000;

/// `{"all_members":true}` | `{"orgs":[short…]}` | `{"contacts":[ids]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetSpec {
    #[serde(with = "all_members")]
    AllMembers,
    Orgs(Vec<ShortName>),
    Contacts(Vec<ContactId>),
}

mod all_members {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bool(true)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<(), D::Error> {
        match bool::deserialize(d)? {
            true => Ok(()),
            false => Err(serde::de::Error::custom("all_members must be true")),
        }
    }
}

impl TargetSpec {
    /// Reads the spec at `path` (a JSON pointer), with the path of the first problem.
    pub fn from_json(path: &str, v: &Value) -> Result<Self, Invalid> {
        let expected = "give one of {\"all_members\": true}, {\"orgs\": [short names]} or {\"contacts\": [contact ids]}";
        let Some(obj) = v.as_object().filter(|o| o.len() == 1) else {
            return Err(Invalid::new(path, expected));
        };
        let (key, value) = obj
            .iter()
            .next()
            .ok_or_else(|| Invalid::new(path, expected))?;
        let at = format!("{path}/{key}");
        let list = |v: &Value| -> Result<Vec<String>, Invalid> {
            let items = v
                .as_array()
                .filter(|a| !a.is_empty())
                .ok_or_else(|| Invalid::new(&at, "give a non-empty array"))?;
            if items.len() > MAX_NAMED {
                return Err(Invalid::new(&at, format!("at most {MAX_NAMED} entries")));
            }
            items
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    s.as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| Invalid::new(format!("{at}/{i}"), "give a string"))
                })
                .collect()
        };
        match key.as_str() {
            "all_members" if value == &Value::Bool(true) => Ok(Self::AllMembers),
            "all_members" => Err(Invalid::new(at, "all_members must be true")),
            "orgs" => {
                let mut orgs = Vec::new();
                for (i, s) in list(value)?.iter().enumerate() {
                    let short = super::short_at(format!("{at}/{i}"), s)?;
                    if !orgs.contains(&short) {
                        orgs.push(short);
                    }
                }
                Ok(Self::Orgs(orgs))
            }
            "contacts" => {
                let mut ids = Vec::new();
                for (i, s) in list(value)?.iter().enumerate() {
                    let id = s.parse::<uuid::Uuid>().map(ContactId).map_err(|_| {
                        Invalid::new(format!("{at}/{i}"), "not a contact id (a UUID)")
                    })?;
                    if !ids.contains(&id) {
                        ids.push(id);
                    }
                }
                Ok(Self::Contacts(ids))
            }
            _ => Err(Invalid::new(at, expected)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn specs_read_and_round_trip() {
        for v in [
            json!({"all_members": true}),
            json!({"orgs": ["id-cert", "sg-cert"]}),
            json!({"contacts": ["6d2b7f4e-7a44-4d8e-9a55-0d5f1f0f9a01"]}),
        ] {
            let spec = TargetSpec::from_json("/targets", &v).unwrap();
            assert_eq!(serde_json::to_value(&spec).unwrap(), v);
            assert_eq!(serde_json::from_value::<TargetSpec>(v).unwrap(), spec);
        }
    }

    #[test]
    fn bad_specs_name_their_path() {
        let cases = [
            (json!({}), "/targets"),
            (json!({"all_members": false}), "/targets/all_members"),
            (json!({"orgs": []}), "/targets/orgs"),
            (json!({"orgs": ["ok-cert", "!"]}), "/targets/orgs/1"),
            (json!({"contacts": ["nope"]}), "/targets/contacts/0"),
            (json!({"orgs": ["a1"], "contacts": []}), "/targets"),
            (json!({"teams": ["a1"]}), "/targets/teams"),
        ];
        for (v, path) in cases {
            assert_eq!(
                TargetSpec::from_json("/targets", &v).unwrap_err().path,
                path,
                "{v}"
            );
        }
    }
}
