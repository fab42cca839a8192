//! The match page over HTTP (pasted and uploaded observables, what another organisation's match
//! does not show, the CSV download, the limits and the CSRF check) and the dashboard's panels of
//! the most-correlated observables and of the federation peers.

use simpul_core::intel::Tlp;

use crate::helpers::no_redirects;
use crate::web_pages::{csrf_of, get, redact, session_of, share, share_as, two_collections};
use crate::world::{World, operator, world};

/// The id [`share`] gives indicator number `n`.
fn id_of(n: u32) -> String {
    format!("indicator--da5b0000-0000-4000-8000-{n:012}")
}

/// `POST /match` as a URL-encoded form.
async fn post_match(w: &World, cookies: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    no_redirects()
        .post(w.app.url("/match"))
        .header("cookie", cookies)
        .form(fields)
        .send()
        .await
        .unwrap()
}

/// `POST /match` as the browser sends the form: multipart, with `file` of `content`.
async fn upload(
    w: &World,
    cookies: &str,
    fields: &[(&str, &str)],
    file_name: &str,
    content: &[u8],
) -> reqwest::Response {
    const B: &str = "simpulboundary7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{B}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{B}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
             Content-Type: text/plain\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(content);
    body.extend_from_slice(format!("\r\n--{B}--\r\n").as_bytes());
    no_redirects()
        .post(w.app.url("/match"))
        .header("cookie", cookies)
        .header("content-type", format!("multipart/form-data; boundary={B}"))
        .body(body)
        .send()
        .await
        .unwrap()
}

/// Asserts that `res` has `status` and its page says `text`.
async fn says(res: reqwest::Response, status: u16, text: &str) {
    assert_eq!(res.status(), status);
    let html = res.text().await.unwrap();
    assert!(html.contains(text), "{html}");
}

/// The CSRF token of the match form of `cookies`' session.
async fn match_csrf(w: &World, cookies: &str) -> String {
    let (status, html) = get(w, "/match", cookies).await;
    assert_eq!(status, 200);
    csrf_of(&html)
}

/// The lines pasted in the visibility test: a strict indicator's domain, a URL on a GREEN
/// indicator's domain, a line of no type, a phone number that is not one, a blank line.
const PASTED: &str = "strict-hit.example\nhttps://Green-Hit.example/login\nnot an observable\n\
                      phone|12\n\n";

#[tokio::test]
async fn a_match_shows_only_the_hits_the_reader_may_see() {
    let w = world().await;
    let [community, own_only] = two_collections(&w).await;
    share(&w, &own_only, 1, Tlp::AmberStrict, "strict-hit.example").await;
    share(&w, &community, 2, Tlp::Green, "green-hit.example").await;
    let own = session_of(&w, "an@own.example").await;
    let (status, form) = get(&w, "/match", &own).await;
    assert_eq!(status, 200);
    assert!(form.contains("<a href=\"/match\" aria-current=\"page\">Match</a>"));
    insta::assert_snapshot!("web_match_form", redact(&form));

    // The producer's organisation: both hit; the other lines say why they were not matched.
    let csrf = match_csrf(&w, &own).await;
    let res = post_match(&w, &own, &[("csrf_token", &csrf), ("values", PASTED)]).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(
        html.contains(&format!("href=\"/objects/{}\"", id_of(1))),
        "{html}"
    );
    assert!(html.contains("<span class=\"tlp tlp-amber-strict\">TLP:AMBER+STRICT</span>"));
    assert!(html.contains("(by its host green-hit.example)"));
    assert!(
        html.contains(
            "4 lines: 2 read, 1 not recognised, 1 invalid. 2 lines hit 2 indicators (2 hits"
        ),
        "{html}"
    );
    insta::assert_snapshot!("web_match_results_own", redact(&html));

    // Another organisation, outside the strict indicator's audience: it is neither shown nor
    // counted; its domain reads as "no hit" like any unknown one.
    let other = session_of(&w, "an@other.example").await;
    let csrf = match_csrf(&w, &other).await;
    let res = post_match(&w, &other, &[("csrf_token", &csrf), ("values", PASTED)]).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(!html.contains(&id_of(1)), "{html}");
    assert!(!html.contains("AMBER+STRICT"));
    assert!(!html.contains("Phishing strict-hit"));
    assert!(
        html.contains(
            "4 lines: 2 read, 1 not recognised, 1 invalid. 1 lines hit 1 indicators (1 hits"
        ),
        "{html}"
    );
    insta::assert_snapshot!("web_match_results_other", redact(&html));
    w.app.shutdown().await;
}

#[tokio::test]
async fn the_csv_download_has_the_same_results_and_no_formulas() {
    let w = world().await;
    let [community, own_only] = two_collections(&w).await;
    share(&w, &own_only, 1, Tlp::AmberStrict, "strict-hit.example").await;
    share(&w, &community, 2, Tlp::Green, "green-hit.example").await;
    let own = session_of(&w, "an@own.example").await;
    let csrf = match_csrf(&w, &own).await;
    let values = format!("{PASTED}=HYPERLINK(\"http://x.example\")\n+6591234567\n");
    let res = post_match(
        &w,
        &own,
        &[
            ("csrf_token", &csrf),
            ("values", &values),
            ("download", "csv"),
        ],
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    assert_eq!(
        res.headers()["content-disposition"],
        "attachment; filename=\"simpul-match-20261128-0800.csv\""
    );
    assert_eq!(res.headers()["cache-control"], "no-store");
    let csv = res.text().await.unwrap();
    assert!(
        csv.contains("\r\n7,'+6591234567,"),
        "a + cell is guarded: {csv}"
    );
    insta::assert_snapshot!("web_match_csv", csv);

    // The other organisation's file has no row of the strict indicator.
    let other = session_of(&w, "an@other.example").await;
    let csrf = match_csrf(&w, &other).await;
    let res = post_match(
        &w,
        &other,
        &[
            ("csrf_token", &csrf),
            ("values", PASTED),
            ("download", "csv"),
        ],
    )
    .await;
    let csv = res.text().await.unwrap();
    assert!(
        !csv.contains(&id_of(1)) && !csv.contains("AMBER+STRICT"),
        "{csv}"
    );
    assert!(csv.contains("1,strict-hit.example,domain,strict-hit.example,none,"));
    w.app.shutdown().await;
}

#[tokio::test]
async fn an_uploaded_file_is_matched_and_limits_are_refused_with_the_reason() {
    let w = world().await;
    let [community, _] = two_collections(&w).await;
    share(&w, &community, 2, Tlp::Green, "green-hit.example").await;
    let own = session_of(&w, "an@own.example").await;
    let csrf = match_csrf(&w, &own).await;

    // A CSV file: its `value` column, added to the pasted lines; the box then holds them all.
    let res = upload(
        &w,
        &own,
        &[("csrf_token", &csrf), ("values", "pasted.example")],
        "iocs.csv",
        b"first_seen,value\n2026-11-01,green-hit.example\n",
    )
    .await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(
        html.contains(&format!("href=\"/objects/{}\"", id_of(2))),
        "{html}"
    );
    assert!(
        html.contains(">pasted.example\ngreen-hit.example</textarea>"),
        "{html}"
    );
    assert!(html.contains("2 lines: 2 read"));

    // Without the CSRF token (pasted or uploaded): refused, nothing matched.
    let res = post_match(&w, &own, &[("values", "green-hit.example")]).await;
    says(res, 403, "Missing or wrong CSRF token").await;
    let res = upload(&w, &own, &[], "iocs.txt", b"green-hit.example\n").await;
    assert_eq!(res.status(), 403);

    // Too many lines: refused with the limit, the input not echoed.
    let many = (0..1001)
        .map(|i| format!("host{i}.example"))
        .collect::<Vec<_>>()
        .join("\n");
    let res = post_match(&w, &own, &[("csrf_token", &csrf), ("values", &many)]).await;
    assert_eq!(res.status(), 413);
    let html = res.text().await.unwrap();
    assert!(html.contains(
        "<span class=\"error\" id=\"match-values-error\">1001 lines: at most 1000 in one match."
    ));
    assert!(!html.contains("host1000.example"));
    // A file over the size limit, a file that is not text, nothing at all, an unknown type.
    let big = vec![b'a'; (1 << 20) + 1];
    let res = upload(&w, &own, &[("csrf_token", &csrf)], "big.txt", &big).await;
    says(res, 413, "The file is larger than 1 MiB").await;
    let res = upload(&w, &own, &[("csrf_token", &csrf)], "x.bin", b"\xff\xfe\x00").await;
    says(res, 400, "The file is not UTF-8 text").await;
    let res = post_match(&w, &own, &[("csrf_token", &csrf), ("values", " \n")]).await;
    says(res, 400, "Paste at least one observable").await;
    let res = post_match(
        &w,
        &own,
        &[("csrf_token", &csrf), ("values", "x"), ("type", "colour")],
    )
    .await;
    says(res, 400, "id=\"match-type-error\"").await;
    // A type for every line: a line not of it is invalid, with the reason.
    let res = post_match(
        &w,
        &own,
        &[
            ("csrf_token", &csrf),
            ("values", "green-hit.example\n10.0.0.1"),
            ("type", "domain"),
        ],
    )
    .await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("<option value=\"domain\" selected>"));
    assert!(
        html.contains("2 lines: 1 read, 0 not recognised, 1 invalid."),
        "{html}"
    );
    w.app.shutdown().await;
}

/// A dashboard panel (from its heading id to the end of its section) as `email` sees it.
async fn panel_of(w: &World, email: &str, heading: &str) -> String {
    let cookies = session_of(w, email).await;
    let (status, html) = get(w, "/", &cookies).await;
    assert_eq!(status, 200);
    let start = html
        .find(&format!("id=\"{heading}\""))
        .unwrap_or_else(|| panic!("no panel {heading} for {email}"));
    let rest = &html[start..];
    rest[..rest.find("</section>").unwrap()].to_owned()
}

#[tokio::test]
async fn the_most_correlated_panel_counts_only_what_the_reader_may_see() {
    let w = world().await;
    let [community, own_only] = two_collections(&w).await;
    let mycert = crate::world::token(&w.service, "an@other.example", "read,write", None).await;
    // Both report one domain openly; SingCERT reports another AMBER+STRICT to itself alone,
    // MyCERT openly.
    share(&w, &community, 1, Tlp::Green, "both.example").await;
    share_as(&w, &mycert, &community, 2, Tlp::Green, "both.example").await;
    share(&w, &own_only, 3, Tlp::AmberStrict, "strict-twin.example").await;
    share_as(
        &w,
        &mycert,
        &community,
        4,
        Tlp::Green,
        "strict-twin.example",
    )
    .await;
    share(&w, &community, 5, Tlp::Green, "alone.example").await;

    let panel = panel_of(&w, "an@own.example", "spread-h").await;
    assert!(panel.contains("<code>both.example</code>"), "{panel}");
    assert!(
        panel.contains("<code>strict-twin.example</code>"),
        "{panel}"
    );
    assert!(
        !panel.contains("alone.example"),
        "one organisation is no correlation"
    );
    insta::assert_snapshot!("web_dashboard_spread_own", panel);

    // MyCERT cannot see SingCERT's strict report: that domain is MyCERT's alone for it.
    let panel = panel_of(&w, "an@other.example", "spread-h").await;
    assert!(panel.contains("<code>both.example</code>"), "{panel}");
    assert!(!panel.contains("strict-twin"), "{panel}");
    assert!(!panel.contains(&id_of(3)));
    insta::assert_snapshot!("web_dashboard_spread_other", panel);
    w.app.shutdown().await;
}

#[tokio::test]
async fn the_federation_panel_is_for_those_who_may_list_peers() {
    use simpul_core::federation::{CollectionMap, Direction, NewPeer, PeerAuth, PeerName};
    let w = world().await;
    let [community, _] = two_collections(&w).await;
    let sa = session_of(&w, "sa@regional.example").await;
    // No peer: no panel, even for the site-admin.
    let (status, html) = get(&w, "/", &sa).await;
    assert_eq!(status, 200);
    assert!(!html.contains("id=\"peers-h\""));

    w.service
        .add_peer(
            &operator(),
            NewPeer {
                name: PeerName::parse("mycert-node").unwrap(),
                url: "https://taxii.mycert.example/taxii2/".into(),
                auth: PeerAuth::Token {
                    token: "peer-secret-token".into(),
                },
                direction: Direction::Pull,
                maps: vec![CollectionMap {
                    remote: "remote-collection".into(),
                    local: simpul_core::intel::CollectionId(community.parse().unwrap()),
                }],
                interval_secs: 300,
                act_as: "an@other.example".into(),
            },
        )
        .await
        .unwrap();
    let panel = panel_of(&w, "sa@regional.example", "peers-h").await;
    assert!(!panel.contains("peer-secret-token"));
    insta::assert_snapshot!("web_dashboard_federation", panel);

    // As the REST route: site-admins list peers, nobody else (not an org-admin, not an analyst).
    let res = crate::helpers::call(
        &w.app,
        reqwest::Method::GET,
        "/api/v1/peers",
        Some(&w.tokens[1].1),
        None,
    )
    .await;
    assert_eq!(res.status(), 403);
    for email in ["oa@own.example", "an@own.example"] {
        let cookies = session_of(&w, email).await;
        let (status, html) = get(&w, "/", &cookies).await;
        assert_eq!(status, 200);
        assert!(!html.contains("id=\"peers-h\""), "{email}");
        assert!(!html.contains("mycert-node"), "{email}");
    }
    w.app.shutdown().await;
}
