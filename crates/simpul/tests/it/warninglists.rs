//! MISP warninglists from a directory laid out as MISP's: over REST (`/warninglists`,
//! `/warninglists/check`, and the flag on correlation views) and on the command line
//! (`simpul warninglist check|list`, exit 0 listed, 1 not, 2 unusable).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{Value, json};
use simpul_core::intel::Tlp;

use crate::helpers::{TestDb, simpul_cmd};
use crate::match_server::post_match;
use crate::sightings::{get, setup, share};
use crate::world::{indicator, world_with};

/// Three lists, one of each lookup kind most used, in a fresh directory.
fn lists_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (folder, list) in [
        (
            "resolvers",
            json!({"name": "Public DNS resolvers", "type": "cidr", "version": 1,
                   "matching_attributes": ["ip-src", "ip-dst"], "list": ["8.8.8.0/24"]}),
        ),
        (
            "top",
            json!({"name": "Top domains", "type": "hostname", "version": 1,
                   "matching_attributes": ["domain", "hostname", "url"],
                   "list": ["google.com"]}),
        ),
        (
            "eicar",
            json!({"name": "EICAR", "type": "string", "version": 1,
                   "matching_attributes": ["md5"],
                   "list": ["44d88612fea8a8f36de82e1278abb02f"]}),
        ),
    ] {
        write_list(dir.path(), folder, &list);
    }
    dir
}

fn write_list(root: &Path, folder: &str, list: &Value) {
    let d = root.join(folder);
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("list.json"), list.to_string()).unwrap();
}

/// The `name` of each of `body.warninglists`.
fn names(body: &Value) -> Vec<&str> {
    body["warninglists"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|l| l["name"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn rest_lists_checks_and_flags_correlations() {
    let dir = lists_dir();
    let files = ["eicar", "resolvers", "top"].map(|f| {
        let path = dir.path().join(f).join("list.json");
        (f.to_owned(), std::fs::read(path).unwrap())
    });
    let (lists, report) = simpul_core::warninglist::compile(files);
    assert!(report.warnings.is_empty(), "{report:?}");
    let lists = Arc::new(lists);
    let w = world_with(TestDb::sqlite(), |s| s.with_warninglists(lists)).await;
    let r = setup(&w).await;
    let member = r.token("member");

    let (status, body) = get(&w, member, "/api/v1/warninglists").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        names(&body),
        ["EICAR", "Public DNS resolvers", "Top domains"]
    );
    assert_eq!(body["warninglists"][1]["type"], "cidr");
    assert_eq!(body["warninglists"][1]["entries"], 1);

    for (query, observable, listed) in [
        (
            "value=8.8.8.8",
            "ipv4|8.8.8.8",
            vec!["Public DNS resolvers"],
        ),
        ("value=8.8.9.9", "ipv4|8.8.9.9", vec![]),
        (
            "value=https://mail.google.com/x&type=url",
            "url|https://mail.google.com/x",
            vec!["Top domains"],
        ),
        (
            "value=44D88612FEA8A8F36DE82E1278ABB02F&type=md5",
            "md5|44d88612fea8a8f36de82e1278abb02f",
            vec!["EICAR"],
        ),
        // The EICAR list is for MD5 values: not for a domain that happens to be listed nowhere.
        (
            "value=scam-bank.example",
            "domain|scam-bank.example",
            vec![],
        ),
    ] {
        let (status, body) = get(&w, member, &format!("/api/v1/warninglists/check?{query}")).await;
        assert_eq!(status, 200, "{query}: {body}");
        assert_eq!(body["observable"], observable, "{query}");
        assert_eq!(names(&body), listed, "{query}");
    }

    // Client mistakes are 400 problems naming the parameter; no credentials is 401.
    for (query, pointer) in [
        ("value=8.8.8.8&type=bogus", "type"),
        ("value=not%20an%20observable%20at%20all%20%3F%3F", "value"),
        ("type=domain", ""),
        ("value=x&colour=red", ""),
    ] {
        let (status, body) = get(&w, member, &format!("/api/v1/warninglists/check?{query}")).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert_eq!(
            body["type"]
                .as_str()
                .map(|t| t.contains("problem") || t.starts_with("http")),
            Some(true),
            "{query}: {body}"
        );
        if !pointer.is_empty() {
            assert!(body.to_string().contains(pointer), "{query}: {body}");
        }
    }
    let res = w
        .app
        .client
        .get(w.app.url("/api/v1/warninglists"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);

    // A correlation view says which of the observables looked for is on a list.
    let id = "indicator--3a4e0000-0000-4000-8000-000000000001";
    let ind = indicator(
        id,
        Some(Tlp::Green),
        "mail.google.com",
        "2026-01-01T00:00:00.000Z",
    );
    share(&w, r.token("producer"), &r.community, &ind, "").await;
    let (status, body) = get(&w, member, "/api/v1/observables/domain/mail.google.com").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["objects"][0]["object"]["id"], id, "{body}");
    assert_eq!(
        body["warninglists"],
        json!([{"observable": "domain|mail.google.com",
                "warninglists": [{"name": "Top domains", "type": "hostname"}]}])
    );
    let (_, body) = get(&w, member, "/api/v1/observables/domain/scam-bank.example").await;
    assert_eq!(body["warninglists"], json!([]), "{body}");

    // A match hit names the lists its value is on; a hit on a value on none has no such field.
    let scam = "indicator--3a4e0000-0000-4000-8000-000000000002";
    let ind = indicator(
        scam,
        Some(Tlp::Green),
        "scam-bank.example",
        "2026-01-01T00:00:00.000Z",
    );
    share(&w, r.token("producer"), &r.community, &ind, "").await;
    let body = "https://mail.google.com/login\nscam-bank.example\n".to_owned();
    let (status, hits) = post_match(&w.app, member, "", "text/plain", body).await;
    assert_eq!(status, 200, "{hits:?}");
    let by_id = |id: &str| hits.iter().find(|h| h["indicator_id"] == id).cloned();
    let listed = by_id(id).unwrap_or_else(|| panic!("{hits:?}"));
    assert_eq!(listed["warninglists"], json!(["Top domains"]), "{listed}");
    assert_eq!(listed["part"], "host", "{listed}");
    let plain = by_id(scam).unwrap_or_else(|| panic!("{hits:?}"));
    assert!(plain.get("warninglists").is_none(), "{plain}");
}

fn cli(dir: Option<&PathBuf>, args: &[&str]) -> (i32, String, String) {
    let mut cmd = simpul_cmd();
    if let Some(d) = dir {
        cmd.env("SIMPUL_WARNINGLISTS", d);
    }
    let out = cmd.arg("warninglist").args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn cli_checks_a_value_with_grep_like_exit_codes() {
    let dir = lists_dir();
    let d = dir.path().to_path_buf();
    let (code, out, err) = cli(Some(&d), &["check", "www.google.com"]);
    assert_eq!(
        (code, out.as_str()),
        (0, "domain|www.google.com: Top domains\n"),
        "{err}"
    );
    let (code, out, _) = cli(Some(&d), &["check", "scam-bank.example"]);
    assert_eq!(
        (code, out.as_str()),
        (1, "domain|scam-bank.example: on no warninglist\n")
    );
    let (code, out, _) = cli(Some(&d), &["check", "8.8.8.8", "--json"]);
    assert_eq!(code, 0);
    assert_eq!(
        serde_json::from_str::<Value>(&out).unwrap(),
        json!({"observable": "ipv4|8.8.8.8",
               "warninglists": [{"name": "Public DNS resolvers", "type": "cidr"}]})
    );
    let (code, out, _) = cli(Some(&d), &["list"]);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        "EICAR\tstring\t1\nPublic DNS resolvers\tcidr\t1\nTop domains\thostname\t1\n"
    );

    // Unusable input or configuration: exit 2 and one line saying why.
    for (dir, args, says) in [
        (
            None,
            vec!["check", "x.example"],
            "no warninglists configured",
        ),
        (
            Some(d.join("absent")),
            vec!["check", "x.example"],
            "cannot read the directory",
        ),
        (
            Some(d.join("top")),
            vec!["check", "x.example"],
            "no list found",
        ),
        (
            Some(d.clone()),
            vec!["check", "x", "--type", "bogus"],
            "unknown observable type",
        ),
        (
            Some(d.clone()),
            vec!["check", "+1 555", "--region", "Narnia"],
            "--region",
        ),
    ] {
        let (code, out, err) = cli(dir.as_ref(), &args);
        assert_eq!(code, 2, "{args:?}: {out} {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
}
