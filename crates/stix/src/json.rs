//! A JSON value that keeps what STIX needs for an exact round trip: property order, every
//! unknown property, and numbers as written (integers stay integers). Duplicate keys are
//! rejected while parsing (serde_json's own `Value` silently keeps the last one).

use std::borrow::Cow;
use std::fmt;
use std::sync::OnceLock;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A JSON object: its members in document order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Map<'a> {
    entries: Vec<(Key<'a>, Json<'a>)>,
}

/// A member name: property names STIX defines are shared `'static` strings, other names are
/// borrowed from the input when it has no escapes, else owned.
pub(crate) type Key<'a> = Cow<'a, str>;

/// All property names the STIX 2.1 model defines, in an open-addressing table keyed by a cheap
/// signature (length, first and last 8 bytes), for interning keys while parsing.
struct Interner {
    slots: Vec<Option<(Words, &'static str)>>,
    mask: usize,
}

/// A name's length with its first and last 8 bytes (zero-padded when shorter). For names of at
/// most 16 bytes these cover every byte, so equal words mean equal names; longer names are
/// also compared in full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Words {
    len: usize,
    first: u64,
    last: u64,
}

/// Up to 8 bytes as a little-endian word, zero-padded (no `memcpy` call for short slices).
fn load8(b: &[u8]) -> u64 {
    if let Some(w) = b.first_chunk::<8>() {
        return u64::from_le_bytes(*w);
    }
    b.iter()
        .rev()
        .fold(0u64, |acc, &c| (acc << 8) | u64::from(c))
}

fn words(s: &str) -> Words {
    let b = s.as_bytes();
    Words {
        len: b.len(),
        first: load8(b),
        last: b.last_chunk::<8>().map_or(0, |w| u64::from_le_bytes(*w)),
    }
}

fn signature(w: &Words) -> u64 {
    (w.first.wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ w.last.rotate_left(29).wrapping_mul(0xC2B2_AE3D_27D4_EB4F))
        ^ (w.len as u64).wrapping_mul(0x1656_67B1_9E37_79F9)
}

impl Interner {
    fn new(names: Vec<&'static str>) -> Self {
        let size = (names.len() * 4).next_power_of_two().max(64);
        let mut t = Self {
            slots: vec![None; size],
            mask: size - 1,
        };
        for n in names {
            if t.get(n).is_none() {
                let w = words(n);
                let mut i = (signature(&w) as usize) & t.mask;
                while t.slots[i].is_some() {
                    i = (i + 1) & t.mask;
                }
                t.slots[i] = Some((w, n));
            }
        }
        t
    }

    fn get(&self, s: &str) -> Option<&'static str> {
        self.get_slot(s).map(|(_, n)| n)
    }

    /// The interned name and the index of its slot (distinct names have distinct slots).
    #[inline]
    fn get_slot(&self, s: &str) -> Option<(usize, &'static str)> {
        let w = words(s);
        let mut i = (signature(&w) as usize) & self.mask;
        while let Some((g, n)) = self.slots[i] {
            if g == w && (w.len <= 16 || n == s) {
                return Some((i, n));
            }
            i = (i + 1) & self.mask;
        }
        None
    }
}

fn interner() -> &'static Interner {
    static NAMES: OnceLock<Interner> = OnceLock::new();
    NAMES.get_or_init(|| Interner::new(crate::schema::all_property_names()))
}

/// The interned `'static` instance of a property name the model defines. Every key of a [`Map`]
/// that names a defined property is this very instance, so tables may look keys up by address.
pub(crate) fn canonical_name(s: &str) -> Option<&'static str> {
    if s.len() > MAX_INTERNED {
        return None;
    }
    interner().get(s)
}

/// [`canonical_name`] with the name's slot in the interning table.
#[inline]
pub(crate) fn canonical_slot(s: &str) -> Option<(usize, &'static str)> {
    if s.len() > MAX_INTERNED {
        return None;
    }
    interner().get_slot(s)
}

/// Longer names are never interned (no STIX name comes close).
const MAX_INTERNED: usize = 64;

/// An owned key, re-pointed at the interned instance when it names a defined property.
fn reintern(k: Cow<'static, str>) -> Cow<'static, str> {
    match canonical_name(&k) {
        Some(c) => Cow::Borrowed(c),
        None => k,
    }
}

fn intern_owned(s: String) -> Key<'static> {
    match canonical_name(&s) {
        Some(k) => Cow::Borrowed(k),
        None => Cow::Owned(s),
    }
}

#[cfg(test)]
fn intern(s: &str) -> Key<'static> {
    match canonical_name(s) {
        Some(k) => Cow::Borrowed(k),
        None => Cow::Owned(s.to_owned()),
    }
}

/// A JSON value.
#[derive(Debug, Clone, PartialEq)]
pub enum Json<'a> {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// A number as serde_json reads it (u64, i64 or f64).
    Number(serde_json::Number),
    /// A string: borrowed from the input when it has no escapes, else owned.
    String(Cow<'a, str>),
    /// An array.
    Array(Vec<Json<'a>>),
    /// An object, members in document order.
    Object(Map<'a>),
}

impl<'a> Map<'a> {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// The value of `key`, if present.
    pub fn get(&self, key: &str) -> Option<&Json<'a>> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// True when `key` is present.
    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// The members in document order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Json<'a>)> {
        self.entries.iter().map(|(k, v)| (k.as_ref(), v))
    }

    /// The keys in document order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(k, _)| k.as_ref())
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there are no members.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Sets `key` to `value`, replacing an existing member in place or appending a new one.
    pub fn insert(&mut self, key: impl Into<String>, value: Json<'a>) {
        let key: Key = intern_owned(key.into());
        if let Some(slot) = self.entries.iter_mut().find(|(k, _)| *k == key) {
            slot.1 = value;
        } else {
            self.entries.push((key, value));
        }
    }

    /// Inserts `key` at `index` (clamped), or replaces it in place if present.
    pub fn insert_at(&mut self, index: usize, key: impl Into<String>, value: Json<'a>) {
        let key: Key = intern_owned(key.into());
        if let Some(slot) = self.entries.iter_mut().find(|(k, _)| *k == key) {
            slot.1 = value;
        } else {
            let i = index.min(self.entries.len());
            self.entries.insert(i, (key, value));
        }
    }

    /// Removes `key`, returning its value.
    pub fn remove(&mut self, key: &str) -> Option<Json<'a>> {
        let i = self.entries.iter().position(|(k, _)| k == key)?;
        Some(self.entries.remove(i).1)
    }

    pub(crate) fn from_entries(entries: Vec<(Key<'a>, Json<'a>)>) -> Self {
        Self { entries }
    }

    /// The same map with nothing borrowed from the input.
    pub fn into_owned(self) -> Map<'static> {
        Map {
            entries: self
                .entries
                .into_iter()
                .map(|(k, v)| (Cow::Owned(k.into_owned()), v.into_owned()))
                .map(|(k, v): (Cow<'static, str>, Json<'static>)| (reintern(k), v))
                .collect(),
        }
    }
}

impl<'a> FromIterator<(String, Json<'a>)> for Map<'a> {
    fn from_iter<T: IntoIterator<Item = (String, Json<'a>)>>(iter: T) -> Self {
        let mut m = Map::new();
        for (k, v) in iter {
            m.insert(k, v);
        }
        m
    }
}

impl<'a> Json<'a> {
    /// The same value with nothing borrowed from the input.
    pub fn into_owned(self) -> Json<'static> {
        match self {
            Json::Null => Json::Null,
            Json::Bool(b) => Json::Bool(b),
            Json::Number(n) => Json::Number(n),
            Json::String(s) => Json::String(Cow::Owned(s.into_owned())),
            Json::Array(a) => Json::Array(a.into_iter().map(Json::into_owned).collect()),
            Json::Object(m) => Json::Object(m.into_owned()),
        }
    }
    /// The string, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }
    /// The map, if this is an object.
    pub fn as_object(&self) -> Option<&Map<'a>> {
        match self {
            Json::Object(m) => Some(m),
            _ => None,
        }
    }
    /// The elements, if this is an array.
    pub fn as_array(&self) -> Option<&[Json<'a>]> {
        match self {
            Json::Array(a) => Some(a),
            _ => None,
        }
    }
    /// The boolean, if this is a boolean.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Json::Bool(b) => Some(*b),
            _ => None,
        }
    }
    /// The number as i64 if it is an integer that fits.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Json::Number(n) => n.as_i64(),
            _ => None,
        }
    }
    /// True for integers (including u64 beyond i64).
    pub fn is_integer(&self) -> bool {
        matches!(self, Json::Number(n) if n.is_i64() || n.is_u64())
    }
    /// The number as f64.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Json::Number(n) => n.as_f64(),
            _ => None,
        }
    }
    /// The JSON type name, for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "boolean",
            Json::Number(n) if n.is_f64() => "number",
            Json::Number(_) => "integer",
            Json::String(_) => "string",
            Json::Array(_) => "array",
            Json::Object(_) => "object",
        }
    }
    /// Serialises to compact JSON text.
    pub fn to_json_string(&self) -> String {
        // Serialising our own value type cannot fail (no non-string keys, no I/O).
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl From<&str> for Json<'_> {
    fn from(s: &str) -> Self {
        Json::String(Cow::Owned(s.to_owned()))
    }
}
impl From<String> for Json<'_> {
    fn from(s: String) -> Self {
        Json::String(Cow::Owned(s))
    }
}

impl Serialize for Json<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Json::Null => s.serialize_unit(),
            Json::Bool(b) => s.serialize_bool(*b),
            Json::Number(n) => n.serialize(s),
            Json::String(v) => s.serialize_str(v),
            Json::Array(a) => {
                let mut seq = s.serialize_seq(Some(a.len()))?;
                for v in a {
                    seq.serialize_element(v)?;
                }
                seq.end()
            }
            Json::Object(m) => m.serialize(s),
        }
    }
}

impl Serialize for Map<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.entries.len()))?;
        for (k, v) in &self.entries {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// Members reserved up front for a nested object (most are small).
pub(crate) const NESTED_MAP_CAPACITY: usize = 8;
/// Members reserved up front for a STIX object (a top-level value, or an element of a bundle
/// being streamed): typical objects have 10–25 properties, so this avoids growing the vector
/// (each growth copies every member so far).
pub(crate) const OBJECT_MAP_CAPACITY: usize = 32;

struct JsonVisitor<'de> {
    /// Members to reserve when the value is an object.
    map_capacity: usize,
    _input: std::marker::PhantomData<&'de ()>,
}

impl JsonVisitor<'_> {
    fn with_map_capacity(map_capacity: usize) -> Self {
        Self {
            map_capacity,
            _input: std::marker::PhantomData,
        }
    }
}

impl<'de> Visitor<'de> for JsonVisitor<'de> {
    type Value = Json<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Json<'de>, E> {
        Ok(Json::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Json<'de>, E> {
        Ok(Json::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Json<'de>, E> {
        Ok(Json::Number(v.into()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Json<'de>, E> {
        serde_json::Number::from_f64(v)
            .map(Json::Number)
            .ok_or_else(|| E::custom("number out of range"))
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Json<'de>, E> {
        Ok(Json::String(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Json<'de>, E> {
        Ok(Json::String(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E>(self, v: String) -> Result<Json<'de>, E> {
        Ok(Json::String(Cow::Owned(v)))
    }
    fn visit_unit<E>(self) -> Result<Json<'de>, E> {
        Ok(Json::Null)
    }
    fn visit_none<E>(self) -> Result<Json<'de>, E> {
        Ok(Json::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Json<'de>, D::Error> {
        Json::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json<'de>, A::Error> {
        let mut v = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(e) = seq.next_element()? {
            v.push(e);
        }
        Ok(Json::Array(v))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Json<'de>, A::Error> {
        read_map(map, self.map_capacity).map(Json::Object)
    }
}

/// Reads a JSON object's members, rejecting duplicate keys.
pub(crate) fn read_map<'de, A: MapAccess<'de>>(
    mut map: A,
    capacity: usize,
) -> Result<Map<'de>, A::Error> {
    let mut entries: Vec<(Key<'de>, Json<'de>)> = Vec::with_capacity(capacity);
    let mut seen: Option<std::collections::HashSet<Key<'de>>> = None;
    // One bit per interned name seen so far (by slot, modulo 128): a model name whose bit is
    // clear cannot be a duplicate, so most keys skip the scan. Only while the scan is linear:
    // past that every key must reach the hash set.
    let mut slots_seen: u128 = 0;
    while let Some((key, slot)) = map.next_key_seed(KeySeed(std::marker::PhantomData))? {
        let maybe_seen = match slot {
            Some(i) if entries.len() < LINEAR => {
                let bit = 1u128 << (i % 128);
                let hit = slots_seen & bit != 0;
                slots_seen |= bit;
                hit
            }
            _ => true,
        };
        if maybe_seen && is_duplicate(&entries, &mut seen, &key, slot.is_some()) {
            return Err(de::Error::custom(format_args!("duplicate key `{key}`")));
        }
        let value: Json<'de> = map.next_value()?;
        entries.push((key, value));
    }
    Ok(Map::from_entries(entries))
}

/// Members scanned linearly for a duplicate; past this a hash set keeps the check linear overall.
const LINEAR: usize = 32;

/// Small objects are scanned linearly; past 32 members a hash set keeps the check linear overall.
/// An `interned` key (the one instance of a model name) can only equal another interned key, which
/// is then the very same instance, so it is compared by address and length alone.
fn is_duplicate<'de>(
    entries: &[(Key<'de>, Json<'de>)],
    seen: &mut Option<std::collections::HashSet<Key<'de>>>,
    key: &Key<'de>,
    interned: bool,
) -> bool {
    if entries.len() < LINEAR {
        if interned {
            let (p, n) = (key.as_ptr(), key.len());
            return entries
                .iter()
                .any(|(k, _)| std::ptr::eq(k.as_ptr(), p) && k.len() == n);
        }
        return entries.iter().any(|(k, _)| k == key);
    }
    let set = seen.get_or_insert_with(|| entries.iter().map(|(k, _)| k.clone()).collect());
    !set.insert(key.clone())
}

struct KeySeed<'de>(std::marker::PhantomData<&'de ()>);

/// A member name, and its slot in the interning table when it is (the interned instance of) a
/// model name.
impl<'de> DeserializeSeed<'de> for KeySeed<'de> {
    type Value = (Key<'de>, Option<usize>);
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(KeyVisitor(std::marker::PhantomData))
    }
}

struct KeyVisitor<'de>(std::marker::PhantomData<&'de ()>);

impl<'de> Visitor<'de> for KeyVisitor<'de> {
    type Value = (Key<'de>, Option<usize>);
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a member name")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(match canonical_slot(v) {
            Some((i, k)) => (Cow::Borrowed(k), Some(i)),
            None => (Cow::Borrowed(v), None),
        })
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(match canonical_slot(v) {
            Some((i, k)) => (Cow::Borrowed(k), Some(i)),
            None => (Cow::Owned(v.to_owned()), None),
        })
    }
}

impl<'de> Deserialize<'de> for Json<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Json<'de>, D::Error> {
        d.deserialize_any(JsonVisitor::with_map_capacity(NESTED_MAP_CAPACITY))
    }
}

/// A seed that deserialises a [`Json`] expected to be a whole STIX object (a top-level value,
/// or an element of a streamed array or bundle); lets streaming code reuse the visitor.
#[derive(Debug, Clone, Copy)]
pub(crate) struct JsonSeed<'de>(pub(crate) std::marker::PhantomData<&'de ()>);

impl<'de> DeserializeSeed<'de> for JsonSeed<'de> {
    type Value = Json<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Json<'de>, D::Error> {
        d.deserialize_any(JsonVisitor::with_map_capacity(OBJECT_MAP_CAPACITY))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_order_and_numbers() {
        let text = r#"{"z":1,"a":[1.5,-2,true,null],"m":{"y":"x"}}"#;
        let v: Json = serde_json::from_str(text).unwrap();
        assert_eq!(v.to_json_string(), text);
    }

    #[test]
    fn interns_model_names_only() {
        assert!(matches!(
            intern("created_by_ref"),
            Cow::Borrowed("created_by_ref")
        ));
        assert!(matches!(intern("x_acme_score"), Cow::Owned(_)));
        assert!(matches!(intern(""), Cow::Owned(_)));
        // Same length, first and last 8 bytes as a model name, different middle.
        assert!(matches!(intern("externalXXXferences"), Cow::Owned(_)));
        assert!(matches!(intern("external_references"), Cow::Borrowed(_)));
        // One byte off, at each end and in the middle, for short names.
        for near in ["typf", "uype", "tyqe", "created_by_reg", "dreated_by_ref"] {
            assert!(matches!(intern(near), Cow::Owned(_)), "{near}");
        }
        for name in crate::schema::all_property_names() {
            assert!(name.len() <= MAX_INTERNED, "{name}");
            assert!(matches!(intern(name), Cow::Borrowed(_)), "{name}");
        }
    }

    #[test]
    fn rejects_duplicate_keys_with_position() {
        let err = serde_json::from_str::<Json>("{\"a\":1,\n \"a\":2}").unwrap_err();
        assert!(err.to_string().contains("duplicate key `a`"), "{err}");
        assert_eq!(err.line(), 2);
    }

    #[test]
    fn rejects_duplicate_model_names_escaped_or_not() {
        for text in [
            r#"{"type":"a","id":"b","type":"c"}"#,
            r#"{"type":"a","id":"b","typ\u0065":"c"}"#,
            r#"{"x_a":1,"name":2,"description":3,"x_a":4}"#,
        ] {
            let err = serde_json::from_str::<Json>(text).unwrap_err();
            assert!(err.to_string().contains("duplicate key"), "{text}: {err}");
        }
        // Every model name once, then each again: all present, then each one a duplicate.
        let names = crate::schema::all_property_names();
        let mut body: Vec<String> = names.iter().map(|n| format!("\"{n}\":0")).collect();
        body.sort();
        body.dedup();
        let once = format!("{{{}}}", body.join(","));
        assert!(serde_json::from_str::<Json>(&once).is_ok());
        for (i, extra) in body.iter().enumerate().step_by(7) {
            for take in [3, 40, body.len()] {
                let mut members: Vec<&str> = body
                    .iter()
                    .take(take.max(i + 1))
                    .map(String::as_str)
                    .collect();
                members.push(extra);
                let text = format!("{{{}}}", members.join(","));
                assert!(
                    serde_json::from_str::<Json>(&text).is_err(),
                    "{extra} after {take}"
                );
            }
        }
    }

    #[test]
    fn rejects_duplicate_keys_in_large_objects() {
        let mut s = String::from("{");
        for i in 0..40 {
            s.push_str(&format!("\"k{i}\":{i},"));
        }
        s.push_str("\"k3\":0}");
        assert!(serde_json::from_str::<Json>(&s).is_err());
    }
}
