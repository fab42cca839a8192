//! Validation of a whole input stream into one report per object: the logic behind
//! `simpul stix validate` (the CLI only prints).

use std::collections::HashSet;
use std::io::Read;

use serde::Serialize;

use crate::object::ParseError;
use crate::stream::{Unit, read_units};
use crate::validate::{Issue, Severity, ValidateOptions, validate_bundle_envelope, validate_map};

/// The verdict on one object (or a bundle's envelope).
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The object's `id` as written, if it is a string.
    pub id: Option<String>,
    /// True when there is no error (warnings allowed).
    pub valid: bool,
    /// Errors and warnings.
    pub errors: Vec<Issue>,
}

/// Totals over a stream.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Objects reported: top-level objects, array elements and a bundle's objects (including
    /// values that are not objects where one was expected), but not the bundles themselves.
    pub objects: usize,
    /// Objects with at least one error.
    pub invalid: usize,
    /// Bundles read (each bundle's envelope has its own report, after its objects).
    pub bundles: usize,
    /// Bundles whose envelope has at least one error.
    pub invalid_bundles: usize,
    /// Warnings over all reports, bundles' included.
    pub warnings: usize,
}

/// Validates everything in `reader` (bundle, object, array or JSON lines), calling `emit` with one
/// report per object, in input order; a bundle's envelope report comes after its objects. Memory is
/// bounded by the in-memory limit of [`crate::stream`] (16 MiB) or the largest single object, plus
/// a 64-bit hash of `(id, modified)` per bundle object for the duplicate-version check (about 16
/// bytes each: 50 MB for a 1 GB bundle of small objects).
pub fn validate_reader<R: Read>(
    reader: R,
    opts: &ValidateOptions,
    mut emit: impl FnMut(Report),
) -> Result<Summary, ParseError> {
    let mut summary = Summary::default();
    // (id, modified) of the bundle's objects so far, as 64-bit hashes: ~16 bytes per object.
    let mut seen: HashSet<u64> = HashSet::new();
    let mut push = |r: Report, summary: &mut Summary, is_bundle: bool| {
        let (count, invalid) = if is_bundle {
            (&mut summary.bundles, &mut summary.invalid_bundles)
        } else {
            (&mut summary.objects, &mut summary.invalid)
        };
        *count += 1;
        if !r.valid {
            *invalid += 1;
        }
        summary.warnings += r
            .errors
            .iter()
            .filter(|i| i.severity == Severity::Warning)
            .count();
        emit(r);
    };
    read_units(reader, |unit| match unit {
        Unit::Object(o) => {
            let issues = crate::validate::validate(&o, opts);
            push(report(o.id_str(), issues), &mut summary, false);
        }
        Unit::BundleObject { object, .. } => {
            let mut issues = validate_map(object.properties(), opts);
            if let (Some(id), Some(m)) = (object.id_str(), object.get_str("modified"))
                && !seen.insert(version_hash(id, m))
            {
                issues.push(Issue {
                    path: "/id".into(),
                    message: format!(
                        "duplicate id `{id}` with identical `modified` {m} in this bundle"
                    ),
                    severity: Severity::Warning,
                    code: "duplicate-version",
                });
            }
            push(report(object.id_str(), issues), &mut summary, false);
        }
        Unit::BundleEnd {
            envelope,
            objects_len,
        } => {
            seen.clear();
            let mut issues = validate_bundle_envelope(&envelope, opts);
            if objects_len == Some(0) {
                issues.push(Issue {
                    path: "/objects".into(),
                    message: "'objects' must not be an empty list".into(),
                    severity: Severity::Error,
                    code: "empty-list",
                });
            }
            let id = envelope.get("id").and_then(crate::Json::as_str);
            push(report(id, issues), &mut summary, true);
        }
        Unit::NotAnObject { found, index } => {
            let path = index.map_or_else(String::new, |i| format!("/{i}"));
            let issue = Issue {
                path,
                message: format!("expected a STIX object, found {found}"),
                severity: Severity::Error,
                code: "type",
            };
            push(report(None, vec![issue]), &mut summary, false);
        }
    })?;
    Ok(summary)
}

fn version_hash(id: &str, modified: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (id, modified).hash(&mut h);
    h.finish()
}

fn report(id: Option<&str>, errors: Vec<Issue>) -> Report {
    let valid = crate::validate::is_valid(&errors);
    Report {
        id: id.map(str::to_owned),
        valid,
        errors,
    }
}
