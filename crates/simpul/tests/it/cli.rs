//! The `simpul` command as a subprocess: configuration layering, exit codes, start-up failures.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};

fn simpul() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_simpul"));
    // The developer's environment must not leak into the tests.
    for (k, _) in std::env::vars() {
        if k.starts_with("SIMPUL_") {
            cmd.env_remove(k);
        }
    }
    cmd.env("NO_COLOR", "1");
    cmd
}

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
