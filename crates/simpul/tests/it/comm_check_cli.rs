//! `simpul comm-check start / report / list` as a subprocess over a SQLite data directory: the
//! check's id alone on stdout, its queued mail linking to `SIMPUL_PUBLIC_URL`, the report as a
//! table and as JSON, and every bad input refused with exit 2 and one line naming the flag.

use std::path::Path;
use std::process::Output;

use serde_json::Value;

use crate::helpers::simpul_cmd;

/// `simpul ARGS --data DATA` with `env`.
pub(crate) fn run(data: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = simpul_cmd();
    cmd.args(args).arg("--data").arg(data);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

/// Its stdout, asserting it succeeded.
pub(crate) fn ok(data: &Path, args: &[&str]) -> String {
    let out = run(data, args, &[]);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Two organisations (SingCERT, MyCERT), each with one contact, made by `simpul` commands run by
/// `ok` (which returns their stdout); the contacts' ids.
pub(crate) fn two_contacts(ok: &dyn Fn(&[&str]) -> String, a: &str, b: &str) -> (String, String) {
    for (name, short, cc) in [
        ("Singapore CERT", "SingCERT", "sg"),
        ("Malaysia CERT", "MyCERT", "my"),
    ] {
        ok(&[
            "org",
            "add",
            "--name",
            name,
            "--short",
            short,
            "--kind",
            "national-cert",
            "--country",
            cc,
        ]);
    }
    let add = |org: &str, name: &str, email: &str, kind: &str| {
        let id = ok(&[
            "contact", "add", "--org", org, "--name", name, "--email", email, "--kind", kind,
        ]);
        id.trim_end().to_owned()
    };
    (
        add("SingCERT", "Ana Duty", a, "24x7-duty"),
        add("MyCERT", "Budi Tech", b, "technical-poc"),
    )
}

/// Exit 2 and exactly one line on stderr containing `says`.
fn refused(out: &Output, says: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains(says), "wanted `{says}` in: {err}");
    assert!(out.stdout.is_empty(), "nothing on stdout");
}

fn bodies(data: &Path) -> Vec<String> {
    let c = rusqlite::Connection::open(data.join("simpul.db")).unwrap();
    let mut q = c
        .prepare("SELECT body FROM mail_outbox ORDER BY to_addr")
        .unwrap();
    q.query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn the_cli_starts_lists_and_reports_a_check() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path();
    let (ana, budi) = two_contacts(
        &|args: &[&str]| ok(data, args),
        "ana@singcert.example",
        "budi@mycert.example",
    );
    let out = run(
        data,
        &[
            "comm-check",
            "start",
            "--title",
            "Quarterly ping",
            "--contacts",
            &format!("{ana},{budi}"),
            "--deadline",
            "4h",
            "--message",
            "Please confirm.",
        ],
        &[("SIMPUL_PUBLIC_URL", "https://simpul.example.org/")],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let id = stdout.strip_suffix('\n').unwrap();
    uuid::Uuid::parse_str(id).expect("only the id is printed");

    // One message per target, its link at the configured public URL (trailing slash dropped).
    let bodies = bodies(data);
    assert_eq!(bodies.len(), 2);
    for b in &bodies {
        assert!(b.contains("Please confirm."), "{b}");
        let link = b
            .split_whitespace()
            .find(|w| w.contains("/ack/"))
            .unwrap_or_else(|| panic!("no link in {b}"));
        assert!(
            link.starts_with("https://simpul.example.org/ack/") && link.len() > 40,
            "{link}"
        );
    }

    // By organisation and kind: MyCERT's technical POC only.
    let by_org = ok(
        data,
        &[
            "comm-check",
            "start",
            "--title",
            "MyCERT tech",
            "--orgs",
            "MyCERT,SingCERT",
            "--kind",
            "technical-poc",
            "--deadline",
            "90s",
            "--channel",
            "in-app",
        ],
    );
    let by_org = by_org.trim_end();
    let json: Value =
        serde_json::from_str(&ok(data, &["comm-check", "report", by_org, "--json"])).unwrap();
    let results = json["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{json}");
    assert_eq!(results[0]["contact_id"], budi.as_str());
    assert_eq!(json["check"]["channels"], serde_json::json!(["in-app"]));
    assert_eq!(bodies_len(data), 2, "in-app only: no mail");

    let list = ok(data, &["comm-check", "list"]);
    let lines: Vec<&str> = list.lines().collect();
    assert_eq!(lines.len(), 3, "{list}");
    assert!(lines[0].starts_with("ID "), "{list}");
    assert!(
        list.contains(id) && list.contains("Quarterly ping"),
        "{list}"
    );
    assert!(
        list.contains(by_org) && list.contains("MyCERT tech"),
        "{list}"
    );
    let list: Value = serde_json::from_str(&ok(data, &["comm-check", "list", "--json"])).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 2);

    let json: Value =
        serde_json::from_str(&ok(data, &["comm-check", "report", id, "--json"])).unwrap();
    assert_eq!(json["check"]["id"], id);
    assert_eq!(json["summary"]["targets"], 2);
    assert_eq!(json["summary"]["states"]["pending"], 2);
    assert_eq!(json["summary"]["per_org"].as_object().unwrap().len(), 2);
    for r in json["results"].as_array().unwrap() {
        assert_eq!(r["state"], "pending");
        assert_eq!(r["delivery"]["status"], "queued");
        assert_eq!(r["response_secs"], Value::Null);
    }

    let table = ok(data, &["comm-check", "report", id]);
    assert!(
        table.starts_with(&format!("check {id}: Quarterly ping\n")),
        "{table}"
    );
    let rows: Vec<&str> = table
        .lines()
        .filter(|l| l.starts_with("SingCERT ") || l.starts_with("MyCERT "))
        .collect();
    assert_eq!(rows.len(), 2, "{table}");
    for email in ["budi@mycert.example", "ana@singcert.example"] {
        assert!(
            rows.iter()
                .any(|r| r.contains(" pending ") && r.contains(" queued ") && r.contains(email)),
            "{table}"
        );
    }
    assert!(
        table.contains(
            "summary: 0 of 2 acknowledged (0%), late 0, no answer 0, undeliverable 0, pending 2; \
             response median -, p90 -"
        ),
        "{table}"
    );
    assert!(
        table.contains("\n  MyCERT         0 of 1 acknowledged"),
        "{table}"
    );
    assert!(
        table.contains("\n  SingCERT       0 of 1 acknowledged"),
        "{table}"
    );
}

fn bodies_len(data: &Path) -> usize {
    bodies(data).len()
}

#[test]
fn bad_comm_check_input_is_refused_with_one_line() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path();
    let (ana, _) = two_contacts(
        &|args: &[&str]| ok(data, args),
        "ana@singcert.example",
        "budi@mycert.example",
    );
    let start = |extra: &[&str]| {
        let mut args = vec!["comm-check", "start", "--title", "T"];
        args.extend_from_slice(extra);
        run(data, &args, &[])
    };
    let cases: &[(&[&str], &str)] = &[
        (
            &["--all-members", "--deadline", "4"],
            "--deadline: `4` has no unit",
        ),
        (
            &["--all-members", "--deadline", "5s"],
            "shorter than 10 seconds",
        ),
        (
            &["--all-members", "--deadline", "31d"],
            "longer than 30 days",
        ),
        (
            &["--orgs", "NoSuchCERT", "--deadline", "1h"],
            "--orgs: no organisation `NoSuchCERT`",
        ),
        (&["--orgs", "a b", "--deadline", "1h"], "--orgs: `a b`"),
        (
            &["--contacts", "not-an-id", "--deadline", "1h"],
            "--contacts: `not-an-id` is not a contact id",
        ),
        (
            &[
                "--contacts",
                "00000000-0000-4000-8000-000000000000",
                "--deadline",
                "1h",
            ],
            "--contacts: no contact 00000000-0000-4000-8000-000000000000",
        ),
        (
            &["--all-members", "--deadline", "1h", "--channel", "fax"],
            "--channel:",
        ),
        (
            &[
                "--all-members",
                "--deadline",
                "1h",
                "--channel",
                "email,email",
            ],
            "--channel: this channel is given twice",
        ),
        (
            &["--all-members", "--deadline", "1h", "--kind", "pager"],
            "--kind:",
        ),
        (
            &[
                "--orgs",
                "MyCERT",
                "--kind",
                "24x7-duty",
                "--deadline",
                "1h",
            ],
            "targets: no contact matches",
        ),
        (
            &["--all-members", "--orgs", "MyCERT", "--deadline", "1h"],
            "cannot be used with",
        ),
        (&["--deadline", "1h"], "required"),
        (&["--all-members"], "--deadline"),
    ];
    for (args, says) in cases {
        refused(&start(args), says);
    }
    let out = run(
        data,
        &[
            "comm-check",
            "start",
            "--title",
            " ",
            "--all-members",
            "--deadline",
            "1h",
        ],
        &[],
    );
    refused(&out, "--title: the title must not be empty");
    let out = run(
        data,
        &[
            "comm-check",
            "start",
            "--title",
            "T",
            "--contacts",
            &ana,
            "--deadline",
            "1h",
        ],
        &[("SIMPUL_PUBLIC_URL", "ftp://simpul.example.org")],
    );
    refused(
        &out,
        "SIMPUL_PUBLIC_URL `ftp://simpul.example.org`: give an http:// or https:// URL",
    );
    let schedule = |extra: &[&str]| {
        let mut args = vec![
            "comm-check",
            "schedule",
            "--title",
            "T",
            "--all-members",
            "--deadline",
            "1h",
        ];
        args.extend_from_slice(extra);
        run(data, &args, &[])
    };
    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "--every-days",
                "90",
                "--start",
                "2026-13-01T09:00:00",
                "--time-zone",
                "UTC",
            ],
            "--start: `2026-13-01T09:00:00` is not a local date and time",
        ),
        (
            &[
                "--every-days",
                "90",
                "--start",
                "2026-01-05T09:00:00",
                "--time-zone",
                "Mars/Base",
            ],
            "--time-zone:",
        ),
        (
            &[
                "--every-days",
                "0",
                "--start",
                "2026-01-05T09:00:00",
                "--time-zone",
                "UTC",
            ],
            "--every-days: give a number of days from 1 to 366",
        ),
    ];
    for (args, says) in cases {
        refused(&schedule(args), says);
    }
    assert_eq!(
        ok(data, &["comm-check", "schedules", "--json"]).trim(),
        "[]"
    );
    assert_eq!(bodies_len(data), 0, "nothing was started");
    assert_eq!(ok(data, &["comm-check", "list", "--json"]).trim(), "[]");

    let config = run(
        data,
        &["config"],
        &[
            ("SIMPUL_DIRECTORY_CHECK_INTERVAL_SECS", "5"),
            ("SIMPUL_PUBLIC_URL", "https://simpul.example.org/x/"),
        ],
    );
    let printed = String::from_utf8_lossy(&config.stdout);
    assert!(
        printed.contains("check_interval_secs = 5")
            && printed.contains("public_url = \"https://simpul.example.org/x\""),
        "{printed}"
    );
    refused(
        &run(
            data,
            &["config"],
            &[("SIMPUL_DIRECTORY_CHECK_INTERVAL_SECS", "1m")],
        ),
        "SIMPUL_DIRECTORY_CHECK_INTERVAL_SECS must be a whole number of seconds (got `1m`)",
    );
    refused(
        &run(data, &["comm-check", "report", "nope"], &[]),
        "`nope` is not a check id",
    );
    let out = run(
        data,
        &[
            "comm-check",
            "report",
            "00000000-0000-4000-8000-000000000000",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not found"));
}
