//! Sharing and importing over HTTP and at the command line: every input form with its positions
//! (JSON pointers, `line N`), the TLP asked for unmarked objects, PAP from PAP markings, warnings
//! for unknown markings, import jobs (JSON body, JSON lines, multipart upload; progress and end;
//! the sweep of interrupted jobs), and bad input — each a precise 4xx or per-object failure, never
//! a 5xx, nothing stored twice.

use std::time::Duration;

use serde_json::{Value, json};
use simpul_core::intel::imports::ImportState;
use simpul_core::intel::service::{NewCollection, ShareOptions};
use simpul_core::intel::{CollectionId, Tlp};
use simpul_vocab::pap::{PAP_AMBER, PAP_RED};
use uuid::Uuid;

use crate::world::{World, indicator, operator, world};

/// Shared with SingCERT (ours) and MyCERT; the regional CERT's site-admin may read, not write.
async fn collection(w: &World, default_tlp: Option<Tlp>) -> Uuid {
    let op = operator();
    let names =
        simpul_core::intel::service::AudienceNames::Orgs(vec!["SingCERT".into(), "MyCERT".into()]);
    let audience = w.service.resolve_audience(&op, &names).await.unwrap();
    let new = NewCollection {
        id: None,
        title: "Imports".into(),
        alias: None,
        description: String::new(),
        audience,
        default_tlp,
    };
    w.service.create_collection(&op, new).await.unwrap().id.0
}

fn analyst(w: &World) -> &str {
    &w.tokens[2].1
}

fn ind(n: u32, tlp: Option<Tlp>) -> Value {
    indicator(
        &format!("indicator--1a2b0000-0000-4000-8000-{n:012}"),
        tlp,
        &format!("import{n}.example"),
        "2026-01-01T00:00:00.000Z",
    )
}

/// POSTs `body` with `content_type`; the status and JSON answer. Never a 5xx.
async fn post_raw(
    w: &World,
    token: &str,
    path: &str,
    content_type: &str,
    body: Vec<u8>,
) -> (u16, Value) {
    let res = w
        .app
        .client
        .post(w.app.url(path))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    assert!(status < 500, "POST {path}: {status}");
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn share(w: &World, c: Uuid, query: &str, body: &Value) -> (u16, Value) {
    let path = format!("/api/v1/collections/{c}/objects{query}");
    post_raw(
        w,
        analyst(w),
        &path,
        "application/json",
        body.to_string().into_bytes(),
    )
    .await
}

async fn get(w: &World, token: &str, path: &str) -> Value {
    let res = w
        .app
        .client
        .get(w.app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "GET {path}");
    res.json().await.unwrap()
}

/// The job at `location` once it has ended (polled, bounded).
pub(crate) async fn ended(w: &World, location: &str) -> Value {
    ended_as(w, analyst(w), location).await
}

/// [`ended`], polled with `token` (the job's owner's).
pub(crate) async fn ended_as(w: &World, token: &str, location: &str) -> Value {
    for _ in 0..400 {
        let job = get(w, token, location).await;
        if job["state"] != "queued" && job["state"] != "running" {
            return job;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("job {location} did not end");
}

fn jsonl(items: &[Value]) -> Vec<u8> {
    items
        .iter()
        .map(Value::to_string)
        .collect::<Vec<_>>()
        .join("\n")
        .into_bytes()
}

#[tokio::test]
async fn every_form_is_shared_with_its_positions() {
    let w = world().await;
    let c = collection(&w, None).await;
    // A bundle: the invalid member named by its JSON pointer, the rest stored.
    let bad = json!({"type": "indicator", "spec_version": "2.1", "id": "indicator--1a2b0000-0000-4000-8000-0000000000ff", "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z", "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00.000Z", "pattern": "[domain-name:value = "});
    let bundle = json!({"type": "bundle", "id": "bundle--1a2b0000-0000-4000-8000-000000000000", "objects": [ind(1, None), bad, 7]});
    let (status, r) = share(&w, c, "", &bundle).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["stored"], json!([ind(1, None)["id"]]));
    assert_eq!(r["failed"][0]["path"], "/objects/1/pattern", "{r}");
    assert_eq!(r["failed"][1]["path"], "/objects/2", "{r}");
    assert!(
        r["failed"][1]["message"]
            .as_str()
            .unwrap()
            .contains("found integer")
    );
    // An array: pointers into it.
    let (_, r) = share(&w, c, "", &json!([ind(2, None), {"type": "indicator"}])).await;
    assert_eq!(r["stored"].as_array().unwrap().len(), 1);
    assert_eq!(r["failed"][0]["index"], 1);
    assert!(
        r["failed"][0]["path"].as_str().unwrap().starts_with("/1"),
        "{r}"
    );
    // JSON lines: a bad line is a failure at its line, the other lines are stored.
    let mut body = jsonl(&[ind(3, None), ind(4, None)]);
    body.extend_from_slice(b"\n{\"type\": \"indicator\",\n");
    body.extend_from_slice(ind(5, None).to_string().as_bytes());
    let path = format!("/api/v1/collections/{c}/objects");
    let (status, r) = post_raw(&w, analyst(&w), &path, "application/x-ndjson", body).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["stored"].as_array().unwrap().len(), 3, "{r}");
    assert_eq!(r["failed"][0]["path"], "line 3", "{r}");
    // Re-posting stores nothing twice.
    let (_, r) = share(&w, c, "", &json!([ind(1, None), ind(2, None)])).await;
    assert_eq!(r["stored"], json!([]));
    assert_eq!(r["skipped"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn tlp_pap_and_unknown_markings() {
    let w = world().await;
    let c = collection(&w, Some(Tlp::Green)).await;
    let unknown = "marking-definition--1a2b0000-0000-4000-8000-00000000dead";
    let statement = "marking-definition--1a2b0000-0000-4000-8000-00000000beef";
    let mut pap = ind(10, Some(Tlp::Amber));
    pap["object_marking_refs"] = json!([Tlp::Amber.marking_id(), PAP_AMBER, PAP_RED]);
    let mut odd = ind(11, None);
    odd["object_marking_refs"] = json!([unknown]);
    let mut known = ind(12, None);
    known["object_marking_refs"] = json!([statement]);
    let definition = json!({"type": "marking-definition", "spec_version": "2.1", "id": statement, "created": "2026-01-01T00:00:00.000Z", "definition_type": "statement", "definition": {"statement": "Copyright ASEAN"}});
    let (status, r) = share(
        &w,
        c,
        "?tlp=clear",
        &json!([ind(13, None), pap, odd, known, definition]),
    )
    .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["stored"].as_array().unwrap().len(), 5, "{r}");
    // Only the marking nobody knows is a warning; the one defined in the same post is not.
    assert_eq!(r["warnings"].as_array().unwrap().len(), 1, "{r}");
    assert_eq!(r["warnings"][0]["index"], 2);
    assert_eq!(r["warnings"][0]["path"], "/2/object_marking_refs/0");
    assert!(
        r["warnings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("TLP:CLEAR"),
        "{r}"
    );
    let seen = |n: u32| {
        let id = ind(n, None)["id"].as_str().unwrap().to_owned();
        let w = &w;
        async move { get(w, analyst(w), &format!("/api/v1/objects/{id}")).await }
    };
    // Unmarked: the TLP asked for, not the collection's GREEN; marked: its own; PAP: the strictest.
    assert_eq!(seen(13).await["tlp"], "TLP:CLEAR");
    let o = seen(10).await;
    assert_eq!(
        (o["tlp"].clone(), o["pap"].clone()),
        (json!("TLP:AMBER"), json!("red"))
    );
    assert_eq!(seen(11).await["tlp"], "TLP:CLEAR");
    // Stored now, the statement marking is known to later posts too.
    let mut later = ind(14, None);
    later["object_marking_refs"] = json!([statement]);
    let (_, r) = share(&w, c, "", &later).await;
    assert_eq!(r["warnings"], json!([]), "{r}");
    assert_eq!(seen(14).await["tlp"], "TLP:GREEN");
    // A TLP nobody knows is refused.
    let (status, r) = share(&w, c, "?tlp=purple", &ind(15, None)).await;
    assert_eq!(status, 400, "{r}");
    assert_eq!(r["errors"][0]["pointer"], "tlp");
}

#[tokio::test]
async fn bad_input_is_a_precise_4xx_or_a_failure_never_a_5xx() {
    let w = world().await;
    let c = collection(&w, None).await;
    let path = format!("/api/v1/collections/{c}/objects");
    // Malformed JSON: 400 with its position, nothing stored.
    let body = format!("[{},\n{{\"type\": }}]", ind(20, None)).into_bytes();
    let (status, r) = post_raw(&w, analyst(&w), &path, "application/json", body).await;
    assert_eq!(status, 400, "{r}");
    assert!(
        r["detail"].as_str().unwrap().contains("line 2 column"),
        "{r}"
    );
    let (_, r) = share(&w, c, "", &ind(20, None)).await;
    assert_eq!(
        r["stored"].as_array().unwrap().len(),
        1,
        "nothing was stored before: {r}"
    );
    // Not STIX at the top.
    let (status, r) = share(&w, c, "", &json!("text")).await;
    assert_eq!(status, 400, "{r}");
    // Invalid STIX: the validator's path.
    let mut broken = ind(21, None);
    broken["valid_from"] = json!("yesterday");
    let (_, r) = share(&w, c, "", &json!({"type": "bundle", "id": "bundle--1a2b0000-0000-4000-8000-000000000001", "objects": [broken]})).await;
    assert_eq!(r["failed"][0]["path"], "/objects/0/valid_from", "{r}");
    // RED without recipients, to organisations: refused with the reason; with recipients, stored.
    let (_, r) = share(&w, c, "", &ind(22, Some(Tlp::Red))).await;
    assert_eq!(r["stored"], json!([]));
    assert!(
        r["failed"][0]["message"]
            .as_str()
            .unwrap()
            .contains("recipients"),
        "{r}"
    );
    let (_, r) = share(
        &w,
        c,
        "?recipients=an@other.example",
        &ind(22, Some(Tlp::Red)),
    )
    .await;
    assert_eq!(r["stored"].as_array().unwrap().len(), 1, "{r}");
    let (status, r) = share(&w, c, "?recipients=nobody@nowhere.example", &ind(23, None)).await;
    assert_eq!(
        (status, r["errors"][0]["pointer"].clone()),
        (400, json!("/recipients/0"))
    );
    // Unknown collection: 404; one the site-admin administers but may not write to: 403.
    let (status, _) = share(&w, Uuid::new_v4(), "", &ind(24, None)).await;
    assert_eq!(status, 404);
    let sa = &w.tokens[0].1;
    let (status, r) = post_raw(
        &w,
        sa,
        &path,
        "application/json",
        ind(24, None).to_string().into_bytes(),
    )
    .await;
    assert_eq!(status, 403, "{r}");
    // Neither JSON nor JSON lines: 415.
    let (status, _) = post_raw(&w, analyst(&w), &path, "text/plain", b"x".to_vec()).await;
    assert_eq!(status, 415);
    // Imports likewise, before any upload is read.
    let imports = format!("/api/v1/collections/{c}/imports");
    let (status, _) = post_raw(&w, sa, &imports, "application/json", b"[]".to_vec()).await;
    assert_eq!(status, 403);
    let absent = format!("/api/v1/collections/{}/imports", Uuid::new_v4());
    let (status, _) = post_raw(&w, analyst(&w), &absent, "application/json", b"[]".to_vec()).await;
    assert_eq!(status, 404);
    let (status, _) = post_raw(&w, analyst(&w), &imports, "text/csv", b"a,b".to_vec()).await;
    assert_eq!(status, 415);
}

#[tokio::test]
async fn oversized_bodies_are_413() {
    let db = crate::helpers::TestDb::sqlite();
    let service = simpul::service(db.open().await);
    let op = operator();
    let org = crate::world::org(&service, "SingCERT", simpul_core::OrgKind::NationalCert).await;
    crate::world::user(&service, &org, "an@own.example", simpul_core::Role::Analyst).await;
    let token = crate::world::token(&service, "an@own.example", "read,write", None).await;
    let names = simpul_core::intel::service::AudienceNames::Orgs(vec!["SingCERT".into()]);
    let audience = service.resolve_audience(&op, &names).await.unwrap();
    let new = NewCollection {
        id: None,
        title: "Small".into(),
        alias: None,
        description: String::new(),
        audience,
        default_tlp: None,
    };
    let c = service.create_collection(&op, new).await.unwrap().id;
    let settings = simpul_server::Settings {
        max_body_bytes: 4096,
        max_import_bytes: 8192,
        ..simpul_server::Settings::default()
    };
    let app = crate::helpers::spawn_app_full(service, settings, simpul_server::Router::new()).await;
    let big = jsonl(&(0..40).map(|n| ind(n, None)).collect::<Vec<_>>());
    assert!(big.len() > 8192);
    for (path, ct) in [
        (
            format!("/api/v1/collections/{c}/objects"),
            "application/x-ndjson",
        ),
        (
            format!("/api/v1/collections/{c}/imports"),
            "application/x-ndjson",
        ),
        (
            format!("/api/v1/collections/{c}/imports"),
            "multipart/form-data; boundary=XyZ",
        ),
    ] {
        let body = if ct.starts_with("multipart") {
            multipart("XyZ", &big)
        } else {
            big.clone()
        };
        let res = app
            .client
            .post(app.url(&path))
            .bearer_auth(&token)
            .header("content-type", ct)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 413, "{path} as {ct}");
        assert_eq!(res.headers()["content-type"], "application/problem+json");
    }
    app.shutdown().await;
}

fn multipart(boundary: &str, file: &[u8]) -> Vec<u8> {
    let mut b = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nignored\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.jsonl\"\r\n\
         Content-Type: application/x-ndjson\r\n\r\n"
    )
    .into_bytes();
    b.extend_from_slice(file);
    b.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    b
}

#[tokio::test]
async fn import_jobs_run_to_their_end_and_report_progress() {
    let w = world().await;
    let c = collection(&w, None).await;
    let path = format!("/api/v1/collections/{c}/imports?tlp=green");
    let mut lines = jsonl(&(30..40).map(|n| ind(n, None)).collect::<Vec<_>>());
    lines.extend_from_slice(b"\nnot json\n");
    let res = w
        .app
        .client
        .post(w.app.url(&path))
        .bearer_auth(analyst(&w))
        .header("content-type", "application/x-ndjson")
        .body(lines.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let job: Value = res.json().await.unwrap();
    assert_eq!(
        location,
        format!("/api/v1/imports/{}", job["id"].as_str().unwrap())
    );
    assert_eq!(job["collection"], json!(c));
    assert_eq!(job["user"], json!(w.own_analyst.id.0));
    assert_eq!(job["tlp"], "TLP:GREEN");
    let job = ended(&w, &location).await;
    assert_eq!(job["state"], "succeeded", "{job}");
    assert_eq!(
        (
            job["read"].clone(),
            job["stored"].clone(),
            job["skipped"].clone(),
            job["failed"].clone()
        ),
        (json!(11), json!(10), json!(0), json!(1))
    );
    assert_eq!(job["failures"][0]["path"], "line 11", "{job}");
    assert_eq!(job["bytes_read"], json!(lines.len()));
    assert!(job["finished_at"].is_string() && job["started_at"].is_string());
    // The same file again, as a multipart upload: everything is skipped.
    let res = w
        .app
        .client
        .post(w.app.url(&format!("/api/v1/collections/{c}/imports")))
        .bearer_auth(analyst(&w))
        .header("content-type", "multipart/form-data; boundary=b0undary")
        .body(multipart("b0undary", &lines))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let job = ended(&w, &location).await;
    assert_eq!(
        (job["stored"].clone(), job["skipped"].clone()),
        (json!(0), json!(10)),
        "{job}"
    );
    // A document cut short stops the job, saying where (one this small is parsed whole first, so
    // nothing of it is stored; a larger one streams, and what came before the cut is).
    let cut = format!("[{}, {}, {{\"type\":", ind(40, None), ind(41, None)).into_bytes();
    let (status, job) = post_raw(
        &w,
        analyst(&w),
        &format!("/api/v1/collections/{c}/imports"),
        "application/json",
        cut,
    )
    .await;
    assert_eq!(status, 202);
    let job = ended(
        &w,
        &format!("/api/v1/imports/{}", job["id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(job["state"], "failed", "{job}");
    assert!(
        job["error"].as_str().unwrap().contains("line 1 column"),
        "{job}"
    );
    assert_eq!(job["stored"], 0, "{job}");
    // A multipart form without a file part.
    let body =
        b"--q\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nx\r\n--q--\r\n".to_vec();
    let (status, r) = post_raw(
        &w,
        analyst(&w),
        &format!("/api/v1/collections/{c}/imports"),
        "multipart/form-data; boundary=q",
        body,
    )
    .await;
    assert_eq!(
        (status, r["errors"][0]["pointer"].clone()),
        (400, json!("file")),
        "{r}"
    );
}

/// A reader that blocks until told to end: a job that stays running.
struct Held(std::sync::mpsc::Receiver<()>);

impl std::io::Read for Held {
    fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
        let _ = self.0.recv();
        Ok(0)
    }
}

#[tokio::test]
async fn a_job_whose_heartbeat_stops_is_marked_failed_never_left_running() {
    let w = world().await;
    let c = collection(&w, None).await;
    let me = w
        .service
        .act_as(&operator(), "an@own.example")
        .await
        .unwrap();
    let (release, held) = std::sync::mpsc::channel();
    let job = w
        .service
        .start_import(
            &me,
            CollectionId(c),
            &ShareOptions::default(),
            Box::new(Held(held)),
            None,
        )
        .await
        .unwrap();
    let status = |w: &World| {
        let svc = w.service.clone();
        async move { svc.get_import(&operator(), job.id).await.unwrap() }
    };
    for _ in 0..200 {
        if status(&w).await.state == ImportState::Running {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(status(&w).await.state, ImportState::Running);
    // Within the lease, the sweep leaves it alone.
    assert_eq!(w.service.fail_interrupted_imports().await.unwrap(), 0);
    // Its heartbeat is older than the lease (its node "stopped"): marked failed, saying so.
    w.clock.advance(time::Duration::seconds(61));
    assert_eq!(w.service.fail_interrupted_imports().await.unwrap(), 1);
    let failed = status(&w).await;
    assert_eq!(failed.state, ImportState::Failed);
    assert_eq!(
        failed.error.as_deref(),
        Some(
            "interrupted (the node stopped); 0 objects were stored — import again, stored \
             objects are skipped"
        )
    );
    assert_eq!(w.service.fail_interrupted_imports().await.unwrap(), 0);
    // The runner, woken, finds its job ended and leaves it so.
    release.send(()).unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(status(&w).await, failed);
    // Its start and end are in the audit log.
    let log = w
        .service
        .list_audit(&operator(), None, None, 10)
        .await
        .unwrap();
    let target = format!("import:{}", job.id);
    let actions: Vec<&str> = log
        .iter()
        .filter(|e| e.target.as_deref() == Some(target.as_str()))
        .map(|e| e.action.as_str())
        .collect();
    assert_eq!(actions, ["import.finish", "import.start"]);
}

/// `simpul ARGS --data DIR`.
pub(crate) fn cli(data: &std::path::Path, args: &[&str]) -> std::process::Output {
    let mut cmd = crate::helpers::simpul_cmd();
    cmd.args(args).arg("--data").arg(data);
    cmd.output().unwrap()
}

/// The output of a command that succeeded.
pub(crate) fn cli_ok(out: std::process::Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Organisation T1 with analyst an@t1.example in the data directory `d`, and a collection whose
/// audience is T1: its id.
pub(crate) fn cli_collection(d: &std::path::Path) -> String {
    let ok = cli_ok;
    ok(cli(
        d,
        &[
            "org",
            "add",
            "--name",
            "T1",
            "--short",
            "T1",
            "--kind",
            "national-cert",
        ],
    ));
    ok(cli(
        d,
        &[
            "user",
            "add",
            "--org",
            "T1",
            "--email",
            "an@t1.example",
            "--role",
            "analyst",
        ],
    ));
    let c = ok(cli(
        d,
        &["collection", "add", "--title", "C", "--orgs", "T1"],
    ));
    c.trim().to_owned()
}

#[test]
fn cli_imports_json_lines_naming_bad_lines_and_is_rerunnable() {
    let tmp = tempfile::tempdir().unwrap();
    let d = &tmp.path().join("data");
    let c = cli_collection(d);
    let c = c.as_str();
    let mut lines = jsonl(&(50..55).map(|n| ind(n, None)).collect::<Vec<_>>());
    lines.extend_from_slice(b"\n{\"type\": \"indicator\", \"id\": \"indicator--x\"}\n");
    let file = tmp.path().join("feed.jsonl");
    std::fs::write(&file, &lines).unwrap();
    let file = file.to_str().unwrap();
    let import = |extra: &[&str]| {
        let mut args = vec!["import", file, "--as", "an@t1.example", "--collection", c];
        args.extend_from_slice(extra);
        cli(d, &args)
    };
    let out = import(&["--tlp", "clear"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "stored 5, skipped 0, failed 1, warnings 0"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("feed.jsonl: object 5 at line 6"), "{err}");
    assert!(
        !err.contains('\u{1b}'),
        "no progress bar off a terminal: {err}"
    );
    let out = import(&[]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "stored 0, skipped 5, failed 1, warnings 0"
    );
    let out = import(&["--tlp", "mauve"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--tlp"));
}
