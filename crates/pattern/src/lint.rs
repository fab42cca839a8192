//! Specification checks the reference validator does not make (STIX 2.1
//! §9.3–9.5 and the SCO definitions of §6): reported as warnings.

use crate::ast::{ComparisonExpr, ObservationExpr, PathStep, Qualifier};

/// A specification problem in a pattern that the reference tools accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// Byte offset of the comparison concerned (0 for qualifiers).
    pub offset: usize,
    /// What is wrong.
    pub message: String,
}

const COMMON: &[&str] = &[
    "type",
    "id",
    "spec_version",
    "object_marking_refs",
    "granular_markings",
    "defanged",
    "extensions",
];

/// STIX 2.1 SCO types and their top-level properties (§6), without the common ones. A copy of the
/// names in `simpul-stix`'s schema (`schema.rs`), whose tests check that the two agree.
const SCOS: &[(&str, &[&str])] = &[
    (
        "artifact",
        &[
            "mime_type",
            "payload_bin",
            "url",
            "hashes",
            "encryption_algorithm",
            "decryption_key",
        ],
    ),
    ("autonomous-system", &["number", "name", "rir"]),
    (
        "directory",
        &[
            "path",
            "path_enc",
            "ctime",
            "mtime",
            "atime",
            "contains_refs",
        ],
    ),
    ("domain-name", &["value", "resolves_to_refs"]),
    ("email-addr", &["value", "display_name", "belongs_to_ref"]),
    (
        "email-message",
        &[
            "is_multipart",
            "date",
            "content_type",
            "from_ref",
            "sender_ref",
            "to_refs",
            "cc_refs",
            "bcc_refs",
            "message_id",
            "subject",
            "received_lines",
            "additional_header_fields",
            "body",
            "body_multipart",
            "raw_email_ref",
        ],
    ),
    (
        "file",
        &[
            "hashes",
            "size",
            "name",
            "name_enc",
            "magic_number_hex",
            "mime_type",
            "ctime",
            "mtime",
            "atime",
            "parent_directory_ref",
            "contains_refs",
            "content_ref",
        ],
    ),
    (
        "ipv4-addr",
        &["value", "resolves_to_refs", "belongs_to_refs"],
    ),
    (
        "ipv6-addr",
        &["value", "resolves_to_refs", "belongs_to_refs"],
    ),
    ("mac-addr", &["value"]),
    ("mutex", &["name"]),
    (
        "network-traffic",
        &[
            "start",
            "end",
            "is_active",
            "src_ref",
            "dst_ref",
            "src_port",
            "dst_port",
            "protocols",
            "src_byte_count",
            "dst_byte_count",
            "src_packets",
            "dst_packets",
            "ipfix",
            "src_payload_ref",
            "dst_payload_ref",
            "encapsulates_refs",
            "encapsulated_by_ref",
        ],
    ),
    (
        "process",
        &[
            "is_hidden",
            "pid",
            "created_time",
            "cwd",
            "command_line",
            "environment_variables",
            "opened_connection_refs",
            "creator_user_ref",
            "image_ref",
            "parent_ref",
            "child_refs",
        ],
    ),
    (
        "software",
        &["name", "cpe", "swid", "languages", "vendor", "version"],
    ),
    ("url", &["value"]),
    (
        "user-account",
        &[
            "user_id",
            "credential",
            "account_login",
            "account_type",
            "display_name",
            "is_service_account",
            "is_privileged",
            "can_escalate_privs",
            "is_disabled",
            "account_created",
            "account_expires",
            "credential_last_changed",
            "account_first_login",
            "account_last_login",
        ],
    ),
    (
        "windows-registry-key",
        &[
            "key",
            "values",
            "modified_time",
            "creator_user_ref",
            "number_of_subkeys",
        ],
    ),
    (
        "x509-certificate",
        &[
            "is_self_signed",
            "hashes",
            "version",
            "serial_number",
            "signature_algorithm",
            "issuer",
            "validity_not_before",
            "validity_not_after",
            "subject",
            "subject_public_key_algorithm",
            "subject_public_key_modulus",
            "subject_public_key_exponent",
            "x509_v3_extensions",
        ],
    ),
];

/// The STIX 2.1 cyber-observable object types the linter knows (`simpul-stix`'s tests hold this
/// table equal to its schema, which this crate may not depend on).
pub fn sco_types() -> impl Iterator<Item = &'static str> {
    SCOS.iter().map(|(n, _)| *n)
}

/// Whether `t` is one of the STIX 2.1 cyber-observable object types.
pub fn is_known_sco_type(t: &str) -> bool {
    SCOS.iter().any(|(n, _)| *n == t)
}

/// The top-level properties of an SCO type (common ones included), if known.
pub fn sco_properties(t: &str) -> Option<Vec<&'static str>> {
    SCOS.iter()
        .find(|(n, _)| *n == t)
        .map(|(_, p)| p.iter().chain(COMMON.iter()).copied().collect())
}

fn lint_cmp(c: &ComparisonExpr, out: &mut Vec<Warning>) {
    match c {
        ComparisonExpr::Comparison(c) => {
            let t = c.object_type.as_str();
            if !is_known_sco_type(t) && !t.starts_with("x-") {
                out.push(Warning { offset: c.span.0, message: format!("'{t}' is not a STIX 2.1 cyber-observable type (custom types start with 'x-')") });
            } else if let (Some(props), Some(PathStep::Key(first))) =
                (sco_properties(t), c.path.first())
                && !props.contains(&first.as_str())
                && !first.starts_with("x_")
            {
                out.push(Warning {
                    offset: c.span.0,
                    message: format!(
                        "'{first}' is not a property of '{t}' (custom properties start with 'x_')"
                    ),
                });
            }
        }
        ComparisonExpr::And(v) => {
            let mut types: Vec<(&str, usize)> = Vec::new();
            collect_and_types(c, &mut types);
            if let Some((t0, _)) = types.first()
                && let Some((t, off)) = types.iter().find(|(t, _)| t != t0)
            {
                out.push(Warning {
                    offset: *off,
                    message: format!(
                        "comparisons joined by AND must use one object type ('{t0}' and '{t}')"
                    ),
                });
            }
            v.iter().for_each(|c| lint_cmp(c, out));
        }
        ComparisonExpr::Or(v) => v.iter().for_each(|c| lint_cmp(c, out)),
    }
}

fn collect_and_types<'a>(c: &'a ComparisonExpr, out: &mut Vec<(&'a str, usize)>) {
    match c {
        ComparisonExpr::Comparison(c) => out.push((c.object_type.as_str(), c.span.0)),
        ComparisonExpr::And(v) => v.iter().for_each(|c| collect_and_types(c, out)),
        // An OR inside AND may legitimately mix types only if each branch does.
        ComparisonExpr::Or(v) => {
            if let Some(first) = v.first() {
                collect_and_types(first, out);
            }
        }
    }
}

pub(crate) fn lint(e: &ObservationExpr) -> Vec<Warning> {
    let mut out = Vec::new();
    walk(e, &mut out);
    out
}

fn walk(e: &ObservationExpr, out: &mut Vec<Warning>) {
    match e {
        ObservationExpr::Simple(c) => lint_cmp(c, out),
        ObservationExpr::And(v) | ObservationExpr::Or(v) | ObservationExpr::FollowedBy(v) => {
            v.iter().for_each(|e| walk(e, out))
        }
        ObservationExpr::Qualified(inner, q) => {
            match q {
                Qualifier::Within(s)
                    if s.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) =>
                {
                    out.push(Warning {
                        offset: 0,
                        message: format!("WITHIN must be a positive number of seconds, not {s}"),
                    })
                }
                Qualifier::Repeats(0) => out.push(Warning {
                    offset: 0,
                    message: "REPEATS must be a positive integer".into(),
                }),
                Qualifier::StartStop(a, b) => match (a.micros, b.micros) {
                    (Some(x), Some(y)) if x >= y => out.push(Warning {
                        offset: 0,
                        message: format!("START t'{}' must be before STOP t'{}'", a.text, b.text),
                    }),
                    (None, _) | (_, None) => out.push(Warning {
                        offset: 0,
                        message: "START/STOP timestamp names no real date".into(),
                    }),
                    _ => {}
                },
                _ => {}
            }
            walk(inner, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::parse;

    #[test]
    fn spec_checks() {
        let w = |s: &str| parse(s).unwrap().lint();
        assert!(w("[file:name = 'a' AND file:size = 3]").is_empty());
        assert!(w("[x-foo:bar = 1]").is_empty());
        assert!(w("[file:x_custom = 1]").is_empty());
        assert_eq!(w("[emailaddr:value = 'a']").len(), 1);
        assert_eq!(w("[file:file_name = 'a']").len(), 1);
        assert_eq!(w("[file:name = 'a' AND url:value = 'b']").len(), 1);
        assert_eq!(w("[file:name = 'a'] WITHIN 0 SECONDS").len(), 1);
        assert_eq!(w("[file:name = 'a'] REPEATS 0 TIMES").len(), 1);
        assert_eq!(
            w("[file:name = 'a'] START t'2020-01-01T00:00:00Z' STOP t'2019-01-01T00:00:00Z'").len(),
            1
        );
    }
}
