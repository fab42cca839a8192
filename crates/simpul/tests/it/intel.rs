//! The intelligence exchange over HTTP: nothing leaks. Objects at every TLP level in collections of
//! every audience kind (and RED to named recipients) are read by the producer, an audience member,
//! an outsider, the regional CERT's site-admin (in no audience) and a named recipient, through every
//! read route — on SQLite and on PostgreSQL. Also: a new version's marking is what the next read
//! shows, and the CLI (`collection add/list`, `import`).

use reqwest::Method;
use serde_json::{Value, json};
use simpul_core::intel::Tlp;
use simpul_core::{OrgKind, Role};

use crate::helpers::TestDb;
use crate::world::{World, indicator, org, token, user, world_on};

/// The readers, in the order of [`Case::seen_by`].
const READERS: [&str; 5] = ["producer", "member", "outsider", "site-admin", "named"];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Community,
    Orgs,
    Users,
}

/// One shared object.
struct Case {
    id: String,
    /// The word only its description has.
    word: String,
    /// The domain only its pattern has.
    domain: String,
    kind: Kind,
    tlp: Option<Tlp>,
    recipients: bool,
}

impl Case {
    /// The truth table, written as the readers of this world see it.
    fn seen_by(&self, reader: &str) -> bool {
        let tlp = self.tlp.unwrap_or(Tlp::Amber);
        match reader {
            "producer" => true,
            _ if tlp == Tlp::Clear => true,
            "named" => self.recipients || self.kind == Kind::Users,
            "member" => !self.recipients && self.kind != Kind::Users && tlp != Tlp::Red,
            _ => false,
        }
    }
}

struct Readers {
    /// (label, token) in [`READERS`] order.
    tokens: Vec<(&'static str, String)>,
}

async fn get(w: &World, token: &str, path: &str) -> (u16, Value) {
    let res = w
        .app
        .client
        .request(Method::GET, w.app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    assert!(status < 500, "GET {path}: {status}");
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn post(w: &World, token: &str, path: &str, body: &Value) -> (u16, Value) {
    let res = w
        .app
        .client
        .post(w.app.url(path))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

fn ids(list: &Value) -> Vec<String> {
    let mut v: Vec<String> = list["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["object"]["id"].as_str().unwrap().to_owned())
        .collect();
    v.sort();
    v
}

/// The world, a community of SingCERT (the producer) and MyCERT (the member), a user of Spare (the
/// outsider) and another named one, and a collection of each kind.
async fn setup(w: &World) -> (Readers, [String; 3]) {
    let op = crate::world::operator();
    let sa = w.tokens[0].1.clone();
    let analyst = w.tokens[2].1.clone();
    w.service
        .create_community(&op, simpul_core::CommunityName::parse("asean").unwrap(), "")
        .await
        .unwrap();
    w.service
        .add_community_members(&op, "asean", &[w.own.id, w.other.id])
        .await
        .unwrap();
    let outsider_org = org(&w.service, "Outsider", OrgKind::NationalCert).await;
    user(
        &w.service,
        &outsider_org,
        "out@outsider.example",
        Role::Analyst,
    )
    .await;
    user(
        &w.service,
        &outsider_org,
        "named@outsider.example",
        Role::Analyst,
    )
    .await;
    let mut tokens = vec![("producer", analyst)];
    for (label, email) in [
        ("member", "an@other.example"),
        ("outsider", "out@outsider.example"),
        ("site-admin", ""),
        ("named", "named@outsider.example"),
    ] {
        let t = if email.is_empty() {
            sa.clone()
        } else {
            token(&w.service, email, "read,write", None).await
        };
        tokens.push((label, t));
    }
    let mut collections = Vec::new();
    for audience in [
        json!({"kind": "community", "community": "asean"}),
        json!({"kind": "orgs", "orgs": ["SingCERT", "MyCERT"]}),
        json!({"kind": "users", "users": ["an@own.example", "named@outsider.example"]}),
    ] {
        let (status, c) = post(
            w,
            &sa,
            "/api/v1/collections",
            &json!({"title": format!("To {}", audience["kind"]), "audience": audience}),
        )
        .await;
        assert_eq!(status, 201, "{c}");
        assert_eq!(c["default_tlp"], "TLP:AMBER");
        collections.push(c["id"].as_str().unwrap().to_owned());
    }
    let labels: Vec<&str> = tokens.iter().map(|(l, _)| *l).collect();
    assert_eq!(labels, READERS);
    (Readers { tokens }, collections.try_into().unwrap())
}

/// Shares every case as the producer; RED without recipients outside a list of users is refused
/// with its reason.
async fn share_all(w: &World, r: &Readers, collections: &[String; 3]) -> Vec<Case> {
    let producer = &r.tokens[0].1;
    let tlps = [
        None,
        Some(Tlp::Clear),
        Some(Tlp::Green),
        Some(Tlp::Amber),
        Some(Tlp::AmberStrict),
        Some(Tlp::Red),
    ];
    let mut cases = Vec::new();
    let mut n = 0u32;
    for (kind, c) in [Kind::Community, Kind::Orgs, Kind::Users]
        .into_iter()
        .zip(collections)
    {
        for tlp in tlps {
            for recipients in [false, true] {
                n += 1;
                let case = Case {
                    id: format!("indicator--1eac0000-0000-4000-8000-{n:012}"),
                    word: format!("zq{n}marker"),
                    domain: format!("leak{n}.example"),
                    kind,
                    tlp,
                    recipients,
                };
                let mut obj = indicator(&case.id, tlp, &case.domain, "2026-01-01T00:00:00.000Z");
                obj["description"] = json!(format!("Marker {}", case.word));
                let path = if recipients {
                    format!("/api/v1/collections/{c}/objects?recipients=named@outsider.example")
                } else {
                    format!("/api/v1/collections/{c}/objects")
                };
                let (status, report) = post(w, producer, &path, &obj).await;
                assert_eq!(status, 200, "{report}");
                let refused = tlp == Some(Tlp::Red) && !recipients && kind != Kind::Users;
                if refused {
                    assert_eq!(report["stored"], json!([]));
                    let f = &report["failed"][0];
                    assert_eq!(f["index"], 0);
                    assert_eq!(f["id"], json!(case.id));
                    assert!(
                        f["message"].as_str().unwrap().contains("named recipients"),
                        "{f}"
                    );
                } else {
                    assert_eq!(report["stored"], json!([case.id]), "{report}");
                    cases.push(case);
                }
            }
        }
    }
    cases
}

/// Every reader × every read route: exactly what the truth table says, never a 5xx.
async fn assert_no_leak(w: &World, r: &Readers, cases: &[Case]) {
    for (reader, t) in &r.tokens {
        let mut expected: Vec<String> = cases
            .iter()
            .filter(|c| c.seen_by(reader))
            .map(|c| c.id.clone())
            .collect();
        expected.sort();
        let (status, list) = get(w, t, "/api/v1/objects?limit=1000").await;
        assert_eq!(status, 200);
        assert_eq!(ids(&list), expected, "list as {reader}");
        assert_eq!(list["total"], expected.len(), "count as {reader}");
        assert_eq!(
            list["total_exact"], true,
            "under the bound, the count is exact"
        );
        // Pages of 3 add up to the same, in the same order as one page.
        let mut paged = Vec::new();
        let mut next: Option<String> = None;
        loop {
            let path = match &next {
                Some(n) => format!("/api/v1/objects?limit=3&next={n}"),
                None => "/api/v1/objects?limit=3".into(),
            };
            let (_, page) = get(w, t, &path).await;
            assert_eq!(page["total"], expected.len(), "count as {reader}");
            let objects = page["objects"].as_array().unwrap();
            assert!(objects.len() <= 3);
            paged.extend(objects.iter().map(|o| o["object"]["id"].clone()));
            match page["next"].as_str() {
                Some(n) => next = Some(n.to_owned()),
                None => break,
            }
        }
        let whole: Vec<Value> = list["objects"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["object"]["id"].clone())
            .collect();
        assert_eq!(paged, whole, "pages as {reader}");
        for c in cases {
            let seen = c.seen_by(reader);
            let what = format!(
                "{} ({:?}, {:?}, recipients {}) as {reader}",
                c.id, c.kind, c.tlp, c.recipients
            );
            let want = if seen { 200 } else { 404 };
            let (status, one) = get(w, t, &format!("/api/v1/objects/{}", c.id)).await;
            assert_eq!(status, want, "get {what}: {one}");
            if seen {
                assert_eq!(one["tlp"], c.tlp.unwrap_or(Tlp::Amber).label(), "{what}");
                assert_eq!(one["producer"]["short_name"], "SingCERT");
            } else {
                assert_eq!(one["code"], "not_found", "{what}");
            }
            let (status, _) = get(w, t, &format!("/api/v1/objects/{}/versions", c.id)).await;
            assert_eq!(status, want, "versions {what}");
            let just = if seen { vec![c.id.clone()] } else { vec![] };
            let (_, found) = get(w, t, &format!("/api/v1/objects?q={}", c.word)).await;
            assert_eq!(ids(&found), just, "q {what}");
            assert_eq!(found["total"], just.len(), "q count {what}");
            // A raw value, in capitals with the root dot: normalised before the search.
            let raw = format!("{}.", c.domain.to_uppercase());
            let (status, found) = get(w, t, &format!("/api/v1/objects?observable={raw}")).await;
            assert_eq!(status, 200, "{found}");
            assert_eq!(ids(&found), just, "observable {what}");
            let (_, found) = get(
                w,
                t,
                &format!("/api/v1/objects?observable=domain|{}", c.domain),
            )
            .await;
            assert_eq!(ids(&found), just, "observable type|value {what}");
        }
    }
}

async fn no_leak(w: World) {
    let (readers, collections) = setup(&w).await;
    let cases = share_all(&w, &readers, &collections).await;
    assert_eq!(cases.len(), 3 * 6 * 2 - 2);
    assert_no_leak(&w, &readers, &cases).await;
    // Re-sharing stores nothing.
    let c = &cases[0];
    let obj = {
        let mut o = indicator(&c.id, c.tlp, &c.domain, "2026-01-01T00:00:00.000Z");
        o["description"] = json!(format!("Marker {}", c.word));
        o
    };
    let (_, report) = post(
        &w,
        &readers.tokens[0].1,
        &format!("/api/v1/collections/{}/objects", collections[0]),
        &obj,
    )
    .await;
    assert_eq!(report["skipped"], json!([c.id]));
    assert_eq!(report["stored"], json!([]));
    marking_change(&w, &readers, &collections[0]).await;
    w.app.shutdown().await;
}

#[tokio::test]
async fn nothing_leaks_over_http_sqlite() {
    no_leak(world_on(TestDb::sqlite()).await).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set SIMPUL_TEST_POSTGRES (the PostgreSQL leg of .ci/run does)"]
async fn nothing_leaks_over_http_postgres() {
    no_leak(world_on(TestDb::postgres().await).await).await;
}

/// A GREEN object gets a new version at AMBER+STRICT: the next read shows the new marking to the
/// community member (AMBER+STRICT still admits the audience: it limits onward sharing), and the
/// versions list has both. A new version naming only a recipient is the whole audience of that
/// version.
async fn marking_change(w: &World, r: &Readers, community: &str) {
    let (producer, member) = (&r.tokens[0].1, &r.tokens[1].1);
    let id = "indicator--1eac0000-0000-4000-8000-00000000ffff";
    let share = |tlp, modified: &'static str| {
        let body = indicator(id, Some(tlp), "change.example", modified);
        async move {
            let (status, report) = post(
                w,
                producer,
                &format!("/api/v1/collections/{community}/objects"),
                &body,
            )
            .await;
            assert_eq!((status, &report["stored"]), (200, &json!([id])), "{report}");
        }
    };
    share(Tlp::Green, "2026-01-01T00:00:00.000Z").await;
    let (_, one) = get(w, member, &format!("/api/v1/objects/{id}")).await;
    assert_eq!(one["tlp"], "TLP:GREEN");
    share(Tlp::AmberStrict, "2026-02-01T00:00:00.000Z").await;
    let (status, one) = get(w, member, &format!("/api/v1/objects/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(one["tlp"], "TLP:AMBER+STRICT");
    assert_eq!(one["version"], "2026-02-01T00:00:00Z");
    let (_, list) = get(
        w,
        member,
        "/api/v1/objects?observable=domain|change.example",
    )
    .await;
    assert_eq!(
        list["objects"].as_array().unwrap().len(),
        1,
        "the latest only"
    );
    assert_eq!(list["objects"][0]["tlp"], "TLP:AMBER+STRICT");
    let (_, versions) = get(w, member, &format!("/api/v1/objects/{id}/versions")).await;
    assert_eq!(versions["versions"].as_array().unwrap().len(), 2);
    let (status, old) = get(
        w,
        member,
        &format!("/api/v1/objects/{id}?version=2026-01-01T00:00:00Z"),
    )
    .await;
    assert_eq!((status, &old["tlp"]), (200, &json!("TLP:GREEN")));
    // The outsider never saw either.
    let (status, _) = get(w, &r.tokens[2].1, &format!("/api/v1/objects/{id}")).await;
    assert_eq!(status, 404);
}

/// `simpul ARGS --data DIR`.
fn cli(data: &std::path::Path, args: &[&str]) -> std::process::Output {
    let mut cmd = crate::helpers::simpul_cmd();
    cmd.args(args).arg("--data").arg(data);
    cmd.output().unwrap()
}

fn stdout_ok(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

#[test]
fn cli_adds_and_lists_collections_and_imports_as_a_user() {
    let tmp = tempfile::tempdir().unwrap();
    let d = &tmp.path().join("data");
    for (short, email) in [("T1", "an@t1.example"), ("T2", "an@t2.example")] {
        stdout_ok(&cli(
            d,
            &[
                "org",
                "add",
                "--name",
                short,
                "--short",
                short,
                "--kind",
                "national-cert",
            ],
        ));
        stdout_ok(&cli(
            d,
            &[
                "user", "add", "--org", short, "--email", email, "--role", "analyst",
            ],
        ));
    }
    let id = stdout_ok(&cli(
        d,
        &[
            "collection",
            "add",
            "--title",
            "Bilateral",
            "--orgs",
            "T1,T2",
            "--default-tlp",
            "green",
        ],
    ));
    let id = id.trim();
    uuid::Uuid::parse_str(id).unwrap();
    let chosen = "5e1ec7ed-0000-4000-8000-00000000c11a";
    let out = stdout_ok(&cli(
        d,
        &[
            "collection",
            "add",
            "--title",
            "Named",
            "--users",
            "an@t1.example",
            "--id",
            chosen,
        ],
    ));
    assert_eq!(out.trim(), chosen);
    // Exactly one audience; an unknown organisation is named.
    assert_eq!(
        cli(d, &["collection", "add", "--title", "X"]).status.code(),
        Some(2)
    );
    let out = cli(
        d,
        &["collection", "add", "--title", "X", "--orgs", "T1,Nope"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no such organisation"));
    let list = stdout_ok(&cli(d, &["collection", "list"]));
    assert!(
        list.contains(id) && list.contains("TLP:GREEN") && list.contains("Bilateral"),
        "{list}"
    );
    assert!(list.contains(chosen) && list.contains("users"), "{list}");

    let bundle = json!({
        "type": "bundle",
        "id": "bundle--5e1ec7ed-0000-4000-8000-000000000b00",
        "objects": [
            indicator("indicator--5e1ec7ed-0000-4000-8000-000000000b01", None, "one.example", "2026-01-01T00:00:00.000Z"),
            indicator("indicator--5e1ec7ed-0000-4000-8000-000000000b02", Some(Tlp::Amber), "two.example", "2026-01-01T00:00:00.000Z"),
            {"type": "indicator", "spec_version": "2.1", "id": "indicator--5e1ec7ed-0000-4000-8000-000000000b03"},
        ],
    });
    let file = tmp.path().join("bundle.json");
    std::fs::write(&file, bundle.to_string()).unwrap();
    let file = file.to_str().unwrap();
    let import = |args: &[&str]| {
        let mut all = vec!["import"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--as", "an@t1.example", "--collection", id]);
        cli(d, &all)
    };
    let out = import(&[file]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "stored 2, skipped 0, failed 1, warnings 0"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("object 2 at /objects/2"), "{err}");
    // Re-running stores nothing again.
    let out = import(&[file]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "stored 0, skipped 2, failed 1, warnings 0"
    );
    // A file of valid objects only succeeds.
    let good = tmp.path().join("good.json");
    std::fs::write(&good, json!([bundle["objects"][0]]).to_string()).unwrap();
    let out = import(&[good.to_str().unwrap()]);
    assert_eq!(
        stdout_ok(&out).trim(),
        "stored 0, skipped 1, failed 0, warnings 0"
    );
    // Someone outside the audience cannot share into it; nobody unknown can act.
    let named = cli(
        d,
        &[
            "import",
            file,
            "--as",
            "an@t2.example",
            "--collection",
            chosen,
        ],
    );
    assert_eq!(named.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&named.stderr).contains("not found"),
        "{}",
        String::from_utf8_lossy(&named.stderr)
    );
    let nobody = cli(
        d,
        &[
            "import",
            file,
            "--as",
            "who@nowhere.example",
            "--collection",
            id,
        ],
    );
    assert_eq!(nobody.status.code(), Some(1));
}
