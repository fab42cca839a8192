//! From comparisons ([`Cmp`]) to a STIX pattern and to cyber-observable objects: comparisons on
//! the same SCO type are grouped into one observation (one object) as long as none repeats a
//! property; a repeated property starts another.

use serde_json::{Map, Value, json};
use simpul_observable::stix::{CUSTOM_SCOS, EXTENSION_DEFINITION_ID};

use super::types::{Cmp, Lit, ip_sco};

/// Comparisons grouped by observed object.
pub fn slots(cmps: &[Cmp]) -> Vec<Vec<&Cmp>> {
    let mut out: Vec<Vec<&Cmp>> = Vec::new();
    for c in cmps {
        match out
            .iter_mut()
            .find(|s| s[0].sco == c.sco && s.iter().all(|o| o.path != c.path))
        {
            Some(s) => s.push(c),
            None => out.push(vec![c]),
        }
    }
    out
}

/// The STIX pattern testing all of `cmps`: an observation per object, joined by `AND`.
pub fn pattern(cmps: &[Cmp]) -> String {
    slots(cmps)
        .iter()
        .map(|s| {
            let inner: Vec<String> = s
                .iter()
                .map(|c| format!("{}:{} = {}", c.sco, c.path, c.value.pattern()))
                .collect();
            format!("[{}]", inner.join(" AND "))
        })
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// The cyber-observables of `cmps`, each with `markings`: the objects the observed-data refers to
/// first (in slot order), then the ones those refer to. `None` when a comparison has no place in
/// an object simpul writes (then the caller keeps the value as a custom observable).
pub fn objects(cmps: &[Cmp], markings: &[String]) -> Option<(Vec<String>, Vec<Value>)> {
    let mut main = Vec::new();
    let mut extra = Vec::new();
    let mut ids = Vec::new();
    for slot in slots(cmps) {
        let mut props = Map::new();
        for c in &slot {
            place(c, &mut props, &mut extra, markings)?;
        }
        let sco = finish(slot_type(&slot), props, markings);
        ids.push(sco["id"].as_str().unwrap_or_default().to_owned());
        main.push(sco);
    }
    main.extend(extra);
    Some((ids, main))
}

fn slot_type(slot: &[&Cmp]) -> &'static str {
    slot[0].sco
}

/// Puts `c` into the object's properties (creating the objects it refers to in `extra`).
fn place(
    c: &Cmp,
    props: &mut Map<String, Value>,
    extra: &mut Vec<Value>,
    markings: &[String],
) -> Option<()> {
    let v = c.value.json();
    let text = match &c.value {
        Lit::Str(s) => s.clone(),
        Lit::Int(i) => i.to_string(),
    };
    let referred = |ty: &'static str, extra: &mut Vec<Value>| -> String {
        let mut m = Map::new();
        m.insert("value".into(), Value::String(text.clone()));
        let sco = finish(ty, m, markings);
        let id = sco["id"].as_str().unwrap_or_default().to_owned();
        extra.push(sco);
        id
    };
    match c.path {
        p if !p.contains(['.', '[']) => {
            props.insert(p.into(), v);
        }
        p if p.starts_with("hashes.") => {
            let alg = p["hashes.".len()..].trim_matches('\'');
            let hashes = props
                .entry("hashes")
                .or_insert_with(|| Value::Object(Map::new()));
            hashes.as_object_mut()?.insert(alg.into(), v);
        }
        "resolves_to_refs[*].value" => {
            let id = referred(ip_sco(&text), extra);
            push_ref(props, "resolves_to_refs", id);
        }
        "src_ref.value" | "dst_ref.value" => {
            let id = referred(ip_sco(&text), extra);
            props.insert(c.path[..7].into(), Value::String(id));
        }
        "from_ref.value" => {
            let id = referred("email-addr", extra);
            props.insert("from_ref".into(), Value::String(id));
        }
        "to_refs[*].value" | "cc_refs[*].value" => {
            let id = referred("email-addr", extra);
            push_ref(props, &c.path[..7], id);
        }
        "values[*].data" => {
            push_ref(props, "values", json!({ "data": text }));
        }
        _ => return None,
    }
    Some(())
}

fn push_ref(props: &mut Map<String, Value>, key: &str, v: impl Into<Value>) {
    let list = props.entry(key).or_insert_with(|| Value::Array(Vec::new()));
    if let Some(a) = list.as_array_mut() {
        a.push(v.into());
    }
}

/// Completes an SCO: its required properties, its extension when it is one of simpul's custom
/// types, its deterministic id, its markings.
pub fn finish(ty: &str, mut props: Map<String, Value>, markings: &[String]) -> Value {
    match ty {
        "network-traffic" if !props.contains_key("protocols") => {
            let v6 = ["src_ref", "dst_ref"]
                .iter()
                .filter_map(|k| props.get(*k).and_then(Value::as_str))
                .any(|r| r.starts_with("ipv6-addr--"));
            props.insert(
                "protocols".into(),
                json!([if v6 { "ipv6" } else { "ipv4" }]),
            );
        }
        "email-message" if !props.contains_key("is_multipart") => {
            props.insert("is_multipart".into(), Value::Bool(false));
        }
        _ => {}
    }
    let custom = CUSTOM_SCOS.iter().find(|c| c.stix_type == ty);
    if custom.is_some() {
        props.insert(
            "extensions".into(),
            json!({ EXTENSION_DEFINITION_ID: { "extension_type": "new-sco" } }),
        );
    }
    let id = sco_id(ty, &props, custom.map(|c| c.id_contributing));
    let mut out = Map::new();
    out.insert("type".into(), Value::String(ty.into()));
    out.insert("spec_version".into(), Value::String("2.1".into()));
    out.insert("id".into(), Value::String(id));
    out.extend(props);
    if !markings.is_empty() {
        out.insert("object_marking_refs".into(), json!(markings));
    }
    Value::Object(out)
}

/// The STIX deterministic id (UUIDv5 over the ID contributing properties); simpul's custom types
/// name theirs in simpul-observable; any other over all its properties.
fn sco_id(ty: &str, props: &Map<String, Value>, contributing: Option<&[&str]>) -> String {
    let text = Value::Object(props.clone()).to_string();
    let parsed = simpul_stix::parse_json(text.as_bytes()).ok();
    let map = parsed.as_ref().and_then(simpul_stix::Json::as_object);
    if let Some(m) = map {
        if let Some(id) = simpul_stix::sco_id::deterministic_sco_id(ty, m) {
            return id;
        }
        let mut part = simpul_stix::Map::new();
        for p in contributing.unwrap_or_default() {
            if let Some(v) = m.get(p) {
                part.insert(*p, v.clone());
            }
        }
        let whole = if part.is_empty() { m.clone() } else { part };
        let mut name = String::new();
        simpul_stix::sco_id::canonical(&simpul_stix::Json::Object(whole), &mut name);
        let u = uuid::Uuid::new_v5(&simpul_stix::sco_id::SCO_NAMESPACE, name.as_bytes());
        return format!("{ty}--{u}");
    }
    format!(
        "{ty}--{}",
        uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, text.as_bytes())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(sco: &'static str, path: &'static str, v: &str) -> Cmp {
        Cmp {
            sco,
            path,
            value: Lit::Str(v.into()),
        }
    }

    #[test]
    fn comparisons_group_by_object_unless_a_property_repeats() {
        let cmps = [
            c("file", "name", "a.exe"),
            c("file", "hashes.MD5", "d41d8cd98f00b204e9800998ecf8427e"),
            c("ipv4-addr", "value", "192.0.2.1"),
            c("ipv4-addr", "value", "192.0.2.2"),
        ];
        assert_eq!(
            pattern(&cmps),
            "[file:name = 'a.exe' AND file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e'] \
             AND [ipv4-addr:value = '192.0.2.1'] AND [ipv4-addr:value = '192.0.2.2']"
        );
        let (ids, objs) = objects(&cmps, &[]).unwrap_or_default();
        assert_eq!(ids.len(), 3);
        assert_eq!(objs[0]["hashes"]["MD5"], "d41d8cd98f00b204e9800998ecf8427e");
    }
}
