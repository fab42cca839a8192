//! Team profiles over HTTP and at the command line: a full profile saved by its org-admin and read
//! back (JSON and RFC 2350 text, snapshotted), who reads what (anonymous, member, partner,
//! published or not), the skeleton of an organisation without one, and the refusals.

use std::process::Output;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use simpul_core::OrgKind;
use simpul_core::Role;

use crate::helpers::{call, simpul_cmd};
use crate::world::{org, token, user, world};

fn full_profile() -> Value {
    json!({
        "document": {
            "distribution": "Changes are announced on the ASEAN CERT community list.",
            "locations": ["https://www.singcert.example/rfc2350.txt"],
            "publish": true
        },
        "contact": {
            "team_name": "SingCERT",
            "postal_address": "Singapore Computer Emergency Response Team\n5 Maxwell Road\nSingapore 069110",
            "time_zone": "Asia/Singapore",
            "business_hours": [
                {"day": "fri", "from": "08:30", "to": "17:00"},
                {"day": "mon", "from": "08:30", "to": "17:30"}
            ],
            "languages": ["en", "ms", "zh-Hans"],
            "email": "cert@singcert.example",
            "phone": "+65 6323 5052",
            "emergency_phone": "+65-6323-5052",
            "public_keys": [{"fingerprint": "0123 4567 89AB CDEF 0123 4567 89AB CDEF 0123 4567",
                             "url": "https://www.singcert.example/pgp.asc"}],
            "members": [{"name": "Tan Wei Ling", "role": "Head of team"}]
        },
        "charter": {
            "mission": "To be Singapore's national point of contact for cybersecurity incidents and to help its constituents prevent, detect and recover from them.",
            "constituency": {
                "countries": ["SG"], "sectors": ["Government"],
                "networks": ["192.0.2.0/24"], "asns": [64500], "domains": ["gov.sg"]
            },
            "sponsorship": "Cyber Security Agency of Singapore.",
            "authority": "Cybersecurity Act 2018."
        },
        "policies": {
            "incidents": "All computer security incidents affecting the constituency.",
            "tlp": "TLP 2.0.",
            "disclosure": "Only with the reporter's consent.",
            "cooperation": "With the ASEAN CERT community, FIRST and APCERT.",
            "communication": "OpenPGP for sensitive information."
        },
        "services": {
            "offered": ["knowledge-transfer/exercises", "incident-management/incident-coordination"],
            "notes": "Exercises twice a year."
        },
        "reporting_forms": ["https://www.singcert.example/report"],
        "disclaimers": "No responsibility is assumed for errors or omissions."
    })
}

#[tokio::test]
async fn profiles_are_saved_by_their_org_admin_and_read_as_visibility_allows() {
    let w = world().await;
    let (sa, oa, ro) = (&w.tokens[0].1, &w.tokens[1].1, &w.tokens[3].1);
    let own = format!("/api/v1/organisations/{}", w.own.id);
    let other = format!("/api/v1/organisations/{}", w.other.id);

    // Without a saved profile: a skeleton for signed-in readers, 404 for nobody.
    let res = call(
        &w.app,
        Method::GET,
        &format!("{own}/profile"),
        Some(ro),
        None,
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let skeleton: Value = res.json().await.unwrap();
    assert_eq!(skeleton["contact"]["team_name"], "SingCERT team");
    assert_eq!(skeleton["document"]["last_updated"], Value::Null);
    let res = call(&w.app, Method::GET, &format!("{own}/profile"), None, None).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    // The org-admin saves the whole document; the answer is the normalised document.
    let res = call(
        &w.app,
        Method::PUT,
        &format!("{own}/profile"),
        Some(oa),
        Some(&full_profile()),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let saved: Value = res.json().await.unwrap();
    insta::assert_json_snapshot!("profile_saved", saved);
    let res = call(&w.app, Method::GET, &format!("{own}/profile"), None, None).await;
    assert_eq!(res.status(), StatusCode::OK, "published: anyone reads it");
    assert_eq!(res.json::<Value>().await.unwrap(), saved);

    // The RFC 2350 text, for nobody signed in too.
    let res = call(
        &w.app,
        Method::GET,
        &format!("{own}/rfc2350.txt"),
        None,
        None,
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "text/plain; charset=utf-8");
    let text = res.text().await.unwrap();
    assert!(text.lines().all(|l| l.chars().count() <= 72));
    insta::assert_snapshot!("profile_rfc2350", text);

    // Unpublished: nobody signed in gets 404; a partner's user and a member's still read it.
    let mut unpublished = full_profile();
    unpublished["document"]["publish"] = json!(false);
    let res = call(
        &w.app,
        Method::PUT,
        &format!("{own}/profile"),
        Some(oa),
        Some(&unpublished),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    for path in ["profile", "rfc2350.txt"] {
        let res = call(&w.app, Method::GET, &format!("{own}/{path}"), None, None).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let partner = org(&w.service, "ExampleTel", OrgKind::Industry).await;
    user(&w.service, &partner, "an@partner.example", Role::Analyst).await;
    let pt = token(&w.service, "an@partner.example", "read", None).await;
    let member = token(&w.service, "an@other.example", "read", None).await;
    for t in [&pt, &member, ro] {
        let res = call(
            &w.app,
            Method::GET,
            &format!("{own}/rfc2350.txt"),
            Some(t),
            None,
        )
        .await;
        assert_eq!(res.status(), StatusCode::OK);
    }

    // The org-admin may not save another organisation's; the site-admin may.
    let res = call(
        &w.app,
        Method::PUT,
        &format!("{other}/profile"),
        Some(oa),
        Some(&json!({})),
    )
    .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = call(
        &w.app,
        Method::PUT,
        &format!("{other}/profile"),
        Some(sa),
        Some(&json!({})),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);

    // Refusals name the field.
    let partner_path = format!("/api/v1/organisations/{}/profile", partner.id);
    for (name, path, body) in [
        (
            "profile_bad_time_zone",
            format!("{own}/profile"),
            json!({"contact": {"time_zone": "Mars/Olympus"}}),
        ),
        (
            "profile_bad_phone",
            format!("{own}/profile"),
            json!({"contact": {"emergency_phone": "call the duty officer"}}),
        ),
        (
            "profile_unknown_service",
            format!("{own}/profile"),
            json!({"services": {"offered": ["incident-management/tea"]}}),
        ),
        (
            "profile_unknown_field",
            format!("{own}/profile"),
            json!({"contact": {"nickname": "x"}}),
        ),
        (
            "profile_partner_publishes",
            partner_path,
            json!({"document": {"publish": true}}),
        ),
    ] {
        let res = call(&w.app, Method::PUT, &path, Some(sa), Some(&body)).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{name}");
        let problem: Value = res.json().await.unwrap();
        insta::assert_json_snapshot!(name, problem, { ".request_id" => "[request_id]" });
    }

    // Every save is audited.
    let audit = w
        .service
        .list_audit(&crate::world::operator(), None, None, 1000)
        .await
        .unwrap();
    let saves = audit
        .iter()
        .filter(|e| e.action == "org.profile_update")
        .count();
    assert_eq!(saves, 3);
    w.app.shutdown().await;
}

fn admin(data: &std::path::Path, args: &[&str]) -> Output {
    let mut cmd = simpul_cmd();
    cmd.args(args).arg("--data").arg(data);
    cmd.output().unwrap()
}

#[test]
fn the_cli_prints_and_saves_a_profile() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let d = data.as_path();
    let add = [
        "org",
        "add",
        "--name",
        "Singapore CERT",
        "--short",
        "SingCERT",
    ];
    let out = admin(
        d,
        &[&add[..], &["--kind", "national-cert", "--country", "sg"]].concat(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let file = tmp.path().join("profile.json");
    std::fs::write(&file, full_profile().to_string()).unwrap();
    let f = file.to_str().unwrap();
    let out = admin(d, &["org", "profile", "SingCERT", "--set", f]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stdout.is_empty() && out.stderr.is_empty(),
        "silent on success"
    );

    let out = admin(d, &["org", "profile", "SingCERT"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("2.3. Time Zone\n\n   Asia/Singapore\n"),
        "{text}"
    );
    let out = admin(d, &["org", "profile", "SingCERT", "--json"]);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["contact"]["phone"], "+6563235052");

    std::fs::write(&file, r#"{"contact": {"time_zone": "Mars/Olympus"}}"#).unwrap();
    let out = admin(d, &["org", "profile", "SingCERT", "--set", f]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("/contact/time_zone"), "{stderr}");
    assert!(out.stdout.is_empty());
}
