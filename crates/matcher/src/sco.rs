//! One observable as a STIX 2.1 observation: the cyber-observable object that carries its
//! canonical key, inside an `observed-data` of one observation, in a bundle.

use serde_json::{Map, Value, json};
use simpul_observable::{Canonical, ObservableType as T, stix};

/// The STIX object type an observable of type `ty` is written as (`domain-name`, `file`, …).
#[must_use]
pub fn object_type(ty: T) -> &'static str {
    stix::stix_property(ty).0
}

/// The cyber-observable object carrying `c`, with id `id`: the key at the property where
/// simpul writes that type (`hashes.'SHA-256'` nested), the platform of a social account in
/// `account_type`, the provider of an e-wallet in `provider`, an AS number as an integer.
#[must_use]
pub fn sco(c: &Canonical, id: &str) -> Value {
    let (ty, path) = stix::stix_property(c.ty());
    let mut obj = Map::new();
    obj.insert("type".into(), ty.into());
    obj.insert("spec_version".into(), "2.1".into());
    obj.insert("id".into(), id.into());
    let value: Value = match c.ty() {
        T::Asn => c
            .key()
            .strip_prefix("AS")
            .and_then(|n| n.parse::<u64>().ok())
            .map_or_else(|| c.key().into(), Value::from),
        _ => c.key().into(),
    };
    if let Some(alg) = path.strip_prefix("hashes.") {
        let alg = alg.trim_matches('\'');
        obj.insert("hashes".into(), json!({ alg: value }));
    } else {
        obj.insert(path.into(), value);
    }
    match c.ty() {
        T::SocialAccount(p) => {
            obj.insert("account_type".into(), p.to_string().into());
        }
        T::Ewallet(p) => {
            obj.insert("provider".into(), p.to_string().into());
        }
        _ => {}
    }
    Value::Object(obj)
}

/// A bundle with one `observed-data` (`number_observed` 1, first and last observed `at`, an
/// RFC 3339 timestamp) referring to the object of [`sco`].
#[must_use]
pub fn observation(c: &Canonical, at: &str) -> Value {
    let ty = object_type(c.ty());
    let sco_id = format!("{ty}--00000000-0000-4000-8000-000000000000");
    json!({
        "type": "bundle",
        "id": "bundle--00000000-0000-4000-8000-000000000000",
        "objects": [
            {
                "type": "observed-data",
                "spec_version": "2.1",
                "id": "observed-data--00000000-0000-4000-8000-000000000000",
                "created": at,
                "modified": at,
                "first_observed": at,
                "last_observed": at,
                "number_observed": 1,
                "object_refs": [sco_id],
            },
            sco(c, &sco_id),
        ]
    })
}
