//! Browse, search and the object page over HTTP: filters, paging, what another organisation may
//! not see (listed, counted, found, opened), and adding a sighting from the page.

use simpul_core::intel::Tlp;

use crate::helpers::no_redirects;
use crate::web_pages::{csrf_of, get, session_of, share, share_as, two_collections};
use crate::world::world;

#[tokio::test]
async fn browse_filters_pages_and_never_shows_what_the_reader_may_not_see() {
    let w = world().await;
    let [community, own_only] = two_collections(&w).await;
    for n in 1..=52 {
        share(&w, &community, n, Tlp::Green, &format!("shared{n}.example")).await;
    }
    let strict = share(
        &w,
        &own_only,
        99,
        Tlp::AmberStrict,
        "strict-own-only.example",
    )
    .await;
    let own = session_of(&w, "an@own.example").await;
    let other = session_of(&w, "an@other.example").await;

    // The producer's organisation: 53, 50 a page, newest first, an "Older" link that keeps the
    // filters.
    let (status, html) = get(&w, "/objects?type=indicator", &own).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("<h2 id=\"results-h\">53 objects</h2>"),
        "{html}"
    );
    assert!(html.contains("Phishing strict-own-only.example"));
    let older = html
        .split("href=\"")
        .filter_map(|s| s.split('"').next())
        .find(|h| h.contains("next="))
        .expect("an Older link")
        .replace("&#38;", "&");
    assert!(
        older.starts_with("/objects?type=indicator&next="),
        "{older}"
    );
    let (_, page2) = get(&w, &older, &own).await;
    assert_eq!(page2.matches("<tr><td>indicator</td>").count(), 3);
    assert!(page2.contains("Phishing shared1.example") && !page2.contains("rel=\"next\""));
    // Filters: TLP, text, producing organisation.
    let (_, html) = get(&w, "/objects?tlp=TLP:AMBER%2BSTRICT", &own).await;
    assert!(html.contains("<h2 id=\"results-h\">1 objects</h2>"));
    let (_, html) = get(&w, "/objects?q=shared7", &own).await;
    assert!(html.contains("Phishing shared7.example") && !html.contains("shared8.example"));
    let (_, html) = get(&w, "/objects?org=MyCERT", &own).await;
    assert!(html.contains("<h2 id=\"results-h\">0 objects</h2>"));

    // Another member organisation: the GREEN ones only — not listed, not counted, not found by
    // text, not opened.
    let (_, html) = get(&w, "/objects", &other).await;
    assert!(
        html.contains("<h2 id=\"results-h\">52 objects</h2>"),
        "{html}"
    );
    let (_, html) = get(&w, "/objects?q=strict-own-only", &other).await;
    assert!(html.contains("<h2 id=\"results-h\">0 objects</h2>"));
    assert!(!html.contains("Phishing strict-own-only"));
    let (_, html) = get(&w, "/objects?tlp=TLP:AMBER%2BSTRICT&org=SingCERT", &other).await;
    assert!(html.contains("<h2 id=\"results-h\">0 objects</h2>"));
    let (status, html) = get(&w, &format!("/objects/{strict}"), &other).await;
    assert_eq!(status, 404);
    assert!(!html.contains("strict-own-only"));
    let (status, _) = get(&w, &format!("/objects/{strict}"), &own).await;
    assert_eq!(status, 200);

    // Bad filters are refused with the reason.
    for (q, reason) in [
        (
            "type=widget",
            "type: not a type this page filters on (got `widget`)",
        ),
        ("tlp=purple", "tlp: "),
        ("org=NOPE", "org: no organisation `NOPE`"),
        (
            "added=3",
            "added: must be 1, 7, 30 or 90 days, or empty (got `3`)",
        ),
        ("next=abc", "next: not a cursor this page gave"),
    ] {
        let (status, html) = get(&w, &format!("/objects?{q}"), &own).await;
        assert_eq!(status, 400, "{q}");
        assert!(html.contains(reason), "{q}: {html}");
    }
    w.app.shutdown().await;
}

#[tokio::test]
async fn the_object_page_shows_the_object_and_takes_a_sighting() {
    let w = world().await;
    let [community, _] = two_collections(&w).await;
    let id = share(&w, &community, 1, Tlp::Green, "seen-everywhere.example").await;
    // MyCERT reports the same domain.
    let mycert = crate::world::token(&w.service, "an@other.example", "read,write", None).await;
    let twin = share_as(
        &w,
        &mycert,
        &community,
        2,
        Tlp::Green,
        "seen-everywhere.example",
    )
    .await;
    let other = session_of(&w, "an@other.example").await;
    let (status, html) = get(&w, &format!("/objects/{id}"), &other).await;
    assert_eq!(status, 200);
    assert!(html.contains("<span class=\"tlp tlp-green\">TLP:GREEN</span>"));
    assert!(
        html.contains(
            "<dt>pattern</dt><dd><code>[domain-name:value = &#39;seen-everywhere.example&#39;]</code></dd>"
        ),
        "{html}"
    );
    assert!(html.contains("0 sightings you may see"));
    assert!(
        html.contains("also reported by MyCERT"),
        "the twin indicator correlates: {html}"
    );
    assert!(html.contains(&format!("href=\"/objects/{twin}\"")));
    assert!(html.contains("Raw JSON") && html.contains("&#34;spec_version&#34;: &#34;2.1&#34;"));
    let csrf = csrf_of(&html);
    let client = no_redirects();
    let url = w.app.url(&format!("/objects/{id}/sightings"));
    // Without the token: refused. A bad count: the reason beside the field.
    let res = client
        .post(&url)
        .header("cookie", &other)
        .form(&[("count", "3")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = client
        .post(&url)
        .header("cookie", &other)
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("count", "lots"),
            ("where", "our sinkhole"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let html = res.text().await.unwrap();
    assert!(
        html.contains(
            "<span class=\"error\" id=\"sighting-count-error\">must be a whole number</span>"
        ),
        "{html}"
    );
    assert!(html.contains("value=\"our sinkhole\""));
    let res = client
        .post(&url)
        .header("cookie", &other)
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("count", "3"),
            ("where", "our sinkhole"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()["location"],
        format!("/objects/{id}#sightings").as_str()
    );
    let (_, html) = get(&w, &format!("/objects/{id}"), &other).await;
    assert!(
        html.contains("1 sightings you may see, 3 times in all"),
        "{html}"
    );
    w.app.shutdown().await;
}
