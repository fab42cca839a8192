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
use crate::web_pages::{csrf_of, get, session_of};
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

/// A form post without following the redirect: status, `Location`, body.
async fn post(
    w: &World,
    path: &str,
    cookies: &str,
    form: &[(&str, &str)],
) -> (u16, String, String) {
    let res = no_redirects()
        .post(w.app.url(path))
        .header("cookie", cookies)
        .form(form)
        .send()
        .await
        .unwrap();
    let location = res
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (res.status().as_u16(), location, res.text().await.unwrap())
}

/// The editor's form as the page fills it, with `changes` laid over it.
fn profile_form<'a>(csrf: &'a str, changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut f = vec![
        ("csrf_token", csrf),
        ("team_name", "SingCERT"),
        ("time_zone", "Asia/Singapore"),
        ("email", "cert@own.example"),
        ("phone", "+65 6211 0000"),
        ("business_hours", "Monday 09:00-18:00"),
        ("mission", "Coordinate incident response for Singapore"),
        ("service", "incident-management/incident-coordination"),
    ];
    for (k, v) in changes {
        f.retain(|(n, _)| n != k);
        f.push((k, v));
    }
    f
}

#[tokio::test]
async fn the_profile_editor_is_for_the_organisations_admins_only() {
    let w = populated().await;
    crate::world::user(&w.service, &w.other, "oa@other.example", Role::OrgAdmin).await;
    let oa = session_of(&w, "oa@own.example").await;
    let (status, html) = get(&w, "/directory/SingCERT", &oa).await;
    assert_eq!(status, 200);
    assert!(html.contains("href=\"/directory/SingCERT/edit\">Edit profile</a>"));
    assert!(html.contains("href=\"/directory/SingCERT/contacts/new\">Add a contact</a>"));
    let (status, html) = get(&w, "/directory/SingCERT/edit", &oa).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("value=\"Asia/Singapore\""), "{html}");
    assert!(html.contains("Monday 09:00-18:00</textarea>"), "{html}");
    assert!(
        html.contains("value=\"incident-management/incident-coordination\" checked"),
        "{html}"
    );

    // Another organisation's admin, and the organisation's analyst: no link, and a 403 page.
    for who in ["oa@other.example", "an@own.example"] {
        let s = session_of(&w, who).await;
        let (_, html) = get(&w, "/directory/SingCERT", &s).await;
        assert!(!html.contains("/directory/SingCERT/edit"), "{who}");
        assert!(!html.contains("/contacts/new"), "{who}");
        for path in [
            "/directory/SingCERT/edit",
            "/directory/SingCERT/contacts/new",
        ] {
            let (status, html) = get(&w, path, &s).await;
            assert_eq!(status, 403, "{who} {path}: {html}");
        }
        let (_, page) = get(&w, "/directory", &s).await;
        let csrf = csrf_of(&page);
        let (status, _, _) = post(
            &w,
            "/directory/SingCERT/edit",
            &s,
            &profile_form(&csrf, &[]),
        )
        .await;
        assert_eq!(status, 403, "{who}");
    }
    // The other admin edits their own.
    let s = session_of(&w, "oa@other.example").await;
    let (status, _) = get(&w, "/directory/MyCERT/edit", &s).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_refused_profile_keeps_what_was_typed_and_a_saved_one_shows() {
    let w = populated().await;
    let oa = session_of(&w, "oa@own.example").await;
    let (_, page) = get(&w, "/directory/SingCERT/edit", &oa).await;
    let csrf = csrf_of(&page);

    // No CSRF token: refused, nothing saved.
    let form = profile_form("", &[("mission", "Forged")]);
    let (status, _, html) = post(&w, "/directory/SingCERT/edit", &oa, &form[1..]).await;
    assert_eq!(status, 403, "{html}");
    assert!(html.contains("CSRF"), "{html}");

    let form = profile_form(
        &csrf,
        &[("phone", "call us"), ("mission", "Typed mission, kept")],
    );
    let (status, _, html) = post(&w, "/directory/SingCERT/edit", &oa, &form).await;
    assert_eq!(status, 400, "{html}");
    assert!(
        html.contains("id=\"pe-phone\" name=\"phone\" type=\"tel\" autocomplete=\"off\" value=\"call us\" aria-invalid=\"true\" aria-describedby=\"pe-phone-help pe-phone-error\""),
        "{html}"
    );
    assert!(
        html.contains("<span class=\"error\" id=\"pe-phone-error\">"),
        "{html}"
    );
    assert!(html.contains("Typed mission, kept</textarea>"), "{html}");
    assert!(html.contains("see the marked fields"), "{html}");
    // A bad line of business hours and a bad country are marked beside their fields too.
    for (field, value, error) in [
        (
            "business_hours",
            "Monday 9-5",
            "pe-hours-error\">`9` is not a time of day",
        ),
        ("countries", "SG\nXX", "pe-countries-error\">"),
        (
            "asns",
            "AS64500\nASX",
            "pe-asns-error\">`ASX` is not an AS number",
        ),
        ("networks", "300.1.1.0/24", "pe-networks-error\">"),
    ] {
        let form = profile_form(&csrf, &[(field, value)]);
        let (status, _, html) = post(&w, "/directory/SingCERT/edit", &oa, &form).await;
        assert_eq!(status, 400, "{field}");
        assert!(html.contains(error), "{field}: {html}");
    }
    let (_, page) = get(&w, "/directory/SingCERT", &oa).await;
    assert!(page.contains("Monday 09:00–18:00"), "nothing saved");

    let form = profile_form(
        &csrf,
        &[
            ("business_hours", "mon 08:30-17:30\nSaturday 09:00-12:00"),
            ("languages", "en, ms"),
            ("emergency_phone", "+65 6211 9999"),
            ("service", "knowledge-transfer/exercises"),
        ],
    );
    let (status, location, html) = post(&w, "/directory/SingCERT/edit", &oa, &form).await;
    assert_eq!(status, 303, "{html}");
    assert_eq!(location, "/directory/SingCERT");
    let (_, html) = get(&w, "/directory/SingCERT", &oa).await;
    assert!(html.contains("Monday 08:30–17:30"), "{html}");
    assert!(html.contains("Saturday 09:00–12:00"), "{html}");
    assert!(html.contains("+6562119999"), "{html}");
    assert!(html.contains("en, ms"), "{html}");
    assert!(
        html.contains("service=knowledge-transfer/exercises\">Exercises</a>"),
        "{html}"
    );
    assert!(!html.contains("Information security incident coordination"));
    // Saved through the core function: audited.
    let v = w
        .service
        .profile(
            simpul_core::access::directory::Reader::Signed(&operator()),
            w.own.id,
        )
        .await
        .unwrap();
    assert_eq!(v.profile.services.offered, ["knowledge-transfer/exercises"]);
    let audit = w
        .service
        .list_audit(&operator(), None, None, 500)
        .await
        .unwrap();
    let n = audit
        .iter()
        .filter(|e| e.action == "org.profile_update")
        .count();
    assert_eq!(n, 2, "the fixture's save and the form's");
}

#[tokio::test]
async fn contacts_are_added_changed_and_deleted_with_errors_beside_their_fields() {
    let w = populated().await;
    let oa = session_of(&w, "oa@own.example").await;
    let (status, page) = get(&w, "/directory/SingCERT/contacts/new", &oa).await;
    assert_eq!(status, 200, "{page}");
    let csrf = csrf_of(&page);
    let bad_key = "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nbm90IGEga2V5\n-----END PGP PUBLIC KEY BLOCK-----\n";
    let form = [
        ("csrf_token", csrf.as_str()),
        ("name", "Night shift"),
        ("kind", "24x7-duty"),
        ("kind", "technical-poc"),
        ("emails", "night@own.example"),
        ("phones", "+65 6211 1111"),
        ("visibility", "partners"),
        ("pgp_key", bad_key),
    ];
    let (status, _, html) = post(&w, "/directory/SingCERT/contacts/new", &oa, &form).await;
    assert_eq!(status, 400, "{html}");
    let err = html
        .split("<span class=\"error\" id=\"ct-pgp-error\">")
        .nth(1)
        .unwrap_or_else(|| panic!("an error beside the key: {html}"));
    assert!(err.starts_with("malformed OpenPGP key"), "{err}");
    assert!(html.contains("value=\"Night shift\""), "{html}");
    assert!(html.contains("night@own.example</textarea>"), "{html}");
    assert!(html.contains("value=\"24x7-duty\" checked"), "{html}");
    assert!(
        html.contains("<option value=\"partners\" selected>"),
        "{html}"
    );
    // Without the CSRF token: refused.
    let (status, _, _) = post(&w, "/directory/SingCERT/contacts/new", &oa, &form[1..]).await;
    assert_eq!(status, 403);

    let mut form = form.to_vec();
    form.retain(|(k, _)| *k != "pgp_key");
    form.push(("pgp_key", EXPIRING));
    let (status, location, html) = post(&w, "/directory/SingCERT/contacts/new", &oa, &form).await;
    assert_eq!(status, 303, "{html}");
    assert_eq!(location, "/directory/SingCERT");
    let (_, html) = get(&w, "/directory/SingCERT", &oa).await;
    assert!(html.contains("Night shift"), "{html}");
    assert!(html.contains("+6562111111"), "{html}");
    let id = w
        .service
        .list_contacts(
            simpul_core::access::directory::Reader::Signed(&operator()),
            Default::default(),
        )
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.name == "Night shift")
        .unwrap()
        .id;
    assert!(html.contains(&format!("/directory/SingCERT/contacts/{id}/edit")));

    // Another organisation's admin may not change it.
    crate::world::user(&w.service, &w.other, "oa@other.example", Role::OrgAdmin).await;
    let other = session_of(&w, "oa@other.example").await;
    let (status, _) = get(
        &w,
        &format!("/directory/SingCERT/contacts/{id}/edit"),
        &other,
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = get(&w, &format!("/directory/MyCERT/contacts/{id}/edit"), &other).await;
    assert_eq!(
        status, 404,
        "a contact of another organisation is not found"
    );

    // Edit: a bad phone is marked, then a good one saved; the key is kept as shown.
    let edit = format!("/directory/SingCERT/contacts/{id}/edit");
    let (status, page) = get(&w, &edit, &oa).await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("-----BEGIN PGP PUBLIC KEY BLOCK-----"),
        "{page}"
    );
    let key = EXPIRING.trim().to_owned() + "\n";
    let mut form = vec![
        ("csrf_token", csrf.as_str()),
        ("name", "Night shift desk"),
        ("mailbox", "on"),
        ("kind", "24x7-duty"),
        ("emails", "night@own.example"),
        ("phones", "not a phone"),
        ("visibility", "members"),
        ("pgp_key", key.as_str()),
    ];
    let (status, _, html) = post(&w, &edit, &oa, &form).await;
    assert_eq!(status, 400, "{html}");
    assert!(html.contains("id=\"ct-phones-error\""), "{html}");
    assert!(html.contains("value=\"Night shift desk\""), "{html}");
    form.retain(|(k, _)| *k != "phones");
    form.push(("phones", "+65 6211 2222"));
    let (status, _, html) = post(&w, &edit, &oa, &form).await;
    assert_eq!(status, 303, "{html}");
    let c = w
        .service
        .get_contact(
            simpul_core::access::directory::Reader::Signed(&operator()),
            id,
        )
        .await
        .unwrap();
    assert_eq!(c.name, "Night shift desk");
    assert!(c.mailbox);
    assert_eq!(c.phones, ["+6562112222"]);
    assert!(c.pgp_key.is_some());

    // Delete: a confirmation page, then the post.
    let del = format!("/directory/SingCERT/contacts/{id}/delete");
    let (status, page) = get(&w, &del, &oa).await;
    assert_eq!(status, 200);
    assert!(page.contains("Delete Night shift desk"), "{page}");
    let (status, _, _) = post(&w, &del, &oa, &[]).await;
    assert_eq!(status, 403, "no CSRF token");
    let (status, location, _) = post(&w, &del, &oa, &[("csrf_token", csrf.as_str())]).await;
    assert_eq!((status, location.as_str()), (303, "/directory/SingCERT"));
    let (_, html) = get(&w, "/directory/SingCERT", &oa).await;
    assert!(!html.contains("Night shift"), "{html}");
}
