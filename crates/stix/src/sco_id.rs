//! Deterministic identifiers of cyber-observable objects (STIX 2.1 §2.9): a UUIDv5 in the STIX
//! namespace over the RFC 8785 canonical JSON of the object's ID contributing properties.

use crate::json::{Json, Map};
use crate::schema;

/// The STIX 2.1 namespace for deterministic SCO ids.
pub const SCO_NAMESPACE: uuid::Uuid = uuid::Uuid::from_bytes([
    0x00, 0xab, 0xed, 0xb4, 0xaa, 0x42, 0x46, 0x6c, 0x9c, 0x01, 0xfe, 0xd2, 0x33, 0x15, 0xa9, 0xb7,
]);

/// Hash preference when `hashes` contributes to an id: only one hash is used.
const HASH_PREFERENCE: &[&str] = &["MD5", "SHA-1", "SHA-256", "SHA-512"];

/// The deterministic UUID of an SCO of type `ty` with properties `m`, or `None` when the type is
/// not an SCO with contributing properties or none of them is present (then a UUIDv4 is used).
pub fn deterministic_uuid(ty: &str, m: &Map) -> Option<uuid::Uuid> {
    let spec = schema::type_spec(ty)?;
    let mut parts: Vec<(&str, Json)> = Vec::new();
    for p in spec.id_contributing {
        let Some(v) = m.get(p) else { continue };
        let v = if *p == "hashes" {
            match choose_one_hash(v) {
                Some(h) => h,
                None => continue,
            }
        } else {
            v.clone()
        };
        parts.push((p, v));
    }
    if parts.is_empty() {
        return None;
    }
    let obj: Map = parts.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
    let mut name = String::new();
    canonical(&Json::Object(obj), &mut name);
    Some(uuid::Uuid::new_v5(&SCO_NAMESPACE, name.as_bytes()))
}

/// The deterministic id (`type--uuid`) of an SCO, when it has one.
pub fn deterministic_sco_id(ty: &str, m: &Map) -> Option<String> {
    deterministic_uuid(ty, m).map(|u| format!("{ty}--{u}"))
}

fn choose_one_hash<'a>(v: &Json<'a>) -> Option<Json<'a>> {
    let h = v.as_object()?;
    let pick = HASH_PREFERENCE
        .iter()
        .find_map(|a| h.get(a).map(|x| (*a, x)))
        .or_else(|| h.iter().next());
    pick.map(|(k, x)| {
        let mut one = Map::new();
        one.insert(k, x.clone());
        Json::Object(one)
    })
}

/// RFC 8785 (JCS) serialisation: members sorted by UTF-16 code units, no whitespace, minimal escapes.
pub fn canonical(v: &Json, out: &mut String) {
    match v {
        Json::Null => out.push_str("null"),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Number(n) => {
            if let Some(i) = n.as_i64() {
                out.push_str(&i.to_string());
            } else if let Some(u) = n.as_u64() {
                out.push_str(&u.to_string());
            } else if let Some(f) = n.as_f64() {
                let s = f.to_string();
                // ECMAScript prints integral doubles without a fraction.
                out.push_str(s.strip_suffix(".0").unwrap_or(&s));
            }
        }
        Json::String(s) => canonical_string(s, out),
        Json::Array(a) => {
            out.push('[');
            for (i, e) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical(e, out);
            }
            out.push(']');
        }
        Json::Object(m) => {
            let mut keys: Vec<(&str, &Json)> = m.iter().collect();
            keys.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
            out.push('{');
            for (i, (k, e)) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical_string(k, out);
                out.push(':');
                canonical(e, out);
            }
            out.push('}');
        }
    }
}

fn canonical_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Gives an SCO without an `id` its deterministic id (or a UUIDv4 from `random_v4` when it has no
/// contributing properties), inserted after `type`. Returns the id set, or `None` if it already had one
/// or is not an SCO.
pub fn assign_sco_id(m: &mut Map, random_v4: impl FnOnce() -> uuid::Uuid) -> Option<String> {
    if m.contains_key("id") {
        return None;
    }
    let ty = m.get("type").and_then(Json::as_str)?.to_owned();
    if !schema::is_sco_type(&ty) {
        return None;
    }
    let id = deterministic_sco_id(&ty, m).unwrap_or_else(|| format!("{ty}--{}", random_v4()));
    let at = m.keys().position(|k| k == "type").map_or(0, |i| i + 1);
    m.insert_at(at, "id", Json::from(id.clone()));
    Some(id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_object;

    fn det(text: &str) -> Option<String> {
        let o = parse_object(text.as_bytes()).unwrap();
        deterministic_sco_id(o.type_name().unwrap(), o.properties())
    }

    #[test]
    fn known_ids_from_the_reference_library() {
        // Values computed by the OASIS python-stix2 library for the same inputs.
        assert_eq!(
            det(r#"{"type":"domain-name","value":"example.com"}"#).unwrap(),
            "domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7"
        );
        assert_eq!(
            det(r#"{"type":"ipv4-addr","value":"198.51.100.3"}"#).unwrap(),
            "ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4"
        );
        assert_eq!(
            det(r#"{"type":"file","name":"a.txt","hashes":{"SHA-256":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","MD5":"d41d8cd98f00b204e9800998ecf8427e"}}"#).unwrap(),
            "file--bc634452-d224-5dfb-b05e-ca8ec77c3ab2"
        );
        assert_eq!(
            det(r#"{"type":"network-traffic","start":"2020-01-01T00:00:00Z","src_ref":"ipv4-addr--a5a7a59e-93a1-59d8-b5a4-5ec8b2c30cb3","src_port":80,"protocols":["tcp"]}"#).unwrap(),
            "network-traffic--6b92f134-ad49-5224-95cb-298ccf9fa883"
        );
        assert_eq!(det(r#"{"type":"process","pid":1}"#), None);
    }

    #[test]
    fn canonical_sorts_and_escapes() {
        let v: Json = serde_json::from_str(r#"{"b":"\u0001é","a":[1,2.5,true]}"#).unwrap();
        let mut s = String::new();
        canonical(&v, &mut s);
        assert_eq!(s, "{\"a\":[1,2.5,true],\"b\":\"\\u0001é\"}");
    }

    #[test]
    fn assigns_ids_after_type() {
        let mut o = parse_object(br#"{"type":"url","value":"http://x.example/"}"#).unwrap();
        let id = assign_sco_id(o.properties_mut(), uuid::Uuid::nil).unwrap();
        assert!(
            o.to_json_string()
                .starts_with(&format!("{{\"type\":\"url\",\"id\":\"{id}\""))
        );
        let mut p = parse_object(br#"{"type":"process","pid":4}"#).unwrap();
        assert_eq!(
            assign_sco_id(p.properties_mut(), uuid::Uuid::nil).unwrap(),
            "process--00000000-0000-0000-0000-000000000000"
        );
    }
}
