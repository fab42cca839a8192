//! `simpul pattern …`: outputs and exit codes (0 valid/match, 1 invalid/no match, 2 unusable input).

fn simpul(args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut cmd = crate::helpers::simpul_cmd();
    cmd.args(args);
    let out = crate::helpers::run_with_stdin(cmd, stdin);
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

const BUNDLE: &str = r#"{"type":"bundle","id":"bundle--1","objects":[{"type":"observed-data","id":"observed-data--1","number_observed":1,"first_observed":"2020-01-01T00:00:00Z","last_observed":"2020-01-01T00:00:00Z","object_refs":["domain-name--1"]},{"type":"domain-name","id":"domain-name--1","value":"evil.example"}]}"#;

#[test]
fn check_single() {
    assert_eq!(
        simpul(
            &["pattern", "check", "[domain-name:value = 'evil.example']"],
            ""
        )
        .0,
        0
    );
    let (code, _, err) = simpul(&["pattern", "check", "[domain-name:value = ]"], "");
    assert_eq!(code, 1);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("byte 21"), "{err}");
}

#[test]
fn check_strict_rejects_with_the_reason_and_never_says_valid() {
    // Valid for the reference validator, but not a STIX 2.1 SCO property: rejected under
    // --strict, so it must not print `valid` (it used to, and exit 1 all the same).
    let (code, out, err) = simpul(
        &["pattern", "check", "--strict", "[domain-name:val = 'x']"],
        "",
    );
    assert_eq!((code, out.as_str()), (1, ""), "{err}");
    assert_eq!(
        err,
        "invalid pattern (--strict) at byte 1: 'val' is not a property of 'domain-name' (custom properties start with 'x_')\n"
    );
    let (code, out, _) = simpul(
        &["pattern", "check", "--strict", "[domain-name:value = 'x']"],
        "",
    );
    assert_eq!((code, out.as_str()), (0, "valid\n"));

    let (code, out, _) = simpul(
        &["pattern", "check", "--jsonl", "--strict"],
        "\"[domain-name:value = 'x']\"\n\"[domain-name:val = 'x']\"\n",
    );
    assert_eq!(code, 1);
    assert_eq!(
        out,
        "{\"valid\":true}\n{\"valid\":false,\"warnings\":[{\"message\":\"'val' is not a property of 'domain-name' (custom properties start with 'x_')\",\"offset\":1}]}\n"
    );
}

#[test]
fn check_jsonl() {
    let (code, out, _) = simpul(
        &["pattern", "check", "--jsonl"],
        "\"[a:b = 1]\"\n\"[a:b = ]\"\n",
    );
    assert_eq!(code, 1);
    assert_eq!(
        out,
        "{\"valid\":true}\n{\"valid\":false,\"error\":{\"offset\":7,\"message\":\"expected a constant (string, number, boolean, t'…', h'…' or b'…'), found ']'\"}}\n"
    );
    let (code, out, _) = simpul(&["pattern", "check", "--jsonl"], "[a:b = 1]\n");
    assert_eq!(code, 2);
    assert!(out.contains("\"error\""), "{out}");
}

#[test]
fn match_file_and_jsonl() {
    let dir = std::env::temp_dir().join(format!("simpul-pattern-it-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("bundle.json");
    std::fs::write(&file, BUNDLE).unwrap();
    let f = file.to_str().unwrap();
    assert_eq!(
        simpul(
            &[
                "pattern",
                "match",
                "[domain-name:value = 'evil.example']",
                f
            ],
            ""
        )
        .0,
        0
    );
    assert_eq!(
        simpul(
            &[
                "pattern",
                "match",
                "[domain-name:value = 'good.example']",
                f
            ],
            ""
        )
        .0,
        1
    );
    assert_eq!(
        simpul(&["pattern", "match", "[domain-name:value = ", f], "").0,
        2
    );
    assert_eq!(
        simpul(
            &[
                "pattern",
                "match",
                "[a:b = 1]",
                dir.join("missing.json").to_str().unwrap()
            ],
            ""
        )
        .0,
        2
    );

    let line = |p: &str| {
        format!(
            "{{\"pattern\":{},\"observed\":[{BUNDLE}]}}\n",
            serde_json::to_string(p).unwrap()
        )
    };
    let input = line("[domain-name:value = 'evil.example']") + &line("[domain-name:value = 'x']");
    let (code, out, _) = simpul(&["pattern", "match", "--jsonl"], &input);
    assert_eq!(
        (code, out.as_str()),
        (1, "{\"match\":true}\n{\"match\":false}\n")
    );
    let (code, out, _) = simpul(&["pattern", "match", "--jsonl"], &line("[x"));
    assert_eq!(code, 2);
    assert!(out.contains("\"kind\":\"parse\""), "{out}");
    std::fs::remove_dir_all(&dir).unwrap();
}
