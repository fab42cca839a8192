//! The `simpul` command as a subprocess: configuration layering, exit codes, start-up failures.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};

use crate::helpers::{run_with_stdin, simpul_cmd as simpul};

fn stderr_last_line(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .last()
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn config_precedence_file_then_env_then_flag() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("simpul.toml");
    std::fs::write(
        &file,
        "listen = \"127.0.0.1:1111\"\nmax_body_bytes = 4096\nlog_level = \"debug\"\ndata = \"/from/file\"\n",
    )
    .unwrap();
    let out = simpul()
        .args(["config", "--config"])
        .arg(&file)
        .env("SIMPUL_LISTEN", "127.0.0.1:2222")
        .env("SIMPUL_MAX_BODY_BYTES", "8192")
        .args(["--listen", "127.0.0.1:3333"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let shown: toml::Table = toml::from_str(&String::from_utf8(out.stdout).unwrap()).unwrap();
    assert_eq!(
        shown["listen"].as_str(),
        Some("127.0.0.1:3333"),
        "flag beats env and file"
    );
    assert_eq!(
        shown["max_body_bytes"].as_integer(),
        Some(8192),
        "env beats file"
    );
    assert_eq!(
        shown["log_level"].as_str(),
        Some("debug"),
        "file beats default"
    );
    assert_eq!(shown["data"].as_str(), Some("/from/file"));
    assert_eq!(
        shown["database"].as_str(),
        Some("sqlite:///from/file/simpul.db"),
        "database follows the data dir"
    );
}

#[test]
fn config_redacts_database_password() {
    let out = simpul()
        .args([
            "config",
            "--database",
            "postgres://simpul:hunter2@db.internal/simpul",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("postgres://simpul:***@db.internal/simpul"),
        "{text}"
    );
    assert!(!text.contains("hunter2"));
}

#[test]
fn bad_configuration_exits_2_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.toml");
    let cases: &[(&str, &[&str], &str)] = &[
        (
            "listen = \"127.0.0.1:1\"\ntypo_key = 1\n",
            &[],
            "unknown key `typo_key`",
        ),
        ("listen = \"127.0.0.1:1\"\n[unclosed\n", &[], "line 2"),
        ("listen = \"not an address\"\n", &[], "line 1"),
        ("", &["--listen", "nonsense"], "--listen"),
        ("", &["--log-format", "xml"], "--log-format"),
        ("", &["--database", "mysql://x/y"], "unknown scheme"),
        ("max_body_bytes = 10\n", &[], "max_body_bytes"),
    ];
    for (text, flags, expected) in cases {
        std::fs::write(&file, text).unwrap();
        for sub in ["config", "serve"] {
            let out = simpul()
                .arg(sub)
                .arg("--config")
                .arg(&file)
                .args(*flags)
                .output()
                .unwrap();
            assert_eq!(
                out.status.code(),
                Some(2),
                "{sub} {text:?} {flags:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(
                stderr.lines().count(),
                1,
                "{sub} {text:?}: one line expected, got {stderr}"
            );
            assert!(
                stderr.starts_with("simpul: error: ") && stderr.contains(expected),
                "{sub} {text:?}: {stderr}"
            );
        }
    }
}

#[test]
fn unreachable_database_at_start_is_a_clear_error() {
    let out = simpul()
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--database",
            "postgres://simpul:pw@127.0.0.1:1/simpul",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let line = stderr_last_line(&out);
    assert!(
        line.starts_with(
            "simpul: error: cannot open database postgres://simpul:***@127.0.0.1:1/simpul"
        ),
        "{line}"
    );
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains(":pw@"),
        "the password never reaches the terminal"
    );
}

#[test]
fn port_in_use_names_the_address() {
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = simpul()
        .args(["serve", "--listen", &addr, "--data"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let line = stderr_last_line(&out);
    assert!(line.contains(&format!("cannot listen on {addr}")), "{line}");
}

/// Starts `serve --demo` and waits for the URL line.
fn start_demo(data: &std::path::Path) -> (Child, String) {
    let mut child = simpul()
        .args(["serve", "--demo", "--listen", "127.0.0.1:0", "--data"])
        .arg(data)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let url = first
        .split("serving on ")
        .nth(1)
        .unwrap_or_else(|| panic!("{first}"))
        .trim()
        .to_owned();
    // Keep draining stdout so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, url)
}

fn terminate(mut child: Child) -> std::process::ExitStatus {
    let ok = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
    child.wait().unwrap()
}

#[tokio::test]
async fn demo_seeds_once_and_keeps_data_across_restarts() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let (child, url) = start_demo(&dir);
    let ready = reqwest::get(format!("{url}readyz")).await.unwrap();
    assert_eq!(ready.status(), 200);
    let status = terminate(child);
    assert!(
        status.success(),
        "SIGTERM stops the server cleanly: {status:?}"
    );

    let (child, url) = start_demo(&dir);
    assert_eq!(
        reqwest::get(format!("{url}healthz"))
            .await
            .unwrap()
            .status(),
        200
    );
    assert!(terminate(child).success());

    let db =
        simpul::config::DatabaseUrl::new(format!("sqlite://{}", dir.join("simpul.db").display()));
    let store = simpul::open_store(&db).await.unwrap();
    let orgs = store.list_orgs().await.unwrap();
    assert_eq!(
        orgs.len(),
        simpul_core::demo::ORGANISATIONS.len() + simpul_core::demo::PARTNERS.len(),
        "seeded exactly once"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode & 0o077, 0, "data directory is private: {mode:o}");
    }
}

/// Runs `simpul ARGS --data DIR`, optionally feeding stdin.
fn admin(data: &std::path::Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = simpul();
    cmd.args(args).arg("--data").arg(data);
    run_with_stdin(cmd, stdin.unwrap_or(""))
}

fn ok_stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn fails_with(out: &Output, needle: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(stderr.contains(needle), "expected `{needle}` in: {stderr}");
}

#[test]
fn admin_cli_manages_orgs_users_tokens_and_audit() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let d = data.as_path();

    let id = ok_stdout(&admin(
        d,
        &[
            "org",
            "add",
            "--name",
            "Test CERT",
            "--short",
            "T1",
            "--kind",
            "national-cert",
            "--country",
            "sg",
        ],
        None,
    ));
    uuid::Uuid::parse_str(id.trim()).unwrap();
    fails_with(
        &admin(
            d,
            &[
                "org", "add", "--name", "Again", "--short", "t1", "--kind", "other",
            ],
            None,
        ),
        "already exists",
    );
    fails_with(
        &admin(
            d,
            &[
                "org", "add", "--name", "X", "--short", "X2", "--kind", "cert",
            ],
            None,
        ),
        "unknown kind `cert`",
    );
    fails_with(
        &admin(
            d,
            &[
                "org",
                "add",
                "--name",
                "X",
                "--short",
                "X2",
                "--kind",
                "other",
                "--country",
                "XX",
            ],
            None,
        ),
        "ISO 3166-1",
    );
    fails_with(&admin(d, &["org", "show", "nope"], None), "not found");
    assert!(ok_stdout(&admin(d, &["org", "list"], None)).contains("T1"));

    ok_stdout(&admin(d, &["community", "add", "test-community"], None));
    ok_stdout(&admin(
        d,
        &["community", "add-member", "test-community", "T1"],
        None,
    ));
    assert!(ok_stdout(&admin(d, &["community", "list"], None)).contains("test-community: T1"));
    fails_with(
        &admin(d, &["community", "add", "Bad Name"], None),
        "not a valid community name",
    );

    let out = ok_stdout(&admin(
        d,
        &[
            "user",
            "add",
            "--org",
            "T1",
            "--email",
            "Ana@T1.example",
            "--role",
            "analyst",
        ],
        None,
    ));
    let password = out
        .lines()
        .find_map(|l| l.strip_prefix("password: "))
        .unwrap();
    assert_eq!(password.len(), 20);
    ok_stdout(&admin(
        d,
        &[
            "user",
            "add",
            "--org",
            "T1",
            "--email",
            "ro@t1.example",
            "--role",
            "read-only",
            "--password-stdin",
        ],
        Some("a long enough password\n"),
    ));
    fails_with(
        &admin(
            d,
            &[
                "user",
                "add",
                "--org",
                "T1",
                "--email",
                "x@t1.example",
                "--role",
                "analyst",
                "--password-stdin",
            ],
            Some("short\n"),
        ),
        "at least 12 characters",
    );
    fails_with(
        &admin(
            d,
            &[
                "user",
                "add",
                "--org",
                "T1",
                "--email",
                "not-an-email",
                "--role",
                "analyst",
            ],
            None,
        ),
        "not a valid email address",
    );
    fails_with(
        &admin(
            d,
            &[
                "user",
                "add",
                "--org",
                "T1",
                "--email",
                "y@t1.example",
                "--role",
                "admin",
            ],
            None,
        ),
        "unknown role `admin`",
    );
    fails_with(
        &admin(
            d,
            &[
                "user",
                "add",
                "--org",
                "T1",
                "--email",
                "ana@t1.example",
                "--role",
                "analyst",
            ],
            None,
        ),
        "already exists",
    );
    let users = ok_stdout(&admin(d, &["user", "list", "--org", "T1"], None));
    assert!(
        users.contains("ana@t1.example") && users.contains("ro@t1.example"),
        "{users}"
    );
    assert!(
        ok_stdout(&admin(
            d,
            &["user", "set-role", "ana@t1.example", "org-admin"],
            None
        ))
        .contains("org-admin")
    );

    let token = ok_stdout(&admin(
        d,
        &[
            "token",
            "create",
            "--user",
            "ana@t1.example",
            "--scopes",
            "read,write",
            "--expires",
            "30",
        ],
        None,
    ));
    assert_eq!(token.lines().count(), 1, "only the token on stdout");
    assert!(token.trim().starts_with("simpul_"));
    fails_with(
        &admin(
            d,
            &[
                "token",
                "create",
                "--user",
                "ro@t1.example",
                "--scopes",
                "read,write",
            ],
            None,
        ),
        "only have the `read` scope",
    );
    fails_with(
        &admin(
            d,
            &[
                "token",
                "create",
                "--user",
                "ana@t1.example",
                "--scopes",
                "root",
            ],
            None,
        ),
        "unknown scope `root`",
    );
    let listed = ok_stdout(&admin(
        d,
        &["token", "list", "--user", "ana@t1.example"],
        None,
    ));
    let token_id = listed.split_whitespace().next().unwrap().to_owned();
    assert!(
        listed.contains("read,write") && listed.contains("active"),
        "{listed}"
    );
    assert!(
        !listed.contains(token.trim()),
        "the secret is never shown again"
    );
    ok_stdout(&admin(d, &["token", "revoke", &token_id], None));
    assert!(
        ok_stdout(&admin(
            d,
            &["token", "list", "--user", "ana@t1.example"],
            None
        ))
        .contains("revoked")
    );
    fails_with(
        &admin(d, &["token", "revoke", "nonsense"], None),
        "not a token id",
    );

    let reset = ok_stdout(&admin(
        d,
        &["user", "reset-password", "ana@t1.example"],
        None,
    ));
    assert!(reset.starts_with("password: "));
    ok_stdout(&admin(d, &["user", "disable", "ro@t1.example"], None));
    ok_stdout(&admin(d, &["org", "suspend", "T1"], None));

    let verified = ok_stdout(&admin(d, &["audit", "verify"], None));
    assert!(verified.starts_with("audit log intact: "), "{verified}");
    let tail = ok_stdout(&admin(d, &["audit", "tail", "-n", "3"], None));
    assert_eq!(tail.lines().count(), 3);
    assert!(
        tail.lines().last().unwrap().contains("org.suspend"),
        "{tail}"
    );
    assert!(tail.contains("cli:"), "the operator is the actor");
    // More than one page may be asked for: every entry comes back, oldest first.
    let all: usize = verified
        .trim_start_matches("audit log intact: ")
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let tail = ok_stdout(&admin(d, &["audit", "tail", "-n", "5000"], None));
    assert_eq!(tail.lines().count(), all, "{tail}");
    assert!(
        tail.lines().next().unwrap().trim_start().starts_with("1 "),
        "{tail}"
    );
    let zero = admin(d, &["audit", "tail", "-n", "0"], None);
    assert_eq!(zero.status.code(), Some(2));
}

/// Changes one stored entry directly in the database, then expects `audit verify` to name it.
fn tamper_and_verify(data: &std::path::Path, sql: &str, expected_seq: i64) {
    let conn = rusqlite::Connection::open(data.join("simpul.db")).unwrap();
    conn.execute_batch(
        "DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_log_no_delete;",
    )
    .unwrap();
    conn.execute_batch(sql).unwrap();
    drop(conn);
    let out = admin(data, &["audit", "verify"], None);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{sql}: {stderr}");
    assert!(
        stderr.contains(&format!("audit entry {expected_seq} does not verify")),
        "{sql}: {stderr}"
    );
}

#[test]
fn audit_verify_names_the_tampered_entry() {
    let cases: &[(&str, i64)] = &[
        (
            "UPDATE audit_log SET details = '{\"k\":1}' WHERE seq = 3",
            3,
        ),
        (
            "UPDATE audit_log SET actor = 'cli:someone-else' WHERE seq = 2",
            2,
        ),
        (
            "UPDATE audit_log SET at = '2020-01-01T00:00:00.000000Z' WHERE seq = 4",
            4,
        ),
        ("UPDATE audit_log SET hash = prev_hash WHERE seq = 1", 1),
        ("DELETE FROM audit_log WHERE seq = 3", 4),
    ];
    for (sql, seq) in cases {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        for short in ["A1", "A2", "A3", "A4", "A5"] {
            ok_stdout(&admin(
                d,
                &[
                    "org", "add", "--name", "Org", "--short", short, "--kind", "other",
                ],
                None,
            ));
        }
        ok_stdout(&admin(d, &["audit", "verify"], None));
        // The append-only triggers refuse a change made the ordinary way.
        let conn = rusqlite::Connection::open(d.join("simpul.db")).unwrap();
        assert!(
            conn.execute("UPDATE audit_log SET actor = 'x' WHERE seq = 1", [])
                .is_err()
        );
        assert!(
            conn.execute("DELETE FROM audit_log WHERE seq = 1", [])
                .is_err()
        );
        drop(conn);
        tamper_and_verify(d, sql, *seq);
    }
}

#[tokio::test]
async fn json_logs_carry_the_request_id() {
    let tmp = tempfile::tempdir().unwrap();
    let mut child = simpul()
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--log-format",
            "json",
            "--data",
        ])
        .arg(tmp.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let url = first.split("serving on ").nth(1).unwrap().trim().to_owned();
    let client = reqwest::Client::new();
    let res = client
        .get(format!("{url}healthz"))
        .header("x-request-id", "trace-json-1")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let stderr = child.stderr.take().unwrap();
    assert!(terminate(child).success());
    let logs: Vec<serde_json::Value> = BufReader::new(stderr)
        .lines()
        .map(|l| serde_json::from_str(&l.unwrap()).expect("every log line is JSON"))
        .collect();
    let answered = logs
        .iter()
        .find(|l| l["message"] == "answered")
        .unwrap_or_else(|| panic!("no request log line in {logs:?}"));
    assert_eq!(answered["span"]["request_id"], "trace-json-1", "{answered}");
    assert_eq!(answered["status"], 200);
}

#[test]
fn global_options_headers_and_reactivation() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let d = data.to_str().unwrap();
    // Global options before the subcommand, as well as after it.
    let run = |args: &[&str]| {
        let mut cmd = simpul();
        cmd.arg("--data").arg(d).args(args);
        run_with_stdin(cmd, "")
    };
    for short in ["T1", "T2"] {
        ok_stdout(&run(&[
            "org",
            "add",
            "--name",
            "Team",
            "--short",
            short,
            "--kind",
            "national-cert",
        ]));
    }
    let list = ok_stdout(&run(&["org", "list"]));
    let mut lines = list.lines();
    let header = lines.next().unwrap();
    assert!(
        header.starts_with("SHORT") && header.contains("KIND") && header.contains("NAME"),
        "{list}"
    );
    assert_eq!(lines.count(), 2, "{list}");

    ok_stdout(&run(&[
        "user",
        "add",
        "--org",
        "T1",
        "--email",
        "a@t1.example",
        "--role",
        "org-admin",
    ]));
    let users = ok_stdout(&run(&["user", "list"]));
    assert!(
        users.lines().next().unwrap().starts_with("EMAIL"),
        "{users}"
    );
    assert!(users.contains("a@t1.example"), "{users}");

    // Suspend and reactivate an organisation; disable and enable a user.
    assert!(ok_stdout(&run(&["org", "suspend", "T1"])).contains("suspended"));
    assert!(ok_stdout(&run(&["org", "activate", "T1"])).contains(" active "));
    assert_eq!(
        ok_stdout(&run(&["user", "disable", "a@t1.example"])).trim(),
        "a@t1.example is disabled"
    );
    assert_eq!(
        ok_stdout(&run(&["user", "enable", "a@t1.example"])).trim(),
        "a@t1.example is enabled"
    );
    let users = ok_stdout(&run(&["user", "list", "--org", "T1"]));
    assert!(users.contains(" active "), "{users}");

    // `config` shows every setting, including secure_cookies.
    let out = ok_stdout(&run(&["config", "--secure-cookies"]));
    let shown: toml::Table = toml::from_str(&out).unwrap();
    assert_eq!(shown["secure_cookies"].as_bool(), Some(true), "{out}");
    assert_eq!(shown["data"].as_str(), Some(d));
}

#[test]
fn output_into_a_closed_pipe_ends_quietly() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    for i in 0..3 {
        let short = format!("T{i}");
        ok_stdout(&admin(
            &data,
            &[
                "org", "add", "--name", "Team", "--short", &short, "--kind", "other",
            ],
            None,
        ));
    }
    // The reader goes away before anything is written, like `| head -0`.
    let mut child = simpul()
        .args(["org", "list", "--data"])
        .arg(&data)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}
