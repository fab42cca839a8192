//! `validate_reader`: one report per object for every input shape, and the verdicts the CLI prints.

use simpul_stix::ValidateOptions;
use simpul_stix::report::{Report, validate_reader};

const GOOD: &str = r#"{"type":"identity","spec_version":"2.1","id":"identity--311b2d2d-f010-4473-83ec-1edf84858f4c","created":"2015-12-21T19:59:11.000Z","modified":"2015-12-21T19:59:11.000Z","name":"ACME","identity_class":"organization"}"#;
const BAD: &str = r#"{"type":"identity","spec_version":"2.1","id":"malware--311b2d2d-f010-4473-83ec-1edf84858f4c","created":"2015-12-21T19:59:11.000Z","modified":"2015-12-21T19:59:11.000Z","name":"ACME"}"#;

fn run(input: &str) -> (Vec<Report>, simpul_stix::report::Summary) {
    let mut out = Vec::new();
    let s = validate_reader(input.as_bytes(), &ValidateOptions::default(), |r| {
        out.push(r)
    })
    .unwrap();
    (out, s)
}

#[test]
fn bundle_array_and_json_lines() {
    let bundle = format!(
        r#"{{"type":"bundle","id":"bundle--44af6c39-c09b-49c5-9de2-394224b04982","objects":[{GOOD},{BAD}]}}"#
    );
    let (r, s) = run(&bundle);
    assert_eq!(r.len(), 3);
    assert!(r[0].valid && !r[1].valid && r[2].valid);
    assert_eq!(
        r[2].id.as_deref(),
        Some("bundle--44af6c39-c09b-49c5-9de2-394224b04982")
    );
    assert_eq!(
        (s.objects, s.invalid, s.bundles, s.invalid_bundles),
        (2, 1, 1, 0),
        "the bundle's objects count, the bundle does not"
    );
    assert_eq!(r[1].errors[0].path, "/id");
    assert_eq!(r[1].errors[0].code, "id-type");

    let (r, _) = run(&format!("[{GOOD},{BAD},7]"));
    assert_eq!(
        r.iter().map(|x| x.valid).collect::<Vec<_>>(),
        [true, false, false]
    );
    let (r, s) = run(&format!("{GOOD}\n{BAD}\n"));
    assert_eq!(r.len(), 2);
    assert_eq!((s.objects, s.invalid, s.bundles), (2, 1, 0));

    let (r, s) = run(
        r#"{"type":"bundle","id":"bundle--44af6c39-c09b-49c5-9de2-394224b04982","objects":[]}"#,
    );
    assert!(!r[0].valid);
    assert_eq!(
        (s.objects, s.invalid, s.bundles, s.invalid_bundles),
        (0, 0, 1, 1)
    );
}

#[test]
fn duplicate_versions_in_a_bundle_warn() {
    let bundle = format!(
        r#"{{"type":"bundle","id":"bundle--44af6c39-c09b-49c5-9de2-394224b04982","objects":[{GOOD},{GOOD}]}}"#
    );
    let (r, _) = run(&bundle);
    assert!(r[1].errors.iter().any(|i| i.code == "duplicate-version"));
}

#[test]
fn json_report_shape() {
    let (r, _) = run(BAD);
    let v = serde_json::to_value(&r[0]).unwrap();
    assert_eq!(v["valid"], false);
    assert_eq!(v["errors"][0]["severity"], "error");
    assert!(v["errors"][0]["path"].is_string() && v["errors"][0]["message"].is_string());
}
