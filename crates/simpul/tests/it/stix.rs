//! `simpul stix validate`: exit codes 0/1/2, JSON lines, stdin, one-line errors on stderr.

use std::process::Output;

const GOOD: &str = r#"{"type":"identity","spec_version":"2.1","id":"identity--311b2d2d-f010-4473-83ec-1edf84858f4c","created":"2015-12-21T19:59:11.000Z","modified":"2015-12-21T19:59:11.000Z","name":"ACME","identity_class":"organization"}"#;
const BAD: &str = r#"{"type":"identity","spec_version":"2.1","id":"identity--311b2d2d-f010-4473-83ec-1edf84858f4c","created":"2015-12-21T19:59:11.000Z","modified":"2014-12-21T19:59:11.000Z","name":"ACME"}"#;

fn simpul(args: &[&str], stdin: &str) -> Output {
    let mut cmd = crate::helpers::simpul_cmd();
    cmd.args(args);
    crate::helpers::run_with_stdin(cmd, stdin)
}

#[test]
fn valid_input_exits_zero() {
    let out = simpul(&["stix", "validate", "-"], GOOD);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn summary_counts_a_bundles_objects_not_the_bundle() {
    let last_line = |out: &Output| {
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        text.lines().last().unwrap_or_default().to_owned()
    };
    let other = GOOD.replace(
        "311b2d2d-f010-4473-83ec-1edf84858f4c",
        "4e2f1c8a-5b7d-4c3e-9f10-2a6b8c9d0e1f",
    );
    let bundle = format!(
        r#"{{"type":"bundle","id":"bundle--44af6c39-c09b-49c5-9de2-394224b04982","objects":[{GOOD},{other}]}}"#
    );
    let out = simpul(&["stix", "validate", "-"], &bundle);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(last_line(&out), "-: 2 objects, 0 invalid, 0 warnings");

    let out = simpul(&["stix", "validate", "-"], GOOD);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(last_line(&out), "-: 1 object, 0 invalid, 0 warnings");

    let out = simpul(&["stix", "validate", "-"], BAD);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(last_line(&out), "-: 1 object, 1 invalid, 0 warnings");

    // An empty bundle: no objects, but the bundle itself is invalid.
    let out = simpul(
        &["stix", "validate", "-"],
        r#"{"type":"bundle","id":"bundle--44af6c39-c09b-49c5-9de2-394224b04982","objects":[]}"#,
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        last_line(&out),
        "-: 0 objects, 0 invalid, 0 warnings, 1 bundle invalid"
    );
}

#[test]
fn invalid_object_exits_one_with_json_report() {
    let out = simpul(
        &["stix", "validate", "--json", "-"],
        &format!("{GOOD}\n{BAD}\n"),
    );
    assert_eq!(out.status.code(), Some(1));
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["valid"], true);
    assert_eq!(lines[1]["valid"], false);
    assert_eq!(
        lines[1]["id"],
        "identity--311b2d2d-f010-4473-83ec-1edf84858f4c"
    );
    assert_eq!(lines[1]["errors"][0]["path"], "/modified");
    assert_eq!(lines[1]["errors"][0]["severity"], "error");
}

#[test]
fn unreadable_input_exits_two_with_one_line() {
    let out = simpul(&["stix", "validate", "-"], "{\"type\": ");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("line 1"), "{err}");
    let out = simpul(&["stix", "validate", "/nonexistent/file.json"], "");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn indicator_patterns_are_checked() {
    let indicator = |pattern: &str| {
        serde_json::json!({
            "type": "indicator", "spec_version": "2.1",
            "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "created": "2026-11-28T00:00:00.000Z", "modified": "2026-11-28T00:00:00.000Z",
            "pattern": pattern, "pattern_type": "stix", "valid_from": "2026-11-28T00:00:00Z"
        })
        .to_string()
    };
    let ok = simpul(
        &["stix", "validate", "--json", "-"],
        &indicator("[domain-name:value = 'scam.example']"),
    );
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );
    let bad = simpul(
        &["stix", "validate", "--json", "-"],
        &indicator("[domain-name:value = 'scam.example'"),
    );
    assert_eq!(bad.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&bad.stdout).unwrap();
    let errors = report["errors"].as_array().unwrap();
    let err = errors.iter().find(|e| e["severity"] == "error").unwrap();
    assert_eq!(err["path"], "/pattern", "{report}");
    assert!(
        err["message"].as_str().unwrap().contains("byte 35"),
        "{report}"
    );
}
