//! Versioning (STIX 2.1 §3.6): an object version is identified by (`id`, `modified`); the newest
//! version wins; a revoked object gets no further versions; some properties may never change.

use crate::json::Json;
use crate::object::StixObject;
use crate::timestamp::Timestamp;
use crate::validate::{Issue, Severity};

/// The identity of one version of an object.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VersionKey {
    /// The object id.
    pub id: String,
    /// `modified` (or `created` for objects without `modified`, e.g. marking definitions; `None` for SCOs).
    pub modified: Option<Timestamp>,
}

/// The version key of an object, if it has an id.
pub fn version_key(obj: &StixObject) -> Option<VersionKey> {
    let id = obj.id_str()?.to_owned();
    Some(VersionKey {
        id,
        modified: obj.modified().or_else(|| obj.created()),
    })
}

/// The newest of several versions of the same object (greatest `modified`; ties keep the first seen).
pub fn newest<'a, 'b>(
    versions: impl IntoIterator<Item = &'a StixObject<'b>>,
) -> Option<&'a StixObject<'b>> {
    let mut best: Option<(&StixObject<'b>, Option<Timestamp>)> = None;
    for v in versions {
        let m = v.modified().or_else(|| v.created());
        match &best {
            Some((_, bm)) if m <= *bm => {}
            _ => best = Some((v, m)),
        }
    }
    best.map(|(o, _)| o)
}

/// True when the object is revoked (`revoked: true`).
pub fn is_revoked(obj: &StixObject) -> bool {
    obj.revoked()
}

/// Properties that must not change between versions of an object.
const IMMUTABLE: &[&str] = &["type", "id", "created", "created_by_ref", "spec_version"];

/// Checks that `new` may follow `old` as a new version of the same object. Errors: a different
/// id/type/created/created_by_ref, `modified` not later, or `old` already revoked; un-revoking is
/// also an error.
pub fn check_new_version(old: &StixObject, new: &StixObject) -> Vec<Issue> {
    let mut out = Vec::new();
    let mut err = |path: &str, code: &'static str, message: String| {
        out.push(Issue {
            path: path.to_owned(),
            message,
            severity: Severity::Error,
            code,
        });
    };
    for p in IMMUTABLE {
        let (a, b) = (old.get(p), new.get(p));
        if a != b && !(*p == "spec_version" && a.is_none()) {
            err(
                &format!("/{p}"),
                "version-immutable",
                format!(
                    "'{p}' must not change between versions ({} → {})",
                    show(a),
                    show(b)
                ),
            );
        }
    }
    if old.revoked() {
        err(
            "/revoked",
            "version-revoked",
            "the object is revoked; no further versions may be created".into(),
        );
    }
    match (old.modified(), new.modified()) {
        (Some(a), Some(b)) if b <= a => err(
            "/modified",
            "version-order",
            format!("a new version's 'modified' must be later than {}", a),
        ),
        (_, None) => err(
            "/modified",
            "required",
            "a new version must have 'modified'".into(),
        ),
        _ => {}
    }
    out
}

fn show(v: Option<&Json>) -> String {
    v.map_or_else(|| "absent".to_owned(), Json::to_json_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_object;

    fn obj(modified: &str, extra: &str) -> StixObject<'static> {
        let text = format!(
            r#"{{"type":"malware","spec_version":"2.1","id":"malware--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2016-01-01T00:00:00.000Z","modified":"{modified}","is_family":false{extra}}}"#
        );
        parse_object(text.as_bytes()).unwrap().into_owned()
    }

    #[test]
    fn newest_and_revoked() {
        let a = obj("2016-01-01T00:00:00.000Z", "");
        let b = obj("2016-01-02T00:00:00.000Z", r#","revoked":true"#);
        let c = obj("2016-01-01T12:00:00.000Z", "");
        assert_eq!(newest([&a, &b, &c]), Some(&b));
        assert!(is_revoked(&b));
        assert_eq!(version_key(&a).unwrap().modified, a.modified());
    }

    #[test]
    fn version_rules() {
        let a = obj("2016-01-01T00:00:00.000Z", "");
        let b = obj("2016-01-02T00:00:00.000Z", "");
        assert!(check_new_version(&a, &b).is_empty());
        let codes: Vec<_> = check_new_version(&b, &a)
            .into_iter()
            .map(|i| i.code)
            .collect();
        assert_eq!(codes, ["version-order"]);
        let r = obj("2016-01-02T00:00:00.000Z", r#","revoked":true"#);
        let after = obj("2016-01-03T00:00:00.000Z", "");
        assert!(
            check_new_version(&r, &after)
                .iter()
                .any(|i| i.code == "version-revoked")
        );
        let other = obj(
            "2016-01-03T00:00:00.000Z",
            r#","created_by_ref":"identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f""#,
        );
        assert!(
            check_new_version(&a, &other)
                .iter()
                .any(|i| i.code == "version-immutable")
        );
    }
}
