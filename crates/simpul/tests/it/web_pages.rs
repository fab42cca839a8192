//! The web pages as a browser gets them: HTML snapshots of the main pages (CSRF tokens, ids and
//! the version redacted), the token table's sorting and paging, the theme and time-zone
//! preferences, and inline form errors.

use simpul_core::Scopes;
use simpul_core::service::NewToken;

use crate::helpers::{no_redirects, set_cookie};
use crate::world::{World, operator, world};

fn cookie_pair(res: &reqwest::Response, name: &str) -> String {
    set_cookie(res, name)
        .unwrap_or_else(|| panic!("no {name} cookie"))
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}

pub async fn get(w: &World, path: &str, cookies: &str) -> (u16, String) {
    let res = no_redirects()
        .get(w.app.url(path))
        .header("cookie", cookies)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

pub fn csrf_of(html: &str) -> String {
    html.split("name=\"csrf_token\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("a form with a CSRF token")
        .to_owned()
}

/// `html` with what changes from run to run replaced: CSRF tokens, token ids, the version.
pub fn redact(html: &str) -> String {
    let html = redact_after(html, "name=\"csrf_token\" value=\"");
    let html = redact_after(&html, "/account/tokens/");
    html.replace(
        &format!("simpul {}", env!("CARGO_PKG_VERSION")),
        "simpul [version]",
    )
}

/// `html` with what follows each `marker` up to a `"` or `/` replaced by `[redacted]`.
fn redact_after(html: &str, marker: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(i) = rest.find(marker) {
        out.push_str(&rest[..i + marker.len()]);
        rest = &rest[i + marker.len()..];
        out.push_str("[redacted]");
        rest = &rest[rest.find(['"', '/']).unwrap_or(rest.len())..];
    }
    out.push_str(rest);
    out
}

async fn add_token(w: &World, email: &str, name: &str, scopes: &str, days: Option<u32>) {
    let new = NewToken {
        name: name.into(),
        scopes: Scopes::parse(scopes).unwrap(),
        expires_in_days: days,
    };
    w.service
        .create_token_for(&operator(), email, new)
        .await
        .unwrap();
}

#[tokio::test]
async fn main_pages_snapshots() {
    let w = world().await;
    let (status, login) = get(&w, "/login", "").await;
    assert_eq!(status, 200);
    insta::assert_snapshot!("web_login", redact(&login));

    add_token(&w, "an@own.example", "siem feed", "read,sync", Some(30)).await;
    w.clock.advance(time::Duration::hours(3));
    add_token(&w, "an@own.example", "ad-hoc", "read", None).await;
    let session = session_of(&w, "an@own.example").await;
    let (status, home) = get(&w, "/", &session).await;
    assert_eq!(status, 200);
    insta::assert_snapshot!("web_dashboard", redact(&home));
    let (status, account) = get(&w, "/account", &session).await;
    assert_eq!(status, 200);
    insta::assert_snapshot!("web_account", redact(&account));
    let (status, error) = get(&w, "/account?sort=colour", &session).await;
    assert_eq!(status, 400);
    insta::assert_snapshot!("web_error", redact(&error));
    w.app.shutdown().await;
}

#[tokio::test]
async fn the_token_table_sorts_and_pages_on_the_server() {
    let w = world().await;
    // The world gave the analyst one token already: 24 in all.
    for i in 0..23 {
        add_token(&w, "an@own.example", &format!("tok-{i:02}"), "read", None).await;
        w.clock.advance(time::Duration::minutes(1));
    }
    let session = session_of(&w, "an@own.example").await;
    // Default: newest first, 20 a page, a link to the next page.
    let (_, page1) = get(&w, "/account", &session).await;
    assert!(page1.contains("1–20 of 24 tokens"), "{page1}");
    assert!(page1.contains("<th scope=\"col\" aria-sort=\"descending\"><a href=\"/account?sort=created&#38;order=asc\">Created</a></th>"));
    assert!(
        page1.contains("href=\"/account?sort=created&#38;order=desc&#38;page=2\" rel=\"next\"")
    );
    let first = page1.find("tok-22").unwrap();
    assert!(first < page1.find("tok-21").unwrap());
    assert!(!page1.contains("tok-02"), "page 2 holds the oldest");
    let (_, page2) = get(&w, "/account?sort=created&order=desc&page=2", &session).await;
    assert!(page2.contains("21–24 of 24 tokens"));
    assert!(page2.contains("tok-00") && !page2.contains("tok-10"));
    assert!(page2.contains("rel=\"prev\"") && !page2.contains("rel=\"next\""));
    // By name, ascending: the header says so and links to descending.
    let (_, by_name) = get(&w, "/account?sort=name&order=asc", &session).await;
    assert!(by_name.contains(
        "aria-sort=\"ascending\"><a href=\"/account?sort=name&#38;order=desc\">Name</a>"
    ));
    assert!(by_name.find("tok-00").unwrap() < by_name.find("tok-01").unwrap());
    // Bad parameters are refused with the reason, never ignored.
    for (q, reason) in [
        (
            "sort=colour",
            "sort: must be one of name, created, expires, last_used (got `colour`)",
        ),
        ("order=up", "order: must be asc or desc (got `up`)"),
        ("page=0", "page: must be a whole number from 1 (got `0`)"),
    ] {
        let (status, html) = get(&w, &format!("/account?{q}"), &session).await;
        assert_eq!(status, 400, "{q}");
        assert!(html.contains(reason), "{q}: {html}");
    }
    w.app.shutdown().await;
}

#[tokio::test]
async fn theme_and_time_zone_are_the_readers_choice() {
    let w = world().await;
    add_token(&w, "an@own.example", "siem", "read", None).await;
    let session = session_of(&w, "an@own.example").await;
    // Within a day: relative, with the exact UTC time on hover.
    w.clock.advance(time::Duration::minutes(70));
    let (_, html) = get(&w, "/account", &session).await;
    assert!(
        html.contains("<time datetime=\"2026-11-28T08:00:00.000000Z\" title=\"2026-11-28 08:00:00 UTC\">1 h ago</time>"),
        "{html}"
    );
    assert!(
        !html.contains("data-theme"),
        "the system's theme by default"
    );
    assert!(html.contains("Times in UTC (UTC+00:00)"));
    let csrf = csrf_of(&html);
    let client = no_redirects();
    // Without the CSRF token nothing is set.
    let res = client
        .post(w.app.url("/preferences"))
        .header("cookie", &session)
        .form(&[("theme", "dark"), ("back", "/account")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = client
        .post(w.app.url("/preferences"))
        .header("cookie", &session)
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("theme", "dark"),
            ("tz", "Asia/Jakarta"),
            ("back", "/account"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/account");
    let prefs = format!(
        "{}; {}",
        cookie_pair(&res, "simpul_theme"),
        cookie_pair(&res, "simpul_tz")
    );
    // Past a day (signed in again): the date and time in the reader's zone (UTC+7).
    w.clock.advance(time::Duration::days(2));
    let session = session_of(&w, "an@own.example").await;
    let cookies = format!("{session}; {prefs}");
    let (_, html) = get(&w, "/account", &cookies).await;
    assert!(html.contains("<html lang=\"en\" data-theme=\"dark\">"));
    assert!(
        html.contains("title=\"2026-11-28 08:00:00 UTC\">28 Nov 2026 15:00</time>"),
        "{html}"
    );
    assert!(html.contains("Times in Asia/Jakarta (UTC+07:00)"));
    assert!(html.contains("<option value=\"Asia/Jakarta\" selected>"));
    let csrf = csrf_of(&html);
    // Unknown values are refused; `back` never leaves the site.
    for (field, value, reason) in [
        (
            "theme",
            "pink",
            "theme: must be system, light or dark (got `pink`)",
        ),
        (
            "tz",
            "Europe/Paris",
            "tz: not a time zone simpul knows (got `Europe/Paris`)",
        ),
    ] {
        let res = client
            .post(w.app.url("/preferences"))
            .header("cookie", &session)
            .form(&[("csrf_token", csrf.as_str()), (field, value)])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400);
        assert!(res.text().await.unwrap().contains(reason));
    }
    let res = client
        .post(w.app.url("/preferences"))
        .header("cookie", &session)
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("theme", "system"),
            ("back", "//evil.example/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["location"], "/");
    assert!(
        set_cookie(&res, "simpul_theme")
            .unwrap()
            .contains("Max-Age=0")
    );
    w.app.shutdown().await;
}

#[tokio::test]
async fn a_refused_form_shows_the_reason_beside_the_field() {
    let w = world().await;
    let session = session_of(&w, "ro@own.example").await;
    let (_, html) = get(&w, "/account", &session).await;
    let csrf = csrf_of(&html);
    let client = no_redirects();
    let post = |form: Vec<(&'static str, String)>| {
        let client = client.clone();
        let url = w.app.url("/account/tokens");
        let session = session.clone();
        async move {
            let res = client
                .post(url)
                .header("cookie", session)
                .form(&form)
                .send()
                .await
                .unwrap();
            (res.status().as_u16(), res.text().await.unwrap())
        }
    };
    let (status, html) = post(vec![
        ("csrf_token", csrf.clone()),
        ("name", "my feed".into()),
        ("scope_read", "on".into()),
        ("expires_in_days", "soon".into()),
    ])
    .await;
    assert_eq!(status, 400);
    assert!(
        html.contains(
            "aria-invalid=\"true\" aria-describedby=\"token-expires-help token-expires-error\""
        ),
        "{html}"
    );
    assert!(html.contains(
        "<span class=\"error\" id=\"token-expires-error\">must be a whole number of days</span>"
    ));
    assert!(html.contains("value=\"my feed\""), "what was typed stays");
    // A read-only user may not give a token the write scope: the reason is under the scopes.
    let (status, html) = post(vec![
        ("csrf_token", csrf.clone()),
        ("name", "writer".into()),
        ("scope_write", "on".into()),
    ])
    .await;
    assert_eq!(status, 400);
    assert!(html.contains("<span class=\"error\" id=\"scopes-error\">a read-only user&#39;s tokens may only have the `read` scope</span>"), "{html}");
    assert!(html.contains("name=\"scope_write\" checked"));
    w.app.shutdown().await;
}

/// The numbers of the dashboard's row `th` (`indicator`, `All`): the cells after the heading.
fn row_numbers(html: &str, th: &str) -> Vec<u64> {
    let start = html
        .find(&format!("<th scope=\"row\">{th}</th>"))
        .unwrap_or_else(|| panic!("no row {th}: {html}"));
    let row = &html[start..];
    let row = &row[..row.find("</tr>").unwrap()];
    row.split("<td class=\"num\">")
        .skip(1)
        .map(|cell| {
            let text: String = cell.chars().filter(char::is_ascii_digit).collect();
            text.parse().unwrap()
        })
        .collect()
}

/// Two collections the site-admin makes: one for the community of SingCERT and MyCERT, one for
/// SingCERT alone.
pub async fn two_collections(w: &World) -> [String; 2] {
    use reqwest::Method;
    use serde_json::json;
    let op = operator();
    w.service
        .create_community(&op, simpul_core::CommunityName::parse("asean").unwrap(), "")
        .await
        .unwrap();
    w.service
        .add_community_members(&op, "asean", &[w.own.id, w.other.id])
        .await
        .unwrap();
    let sa = &w.tokens[0].1;
    let mut collections = Vec::new();
    for audience in [
        json!({"kind": "community", "community": "asean"}),
        json!({"kind": "orgs", "orgs": ["SingCERT"]}),
    ] {
        let res = crate::helpers::call(
            &w.app,
            Method::POST,
            "/api/v1/collections",
            Some(sa),
            Some(&json!({"title": format!("To {}", audience["kind"]), "audience": audience})),
        )
        .await;
        assert_eq!(res.status(), 201);
        let c = res.json::<serde_json::Value>().await.unwrap();
        collections.push(c["id"].as_str().unwrap().to_owned());
    }
    collections.try_into().unwrap()
}

/// SingCERT's analyst shares indicator number `n` for `domain` at `tlp` into `collection`;
/// answers its id.
pub async fn share(
    w: &World,
    collection: &str,
    n: u32,
    tlp: simpul_core::intel::Tlp,
    domain: &str,
) -> String {
    share_as(w, &w.tokens[2].1, collection, n, tlp, domain).await
}

/// [`share`] with the token of anyone who may write into `collection`.
pub async fn share_as(
    w: &World,
    token: &str,
    collection: &str,
    n: u32,
    tlp: simpul_core::intel::Tlp,
    domain: &str,
) -> String {
    let id = format!("indicator--da5b0000-0000-4000-8000-{n:012}");
    let obj = crate::world::indicator(&id, Some(tlp), domain, "2026-11-01T00:00:00.000Z");
    let res = crate::helpers::call(
        &w.app,
        reqwest::Method::POST,
        &format!("/api/v1/collections/{collection}/objects"),
        Some(token),
        Some(&obj),
    )
    .await;
    assert_eq!(res.status(), 200);
    id
}

/// The session cookie (`simpul_session=…`) of `email` signed in.
pub async fn session_of(w: &World, email: &str) -> String {
    let res = w.app.sign_in(email, crate::world::PASSWORD).await;
    assert_eq!(res.status(), 303);
    cookie_pair(&res, "simpul_session")
}

#[tokio::test]
async fn the_dashboard_counts_only_what_the_reader_may_see() {
    use simpul_core::intel::Tlp;

    let w = world().await;
    let [community, own_only] = two_collections(&w).await;
    share(&w, &community, 1, Tlp::Green, "green-shared.example").await;
    share(
        &w,
        &own_only,
        2,
        Tlp::AmberStrict,
        "strict-own-only.example",
    )
    .await;
    // The producer's organisation sees both, in the counts and among its newest objects.
    let own = session_of(&w, "an@own.example").await;
    let (status, html) = get(&w, "/", &own).await;
    assert_eq!(status, 200);
    // Columns: CLEAR, GREEN, AMBER, AMBER+STRICT, RED, total.
    assert_eq!(row_numbers(&html, "indicator"), [0, 1, 0, 1, 0, 2]);
    assert!(html.contains("Phishing strict-own-only.example"));
    assert!(html.contains("<span class=\"tlp tlp-amber-strict\">TLP:AMBER+STRICT</span>"));
    // Another member organisation sees only the GREEN one: no count, no name, no chart bar.
    let other = session_of(&w, "an@other.example").await;
    let (status, html) = get(&w, "/?days=90", &other).await;
    assert_eq!(status, 200);
    assert_eq!(row_numbers(&html, "indicator"), [0, 1, 0, 0, 0, 1]);
    assert_eq!(row_numbers(&html, "All"), [0, 1, 0, 0, 0, 1]);
    assert!(!html.contains("strict-own-only"), "{html}");
    assert!(
        html.contains(": 1 objects added"),
        "one object in the chart"
    );
    assert!(html.contains("Your organisation has shared nothing yet."));
    // A bad range is refused with the reason.
    let (status, html) = get(&w, "/?days=7", &other).await;
    assert_eq!(status, 400);
    assert!(html.contains("days: must be 30 or 90 (got `7`)"));
    w.app.shutdown().await;
}
