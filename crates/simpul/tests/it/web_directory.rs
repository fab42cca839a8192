//! The POC network's pages and the freshness report: nobody signed in is sent to sign in; the
//! directory filters by service and contact kind (a kind counts only through contacts the reader
//! may see); a team's page shows its profile, local time and the contacts the reader may see, a
//! partner not the members-only ones; `GET /api/v1/directory/health` and `/directory/health` give
//! coordinators every organisation's flags, an org-admin their own, others nothing.

use reqwest::Method;
use serde_json::Value;
use simpul_core::Role;
use simpul_core::contacts::{ContactKind, DirectoryVisibility, NewContact};
use simpul_core::directory::profile::TeamProfile;

use crate::helpers::{call, no_redirects};
use crate::web_pages::{get, session_of};
use crate::world::{World, operator, world};

const EXPIRING: &str = include_str!("../../../core/src/contacts/testdata/expiring.asc");

async fn populated() -> World {
    let w = world().await;
    let profile = TeamProfile::from_json(
        r#"{"contact": {"team_name": "SingCERT", "time_zone": "Asia/Singapore",
            "business_hours": [{"day": "mon", "from": "09:00", "to": "18:00"}],
            "email": "cert@own.example"},
            "charter": {"mission": "Coordinate incident response for Singapore"},
            "services": {"offered": ["incident-management/incident-coordination"]}}"#,
    )
    .unwrap();
    w.service
        .put_profile(&operator(), w.own.id, profile)
        .await
        .unwrap();
    for (name, kind, vis, key) in [
        (
            "Duty desk",
            ContactKind::Duty24x7,
            DirectoryVisibility::Members,
            Some(EXPIRING),
        ),
        (
            "Press office",
            ContactKind::DiplomaticPoc,
            DirectoryVisibility::Public,
            None,
        ),
    ] {
        let new = NewContact {
            name: name.into(),
            kinds: vec![kind],
            emails: vec![format!("{}@own.example", name.replace(' ', "."))],
            pgp_key: key.map(str::to_owned),
            visibility: Some(vis),
            ..Default::default()
        };
        w.service
            .add_contact(&operator(), w.own.id, new)
            .await
            .unwrap();
    }
    crate::world::user(&w.service, &w.spare, "pa@spare.example", Role::Analyst).await;
    w
}

#[tokio::test]
async fn nobody_signed_in_is_sent_to_sign_in() {
    let w = world().await;
    for path in ["/directory", "/directory/SingCERT", "/directory/health"] {
        let res = no_redirects().get(w.app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 303, "{path}");
        assert_eq!(res.headers()["location"], "/login", "{path}");
    }
}

#[tokio::test]
async fn the_directory_filters_and_the_team_page_shows_what_the_reader_may_see() {
    let w = populated().await;
    let member = session_of(&w, "an@other.example").await;
    let partner = session_of(&w, "pa@spare.example").await;

    let (status, html) = get(&w, "/directory", &member).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("<a href=\"/directory\" aria-current=\"page\">Directory</a>"));
    for short in ["SingCERT", "MyCERT", "ASEAN-CERT", "Spare"] {
        assert!(
            html.contains(&format!("href=\"/directory/{short}\"")),
            "{short}"
        );
    }
    let svc = "/directory?service=incident-management%2Fincident-coordination";
    let (_, html) = get(&w, svc, &member).await;
    assert!(html.contains("href=\"/directory/SingCERT\""));
    assert!(!html.contains("href=\"/directory/MyCERT\""), "{html}");
    // The 24/7 contact is members-only: a partner's search by that kind finds nobody.
    let (_, html) = get(&w, "/directory?kind=24x7-duty", &member).await;
    assert!(html.contains("href=\"/directory/SingCERT\""));
    let (_, html) = get(&w, "/directory?kind=24x7-duty", &partner).await;
    assert!(!html.contains("href=\"/directory/SingCERT\""), "{html}");
    let (_, html) = get(&w, "/directory?q=singapore", &partner).await;
    assert!(html.contains("href=\"/directory/SingCERT\""));
    assert!(!html.contains("href=\"/directory/MyCERT\""));
    let (status, html) = get(&w, "/directory?kind=pager", &member).await;
    assert_eq!(status, 400);
    assert!(
        html.contains("kind: not a known value (got `pager`)"),
        "{html}"
    );

    let (status, html) = get(&w, "/directory/SingCERT", &member).await;
    assert_eq!(status, 200, "{html}");
    // 08:00 UTC (the test clock) is 16:00 in Singapore.
    assert!(
        html.contains("16:00 on Saturday 2026-11-28 (Asia/Singapore, UTC+08:00)"),
        "{html}"
    );
    assert!(html.contains("Monday 09:00–18:00"));
    assert!(
        html.contains("Information security incident coordination"),
        "{html}"
    );
    assert!(html.contains("Duty desk"));
    assert!(html.contains("61899FFB8AF1DF82F07FEFFF329E2A6BD524E1AF"));
    assert!(html.contains("<span class=\"status status-suspended\">expired</span>"));
    assert!(html.contains("Press office"));
    assert!(html.contains("/rfc2350.txt\">RFC 2350 text</a>"));

    let (status, html) = get(&w, "/directory/SingCERT", &partner).await;
    assert_eq!(status, 200);
    assert!(html.contains("Press office"));
    assert!(
        !html.contains("Duty desk"),
        "a partner sees no members-only contact"
    );
    assert!(!html.contains("61899FFB"));

    let (status, _) = get(&w, "/directory/NoSuchTeam", &member).await;
    assert_eq!(status, 404);
}

async fn flags(w: &World, label: &str) -> (u16, Value) {
    let token = &w.tokens.iter().find(|(l, _)| *l == label).unwrap().1;
    let res = call(
        &w.app,
        Method::GET,
        "/api/v1/directory/health",
        Some(token),
        None,
    )
    .await;
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

fn kinds_of(v: &Value) -> Vec<(String, String, String)> {
    v["flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["org"].as_str().unwrap().to_owned(),
                f["contact"].as_str().unwrap_or("").to_owned(),
                f["flag"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn health_flags_for_coordinators_and_own_org_admins() {
    let w = populated().await;
    // A contact of another organisation, for the scope.
    let new = NewContact {
        name: "MyCERT desk".into(),
        kinds: vec![ContactKind::TechnicalPoc],
        emails: vec!["desk@other.example".into()],
        ..Default::default()
    };
    w.service
        .add_contact(&operator(), w.other.id, new)
        .await
        .unwrap();
    let t = |o: &str, c: &str, f: &str| (o.to_owned(), c.to_owned(), f.to_owned());

    // The coordinator (the regional CERT's site-admin): the member organisations that never
    // saved a profile (SingCERT has), and the expired key.
    let (status, v) = flags(&w, "site-admin").await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(
        kinds_of(&v),
        [
            t("ASEAN-CERT", "", "profile-missing"),
            t("MyCERT", "", "profile-missing"),
            t("SingCERT", "Duty desk", "key-expired"),
        ]
    );
    let regional = w
        .service
        .org_by_short_name(&operator(), "ASEAN-CERT")
        .await
        .unwrap();
    for org in [w.other.id, regional.id] {
        w.service
            .put_profile(&operator(), org, TeamProfile::default())
            .await
            .unwrap();
    }
    let (_, v) = flags(&w, "site-admin").await;
    assert_eq!(v["verify_after_days"], 183);
    assert_eq!(kinds_of(&v), [t("SingCERT", "Duty desk", "key-expired")]);
    assert_eq!(
        v["flags"][0]["fingerprint"],
        "61899FFB8AF1DF82F07FEFFF329E2A6BD524E1AF"
    );

    // Seven months later nobody was verified.
    w.clock.advance(time::Duration::days(200));
    let (_, v) = flags(&w, "site-admin").await;
    assert_eq!(
        kinds_of(&v),
        [
            t("MyCERT", "MyCERT desk", "not-verified"),
            t("SingCERT", "Duty desk", "not-verified"),
            t("SingCERT", "Duty desk", "key-expired"),
            t("SingCERT", "Press office", "not-verified"),
        ]
    );
    // The org-admin: their own organisation's only; an analyst nothing.
    let (status, v) = flags(&w, "org-admin").await;
    assert_eq!(status, 200);
    assert!(kinds_of(&v).iter().all(|(o, ..)| o == "SingCERT"), "{v}");
    assert_eq!(kinds_of(&v).len(), 3);
    let (status, _) = flags(&w, "analyst").await;
    assert_eq!(status, 403);

    // The page says the same.
    let oa = session_of(&w, "oa@own.example").await;
    let (status, html) = get(&w, "/directory/health", &oa).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("OpenPGP key 61899FFB8AF1DF82F07FEFFF329E2A6BD524E1AF expired"));
    assert!(html.contains("Press office"));
    assert!(!html.contains("MyCERT desk"));
    let an = session_of(&w, "an@own.example").await;
    let (status, _) = get(&w, "/directory/health", &an).await;
    assert_eq!(status, 403);
}
