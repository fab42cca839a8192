//! The TAXII envelope a client posts: `{"objects": [...], "more": …}` with no `type`. Read by
//! skimming: only the keys of the envelope and the `modified`/`created` of each object are kept
//! (a failure names its version); every other value is passed over without building a tree, so
//! a 64 MiB body costs its own bytes, not ten times them.

use std::fmt;

use serde::Deserializer;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use time::OffsetDateTime;

use crate::clock::rfc3339_micros;
use crate::error::Invalid;
use crate::intel::ingest::MAX_SHARE_OBJECTS;

/// Why a posted body is no TAXII envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvelopeError {
    /// Not JSON at all (400).
    Syntax(Invalid),
    /// JSON, but not an envelope of objects (422).
    Shape(Invalid),
}

/// Checks that `body` is a TAXII envelope: a JSON object whose `objects` is an array (and which
/// has no `type`: a bundle is not an envelope). What each object is, the pipeline then says.
pub fn check_envelope(body: &[u8]) -> Result<(), EnvelopeError> {
    object_versions(body).map(|_| ())
}

/// [`check_envelope`], answering the version of each of the envelope's objects, in order: its
/// `modified`, else its `created`, when that is an RFC 3339 timestamp (as a status names it).
pub(crate) fn object_versions(body: &[u8]) -> Result<Vec<Option<String>>, EnvelopeError> {
    // Skipping a value does not check its text: check the whole body is UTF-8 first, as a full
    // parse would.
    if let Err(e) = std::str::from_utf8(body) {
        return Err(EnvelopeError::Syntax(Invalid::new(
            "",
            format!("not JSON: not UTF-8 at byte {}", e.valid_up_to()),
        )));
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    let shape = match de.deserialize_any(EnvelopeVisitor) {
        Ok(shape) => shape,
        Err(e) => {
            return Err(EnvelopeError::Syntax(Invalid::new(
                "",
                format!("not JSON: {e}"),
            )));
        }
    };
    if let Err(e) = de.end() {
        return Err(EnvelopeError::Syntax(Invalid::new(
            "",
            format!("not JSON: {e}"),
        )));
    }
    let bad = |path: &str, msg: &str| Err(EnvelopeError::Shape(Invalid::new(path, msg)));
    match shape {
        Shape::NotObject => bad("", "an envelope is a JSON object with `objects`"),
        Shape::Bundle => bad(
            "/type",
            "an envelope has no `type` (post objects, not a bundle)",
        ),
        Shape::Envelope(None) => bad("/objects", "an envelope needs `objects`"),
        Shape::Envelope(Some(Objects::NotArray)) => {
            bad("/objects", "must be an array of STIX objects")
        }
        Shape::Envelope(Some(Objects::Versions(v))) if v.len() > MAX_SHARE_OBJECTS => bad(
            "/objects",
            &format!("more than {MAX_SHARE_OBJECTS} objects in one envelope"),
        ),
        Shape::Envelope(Some(Objects::Versions(v))) => Ok(v),
    }
}

/// The envelope `body` (checked: a JSON object with `objects`, without `type`) as a STIX bundle
/// for the share pipeline: `"type": "bundle"` first, then the envelope's own members unchanged,
/// so every object's bytes and its path (`/objects/3/…`) are the envelope's.
pub(crate) fn into_bundle(mut body: Vec<u8>) -> Vec<u8> {
    let start = body.iter().position(|b| *b == b'{').unwrap_or(0);
    let end = (start + 1).min(body.len());
    body.splice(start..end, br#"{"type":"bundle","#.iter().copied());
    body
}

/// The `visit_*` of a visitor for every JSON scalar (and `visit_str` unless `no_str`): each
/// answers `$value`.
macro_rules! scalars_are {
    ($ty:ty, $value:expr) => {
        fn visit_str<E: de::Error>(self, _: &str) -> Result<$ty, E> {
            Ok($value)
        }
        scalars_are!($ty, $value, no_str);
    };
    ($ty:ty, $value:expr, no_str) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<$ty, E> {
            Ok($value)
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<$ty, E> {
            Ok($value)
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<$ty, E> {
            Ok($value)
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<$ty, E> {
            Ok($value)
        }
        fn visit_unit<E: de::Error>(self) -> Result<$ty, E> {
            Ok($value)
        }
    };
}

enum Shape {
    NotObject,
    Bundle,
    Envelope(Option<Objects>),
}

enum Objects {
    NotArray,
    Versions(Vec<Option<String>>),
}

struct EnvelopeVisitor;

impl<'de> Visitor<'de> for EnvelopeVisitor {
    type Value = Shape;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a TAXII envelope")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Shape, A::Error> {
        let mut objects = None;
        let mut bundle = false;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match key.as_ref() {
                "objects" => objects = Some(map.next_value_seed(ObjectsSeed)?),
                "type" => {
                    bundle = true;
                    map.next_value::<IgnoredAny>()?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(if bundle {
            Shape::Bundle
        } else {
            Shape::Envelope(objects)
        })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Shape, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Shape::NotObject)
    }

    scalars_are!(Shape, Shape::NotObject);
}

/// The `objects` member: an array (each element's version) or anything else.
struct ObjectsSeed;

impl<'de> DeserializeSeed<'de> for ObjectsSeed {
    type Value = Objects;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Objects, D::Error> {
        d.deserialize_any(ObjectsVisitor)
    }
}

struct ObjectsVisitor;

impl<'de> Visitor<'de> for ObjectsVisitor {
    type Value = Objects;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of STIX objects")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Objects, A::Error> {
        let mut versions = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1 << 16));
        // One past the limit is enough to refuse; the rest is only passed over.
        while versions.len() <= MAX_SHARE_OBJECTS {
            match seq.next_element_seed(VersionSeed)? {
                Some(v) => versions.push(v),
                None => return Ok(Objects::Versions(versions)),
            }
        }
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Objects::Versions(versions))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Objects, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Objects::NotArray)
    }

    scalars_are!(Objects, Objects::NotArray);
}

/// One element of `objects`: its version when it is an object with a timestamp `modified` (or,
/// without one, `created`); anything else is passed over.
struct VersionSeed;

impl<'de> DeserializeSeed<'de> for VersionSeed {
    type Value = Option<String>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<String>, D::Error> {
        d.deserialize_any(VersionVisitor)
    }
}

struct VersionVisitor;

impl<'de> Visitor<'de> for VersionVisitor {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a STIX object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Option<String>, A::Error> {
        let (mut modified, mut created) = (None, None);
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            let slot = match key.as_ref() {
                "modified" => &mut modified,
                "created" => &mut created,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            *slot = Some(map.next_value::<Timestamp>()?.0);
        }
        Ok(modified.or(created).flatten())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Option<String>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }

    scalars_are!(Option<String>, None);
}

/// A `modified` or `created` value: the timestamp it names (as a status writes versions), or
/// `None` when it is not a string holding an RFC 3339 timestamp. Any JSON is accepted here; the
/// pipeline reports what is wrong with it.
struct Timestamp(Option<String>);

impl<'de> de::Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Timestamp;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a timestamp")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Timestamp, E> {
                Ok(Timestamp(
                    OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
                        .ok()
                        .map(rfc3339_micros),
                ))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Timestamp, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Timestamp(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Timestamp, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Timestamp(None))
            }
            scalars_are!(Timestamp, Timestamp(None), no_str);
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelopes_and_their_shapes() {
        assert!(check_envelope(br#" {"objects": []}"#).is_ok());
        for syntax in [
            &b"{"[..],
            b"",
            b"{\"objects\": []} x",
            b"nul",
            b"{\"objects\": [], \"more\": \"\xff\xfe\"}",
        ] {
            assert!(
                matches!(check_envelope(syntax), Err(EnvelopeError::Syntax(_))),
                "{:?}",
                String::from_utf8_lossy(syntax)
            );
        }
        for (bad, path) in [
            (&br#"[]"#[..], ""),
            (br#"7"#, ""),
            (br#"{"type":"bundle","objects":[]}"#, "/type"),
            (br#"{"objects":[],"type":"bundle"}"#, "/type"),
            (br#"{"objects":{}}"#, "/objects"),
            (br#"{"objects":"x"}"#, "/objects"),
            (br#"{"more":false}"#, "/objects"),
        ] {
            match check_envelope(bad) {
                Err(EnvelopeError::Shape(i)) => assert_eq!(i.path, path),
                other => panic!("{}: {other:?}", String::from_utf8_lossy(bad)),
            }
        }
        assert_eq!(
            into_bundle(br#" {"objects": [1]}"#.to_vec()),
            br#" {"type":"bundle","objects": [1]}"#.to_vec()
        );
    }

    #[test]
    fn an_envelope_holds_a_bounded_number_of_objects() {
        let many = |n: usize| format!("{{\"objects\": [{}]}}", vec!["{}"; n].join(","));
        assert_eq!(
            object_versions(many(MAX_SHARE_OBJECTS).as_bytes())
                .unwrap()
                .len(),
            MAX_SHARE_OBJECTS
        );
        match object_versions(many(MAX_SHARE_OBJECTS + 3).as_bytes()) {
            Err(EnvelopeError::Shape(i)) => {
                assert_eq!(i.path, "/objects");
                assert!(
                    i.message.contains("more than 200000 objects"),
                    "{}",
                    i.message
                );
            }
            other => panic!("{:?}", other.map(|v| v.len())),
        }
        // What follows the objects is still read: a syntax error there is one.
        let tail = format!(
            "{{\"objects\": [{}], x}}",
            vec!["{}"; MAX_SHARE_OBJECTS + 3].join(",")
        );
        assert!(matches!(
            object_versions(tail.as_bytes()),
            Err(EnvelopeError::Syntax(_))
        ));
    }

    #[test]
    fn each_object_s_version_is_modified_else_created() {
        let body = br#"{"more": false, "objects": [
            {"id": "a", "created": "2024-01-01T00:00:00Z", "modified": "2024-02-01T00:00:00.5Z",
             "nested": {"modified": "1999-01-01T00:00:00Z"}},
            {"created": "2024-03-01T00:00:00Z"},
            {"modified": 7, "created": "2024-03-01T00:00:00Z"},
            {"modified": "yesterday"},
            {"modified": {"deep": [1, 2]}},
            [], 3, "x", null, true
        ]}"#;
        assert_eq!(
            object_versions(body).unwrap(),
            vec![
                Some("2024-02-01T00:00:00.500000Z".to_owned()),
                Some("2024-03-01T00:00:00.000000Z".to_owned()),
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
            ]
        );
    }
}
