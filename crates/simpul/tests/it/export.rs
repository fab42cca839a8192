//! Exports over REST (`GET /api/v1/export/{format}`) and the command line (`simpul export`): each
//! reader's export holds exactly the indicators they may see that are valid now, not revoked, of
//! an exact disjunction, with values on a warninglist left out and PAP honoured by the blocking
//! format — on SQLite and PostgreSQL. (The formats' parsers are the `.ci/legs/60-exports.sh` leg:
//! Suricata rule parsers, a Zeek log reader, `named-checkzone`.)

use std::sync::Arc;

use serde_json::{Value, json};
use simpul_core::intel::Tlp;

use crate::helpers::TestDb;
use crate::sightings::{READERS, setup, share};
use crate::world::{World, indicator, world_with};

fn id(n: u32) -> String {
    format!("indicator--e4a00000-0000-4000-8000-{n:012}")
}

/// GET an export as `token`: the status and the body.
async fn export(w: &World, token: &str, format: &str) -> (u16, String) {
    let res = w
        .app
        .client
        .get(w.app.url(&format!("/api/v1/export/{format}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.text().await.unwrap())
}

/// The value lines of a `text` export, sorted.
fn values(body: &str) -> Vec<String> {
    let mut v: Vec<String> = body
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(str::to_owned)
        .collect();
    v.sort();
    v
}

/// `ind` created and valid from `at`.
fn recent(mut ind: Value, at: &str) -> Value {
    ind["created"] = json!(at);
    ind["valid_from"] = json!(at);
    ind
}

fn with_pap(mut ind: Value, pap: &str) -> Value {
    ind["object_marking_refs"]
        .as_array_mut()
        .unwrap()
        .push(json!(pap));
    ind
}

async fn story(db: TestDb) {
    let (lists, _) = simpul_core::warninglist::compile([(
        "top".to_owned(),
        json!({"name": "Top domains", "type": "hostname", "matching_attributes": ["domain"],
               "list": ["google.com"]})
        .to_string()
        .into_bytes(),
    )]);
    let w = world_with(db, |s| s.with_warninglists(Arc::new(lists))).await;
    let r = setup(&w).await;
    let producer = r.token("producer");
    // Eight days before the test clock: young enough not to have decayed (`decay.rs` ages them).
    let at = "2026-11-20T00:00:00.000Z";
    // Green and amber in the community; red to the named users; then revoked, expired, on a
    // warninglist, needing two observations, and PAP:AMBER, each in the community.
    let ind = |n: u32, tlp: Tlp, domain: &str| recent(indicator(&id(n), Some(tlp), domain, at), at);
    let mut revoked = ind(4, Tlp::Green, "revoked.example");
    revoked["revoked"] = json!(true);
    let mut expired = ind(5, Tlp::Green, "expired.example");
    expired["valid_until"] = json!("2026-11-25T00:00:00.000Z");
    let mut both = ind(7, Tlp::Green, "both.example");
    both["pattern"] =
        json!("[domain-name:value = 'both.example'] AND [ipv4-addr:value = '192.0.2.7']");
    let passive = with_pap(
        ind(8, Tlp::Green, "passive.example"),
        simpul_vocab::pap::PAP_AMBER,
    );
    for (collection, obj) in [
        (&r.community, ind(1, Tlp::Green, "green.example")),
        (&r.community, ind(2, Tlp::Amber, "amber.example")),
        (&r.users, ind(3, Tlp::Red, "red.example")),
        (&r.community, revoked),
        (&r.community, expired),
        (&r.community, ind(6, Tlp::Green, "mail.google.com")),
        (&r.community, both),
        (&r.community, passive),
    ] {
        share(&w, producer, collection, &obj, "").await;
    }

    let community = ["green.example", "amber.example", "passive.example"];
    for reader in READERS {
        let (status, body) = export(&w, r.token(reader), "text").await;
        assert_eq!(status, 200, "{reader}: {body}");
        let mut want: Vec<&str> = match reader {
            "producer" => vec![
                "green.example",
                "amber.example",
                "red.example",
                "passive.example",
            ],
            "member" | "third" => community.to_vec(),
            "named" => vec!["red.example"],
            // Outside the community, and the site-admin of the regional CERT outside it too.
            _ => vec![],
        };
        want.sort_unstable();
        assert_eq!(values(&body), want, "{reader}");
    }
    // The blocking format leaves PAP:AMBER out; detection formats keep it.
    let member = r.token("member");
    let (_, rpz) = export(&w, member, "rpz").await;
    assert!(rpz.contains("green.example CNAME . ; "), "{rpz}");
    assert!(!rpz.contains("passive.example"), "{rpz}");
    let (_, rules) = export(&w, member, "suricata").await;
    assert!(rules.contains("content:\"passive.example\""), "{rules}");
    assert_eq!(
        rules.lines().filter(|l| l.starts_with("alert ")).count(),
        9,
        "{rules}"
    );
    let (_, stix) = export(&w, member, "stix").await;
    let bundle: Value = serde_json::from_str(&stix).unwrap();
    let mut ids: Vec<&str> = bundle["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    ids.sort_unstable();
    // A STIX export carries whole indicators: the warninglisted and the two-observation ones too.
    assert_eq!(ids, [id(1), id(2), id(6), id(7), id(8)]);

    // Filters narrow what the reader may see, never widen it: TLP, producer, words, time.
    for (query, want) in [
        ("tlp=TLP:AMBER", vec!["amber.example"]),
        ("tlp=green", vec!["green.example", "passive.example"]),
        ("org=SingCERT", community.to_vec()),
        ("org=MyCERT", vec![]),
        ("q=amber", vec!["amber.example"]),
        ("added_after=2026-11-20T00:00:00Z", community.to_vec()),
        ("added_after=2999-01-01T00:00:00Z", vec![]),
    ] {
        let (status, body) = export(&w, member, &format!("text?{query}")).await;
        assert_eq!(status, 200, "{query}: {body}");
        let mut want = want;
        want.sort_unstable();
        assert_eq!(values(&body), want, "{query}");
    }
    // The outsider's filtered export is still empty.
    let (_, body) = export(&w, r.token("outsider"), "text?tlp=TLP:GREEN").await;
    assert!(values(&body).is_empty(), "{body}");

    // Client mistakes: 400 naming the parameter, never a 5xx.
    for (path, param) in [
        ("/api/v1/export/text?tlp=purple", "tlp"),
        ("/api/v1/export/text?org=NoSuchCERT", "org"),
        ("/api/v1/export/text?added_after=yesterday", "added_after"),
        ("/api/v1/export/text?q=%20", "q"),
        ("/api/v1/export/text?q=%01%02", "q"),
        ("/api/v1/export/misp?tlp=TLP:GREEN", "tlp"),
        ("/api/v1/export/pdf", "format"),
        ("/api/v1/export/text?sid_base=0", "sid_base"),
        ("/api/v1/export/text?collection=nope", "collection"),
        ("/api/v1/export/text?colour=red", ""),
    ] {
        let res = w
            .app
            .client
            .get(w.app.url(path))
            .bearer_auth(member)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let body = res.text().await.unwrap();
        assert_eq!(status, 400, "{path}: {body}");
        assert!(body.contains(param), "{path}: {body}");
    }
    let res = w
        .app
        .client
        .get(w.app.url("/api/v1/export/text"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
}

#[tokio::test]
async fn exports_hold_what_each_reader_may_see_sqlite() {
    story(TestDb::sqlite()).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set SIMPUL_TEST_POSTGRES (the PostgreSQL leg of .ci/run does)"]
async fn exports_hold_what_each_reader_may_see_postgres() {
    story(TestDb::postgres().await).await;
}

/// `simpul` over the data directory `data`.
fn run(data: &std::path::Path, args: &[&str]) -> std::process::Output {
    crate::helpers::simpul_cmd()
        .arg("--data")
        .arg(data)
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn cli_exports_to_a_file_and_says_what_it_left_out() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    for args in [
        &[
            "org",
            "add",
            "--name",
            "SingCERT",
            "--short",
            "SG-CERT",
            "--kind",
            "national-cert",
        ][..],
        &[
            "user",
            "add",
            "--org",
            "SG-CERT",
            "--email",
            "an@sg.example",
            "--role",
            "analyst",
        ],
    ] {
        let out = run(&data, args);
        assert!(out.status.success(), "{args:?}: {out:?}");
    }
    let out = run(
        &data,
        &["collection", "add", "--title", "Own", "--orgs", "SG-CERT"],
    );
    assert!(out.status.success(), "{out:?}");
    let collection = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    // The command reads the wall clock: an indicator of yesterday has not decayed, one of a year
    // ago has.
    let now = simpul_core::Clock::now(&simpul_core::SystemClock);
    let stamp = |t: time::OffsetDateTime| simpul_core::clock::rfc3339_micros(t);
    let at = stamp(now - time::Duration::days(1));
    let long_ago = stamp(now - time::Duration::days(400));
    let mut expired = recent(
        indicator(&id(11), Some(Tlp::Green), "old.example", &at),
        &at,
    );
    expired["valid_until"] = json!(stamp(now - time::Duration::hours(1)));
    let aged = recent(
        indicator(&id(12), Some(Tlp::Green), "aged.example", &long_ago),
        &long_ago,
    );
    let bundle = json!({"type": "bundle", "id": "bundle--e4a00000-0000-4000-8000-000000000000",
        "objects": [recent(indicator(&id(10), Some(Tlp::Amber), "Evil.Example", &at), &at),
            expired, aged]});
    let file = dir.path().join("bundle.json");
    std::fs::write(&file, bundle.to_string()).unwrap();
    let out = run(
        &data,
        &[
            "import",
            file.to_str().unwrap(),
            "--as",
            "an@sg.example",
            "--collection",
            &collection,
        ],
    );
    assert!(out.status.success(), "{out:?}");

    let zone = dir.path().join("simpul.rpz");
    let out = run(
        &data,
        &[
            "export",
            "--format",
            "rpz",
            "--as",
            "an@sg.example",
            "-o",
            zone.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{out:?}");
    assert!(out.stdout.is_empty());
    let text = std::fs::read_to_string(&zone).unwrap();
    assert!(text.contains("\nevil.example CNAME . ; "), "{text}");
    assert!(!text.contains("old.example"), "{text}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("exported 1 from 3 indicators")
            && err.contains("1 not valid now")
            && err.contains("1 decayed"),
        "{err}"
    );
    // A lower bar brings none back: a year-old domain has no score left; a bad one is exit 2.
    let out = run(
        &data,
        &[
            "export",
            "--format",
            "text",
            "--as",
            "an@sg.example",
            "--min-score",
            "0",
        ],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("evil.example") && !text.contains("aged.example"),
        "{text}"
    );

    for (args, code, says) in [
        (
            &["export", "--format", "pdf", "--as", "an@sg.example"][..],
            2,
            "--format",
        ),
        (
            &["export", "--format", "csv", "--as", "nobody@sg.example"],
            1,
            "nobody@sg.example",
        ),
        (
            &[
                "export",
                "--format",
                "csv",
                "--as",
                "an@sg.example",
                "--min-score",
                "100",
            ],
            1,
            "min_score",
        ),
    ] {
        let out = run(&data, args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
}
