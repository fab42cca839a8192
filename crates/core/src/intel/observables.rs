//! The canonical observables a STIX object yields at ingest (normalise once): an indicator's
//! `=`/`IN` literals and CIDR blocks (through the matcher's pattern compiler, so correlation and
//! matching agree), a cyber-observable's values and hashes, and the objects embedded in a STIX 2.0
//! style `observed-data`. Keys are `type|key` text ([`simpul_observable::Canonical`]'s form).

use simpul_matcher::{Entry, Plan};
use simpul_observable::Context;
use simpul_stix::{Json, Map, StixObject};

/// The canonical keys of `obj`, without duplicates, in first-seen order. `ctx` carries the
/// producing organisation's country as the region of national phone numbers.
pub fn keys_of(obj: &StixObject<'_>, ctx: &Context) -> Vec<String> {
    let mut out = Vec::new();
    collect(obj.properties(), ctx, &mut out, 0);
    out
}

fn push(out: &mut Vec<String>, key: String) {
    if !out.contains(&key) {
        out.push(key);
    }
}

fn collect(props: &Map<'_>, ctx: &Context, out: &mut Vec<String>, depth: u8) {
    let Some(ty) = props.get("type").and_then(Json::as_str) else {
        return;
    };
    match ty {
        "indicator" => indicator(props, ctx, out),
        "observed-data" if depth == 0 => {
            // The STIX 2.0 form: objects embedded by key. (The 2.1 form refers to SCOs stored on
            // their own, which yield their keys themselves.)
            if let Some(objects) = props.get("objects").and_then(Json::as_object) {
                for (_, o) in objects.iter() {
                    if let Some(m) = o.as_object() {
                        collect(m, ctx, out, depth + 1);
                    }
                }
            }
        }
        _ => sco(ty, props, ctx, out),
    }
}

fn indicator(props: &Map<'_>, ctx: &Context, out: &mut Vec<String>) {
    let stix = props
        .get("pattern_type")
        .and_then(Json::as_str)
        .is_none_or(|t| t == "stix");
    let Some(pattern) = props.get("pattern").and_then(Json::as_str).filter(|_| stix) else {
        return;
    };
    let Ok(parsed) = simpul_pattern::parse(pattern) else {
        return;
    };
    if let Plan::Indexed(entries) = simpul_matcher::compile::plan(parsed.root(), ctx) {
        for e in entries {
            match e {
                Entry::Exact(c) => push(out, c.to_string()),
                Entry::Cidr(c) => push(out, c.canonical().to_string()),
                // A suffix is a rule over many domains, not one observable.
                Entry::Suffix(_) => {}
            }
        }
    }
}

fn sco(ty: &str, props: &Map<'_>, ctx: &Context, out: &mut Vec<String>) {
    for (name, value) in props.iter() {
        match value {
            Json::String(s) => keys(ty, name, s, ctx, out),
            Json::Number(n) => keys(ty, name, &n.to_string(), ctx, out),
            Json::Object(hashes) if name == "hashes" => {
                for (alg, v) in hashes.iter() {
                    if let Some(v) = v.as_str() {
                        keys(ty, &format!("hashes.'{alg}'"), v, ctx, out);
                    }
                }
            }
            _ => {}
        }
    }
}

fn keys(ty: &str, path: &str, value: &str, ctx: &Context, out: &mut Vec<String>) {
    for k in simpul_observable::stix::keys_for(ty, path, value, ctx) {
        push(out, k.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys_json(json: &str) -> Vec<String> {
        let obj = simpul_stix::parse_object(json.as_bytes()).unwrap();
        keys_of(&obj, &Context::default())
    }

    #[test]
    fn indicators_scos_and_embedded_objects_yield_canonical_keys() {
        let k = keys_json(
            r#"{"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z","pattern":"[domain-name:value = 'EVIL.example.'] OR [ipv4-addr:value = '198.51.100.0/24'] OR [domain-name:value LIKE '%.bad.example']"}"#,
        );
        assert_eq!(k, ["domain|evil.example", "ipv4-cidr|198.51.100.0/24"]);
        let k = keys_json(
            r#"{"type":"file","spec_version":"2.1","id":"file--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","hashes":{"SHA-256":"E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"},"name":"x.exe"}"#,
        );
        assert_eq!(
            k,
            ["sha256|e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"]
        );
        let k = keys_json(
            r#"{"type":"observed-data","spec_version":"2.1","id":"observed-data--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z","first_observed":"2026-01-01T00:00:00Z","last_observed":"2026-01-01T00:00:00Z","number_observed":1,"objects":{"0":{"type":"url","value":"HTTP://Bank-Login.example/login"}}}"#,
        );
        assert_eq!(k, ["url|http://bank-login.example/login"]);
    }
}
