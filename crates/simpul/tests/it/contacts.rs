//! Contacts over HTTP and at the command line: a contact added by its org-admin and read back
//! (snapshotted, with its OpenPGP key facts), who reads what (anonymous, member, partner), the
//! vCards, the refusals of a bad phone and bad keys (snapshotted problem bodies with the JSON path),
//! and `simpul contact add` / `list`.

use std::process::Output;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use simpul_core::Role;

use crate::helpers::{call, simpul_cmd};
use crate::world::{token, user, world};

const KEY: &str = include_str!("../../../core/src/contacts/testdata/no-expiry.asc");
const SECRET: &str = include_str!("../../../core/src/contacts/testdata/secret.asc");

fn ids(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = v["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_owned())
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn contacts_are_added_by_their_org_admin_and_read_as_visibility_allows() {
    let w = world().await;
    let (oa, ro) = (&w.tokens[1].1, &w.tokens[3].1);
    user(&w.service, &w.spare, "an@spare.example", Role::Analyst).await;
    let partner = token(&w.service, "an@spare.example", "read", None).await;

    let body = json!({
        "org": w.own.id, "name": "SingCERT duty desk", "mailbox": true,
        "kinds": ["24x7-duty", "technical-poc"], "emails": ["Duty@SingCERT.example"],
        "phones": ["+65 6323 5052"], "handles": [{"network": "Signal", "handle": "+6563235052"}],
        "pgp_key": KEY, "languages": ["en", "ms"], "availability": "24x7", "visibility": "partners"
    });
    let res = call(
        &w.app,
        Method::POST,
        "/api/v1/contacts",
        Some(oa),
        Some(&body),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let created: Value = res.json().await.unwrap();
    insta::assert_json_snapshot!("contact_created", created, {
        ".id" => "[id]", ".org" => "[org]", ".created_at" => "[time]", ".updated_at" => "[time]"
    });
    let id = created["id"].as_str().unwrap().to_owned();
    for (name, vis) in [("Members only", "members"), ("Everyone", "public")] {
        let b =
            json!({"org": w.own.id, "name": name, "kinds": ["head-of-team"], "visibility": vis});
        let res = call(&w.app, Method::POST, "/api/v1/contacts", Some(oa), Some(&b)).await;
        assert_eq!(res.status(), StatusCode::CREATED);
    }

    // Who sees what: members all, the partner `partners` and `public`, nobody signed in `public`.
    let list = |t: Option<String>| {
        let app = &w.app;
        async move {
            let res = call(app, Method::GET, "/api/v1/contacts", t.as_deref(), None).await;
            assert_eq!(res.status(), StatusCode::OK);
            ids(&res.json::<Value>().await.unwrap())
        }
    };
    assert_eq!(
        list(Some(ro.clone())).await,
        ["Everyone", "Members only", "SingCERT duty desk"]
    );
    assert_eq!(
        list(Some(partner.clone())).await,
        ["Everyone", "SingCERT duty desk"]
    );
    assert_eq!(list(None).await, ["Everyone"]);
    let one = format!("/api/v1/contacts/{id}");
    let res = call(&w.app, Method::GET, &one, Some(&partner), None).await;
    assert_eq!(res.json::<Value>().await.unwrap(), created);
    let res = call(&w.app, Method::GET, &one, None, None).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND, "unseen is not found");

    // Filters.
    let q = format!("/api/v1/contacts?org={}&kind=24x7-duty&q=DUTY@", w.own.id);
    let res = call(&w.app, Method::GET, &q, Some(ro), None).await;
    assert_eq!(
        ids(&res.json::<Value>().await.unwrap()),
        ["SingCERT duty desk"]
    );

    // vCards: one, and the organisation's as each reader sees them.
    let res = call(&w.app, Method::GET, &format!("{one}/vcard"), Some(ro), None).await;
    assert_eq!(res.headers()["content-type"], "text/vcard; charset=utf-8");
    let card = res.text().await.unwrap();
    assert!(card.starts_with("BEGIN:VCARD\r\nVERSION:4.0\r\n"), "{card}");
    assert!(
        card.contains("TEL;VALUE=uri;TYPE=work:tel:+6563235052\r\n"),
        "{card}"
    );
    assert!(
        card.contains("KEY:data:application/pgp-keys;base64,"),
        "{card}"
    );
    let org_cards = format!("/api/v1/organisations/{}/contacts/vcard", w.own.id);
    for (t, n) in [
        (Some(ro.as_str()), 3),
        (Some(partner.as_str()), 2),
        (None, 1),
    ] {
        let res = call(&w.app, Method::GET, &org_cards, t, None).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.text().await.unwrap().matches("BEGIN:VCARD").count(), n);
    }

    // PATCH: null clears, the result is validated; DELETE.
    let res = call(
        &w.app,
        Method::PATCH,
        &one,
        Some(oa),
        Some(&json!({"pgp_key": null, "availability": null})),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let patched: Value = res.json().await.unwrap();
    assert!(patched["key"].is_null() && patched["availability"].is_null());
    let res = call(&w.app, Method::DELETE, &one, Some(ro), None).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = call(&w.app, Method::DELETE, &one, Some(oa), None).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = call(&w.app, Method::GET, &one, Some(ro), None).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    // Refusals name the field.
    let base = json!({"org": w.own.id, "name": "X", "kinds": ["technical-poc"]});
    let with = |k: &str, v: Value| {
        let mut b = base.clone();
        b[k] = v;
        b
    };
    for (name, body) in [
        (
            "contact_bad_phone",
            with("phones", json!(["+65 6323 5052", "12ab"])),
        ),
        (
            "contact_malformed_key",
            with(
                "pgp_key",
                json!(
                    "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nnot base64!\n-----END PGP PUBLIC KEY BLOCK-----\n"
                ),
            ),
        ),
        ("contact_private_key", with("pgp_key", json!(SECRET))),
        ("contact_not_a_key", with("pgp_key", json!("hello"))),
        ("contact_bad_kind", with("kinds", json!(["pager"]))),
    ] {
        let res = call(
            &w.app,
            Method::POST,
            "/api/v1/contacts",
            Some(oa),
            Some(&body),
        )
        .await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{name}");
        let problem: Value = res.json().await.unwrap();
        insta::assert_json_snapshot!(name, problem, { ".request_id" => "[request_id]" });
    }
    w.app.shutdown().await;
}

fn cli(data: &std::path::Path, args: &[&str]) -> Output {
    let out = simpul_cmd()
        .args(args)
        .arg("--data")
        .arg(data)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[test]
fn the_cli_adds_and_lists_contacts() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("data");
    let d = d.as_path();
    cli(
        d,
        &[
            "org",
            "add",
            "--name",
            "Singapore CERT",
            "--short",
            "SingCERT",
            "--kind",
            "national-cert",
            "--country",
            "sg",
        ],
    );
    let key = tmp.path().join("key.asc");
    std::fs::write(&key, KEY).unwrap();
    let out = cli(
        d,
        &[
            "contact",
            "add",
            "--org",
            "SingCERT",
            "--name",
            "Duty desk",
            "--email",
            "duty@singcert.example",
            "--phone",
            "6323 5052",
            "--kind",
            "24x7-duty,escalation",
            "--mailbox",
            "--pgp-key",
            key.to_str().unwrap(),
            "--visibility",
            "public",
        ],
    );
    let id = String::from_utf8(out.stdout).unwrap();
    let id = id.strip_suffix('\n').unwrap();
    uuid::Uuid::parse_str(id).expect("only the id is printed");
    let out = cli(d, &["contact", "list", "--org", "SingCERT", "--json"]);
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list[0]["id"], id);
    assert_eq!(
        list[0]["phones"],
        json!(["+6563235052"]),
        "national form in the org's country"
    );
    assert_eq!(list[0]["kinds"], json!(["24x7-duty", "escalation"]));
    let table = String::from_utf8(cli(d, &["contact", "list"]).stdout).unwrap();
    assert_eq!(table.lines().count(), 2, "{table}");
    assert!(
        table.lines().nth(1).unwrap().starts_with("SingCERT "),
        "{table}"
    );
    assert!(table.contains("duty@singcert.example") && table.contains("Duty desk"));

    let bad = simpul_cmd()
        .args([
            "contact", "add", "--org", "SingCERT", "--name", "X", "--kind", "pager", "--data",
        ])
        .arg(d)
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("24x7-duty"));
}
