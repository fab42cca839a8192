//! Streaming reader: a bundle, a single object, a JSON array of objects, or JSON lines (any
//! sequence of JSON values), read from `impl Read` one object at a time so that a bundle of any
//! size is validated in bounded memory.
//!
//! A bundle's `objects` are streamed when `type: "bundle"` comes before `objects` (as every
//! producer we know writes it); otherwise the array is buffered until the type is known.

use std::fmt;
use std::io::Read;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::json::{Json, JsonSeed, Map};
use crate::object::{ParseError, StixObject};

/// One unit read from the stream.
#[derive(Debug)]
pub enum Unit<'a> {
    /// A top-level object that is not a bundle, or an element of a top-level array.
    Object(StixObject<'a>),
    /// An object inside a bundle, with its index in `objects`.
    BundleObject {
        /// Position in the bundle's `objects`.
        index: usize,
        /// The object.
        object: StixObject<'a>,
    },
    /// The bundle's own properties (without `objects`), after its objects; `objects_len` counts them.
    BundleEnd {
        /// The envelope properties, in order, with `objects` removed.
        envelope: Map<'a>,
        /// How many elements `objects` had (`None` if absent or not an array).
        objects_len: Option<usize>,
    },
    /// A value where an object was expected (top level, array element or bundle element).
    NotAnObject {
        /// JSON type found.
        found: &'static str,
        /// Index in the enclosing array or bundle, if any.
        index: Option<usize>,
    },
}

/// Inputs up to this size are read whole and parsed from memory (about twice as fast as
/// parsing through `Read`); larger ones are streamed object by object.
pub const IN_MEMORY_LIMIT: usize = 16 << 20;

/// Reads every unit from `reader`, calling `on_unit` for each. Stops at the first syntax error,
/// which is returned with its position (units before it have been delivered). Memory is bounded by
/// [`IN_MEMORY_LIMIT`] plus the largest single object.
pub fn read_units<R: Read>(reader: R, on_unit: impl FnMut(Unit)) -> Result<(), ParseError> {
    read_units_limit(reader, IN_MEMORY_LIMIT, on_unit)
}

fn read_units_limit<R: Read>(
    mut reader: R,
    in_memory: usize,
    mut on_unit: impl FnMut(Unit),
) -> Result<(), ParseError> {
    let mut buf = Vec::new();
    let limit = u64::try_from(in_memory).unwrap_or(u64::MAX);
    let n = (&mut reader)
        .take(limit + 1)
        .read_to_end(&mut buf)
        .map_err(|e| ParseError {
            line: 0,
            column: 0,
            message: format!("read error: {e}"),
        })?;
    if n <= in_memory {
        // A StreamDeserializer tracks its offset; `Deserializer::end` on a slice would compute a
        // line/column from the start of the input after every value (quadratic).
        // Valid UTF-8 as a whole (one pass) is parsed as `&str`, so strings are not re-checked one
        // by one; otherwise the byte reader reports the invalid byte where it is.
        if let Ok(text) = std::str::from_utf8(&buf) {
            // One whole value (a bundle or an array, the usual file): the fast reader, when it
            // is sure of it (it emits nothing otherwise, and serde_json then reads as before).
            if let Some(v) = crate::fastjson::parse(text) {
                emit_value(v, &mut on_unit);
                return Ok(());
            }
            for v in serde_json::Deserializer::from_str(text).into_iter::<Json>() {
                emit_value(v.map_err(|e| ParseError::from_json(&e))?, &mut on_unit);
            }
        } else {
            for v in serde_json::Deserializer::from_slice(&buf).into_iter::<Json>() {
                emit_value(v.map_err(|e| ParseError::from_json(&e))?, &mut on_unit);
            }
        }
        return Ok(());
    }
    let rest = std::io::Cursor::new(buf).chain(reader);
    units_from(
        &mut serde_json::Deserializer::from_reader(std::io::BufReader::with_capacity(
            1 << 16,
            rest,
        )),
        &mut on_unit,
    )
}

/// Delivers one whole top-level value as units (same units as the streaming path).
fn emit_value<'b>(v: Json<'b>, on_unit: &mut impl FnMut(Unit<'b>)) {
    match v {
        Json::Array(a) => {
            for (i, e) in a.into_iter().enumerate() {
                match e {
                    Json::Object(m) => on_unit(Unit::Object(StixObject::from_map(m))),
                    other => on_unit(Unit::NotAnObject {
                        found: not_object(&other),
                        index: Some(i),
                    }),
                }
            }
        }
        Json::Object(mut m) if m.get("type").and_then(Json::as_str) == Some("bundle") => {
            let mut objects_len = None;
            match m.remove("objects") {
                Some(Json::Array(a)) => {
                    objects_len = Some(a.len());
                    for (index, o) in a.into_iter().enumerate() {
                        match o {
                            Json::Object(om) => on_unit(Unit::BundleObject {
                                index,
                                object: StixObject::from_map(om),
                            }),
                            other => on_unit(Unit::NotAnObject {
                                found: not_object(&other),
                                index: Some(index),
                            }),
                        }
                    }
                }
                Some(other) => m.insert("objects", other),
                None => {}
            }
            on_unit(Unit::BundleEnd {
                envelope: m,
                objects_len,
            });
        }
        Json::Object(m) => on_unit(Unit::Object(StixObject::from_map(m))),
        other => on_unit(Unit::NotAnObject {
            found: not_object(&other),
            index: None,
        }),
    }
}

fn units_from<'de, R: serde_json::de::Read<'de>, F: FnMut(Unit<'de>)>(
    de: &mut serde_json::Deserializer<R>,
    on_unit: &mut F,
) -> Result<(), ParseError> {
    loop {
        if de.end().is_ok() {
            return Ok(());
        }
        TopSeed {
            on_unit: &mut *on_unit,
        }
        .deserialize(&mut *de)
        .map_err(|e| ParseError::from_json(&e))?;
    }
}

struct TopSeed<'f, F> {
    on_unit: &'f mut F,
}

impl<'de, F: FnMut(Unit<'de>)> DeserializeSeed<'de> for TopSeed<'_, F> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(TopVisitor {
            on_unit: self.on_unit,
        })
    }
}

struct TopVisitor<'f, F> {
    on_unit: &'f mut F,
}

fn not_object(v: &Json) -> &'static str {
    v.kind()
}

impl<'de, F: FnMut(Unit<'de>)> Visitor<'de> for TopVisitor<'_, F> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a STIX object, a bundle, or an array of objects")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        (self.on_unit)(Unit::NotAnObject {
            found: "boolean",
            index: None,
        });
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        (self.on_unit)(Unit::NotAnObject {
            found: "integer",
            index: None,
        });
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        (self.on_unit)(Unit::NotAnObject {
            found: "integer",
            index: None,
        });
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        (self.on_unit)(Unit::NotAnObject {
            found: "number",
            index: None,
        });
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        (self.on_unit)(Unit::NotAnObject {
            found: "string",
            index: None,
        });
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        (self.on_unit)(Unit::NotAnObject {
            found: "null",
            index: None,
        });
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0usize;
        while let Some(v) = seq.next_element_seed(JsonSeed(std::marker::PhantomData))? {
            match v {
                Json::Object(m) => (self.on_unit)(Unit::Object(StixObject::from_map(m))),
                other => (self.on_unit)(Unit::NotAnObject {
                    found: not_object(&other),
                    index: Some(i),
                }),
            }
            i += 1;
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut envelope = Map::new();
        let mut is_bundle: Option<bool> = None;
        let mut streamed_len: Option<usize> = None;
        let mut buffered_objects: Option<Json> = None;
        while let Some(key) = map.next_key::<String>()? {
            if envelope.contains_key(&key)
                || (key == "objects" && (streamed_len.is_some() || buffered_objects.is_some()))
            {
                return Err(de::Error::custom(format_args!("duplicate key `{key}`")));
            }
            if key == "objects" && is_bundle == Some(true) {
                let n = map.next_value_seed(ObjectsSeed {
                    on_unit: &mut *self.on_unit,
                })?;
                streamed_len = Some(n);
                continue;
            }
            let v: Json<'de> = map.next_value_seed(JsonSeed(std::marker::PhantomData))?;
            if key == "type" {
                is_bundle = Some(v.as_str() == Some("bundle"));
            }
            if key == "objects" {
                buffered_objects = Some(v);
            } else {
                envelope.insert(key, v);
            }
        }
        if is_bundle == Some(true) {
            let mut objects_len = streamed_len;
            if let Some(objs) = buffered_objects {
                match objs {
                    Json::Array(a) => {
                        objects_len = Some(a.len());
                        for (index, o) in a.into_iter().enumerate() {
                            match o {
                                Json::Object(m) => (self.on_unit)(Unit::BundleObject {
                                    index,
                                    object: StixObject::from_map(m),
                                }),
                                other => (self.on_unit)(Unit::NotAnObject {
                                    found: not_object(&other),
                                    index: Some(index),
                                }),
                            }
                        }
                    }
                    other => {
                        // Not an array: keep it in the envelope so validation reports it.
                        envelope.insert("objects", other);
                    }
                }
            }
            (self.on_unit)(Unit::BundleEnd {
                envelope,
                objects_len,
            });
        } else {
            if let Some(objs) = buffered_objects {
                envelope.insert("objects", objs);
            }
            (self.on_unit)(Unit::Object(StixObject::from_map(envelope)));
        }
        Ok(())
    }
}

struct ObjectsSeed<'f, F> {
    on_unit: &'f mut F,
}

impl<'de, F: FnMut(Unit<'de>)> DeserializeSeed<'de> for ObjectsSeed<'_, F> {
    type Value = usize;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<usize, D::Error> {
        d.deserialize_any(ObjectsVisitor {
            on_unit: self.on_unit,
        })
    }
}

struct ObjectsVisitor<'f, F> {
    on_unit: &'f mut F,
}

impl<'de, F: FnMut(Unit<'de>)> Visitor<'de> for ObjectsVisitor<'_, F> {
    type Value = usize;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of STIX objects")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<usize, A::Error> {
        let mut index = 0usize;
        while let Some(v) = seq.next_element_seed(JsonSeed(std::marker::PhantomData))? {
            match v {
                Json::Object(m) => (self.on_unit)(Unit::BundleObject {
                    index,
                    object: StixObject::from_map(m),
                }),
                other => (self.on_unit)(Unit::NotAnObject {
                    found: not_object(&other),
                    index: Some(index),
                }),
            }
            index += 1;
        }
        Ok(index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn units(text: &str) -> Result<Vec<String>, ParseError> {
        let in_memory = units_limit(text, IN_MEMORY_LIMIT)?;
        // The streaming path (input larger than the in-memory limit) must give the same units.
        let streamed = units_limit(text, 7)?;
        assert_eq!(in_memory, streamed);
        Ok(in_memory)
    }

    fn units_limit(text: &str, limit: usize) -> Result<Vec<String>, ParseError> {
        let mut out = Vec::new();
        read_units_limit(text.as_bytes(), limit, |u| {
            out.push(match u {
                Unit::Object(o) => format!("obj {}", o.type_name().unwrap_or("?")),
                Unit::BundleObject { index, object } => {
                    format!("b{index} {}", object.type_name().unwrap_or("?"))
                }
                Unit::BundleEnd {
                    envelope,
                    objects_len,
                } => format!("end {} {objects_len:?}", envelope.len()),
                Unit::NotAnObject { found, index } => format!("not {found} {index:?}"),
            })
        })?;
        Ok(out)
    }

    #[test]
    fn reads_all_shapes() {
        assert_eq!(
            units(r#"{"type":"bundle","id":"b","objects":[{"type":"x"},3]}"#).unwrap(),
            ["b0 x", "not integer Some(1)", "end 2 Some(2)"]
        );
        assert_eq!(
            units(r#"{"objects":[{"type":"y"}],"type":"bundle","id":"b"}"#).unwrap(),
            ["b0 y", "end 2 Some(1)"]
        );
        assert_eq!(
            units("{\"type\":\"a\"}\n{\"type\":\"b\"}\n").unwrap(),
            ["obj a", "obj b"]
        );
        assert_eq!(
            units(r#"[{"type":"a"},{"type":"b"}]"#).unwrap(),
            ["obj a", "obj b"]
        );
        assert_eq!(units("").unwrap(), Vec::<String>::new());
    }

    #[test]
    fn errors_carry_positions() {
        let e = units("{\"type\":\"a\"}\n{\"type\":}").unwrap_err();
        assert_eq!(e.line, 2);
        let e = units_limit("{\"type\":\"a\"}\n{\"type\":}", 3).unwrap_err();
        assert_eq!(e.line, 2);
        let e = units(r#"{"type":"bundle","objects":[],"objects":[]}"#).unwrap_err();
        assert!(e.message.contains("duplicate key"), "{e}");
    }
}
