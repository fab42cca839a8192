//! The configuration's unit tests: resolution order, redaction, the errors' wording.

use super::*;

#[test]
fn redacts_passwords() {
    let u = DatabaseUrl::new("postgres://simpul:s3cret@db.example:5432/simpul?sslmode=require");
    assert_eq!(
        u.redacted(),
        "postgres://simpul:***@db.example:5432/simpul?sslmode=require"
    );
    assert!(!format!("{u:?}").contains("s3cret"));
    let q = DatabaseUrl::new("postgres://db/x?user=a&password=hunter2&x=1");
    assert_eq!(q.redacted(), "postgres://db/x?user=a&password=***&x=1");
    let plain = DatabaseUrl::new("postgres://postgres@127.0.0.1/test");
    assert_eq!(plain.redacted(), "postgres://postgres@127.0.0.1/test");
}

#[test]
fn unknown_scheme_rejected() {
    let err = DatabaseUrl::new("mysql://x").kind().unwrap_err();
    assert!(err.0.contains("unknown scheme"), "{err}");
}

#[test]
fn file_errors_name_key_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("c.toml");
    std::fs::write(&p, "listen = \"127.0.0.1:1\"\nlisen = 3\n").unwrap();
    let err = read_file(&p).unwrap_err().0;
    assert!(
        err.contains("unknown key `lisen`") && err.contains("line 2"),
        "{err}"
    );
    assert!(!err.contains('\n'));
    std::fs::write(&p, "listen = [").unwrap();
    let err = read_file(&p).unwrap_err().0;
    assert!(err.contains("line 1") && !err.contains('\n'), "{err}");
}

#[test]
fn precedence_file_then_flags() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("c.toml");
    std::fs::write(
        &p,
        "listen = \"127.0.0.1:1111\"\nmax_body_bytes = 4096\nlog_level = \"debug\"\n",
    )
    .unwrap();
    let store = StoreArgs {
        config: Some(p),
        ..StoreArgs::default()
    };
    let flags = ServeFlags {
        listen: Some("127.0.0.1:2222".parse().unwrap()),
        ..ServeFlags::default()
    };
    let c = Config::resolve(&store, Some(&flags)).unwrap();
    assert_eq!(c.listen.port(), 2222);
    assert_eq!(c.max_body_bytes, 4096);
    assert_eq!(c.log_level, "debug");
    assert_eq!(
        c.database.expose(),
        format!(
            "sqlite://{}",
            Path::new(DEFAULT_DATA).join("simpul.db").display()
        )
    );
}

#[test]
fn metrics_token_is_checked_and_never_shown() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("c.toml");
    let store = StoreArgs {
        config: Some(p.clone()),
        ..StoreArgs::default()
    };
    std::fs::write(&p, "metrics_token = \"short\"\n").unwrap();
    let err = Config::resolve(&store, None).unwrap_err();
    assert!(err.0.contains("at least 16 characters"), "{err}");
    let secret = "a-long-enough-metrics-token";
    std::fs::write(&p, format!("metrics_token = \"{secret}\"\n")).unwrap();
    let c = Config::resolve(&store, None).unwrap();
    assert!(c.metrics_token.is_some());
    assert!(c.to_toml().contains("metrics_token = \"***\""));
    assert!(!c.to_toml().contains(secret));
    assert!(!format!("{c:?}").contains(secret));
    let file: FileConfig = toml::from_str(&format!("metrics_token = \"{secret}\"")).unwrap();
    assert!(!format!("{file:?}").contains(secret));
}

#[test]
fn taxii_table() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("c.toml");
    let store = StoreArgs {
        config: Some(p.clone()),
        ..StoreArgs::default()
    };
    std::fs::write(&p, "").unwrap();
    let c = Config::resolve(&store, None).unwrap();
    assert_eq!(c.taxii, simpul_server::taxii::TaxiiSettings::default());
    assert_eq!(c.taxii.roots[0].name, "api");
    assert_eq!(c.taxii.max_page, 1000);
    assert_eq!(c.taxii.status_retention, time::Duration::hours(24));
    std::fs::write(
        &p,
        "[taxii]\nmax_page = 50\nstatus_retention_hours = 2\nmax_content_length = 2048\n\
         [[taxii.roots]]\nname = \"api\"\n[[taxii.roots]]\nname = \"drill\"\ntitle = \"Drill\"\n",
    )
    .unwrap();
    let c = Config::resolve(&store, None).unwrap();
    let names: Vec<&str> = c.taxii.roots.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["api", "drill"]);
    assert_eq!(c.taxii.roots[1].title, "Drill");
    assert_eq!((c.taxii.max_page, c.taxii.max_content_length), (50, 2048));
    assert_eq!(c.taxii.status_retention, time::Duration::hours(2));
    assert!(c.to_toml().contains("[taxii]"), "{}", c.to_toml());
    for bad in [
        "[taxii]\nmax_page = 0\n",
        "[taxii]\nmax_page = 1001\n",
        "[taxii]\nroots = []\n",
        "[taxii]\nstatus_retention_hours = 0\n",
        "[[taxii.roots]]\nname = \"Has Space\"\n",
        "[[taxii.roots]]\nname = \"a\"\n[[taxii.roots]]\nname = \"a\"\n",
        "[taxii]\ncolour = 1\n",
    ] {
        std::fs::write(&p, bad).unwrap();
        assert!(Config::resolve(&store, None).is_err(), "{bad}");
    }
}
