//! `simpul match` as a subprocess, on each input format.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::{Value, json};

use crate::helpers::{run_with_stdin, simpul_cmd};

fn indicator(n: u32, name: &str, pattern: &str) -> Value {
    json!({
        "type": "indicator", "spec_version": "2.1",
        "id": format!("indicator--00000000-0000-4000-8000-{n:012}"),
        "created": "2026-01-01T00:00:00Z", "modified": "2026-01-01T00:00:00Z",
        "name": name, "pattern_type": "stix", "pattern": pattern,
        "valid_from": "2026-01-01T00:00:00Z", "valid_until": "2999-01-01T00:00:00Z",
        "created_by_ref": "identity--11111111-1111-4111-8111-111111111111",
        "object_marking_refs": ["marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"],
    })
}

/// A bundle of indicators in a temp dir.
fn setup() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let bundle = json!({"type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000000", "objects": [
        indicator(1, "evil", "[domain-name:value LIKE '%.evil.example']"),
        indicator(2, "net", "[ipv4-addr:value ISSUBSET '198.51.100.0/24']"),
        indicator(3, "phone", "[phone-number:value = '+6281234567890']"),
        indicator(4, "url", "[url:value = 'http://shop.example/login']"),
        {"type": "identity", "id": "identity--11111111-1111-4111-8111-111111111111", "name": "x"},
    ]});
    let path = dir.path().join("indicators.json");
    std::fs::write(&path, bundle.to_string()).unwrap();
    (dir, path)
}

fn run(indicators: &Path, args: &[&str], stdin: &str) -> Output {
    let mut cmd = simpul_cmd();
    cmd.arg("match")
        .arg("--indicators")
        .arg(indicators)
        .args(args);
    run_with_stdin(cmd, stdin)
}

fn hits(out: &Output) -> Vec<Value> {
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn hit_ids(out: &Output) -> Vec<(String, String)> {
    hits(out)
        .iter()
        .map(|h| {
            (
                h["canonical"].as_str().unwrap().to_owned(),
                h["indicator_name"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn plain_lines_from_stdin() {
    let (_d, ind) = setup();
    let out = run(
        &ind,
        &[],
        "www.evil.example\ngood.example\n198.51.100.9\n-\n",
    );
    assert_eq!(out.status.code(), Some(0));
    let h = hits(&out);
    assert_eq!(h.len(), 2);
    assert_eq!(
        h[0],
        json!({
            "observable": "www.evil.example", "type": "domain", "canonical": "www.evil.example",
            "indicator_id": "indicator--00000000-0000-4000-8000-000000000001",
            "indicator_name": "evil", "tlp": "TLP:AMBER",
            "created_by_ref": "identity--11111111-1111-4111-8111-111111111111",
            "valid_until": "2999-01-01T00:00:00Z",
            "part": "parent-domain", "matched": "evil.example"
        })
    );
    // Field order is part of the format.
    let first = String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .unwrap()
        .to_owned();
    assert!(
        first.starts_with("{\"observable\":\"www.evil.example\",\"type\":\"domain\",\"canonical\""),
        "{first}"
    );
}

#[test]
fn no_hits_is_success_and_summary_goes_to_stderr() {
    let (_d, ind) = setup();
    let out = run(&ind, &["--summary"], "good.example\n");
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8(out.stderr).unwrap();
    let summary: Value = serde_json::from_str(stderr.lines().last().unwrap()).unwrap();
    assert_eq!(summary["observables"], 1);
    assert_eq!(summary["hits"], 0);
    assert_eq!(summary["indicators"]["indexed"], 4);
}

#[test]
fn json_lines_with_types_and_region() {
    let (_d, ind) = setup();
    let input = "{\"type\":\"phone\",\"value\":\"0812-3456-7890\"}\n{\"value\":\"a.evil.example\"}\nnot json\n{\"type\":\"ipv4\",\"value\":\"300.1.1.1\"}\n";
    let out = run(&ind, &["--region", "ID", "--summary"], input);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        hit_ids(&out),
        [
            ("+6281234567890".into(), "phone".into()),
            ("a.evil.example".into(), "evil".into())
        ]
    );
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("<stdin>:3: not a JSON object"), "{stderr}");
    assert!(stderr.contains("<stdin>:4: "), "{stderr}");
    let summary: Value = serde_json::from_str(stderr.lines().last().unwrap()).unwrap();
    assert_eq!(summary["malformed"], 2);
    assert_eq!(summary["malformed_lines"][0]["line"], 3);
}

#[test]
fn csv_with_a_named_column_from_a_file() {
    let (d, ind) = setup();
    let csv = d.path().join("report.csv");
    std::fs::write(
        &csv,
        "reported,number\n2026-01-02,\"+62 812-3456-7890\"\n2026-01-03,+6599999999\n",
    )
    .unwrap();
    let out = run(&ind, &["--column", "number", csv.to_str().unwrap()], "");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(hit_ids(&out), [("+6281234567890".into(), "phone".into())]);
    let out = run(&ind, &["--format", "csv"], "");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn zeek_dns_http_and_conn_logs() {
    let (d, ind) = setup();
    let head = "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n";
    let dns = format!(
        "{head}#path\tdns\n#fields\tts\tuid\tid.orig_h\tid.resp_h\tquery\tanswers\n1.0\tC1\t10.0.0.2\t10.0.0.1\tx.evil.example\t198.51.100.3,cdn.example\n"
    );
    let http = format!(
        "{head}#path\thttp\n#fields\tts\tuid\tid.orig_h\tid.resp_h\thost\turi\n1.0\tC1\t10.0.0.2\t203.0.113.5\tshop.example\t/login\n"
    );
    let conn = format!(
        "{head}#path\tconn\n#fields\tts\tuid\tid.orig_h\tid.resp_h\n1.0\tC1\t198.51.100.1\t198.51.100.200\n1.0\tC1\ttoo few\n"
    );
    let mut files = Vec::new();
    for (n, t) in [("dns.log", dns), ("http.log", http), ("conn.log", conn)] {
        let p = d.path().join(n);
        std::fs::write(&p, t).unwrap();
        files.push(p.to_str().unwrap().to_owned());
    }
    let mut args = vec!["--format", "zeek"];
    args.extend(files.iter().map(String::as_str));
    let out = run(&ind, &args, "");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        hit_ids(&out),
        [
            ("x.evil.example".into(), "evil".into()),
            ("198.51.100.3".into(), "net".into()),
            ("http://shop.example/login".into(), "url".into()),
            // conn.log: the responder, not the originator.
            ("198.51.100.200".into(), "net".into()),
        ]
    );
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("conn.log:8: Zeek record: 3 fields, header has 4"),
        "{stderr}"
    );
}

#[test]
fn unusable_input_exits_2_with_one_line() {
    let (d, ind) = setup();
    let out = run(&ind, &["/no/such/file"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let bad = d.path().join("bad.json");
    std::fs::write(&bad, "{\"type\": \"bundle\"\nnot json\n").unwrap();
    let out = run(&bad, &[], "a.example\n");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("indicators file"), "{stderr}");
    let out = run(&ind, &["--region", "Indonesia"], "");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn indicators_as_pretty_bundle_or_json_lines() {
    let (d, ind) = setup();
    let bundle: Value = serde_json::from_str(&std::fs::read_to_string(&ind).unwrap()).unwrap();
    let pretty = d.path().join("pretty.json");
    std::fs::write(&pretty, serde_json::to_string_pretty(&bundle).unwrap()).unwrap();
    let jsonl = d.path().join("feed.jsonl");
    let lines: Vec<String> = bundle["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(Value::to_string)
        .collect();
    std::fs::write(&jsonl, format!("\n{}\n", lines.join("\n"))).unwrap();
    for f in [&pretty, &jsonl] {
        let out = run(f, &[], "a.evil.example\n");
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(hit_ids(&out), [("a.evil.example".into(), "evil".into())]);
    }
    // A bad line in a feed is unusable input, named by its line.
    std::fs::write(&jsonl, format!("{}\n{{oops\n", lines[0])).unwrap();
    let out = run(&jsonl, &[], "a.evil.example\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 2: not JSON"));
}
