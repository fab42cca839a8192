//! The Administration pages as a browser gets them: a site-admin creates an organisation, a user
//! and a collection through the forms; an analyst is refused every page; an org-admin manages only
//! their own organisation's users and tokens; the audit viewer filters, names the actions just
//! done and says whether the hash chain holds (and where it breaks); a form without the CSRF token
//! is refused; bad input comes back with the reason beside the field. HTML snapshots have CSRF
//! tokens, UUIDs, generated passwords and the version redacted.

use simpul_core::{OrgStatus, UserStatus};

use crate::helpers::{TestDb, no_redirects, set_cookie};
use crate::web_pages::{csrf_of, get, session_of};
use crate::world::{World, operator, token, world, world_on};

/// A form post: status, `Location`, the flash cookie (`name=value`) if one was set, and the body.
async fn post(
    w: &World,
    path: &str,
    cookies: &str,
    form: &[(&str, &str)],
) -> (u16, String, Option<String>, String) {
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
    let flash =
        set_cookie(&res, "simpul_admin_flash").map(|c| c.split(';').next().unwrap().to_owned());
    (
        res.status().as_u16(),
        location,
        flash,
        res.text().await.unwrap(),
    )
}

/// A post that must succeed: follows the redirect with the flash and answers that page.
async fn post_ok(w: &World, path: &str, session: &str, form: &[(&str, &str)]) -> String {
    let (status, location, flash, body) = post(w, path, session, form).await;
    assert_eq!(status, 303, "{path}: {body}");
    let cookies = format!("{session}; {}", flash.expect("a flash message"));
    let (status, html) = get(w, &location, &cookies).await;
    assert_eq!(status, 200, "{location}: {html}");
    html
}

/// `html` with what changes from run to run replaced.
fn redact(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let b = html.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if html.get(i..i + 36).is_some_and(is_uuid) {
            out.push_str("[uuid]");
            i += 36;
        } else {
            let c = html[i..].chars().next().unwrap();
            out.push(c);
            i += c.len_utf8();
        }
    }
    let out = redact_between(&out, "name=\"csrf_token\" value=\"", "\"");
    let out = redact_between(&out, "<code>", "</code>");
    out.replace(
        &format!("simpul {}", env!("CARGO_PKG_VERSION")),
        "simpul [version]",
    )
}

fn is_uuid(s: &str) -> bool {
    s.char_indices().all(|(i, c)| {
        if [8, 13, 18, 23].contains(&i) {
            c == '-'
        } else {
            c.is_ascii_hexdigit() && !c.is_ascii_uppercase()
        }
    })
}

/// `html` with what lies between each `open` and the next `close` replaced, when it looks
/// generated (a generated password's code block; a CSRF token).
fn redact_between(html: &str, open: &str, close: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(i) = rest.find(open) {
        out.push_str(&rest[..i + open.len()]);
        rest = &rest[i + open.len()..];
        let end = rest.find(close).unwrap_or(rest.len());
        let inner = &rest[..end];
        let generated = open.contains("csrf")
            || (inner.len() >= 16 && !inner.contains(['=', ' ', ',', '.', ':', '{']));
        out.push_str(if generated { "[redacted]" } else { inner });
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// The id in `html` just after `marker` (a link such as `/admin/collections/`).
fn id_after(html: &str, marker: &str) -> String {
    let i = html.find(marker).unwrap_or_else(|| panic!("no {marker}")) + marker.len();
    html[i..i + 36].to_owned()
}

#[tokio::test]
async fn a_site_admin_creates_an_organisation_a_user_and_a_collection_through_the_forms_sqlite() {
    a_site_admin_creates_an_organisation_a_user_and_a_collection_through_the_forms(world().await)
        .await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set SIMPUL_TEST_POSTGRES (the PostgreSQL leg of .ci/run does)"]
async fn a_site_admin_creates_an_organisation_a_user_and_a_collection_through_the_forms_postgres() {
    a_site_admin_creates_an_organisation_a_user_and_a_collection_through_the_forms(
        world_on(TestDb::postgres().await).await,
    )
    .await;
}

async fn a_site_admin_creates_an_organisation_a_user_and_a_collection_through_the_forms(w: World) {
    let sa = session_of(&w, "sa@regional.example").await;
    let (status, index) = get(&w, "/admin", &sa).await;
    assert_eq!(status, 200);
    assert!(index.contains("<a href=\"/admin\" aria-current=\"page\">Administration</a>"));
    insta::assert_snapshot!("web_admin_index", redact(&index));
    let csrf = csrf_of(&index);

    // An organisation.
    let html = post_ok(
        &w,
        "/admin/organisations",
        &sa,
        &[
            ("csrf_token", &csrf),
            ("name", "Lao Computer Emergency Response Team"),
            ("short_name", "LaoCERT"),
            ("kind", "national-cert"),
            ("country", "la"),
        ],
    )
    .await;
    assert!(html.contains("Organisation LaoCERT created."), "{html}");
    insta::assert_snapshot!("web_admin_organisations", redact(&html));
    let lao = w
        .service
        .org_by_short_name(&operator(), "LaoCERT")
        .await
        .unwrap();
    assert_eq!(lao.country.as_ref().map(|c| c.as_str()), Some("LA"));
    // Shown once: a reload has no notice.
    let (_, again) = get(&w, "/admin/organisations", &sa).await;
    assert!(!again.contains("created."));

    // A user of it, with a generated password shown once — and it signs in.
    let lao_id = lao.id.to_string();
    let html = post_ok(
        &w,
        "/admin/users",
        &sa,
        &[
            ("csrf_token", &csrf),
            ("email", "duty@laocert.example"),
            ("display_name", "Lao duty officer"),
            ("org_id", &lao_id),
            ("role", "analyst"),
            ("password", ""),
        ],
    )
    .await;
    assert!(
        html.contains("User duty@laocert.example created. Copy the generated password now"),
        "{html}"
    );
    let password = html
        .split("<code>")
        .nth(1)
        .and_then(|r| r.split("</code>").next())
        .unwrap()
        .to_owned();
    assert!(password.len() >= 12);
    insta::assert_snapshot!("web_admin_users", redact(&html));
    let res = w.app.sign_in("duty@laocert.example", &password).await;
    assert_eq!(res.status(), 303, "the shown password signs in");

    // A collection for LaoCERT and SingCERT, GREEN by default.
    let html = post_ok(
        &w,
        "/admin/collections",
        &sa,
        &[
            ("csrf_token", &csrf),
            ("title", "Mekong phishing"),
            ("alias", "mekong"),
            ("description", "Phishing aimed at the Mekong region"),
            ("default_tlp", "TLP:GREEN"),
            ("audience", "orgs"),
            ("audience_org", "LaoCERT"),
            ("audience_org", "SingCERT"),
            ("users", ""),
        ],
    )
    .await;
    assert!(
        html.contains("Collection Mekong phishing created."),
        "{html}"
    );
    assert!(html.contains("<span class=\"tlp tlp-green\">TLP:GREEN</span>"));
    insta::assert_snapshot!("web_admin_collections", redact(&html));
    let id = id_after(&html, "/admin/collections/");
    // Its edit form: SingCERT becomes read-only.
    let (status, edit) = get(&w, &format!("/admin/collections/{id}"), &sa).await;
    assert_eq!(status, 200);
    assert!(edit.contains("name=\"audience_org\" value=\"LaoCERT\" checked"));
    let html = post_ok(
        &w,
        &format!("/admin/collections/{id}"),
        &sa,
        &[
            ("csrf_token", &csrf),
            ("title", "Mekong phishing"),
            ("alias", "mekong"),
            ("description", ""),
            ("default_tlp", "TLP:AMBER"),
            ("audience", "orgs"),
            ("audience_org", "LaoCERT"),
            ("audience_org", "SingCERT"),
            ("read_only_org", "SingCERT"),
            ("users", ""),
        ],
    )
    .await;
    assert!(html.contains("Collection Mekong phishing saved."));
    let c = w
        .service
        .get_collection(
            &operator(),
            simpul_core::intel::CollectionId(id.parse().unwrap()),
        )
        .await
        .unwrap();
    assert_eq!(c.read_only_orgs, vec![w.own.id]);
    assert_eq!(c.default_tlp, simpul_core::intel::Tlp::Amber);

    // The organisation is suspended from its edit page.
    let (status, _) = get(&w, &format!("/admin/organisations/{lao_id}"), &sa).await;
    assert_eq!(status, 200);
    post_ok(
        &w,
        &format!("/admin/organisations/{lao_id}"),
        &sa,
        &[
            ("csrf_token", &csrf),
            ("name", "Lao CERT"),
            ("country", "LA"),
            ("kind", "national-cert"),
            ("status", "suspended"),
        ],
    )
    .await;
    let lao = w.service.get_org(&operator(), lao.id).await.unwrap();
    assert_eq!(
        (lao.name.as_str(), lao.status),
        ("Lao CERT", OrgStatus::Suspended)
    );

    // A community with members.
    post_ok(
        &w,
        "/admin/communities",
        &sa,
        &[
            ("csrf_token", &csrf),
            ("name", "mekong"),
            ("description", "Mekong states"),
        ],
    )
    .await;
    let own = w.own.id.to_string();
    let html = post_ok(
        &w,
        "/admin/communities/members",
        &sa,
        &[
            ("csrf_token", &csrf),
            ("community", "mekong"),
            ("org", &own),
            ("org", &lao_id),
        ],
    )
    .await;
    assert!(
        html.contains("Community mekong now has 2 members."),
        "{html}"
    );
    assert!(html.contains("<td>LaoCERT, SingCERT</td>"), "{html}");
    // The peers page lists none yet; removing an unknown one is "not found" on the page.
    let (status, peers) = get(&w, "/admin/peers", &sa).await;
    assert_eq!(status, 200);
    assert!(peers.contains("No peers: this node does not federate yet."));
    let (status, _, _, body) = post(
        &w,
        "/admin/peers/remove",
        &sa,
        &[("csrf_token", &csrf), ("name", "nowhere")],
    )
    .await;
    assert_eq!(status, 404, "{body}");
    w.app.shutdown().await;
}

#[tokio::test]
async fn a_peer_is_added_and_removed_and_its_secret_never_shown() {
    let w = world().await;
    let sa = session_of(&w, "sa@regional.example").await;
    let (_, html) = get(&w, "/admin/peers", &sa).await;
    let csrf = csrf_of(&html);
    let [collection, _] = crate::web_pages::two_collections(&w).await;
    let map = format!("remote-1={collection}");
    let secret = "s3cret-peer-token-never-shown";
    let form = [
        ("csrf_token", csrf.as_str()),
        ("name", "hub"),
        ("url", "https://hub.example/taxii2/"),
        ("auth", "token"),
        ("token", secret),
        ("user", ""),
        ("password", ""),
        ("direction", "pull"),
        ("maps", map.as_str()),
        ("interval", "300"),
        ("as", "an@other.example"),
    ];
    // A bad interval comes back with the reason, and without the secret.
    let mut bad = form;
    bad[9] = ("interval", "often");
    let (status, _, _, body) = post(&w, "/admin/peers", &sa, &bad).await;
    assert_eq!(status, 400);
    assert!(body.contains(
        "<span class=\"error\" id=\"peer-interval-error\">must be a whole number of seconds</span>"
    ));
    assert!(!body.contains(secret), "the secret is never sent back");
    let html = post_ok(&w, "/admin/peers", &sa, &form).await;
    assert!(html.contains("Peer hub saved."));
    assert!(html.contains("<code>https://hub.example/taxii2/</code>"));
    assert!(!html.contains(secret));
    let html = post_ok(
        &w,
        "/admin/peers/remove",
        &sa,
        &[("csrf_token", &csrf), ("name", "hub")],
    )
    .await;
    assert!(html.contains("Peer hub removed."));
    assert!(w.service.list_peers(&operator()).await.unwrap().is_empty());
    w.app.shutdown().await;
}

const PAGES: [&str; 10] = [
    "/admin",
    "/admin/organisations",
    "/admin/users",
    "/admin/tokens",
    "/admin/communities",
    "/admin/collections",
    "/admin/peers",
    "/admin/audit",
    "/admin/organisations/00000000-0000-4000-8000-000000000000",
    "/admin/collections/00000000-0000-4000-8000-000000000000",
];

#[tokio::test]
async fn an_analyst_is_refused_every_administration_page_and_form() {
    let w = world().await;
    for email in ["an@own.example", "ro@own.example"] {
        let s = session_of(&w, email).await;
        let (_, home) = get(&w, "/", &s).await;
        assert!(
            !home.contains("Administration"),
            "no entry in the navigation"
        );
        for path in PAGES {
            let (status, html) = get(&w, path, &s).await;
            assert_eq!(status, 403, "{email} {path}: {html}");
            assert!(html.contains("may not"), "{html}");
        }
        let csrf = csrf_of(&home);
        let (status, ..) = post(
            &w,
            "/admin/organisations",
            &s,
            &[
                ("csrf_token", &csrf),
                ("name", "Rogue"),
                ("short_name", "Rogue"),
                ("kind", "other"),
            ],
        )
        .await;
        assert_eq!(status, 403);
        let (status, ..) = post(
            &w,
            "/admin/users",
            &s,
            &[
                ("csrf_token", &csrf),
                ("email", "rogue@own.example"),
                ("display_name", "Rogue"),
                ("role", "analyst"),
            ],
        )
        .await;
        assert_eq!(status, 403);
    }
    assert!(
        w.service
            .org_by_short_name(&operator(), "Rogue")
            .await
            .is_err()
    );
    assert!(
        w.service
            .user_by_email(&operator(), "rogue@own.example")
            .await
            .is_err()
    );
    // Not signed in: to the sign-in page.
    let (status, _) = get(&w, "/admin/users", "").await;
    assert_eq!(status, 303);
    w.app.shutdown().await;
}

#[tokio::test]
async fn an_org_admin_manages_only_their_own_organisations_users_and_tokens_sqlite() {
    an_org_admin_manages_only_their_own_organisations_users_and_tokens(world().await).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set SIMPUL_TEST_POSTGRES (the PostgreSQL leg of .ci/run does)"]
async fn an_org_admin_manages_only_their_own_organisations_users_and_tokens_postgres() {
    an_org_admin_manages_only_their_own_organisations_users_and_tokens(
        world_on(TestDb::postgres().await).await,
    )
    .await;
}

async fn an_org_admin_manages_only_their_own_organisations_users_and_tokens(w: World) {
    let oa = session_of(&w, "oa@own.example").await;
    let (status, html) = get(&w, "/admin/users", &oa).await;
    assert_eq!(status, 200);
    assert!(html.contains("Users of SingCERT"));
    for own in ["oa@own.example", "an@own.example", "ro@own.example"] {
        assert!(html.contains(own), "{own}");
    }
    for theirs in ["an@other.example", "sa@regional.example"] {
        assert!(!html.contains(theirs), "{theirs} is another organisation's");
    }
    assert!(
        !html.contains("href=\"/admin/organisations\""),
        "no site sections"
    );
    assert!(
        !html.contains("<option value=\"site-admin\""),
        "site-admin is not theirs to grant"
    );
    insta::assert_snapshot!("web_admin_users_org_admin", redact(&html));
    let csrf = csrf_of(&html);
    // Site sections are refused.
    for path in [
        "/admin/organisations",
        "/admin/collections",
        "/admin/peers",
        "/admin/communities",
    ] {
        let (status, _) = get(&w, path, &oa).await;
        assert_eq!(status, 403, "{path}");
    }
    // Another organisation's user: "not found", and nothing changes.
    let theirs = format!("/admin/users/{}", w.other_user.id);
    let (status, _, _, body) = post(
        &w,
        &theirs,
        &oa,
        &[("csrf_token", &csrf), ("status", "disabled")],
    )
    .await;
    assert_eq!(status, 404, "{body}");
    assert!(body.contains("not found"), "{body}");
    let other = w
        .service
        .get_user(&operator(), w.other_user.id)
        .await
        .unwrap();
    assert_eq!(other.status, UserStatus::Active);
    // Their own users: disable, enable, change role.
    let mine = format!("/admin/users/{}", w.own_analyst.id);
    let html = post_ok(
        &w,
        &mine,
        &oa,
        &[("csrf_token", &csrf), ("status", "disabled")],
    )
    .await;
    assert!(html.contains("User an@own.example disabled."), "{html}");
    assert!(html.contains("aria-label=\"Enable an@own.example\""));
    post_ok(
        &w,
        &mine,
        &oa,
        &[("csrf_token", &csrf), ("status", "active")],
    )
    .await;
    let html = post_ok(
        &w,
        &mine,
        &oa,
        &[("csrf_token", &csrf), ("role", "read-only")],
    )
    .await;
    assert!(
        html.contains("User an@own.example now read-only."),
        "{html}"
    );
    let u = w
        .service
        .get_user(&operator(), w.own_analyst.id)
        .await
        .unwrap();
    assert_eq!(
        (u.role, u.status),
        (simpul_core::Role::ReadOnly, UserStatus::Active)
    );
    // Granting site-admin is refused on the page, with the reason.
    let (status, _, _, body) = post(
        &w,
        &mine,
        &oa,
        &[("csrf_token", &csrf), ("role", "site-admin")],
    )
    .await;
    assert_eq!(status, 403);
    assert!(
        body.contains("a org-admin may not grant the site-admin role"),
        "{body}"
    );
    // A new user joins their organisation.
    let html = post_ok(
        &w,
        "/admin/users",
        &oa,
        &[
            ("csrf_token", &csrf),
            ("email", "night@own.example"),
            ("display_name", "Night shift"),
            ("role", "analyst"),
            ("password", "a long enough password"),
        ],
    )
    .await;
    assert!(html.contains("User night@own.example created with the password you gave."));
    let night = w
        .service
        .user_by_email(&operator(), "night@own.example")
        .await
        .unwrap();
    assert_eq!(night.org_id, w.own.id);

    // Tokens: their users' (the world gave each a token), not another organisation's.
    token(&w.service, "an@other.example", "read", None).await;
    let theirs = w
        .service
        .list_tokens_of(&operator(), "an@other.example")
        .await
        .unwrap()[0]
        .id;
    let (status, html) = get(&w, "/admin/tokens", &oa).await;
    assert_eq!(status, 200);
    assert!(html.contains("<td>ro@own.example</td>"));
    assert!(!html.contains("an@other.example"));
    let (status, _, _, _) = post(
        &w,
        &format!("/admin/tokens/{}/revoke", theirs.0),
        &oa,
        &[("csrf_token", &csrf)],
    )
    .await;
    assert_eq!(status, 404);
    let still = w
        .service
        .list_tokens_of(&operator(), "an@other.example")
        .await
        .unwrap();
    assert!(still[0].revoked_at.is_none(), "nothing changed");
    let ro = w
        .service
        .list_tokens_of(&operator(), "ro@own.example")
        .await
        .unwrap()[0]
        .id;
    let html = post_ok(
        &w,
        &format!("/admin/tokens/{}/revoke", ro.0),
        &oa,
        &[("csrf_token", &csrf)],
    )
    .await;
    assert!(html.contains("Token test revoked."), "{html}");
    assert!(
        w.service
            .list_tokens_of(&operator(), "ro@own.example")
            .await
            .unwrap()[0]
            .revoked_at
            .is_some()
    );
    w.app.shutdown().await;
}

#[tokio::test]
async fn the_audit_viewer_filters_and_shows_the_chain_status() {
    let w = world().await;
    let sa = session_of(&w, "sa@regional.example").await;
    let (_, html) = get(&w, "/admin/organisations", &sa).await;
    let csrf = csrf_of(&html);
    post_ok(
        &w,
        "/admin/organisations",
        &sa,
        &[
            ("csrf_token", &csrf),
            ("name", "Brunei CERT"),
            ("short_name", "BruCERT"),
            ("kind", "national-cert"),
            ("country", "BN"),
        ],
    )
    .await;
    let (status, html) = get(&w, "/admin/audit", &sa).await;
    assert_eq!(status, 200);
    let entries = w.service.verify_audit(&operator()).await.unwrap().unwrap();
    assert!(
        html.contains(&format!("Chain intact: {entries} entries verified.")),
        "{html}"
    );
    // The admin's action is the newest org.create, by them.
    let (status, html) = get(
        &w,
        "/admin/audit?action=org.create&actor=sa%40regional",
        &sa,
    )
    .await;
    assert_eq!(status, 200);
    assert!(html.contains("<td>org:BruCERT</td>"), "{html}");
    assert!(html.contains("sa@regional.example <span class=\"muted\">(ASEAN-CERT)</span>"));
    assert!(
        !html.contains("org:SingCERT"),
        "created by the operator, not sa"
    );
    assert!(!html.contains("<code>login.success</code>"));
    insta::assert_snapshot!("web_admin_audit", redact(&html));
    // By target, and by days in the reader's zone.
    let (_, html) = get(&w, "/admin/audit?target=singcert", &sa).await;
    assert!(html.contains("<td>org:SingCERT</td>"));
    assert!(!html.contains("org:BruCERT"));
    let (_, html) = get(&w, "/admin/audit?from=2026-11-28&to=2026-11-28", &sa).await;
    assert!(html.contains("org:BruCERT"));
    let (_, html) = get(&w, "/admin/audit?from=2026-11-29", &sa).await;
    assert!(html.contains("No entry matches these filters."));
    // Bad filters are refused with the reason.
    for (q, reason) in [
        (
            "action=org.explode",
            "action: not an audited action (got `org.explode`)",
        ),
        (
            "from=28.11.2026",
            "from: must be a date as YYYY-MM-DD (got `28.11.2026`)",
        ),
        (
            "to=2026-02-30",
            "to: must be a date as YYYY-MM-DD (got `2026-02-30`)",
        ),
        (
            "before=-3",
            "before: must be an entry&#39;s number (got `-3`)",
        ),
    ] {
        let (status, html) = get(&w, &format!("/admin/audit?{q}"), &sa).await;
        assert_eq!(status, 400, "{q}");
        assert!(html.contains(reason), "{q}: {html}");
    }
    // An org-admin reads their organisation's entries only, without the whole-log verification.
    let oa = session_of(&w, "oa@own.example").await;
    let (status, html) = get(&w, "/admin/audit?action=org.create", &oa).await;
    assert_eq!(status, 200);
    assert!(html.contains("<td>org:SingCERT</td>"));
    assert!(!html.contains("org:MyCERT") && !html.contains("org:BruCERT"));
    assert!(html.contains("a site-admin runs it"));

    // A changed entry breaks the chain, and the page says where.
    let url = w._db.url.expose().to_owned();
    let path = url.strip_prefix("sqlite://").unwrap();
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(
        "DROP TRIGGER IF EXISTS audit_log_no_update; \
         UPDATE audit_log SET details = '{\"k\":1}' WHERE seq = 2;",
    )
    .unwrap();
    drop(conn);
    let (status, html) = get(&w, "/admin/audit", &sa).await;
    assert_eq!(status, 200);
    assert!(
        html.contains(
            "Chain broken at entry 2: its contents do not match its hash (the entry was changed)."
        ),
        "{html}"
    );
    assert!(html.contains("class=\"notice error chain\""));
    w.app.shutdown().await;
}

#[tokio::test]
async fn forms_refuse_a_missing_csrf_token_and_show_bad_input_beside_the_field() {
    let w = world().await;
    let sa = session_of(&w, "sa@regional.example").await;
    let (_, html) = get(&w, "/admin/users", &sa).await;
    let csrf = csrf_of(&html);
    // Without the CSRF token: refused, nothing created.
    let (status, _, _, body) = post(
        &w,
        "/admin/organisations",
        &sa,
        &[
            ("name", "No token"),
            ("short_name", "NoToken"),
            ("kind", "other"),
        ],
    )
    .await;
    assert_eq!(status, 403);
    assert!(body.contains("Missing or wrong CSRF token"));
    assert!(
        w.service
            .org_by_short_name(&operator(), "NoToken")
            .await
            .is_err()
    );
    // A duplicate short name (any case): beside the field, what was typed kept.
    let (status, _, _, body) = post(
        &w,
        "/admin/organisations",
        &sa,
        &[
            ("csrf_token", &csrf),
            ("name", "Another Singapore team"),
            ("short_name", "singcert"),
            ("kind", "sector-cert"),
            ("country", ""),
        ],
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body.contains("<span class=\"error\" id=\"org-short-error\">an organisation with short name `singcert` already exists</span>"),
        "{body}"
    );
    assert!(body.contains("value=\"Another Singapore team\""));
    assert!(body.contains("<option value=\"sector-cert\" selected>"));
    // A huge name is refused without being sent back whole.
    let huge = "n".repeat(50_000);
    let (status, _, _, body) = post(
        &w,
        "/admin/organisations",
        &sa,
        &[
            ("csrf_token", &csrf),
            ("name", &huge),
            ("short_name", "Huge"),
            ("kind", "other"),
        ],
    )
    .await;
    assert_eq!(status, 400, "{}", &body[..200]);
    assert!(body.len() < 20_000, "{} bytes", body.len());
    assert!(body.contains("id=\"org-name-error\">"));
    // A bad country code.
    let (status, _, _, body) = post(
        &w,
        "/admin/organisations",
        &sa,
        &[
            ("csrf_token", &csrf),
            ("name", "Somewhere"),
            ("short_name", "Somewhere"),
            ("kind", "other"),
            ("country", "XX"),
        ],
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        body.contains("id=\"org-country-error\">`XX` is not an ISO 3166-1 alpha-2 country code")
    );
    // An invalid email, and a duplicate one.
    let (status, _, _, body) = post(
        &w,
        "/admin/users",
        &sa,
        &[
            ("csrf_token", &csrf),
            ("email", "not an email"),
            ("display_name", "Somebody"),
            ("role", "analyst"),
            ("password", "a long enough password"),
        ],
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        body.contains(
            "aria-invalid=\"true\" aria-describedby=\"user-email-help user-email-error\""
        )
    );
    assert!(
        !body.contains("a long enough password"),
        "a password is never sent back"
    );
    insta::assert_snapshot!("web_admin_users_refused", redact(&body));
    let (status, _, _, body) = post(
        &w,
        "/admin/users",
        &sa,
        &[
            ("csrf_token", &csrf),
            ("email", "AN@own.example"),
            ("display_name", "Twin"),
            ("role", "analyst"),
        ],
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body.contains("id=\"user-email-error\">a user with email"),
        "{body}"
    );
    // A collection for a community that does not exist.
    let (status, _, _, body) = post(
        &w,
        "/admin/collections",
        &sa,
        &[
            ("csrf_token", &csrf),
            ("title", "Lost"),
            ("default_tlp", "TLP:AMBER"),
            ("audience", "community"),
            ("community", "nobody"),
        ],
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body.contains("id=\"col-community-error\">no such community"),
        "{body}"
    );
    // A short password.
    let (status, _, _, body) = post(
        &w,
        "/admin/users",
        &sa,
        &[
            ("csrf_token", &csrf),
            ("email", "short@own.example"),
            ("display_name", "Short"),
            ("role", "analyst"),
            ("password", "short"),
        ],
    )
    .await;
    assert_eq!(status, 400);
    assert!(body.contains("id=\"user-password-error\">must have at least 12 characters"));
    // A path id that is no UUID: not found, never a server error.
    let (status, _) = get(&w, "/admin/collections/not-a-uuid", &sa).await;
    assert_eq!(status, 404);
    w.app.shutdown().await;
}
