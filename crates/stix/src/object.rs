//! [`StixObject`]: one STIX object (or bundle) as parsed, with typed views of its common properties.

use crate::id::StixId;
use serde::de::DeserializeSeed;

use crate::json::{Json, JsonSeed, Map};
use crate::schema::{self, Category};
use crate::timestamp::Timestamp;

/// Where and why input could not be parsed as a STIX object.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} at line {line} column {column}")]
pub struct ParseError {
    /// 1-based line of the problem (0 when unknown).
    pub line: usize,
    /// 1-based column of the problem (0 when unknown).
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

impl ParseError {
    pub(crate) fn from_json(e: &serde_json::Error) -> Self {
        let text = e.to_string();
        // serde_json appends " at line L column C"; keep the message alone.
        let message = match text.rfind(" at line ") {
            Some(i) => text[..i].to_owned(),
            None => text,
        };
        Self {
            line: e.line(),
            column: e.column(),
            message,
        }
    }
}

/// One STIX object, bundle or custom object: every property in document order, so that
/// serialising it gives back exactly what was parsed (unknown and custom properties included).
/// Strings are borrowed from the parsed input where possible (`'a`); [`StixObject::into_owned`]
/// detaches it.
#[derive(Debug, Clone, PartialEq)]
pub struct StixObject<'a> {
    props: Map<'a>,
}

impl<'a> StixObject<'a> {
    /// Wraps a JSON object (no checks: run [`crate::validate()`] for that).
    pub fn from_map(props: Map<'a>) -> Self {
        Self { props }
    }

    /// Wraps a JSON value that must be an object.
    pub fn from_json(value: Json<'a>) -> Result<Self, ParseError> {
        match value {
            Json::Object(m) => Ok(Self { props: m }),
            other => Err(ParseError {
                line: 1,
                column: 1,
                message: format!(
                    "expected a JSON object (a STIX object or bundle), found {}",
                    other.kind()
                ),
            }),
        }
    }

    /// All properties.
    pub fn properties(&self) -> &Map<'a> {
        &self.props
    }
    /// All properties, mutable (e.g. to set a computed `id`).
    pub fn properties_mut(&mut self) -> &mut Map<'a> {
        &mut self.props
    }
    /// Consumes the object, giving its properties.
    pub fn into_properties(self) -> Map<'a> {
        self.props
    }
    /// A property.
    pub fn get(&self, name: &str) -> Option<&Json<'a>> {
        self.props.get(name)
    }
    /// A string property.
    pub fn get_str(&self, name: &str) -> Option<&str> {
        self.props.get(name).and_then(Json::as_str)
    }
    /// The `type`.
    pub fn type_name(&self) -> Option<&str> {
        self.get_str("type")
    }
    /// The `id` as written.
    pub fn id_str(&self) -> Option<&str> {
        self.get_str("id")
    }
    /// The `id`, if syntactically valid.
    pub fn id(&self) -> Option<StixId> {
        self.id_str().and_then(|s| StixId::parse(s).ok())
    }
    /// The category of a STIX 2.1 type; custom types are classified by shape (an object with
    /// `created` is domain-like, otherwise observable-like).
    pub fn category(&self) -> Option<Category> {
        let t = self.type_name()?;
        schema::category_of(t).or_else(|| {
            Some(
                if self.props.contains_key("created") || self.props.contains_key("modified") {
                    Category::Sdo
                } else {
                    Category::Sco
                },
            )
        })
    }
    /// `created`, if present and valid.
    pub fn created(&self) -> Option<Timestamp> {
        self.get_str("created")
            .and_then(|s| Timestamp::parse(s).ok())
    }
    /// `modified`, if present and valid.
    pub fn modified(&self) -> Option<Timestamp> {
        self.get_str("modified")
            .and_then(|s| Timestamp::parse(s).ok())
    }
    /// `revoked` (false when absent).
    pub fn revoked(&self) -> bool {
        self.props
            .get("revoked")
            .and_then(Json::as_bool)
            .unwrap_or(false)
    }
    /// `created_by_ref`.
    pub fn created_by_ref(&self) -> Option<&str> {
        self.get_str("created_by_ref")
    }
    /// The ids in `object_marking_refs` (strings only).
    pub fn object_marking_refs(&self) -> impl Iterator<Item = &str> {
        self.props
            .get("object_marking_refs")
            .and_then(Json::as_array)
            .unwrap_or(&[])
            .iter()
            .filter_map(Json::as_str)
    }
    /// The most restrictive TLP level among `object_marking_refs`.
    pub fn tlp(&self) -> Option<crate::Tlp> {
        crate::Tlp::most_restrictive(self.object_marking_refs())
    }
    /// The objects of a bundle (empty for other objects).
    pub fn bundle_objects(&self) -> impl Iterator<Item = &Map<'a>> {
        let objs = if self.type_name() == Some("bundle") {
            self.props
                .get("objects")
                .and_then(Json::as_array)
                .unwrap_or(&[])
        } else {
            &[]
        };
        objs.iter().filter_map(Json::as_object)
    }
    /// The same object with nothing borrowed from the input (to keep it past the input buffer).
    pub fn into_owned(self) -> StixObject<'static> {
        StixObject {
            props: self.props.into_owned(),
        }
    }
    /// Serialises to compact JSON, properties in their original order.
    pub fn to_json_string(&self) -> String {
        // Serialising a Map of our own values cannot fail.
        serde_json::to_string(&self.props).unwrap_or_default()
    }
}

impl serde::Serialize for StixObject<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.props.serialize(s)
    }
}

/// Parses one JSON object (a STIX object, a custom object or a bundle) from bytes.
/// Invalid JSON, duplicate keys, nesting deeper than 128 and a non-object top level are errors
/// with a position; this never panics.
pub fn parse_object(bytes: &[u8]) -> Result<StixObject<'_>, ParseError> {
    StixObject::from_json(parse_json(bytes)?)
}

/// Parses any JSON value with the same guarantees as [`parse_object`].
pub fn parse_json(bytes: &[u8]) -> Result<Json<'_>, ParseError> {
    from_bytes(bytes).map_err(|e| ParseError::from_json(&e))
}

/// Deserialises one JSON value from bytes (trailing non-whitespace is an error, as with
/// `serde_json::from_slice`). Input that is valid UTF-8 as a whole (checked once, in one pass)
/// goes through the fast reader of [`crate::fastjson`] and, when that declines, is parsed by
/// serde_json as `&str` (so it does not re-check the UTF-8 of every string); other input goes
/// through serde_json's byte reader, which reports the invalid byte's position exactly as before.
fn from_bytes(bytes: &[u8]) -> Result<Json<'_>, serde_json::Error> {
    fn whole<'a, R: serde_json::de::Read<'a>>(
        mut de: serde_json::Deserializer<R>,
    ) -> Result<Json<'a>, serde_json::Error> {
        let v = JsonSeed(std::marker::PhantomData).deserialize(&mut de)?;
        de.end()?;
        Ok(v)
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => match crate::fastjson::parse(text) {
            Some(v) => Ok(v),
            None => whole(serde_json::Deserializer::from_str(text)),
        },
        Err(_) => whole(serde_json::Deserializer::from_slice(bytes)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_is_exact() {
        let text = r#"{"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2016-04-06T20:03:48.000Z","modified":"2016-04-06T20:03:48.000Z","x_acme_score":7.5,"pattern":"[file:name = 'x']","pattern_type":"stix","valid_from":"2016-01-01T00:00:00Z","x_nested":{"b":[1,2,{"c":null}],"a":false}}"#;
        let obj = parse_object(text.as_bytes()).unwrap();
        assert_eq!(obj.to_json_string(), text);
    }

    #[test]
    fn into_owned_outlives_the_input_and_validates_the_same() {
        let text = String::from(
            r#"{"type":"identity","spec_version":"2.1","id":"identity--311b2d2d-f010-4473-83ec-1edf84858f4c","created":"2015-12-21T19:59:11.000Z","modified":"2015-12-21T19:59:11.000Z","name":"ACME \"Widgets\"","x_acme_tier":"gold","identity_class":"organization"}"#,
        );
        let borrowed = parse_object(text.as_bytes()).unwrap();
        let expected = crate::validate(&borrowed, &crate::ValidateOptions::default());
        let owned = borrowed.clone().into_owned();
        drop(borrowed);
        drop(text);
        assert_eq!(
            crate::validate(&owned, &crate::ValidateOptions::default()),
            expected
        );
        assert_eq!(owned.get_str("name"), Some("ACME \"Widgets\""));
    }

    #[test]
    fn errors_have_positions() {
        let e = parse_object(b"{\"type\": \"indicator\",\n  \"id\": }").unwrap_err();
        assert_eq!((e.line, e.column), (2, 9));
        let e = parse_object(b"[1,2]").unwrap_err();
        assert!(e.message.contains("expected a JSON object"));
        let deep = "[".repeat(10_000);
        assert!(parse_object(deep.as_bytes()).is_err());
    }
}
