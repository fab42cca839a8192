//! A site-admin's changes to a collection over HTTP (on SQLite and PostgreSQL) and at the command
//! line (`simpul collection set`).

use reqwest::Method;
use serde_json::{Value, json};
use simpul_core::intel::Tlp;

use crate::helpers::TestDb;
use crate::object_changes::{call, get, pointer, seen_as, setup, share};
use crate::world::{World, indicator, world_on};

/// A site-admin changes a collection; a read-only organisation reads but may not share; the
/// change is audited with what it was and became. Nobody else may change it.
async fn collection_changes(w: World) {
    let r = setup(&w).await;
    let sa = &w.tokens[0].1;
    let path = format!("/api/v1/collections/{}", r.community);
    let id = "indicator--c4a9e000-0000-4000-8000-00000000b001";
    share(&w, &r, id, Tlp::Green, "ro.example").await;
    let (status, c) = call(
        &w,
        Method::PATCH,
        sa,
        &path,
        Some(
            &json!({"title": "ASEAN CERTs", "alias": "asean-certs", "default_tlp": "green",
                     "read_only_orgs": ["MyCERT"]}),
        ),
    )
    .await;
    assert_eq!(status, 200, "{c}");
    assert_eq!(
        (&c["title"], &c["alias"], &c["default_tlp"]),
        (
            &json!("ASEAN CERTs"),
            &json!("asean-certs"),
            &json!("TLP:GREEN")
        )
    );
    assert_eq!(c["read_only_orgs"], json!([w.other.id.0]));
    let (_, as_member) = get(&w, &r.member, &path).await;
    assert_eq!(as_member["can_write"], false);
    assert_eq!(
        seen_as(&w, &r.member, id, "ro.example").await.as_deref(),
        Some("TLP:GREEN")
    );
    let post = indicator(
        "indicator--c4a9e000-0000-4000-8000-00000000b002",
        None,
        "x.example",
        "2026-01-01T00:00:00.000Z",
    );
    let (status, _) = call(
        &w,
        Method::POST,
        &r.member,
        &format!("{path}/objects"),
        Some(&post),
    )
    .await;
    assert_eq!(status, 403, "a read-only organisation may not share");
    // An unmarked object now gets the new default.
    let (status, report) = call(
        &w,
        Method::POST,
        &r.producer,
        &format!("{path}/objects"),
        Some(&post),
    )
    .await;
    assert_eq!(
        (status, report["stored"].as_array().unwrap().len()),
        (200, 1),
        "{report}"
    );
    let (_, one) = get(
        &w,
        &r.producer,
        "/api/v1/objects/indicator--c4a9e000-0000-4000-8000-00000000b002",
    )
    .await;
    assert_eq!(one["tlp"], "TLP:GREEN");
    // Bad input names its field; others may not; the alias can be removed.
    let (status, problem) = call(
        &w,
        Method::PATCH,
        sa,
        &path,
        Some(&json!({"read_only_orgs": ["MyCERT", "Nope"]})),
    )
    .await;
    assert_eq!(
        (status, pointer(&problem)),
        (400, "/read_only_orgs/1"),
        "{problem}"
    );
    let (status, problem) = call(
        &w,
        Method::PATCH,
        sa,
        &path,
        Some(&json!({"audience": {"kind": "orgs", "orgs": ["Nope"]}})),
    )
    .await;
    assert_eq!(
        (status, pointer(&problem)),
        (400, "/audience/orgs/0"),
        "{problem}"
    );
    let (status, _) = call(
        &w,
        Method::PATCH,
        &r.producer,
        &path,
        Some(&json!({"title": "Mine"})),
    )
    .await;
    assert_eq!(status, 403);
    let (status, c) = call(
        &w,
        Method::PATCH,
        sa,
        &path,
        Some(&json!({"alias": null, "read_only_orgs": []})),
    )
    .await;
    assert_eq!(status, 200, "{c}");
    assert_eq!(
        (&c["alias"], &c["read_only_orgs"]),
        (&Value::Null, &json!([]))
    );
    let (_, as_member) = get(&w, &r.member, &path).await;
    assert_eq!(as_member["can_write"], true);
    // Audited, before and after, by the site-admin; an empty change writes nothing.
    let (status, _) = call(&w, Method::PATCH, sa, &path, Some(&json!({}))).await;
    assert_eq!(status, 200);
    let (_, log) = get(&w, sa, "/api/v1/audit?limit=1000").await;
    let updates: Vec<&Value> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "collection.update")
        .collect();
    assert_eq!(updates.len(), 2, "{updates:?}");
    let first: Value = serde_json::from_str(updates[1]["details"].as_str().unwrap()).unwrap();
    assert_eq!(first["before"]["title"], "ASEAN");
    assert_eq!(first["after"]["title"], "ASEAN CERTs");
    assert_eq!(first["after"]["default_tlp"], "TLP:GREEN");
    assert!(updates[1]["actor"].as_str().unwrap().starts_with("user:"));
    w.app.shutdown().await;
}

#[tokio::test]
async fn collection_changes_sqlite() {
    collection_changes(world_on(TestDb::sqlite()).await).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set SIMPUL_TEST_POSTGRES (the PostgreSQL leg of .ci/run does)"]
async fn collection_changes_postgres() {
    collection_changes(world_on(TestDb::postgres().await).await).await;
}

/// `simpul collection set` changes a collection and prints it; an unknown organisation is named.
#[test]
fn cli_sets_a_collection() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("data");
    let run = |args: &[&str]| {
        crate::helpers::simpul_cmd()
            .args(args)
            .arg("--data")
            .arg(&d)
            .output()
            .unwrap()
    };
    let ok = |args: &[&str]| {
        let out = run(args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    for short in ["T1", "T2"] {
        ok(&[
            "org",
            "add",
            "--name",
            short,
            "--short",
            short,
            "--kind",
            "national-cert",
        ]);
    }
    let id = ok(&["collection", "add", "--title", "Pair", "--orgs", "T1,T2"]);
    let id = id.trim();
    let out = ok(&[
        "collection",
        "set",
        id,
        "--title",
        "Pair of CERTs",
        "--default-tlp",
        "amber+strict",
        "--read-only",
        "T2",
        "--description",
        "Bilateral",
    ]);
    for line in [
        format!("id:           {id}"),
        "title:        Pair of CERTs".into(),
        "description:  Bilateral".into(),
        "default TLP:  TLP:AMBER+STRICT".into(),
        "audience:     orgs".into(),
        "read-only:    T2".into(),
    ] {
        assert!(out.lines().any(|l| l == line), "{line} in\n{out}");
    }
    let list = ok(&["collection", "list"]);
    assert!(
        list.contains("Pair of CERTs") && list.contains("TLP:AMBER+STRICT"),
        "{list}"
    );
    let out = ok(&["collection", "set", id, "--read-only", ""]);
    assert!(out.lines().any(|l| l == "read-only:    -"), "{out}");
    let bad = run(&["collection", "set", id, "--read-only", "T1,Nope"]);
    assert_eq!(bad.status.code(), Some(1));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("no such organisation"), "{err}");
    let missing = run(&[
        "collection",
        "set",
        "5e1ec7ed-0000-4000-8000-00000000dead",
        "--title",
        "X",
    ]);
    assert_eq!(missing.status.code(), Some(1));
}
