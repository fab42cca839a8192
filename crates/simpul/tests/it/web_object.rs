//! The object page's relationships and the producer's actions over HTTP, as a browser posts them:
//! the relationship graph draws, lists and counts only what the reader may see (an AMBER+STRICT
//! neighbour of another organisation is none of them); a new version from the form shows in the
//! version history; revocation needs its tick; a marking change (narrowing at once, widening
//! ticked, RED refused without recipients); named recipients; a forged post by another
//! organisation or a read-only user, or one without the CSRF token, is refused and changes nothing.

use reqwest::Method;
use serde_json::{Value, json};
use simpul_core::intel::Tlp;

use crate::helpers::{TestDb, call, no_redirects, set_cookie};
use crate::web_pages::{csrf_of, get, redact, session_of, share, two_collections};
use crate::world::{World, token, world, world_on};

const MALWARE: &str = "malware--da5b0000-0000-4000-8000-00000000a001";
const HIDDEN: &str = "malware--da5b0000-0000-4000-8000-00000000a002";
const SRO_SEEN: &str = "relationship--da5b0000-0000-4000-8000-00000000b001";
const SRO_HIDDEN: &str = "relationship--da5b0000-0000-4000-8000-00000000b002";
const REPORT: &str = "report--da5b0000-0000-4000-8000-00000000c001";

/// Shares `obj` into `collection` with `token`.
async fn post(w: &World, token: &str, collection: &str, obj: &Value) {
    let res = call(
        &w.app,
        Method::POST,
        &format!("/api/v1/collections/{collection}/objects"),
        Some(token),
        Some(obj),
    )
    .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
}

fn marked(mut v: Value, tlp: Tlp) -> Value {
    v["spec_version"] = json!("2.1");
    v["created"] = json!("2026-11-01T00:00:00.000Z");
    v["modified"] = json!("2026-11-01T00:00:00.000Z");
    v["object_marking_refs"] = json!([tlp.marking_id()]);
    v
}

/// A form post with the session's cookies (and, unless `None`, the CSRF token).
async fn form(
    w: &World,
    cookies: &str,
    path: &str,
    csrf: Option<&str>,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let mut all: Vec<(&str, &str)> = fields.to_vec();
    if let Some(c) = csrf {
        all.push(("csrf_token", c));
    }
    no_redirects()
        .post(w.app.url(path))
        .header("cookie", cookies)
        .form(&all)
        .send()
        .await
        .unwrap()
}

/// The part of `html` from `start` to the end of its section.
fn section<'h>(html: &'h str, start: &str) -> &'h str {
    let i = html
        .find(start)
        .unwrap_or_else(|| panic!("no {start}: {html}"));
    let rest = &html[i..];
    &rest[..rest
        .find("</section>")
        .map_or(rest.len(), |j| j + "</section>".len())]
}

/// The versions of `id` SingCERT's analyst sees over REST.
async fn versions(w: &World, id: &str) -> Vec<Value> {
    let res = call(
        &w.app,
        Method::GET,
        &format!("/api/v1/objects/{id}/versions"),
        Some(&w.tokens[2].1),
        None,
    )
    .await;
    assert_eq!(res.status(), 200);
    res.json::<Value>().await.unwrap()["versions"]
        .as_array()
        .unwrap()
        .clone()
}

/// The value of the hidden `base` field of the new-version form.
fn base_of(html: &str) -> String {
    html.split("name=\"base\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("the new-version form")
        .to_owned()
}

/// `cookies` with the flash cookie a change's redirect set.
fn with_flash(cookies: &str, res: &reqwest::Response) -> String {
    let flash = set_cookie(res, "simpul_object_flash").expect("a flash cookie");
    format!("{cookies}; {}", flash.split(';').next().unwrap())
}

#[tokio::test]
async fn the_relationship_graph_shows_only_neighbours_the_reader_may_see() {
    relationship_graph(world().await).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set SIMPUL_TEST_POSTGRES (the PostgreSQL leg of .ci/run does)"]
async fn the_relationship_graph_shows_only_neighbours_the_reader_may_see_postgres() {
    relationship_graph(world_on(TestDb::postgres().await).await).await;
}

async fn relationship_graph(w: World) {
    let [community, own_only] = two_collections(&w).await;
    let id = share(&w, &community, 1, Tlp::Green, "graph-me.example").await;
    let singcert = &w.tokens[2].1;
    let mycert = token(&w.service, "an@other.example", "read,write", None).await;
    // MyCERT: a malware the community sees, the GREEN relationship from SingCERT's indicator to
    // it, and a report containing the indicator (and SingCERT's strict malware).
    for obj in [
        json!({"type": "malware", "id": MALWARE, "name": "Visible Wiper", "is_family": true}),
        json!({"type": "relationship", "id": SRO_SEEN, "relationship_type": "indicates",
               "source_ref": id, "target_ref": MALWARE}),
        json!({"type": "report", "id": REPORT, "name": "Weekly phishing round-up",
               "published": "2026-11-01T00:00:00.000Z", "object_refs": [id, HIDDEN]}),
    ] {
        post(&w, &mycert, &community, &marked(obj, Tlp::Green)).await;
    }
    // SingCERT: an AMBER+STRICT malware for itself alone, and a GREEN relationship to it that
    // the community sees.
    let hidden = json!({"type": "malware", "id": HIDDEN, "name": "Strict Secret Loader",
                        "is_family": true});
    post(&w, singcert, &own_only, &marked(hidden, Tlp::AmberStrict)).await;
    let sro = json!({"type": "relationship", "id": SRO_HIDDEN, "relationship_type": "indicates",
                     "source_ref": id, "target_ref": HIDDEN});
    post(&w, singcert, &community, &marked(sro, Tlp::Green)).await;
    // MyCERT's analyst: the visible malware and the report, never the strict malware — not
    // drawn, not listed, not counted.
    let other = session_of(&w, "an@other.example").await;
    let (status, html) = get(&w, &format!("/objects/{id}"), &other).await;
    assert_eq!(status, 200);
    let rel = section(&html, "<section class=\"panel\" id=\"relationships\"");
    insta::assert_snapshot!("web_object_relationships", rel);
    assert!(rel.contains("2 related objects you may see."), "{rel}");
    assert!(rel.contains(&format!("<a href=\"/objects/{MALWARE}\">")));
    assert!(rel.contains("this indicates →"));
    assert!(rel.contains("← contains this"));
    for hidden in [
        HIDDEN,
        "Strict Secret Loader",
        " more related",
        "and 1 more",
    ] {
        assert!(!html.contains(hidden), "{hidden} must not show: {html}");
    }
    // The producer sees its own strict malware as a neighbour: 3.
    let own = session_of(&w, "an@own.example").await;
    let (_, html) = get(&w, &format!("/objects/{id}"), &own).await;
    assert!(html.contains("3 related objects you may see."), "{html}");
    assert!(html.contains("Strict Secret Loader"));
    // From the malware's side, the indicator is on the left, indicating it.
    let (_, html) = get(&w, &format!("/objects/{MALWARE}"), &other).await;
    assert!(html.contains("← indicates this"), "{html}");
    assert!(html.contains(&format!("<a href=\"/objects/{id}\"><title>indicator")));
    w.app.shutdown().await;
}

#[tokio::test]
async fn a_new_version_from_the_form_shows_in_the_version_history() {
    let w = world().await;
    let [community, _] = two_collections(&w).await;
    let id = share(&w, &community, 1, Tlp::Green, "edit-me.example").await;
    let own = session_of(&w, "an@own.example").await;
    let path = format!("/objects/{id}");
    let (_, html) = get(&w, &path, &own).await;
    let actions = section(&html, "<section class=\"panel\" id=\"actions\"");
    insta::assert_snapshot!("web_object_actions", redact(actions));
    let (csrf, base) = (csrf_of(&html), base_of(&html));
    let url = format!("{path}/versions");
    // A bad confidence: the reason beside the field, what was typed kept, nothing stored.
    let res = form(
        &w,
        &own,
        &url,
        Some(&csrf),
        &[
            ("base", &base),
            ("name", "Phishing edit-me, confirmed"),
            ("confidence", "very"),
        ],
    )
    .await;
    assert_eq!(res.status(), 400);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("<span class=\"error\" id=\"v-confidence-error\">must be a whole number from 0 to 100, or empty</span>"),
        "{page}"
    );
    assert!(page.contains("value=\"Phishing edit-me, confirmed\""));
    // `valid_until` before `valid_from`: the object's own rule, beside its field.
    let res = form(
        &w,
        &own,
        &url,
        Some(&csrf),
        &[("base", &base), ("valid_until", "2025-01-01T00:00")],
    )
    .await;
    assert_eq!(res.status(), 400);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("id=\"v-valid-until-error\""),
    );
    assert_eq!(versions(&w, &id).await.len(), 1);
    // The change: a new version, newest in the history, with a newer `modified`.
    w.clock.advance(time::Duration::minutes(5));
    let res = form(
        &w,
        &own,
        &url,
        Some(&csrf),
        &[
            ("base", &base),
            ("name", "Phishing edit-me, confirmed"),
            ("description", "Seen in three campaigns.\r\nStill live."),
            ("labels", "phishing, credential-theft, phishing"),
            ("confidence", "80"),
            ("valid_until", "2026-12-31T23:59"),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()["location"],
        format!("{path}#versions").as_str()
    );
    let cookies = with_flash(&own, &res);
    let (_, html) = get(&w, &path, &cookies).await;
    assert!(html.contains("<p class=\"notice ok\" role=\"status\">New version saved"));
    assert!(html.contains("<h1 id=\"top\">Phishing edit-me, confirmed "));
    let history = section(&html, "<section class=\"panel\" id=\"versions\"");
    assert_eq!(history.matches("<tr><td><time").count(), 2, "{history}");
    assert!(
        history.contains("title=\"2026-11-28 08:05:00 UTC\""),
        "{history}"
    );
    let all = versions(&w, &id).await;
    assert_eq!(all.len(), 2);
    let newest = &all[0]["object"];
    assert_eq!(newest["modified"], "2026-11-28T08:05:00.000Z");
    assert_eq!(newest["labels"], json!(["phishing", "credential-theft"]));
    assert_eq!(newest["confidence"], 80);
    assert_eq!(newest["valid_until"], "2026-12-31T23:59:00.000Z");
    assert_eq!(
        newest["description"],
        "Seen in three campaigns.\nStill live."
    );
    assert_eq!(newest["created"], "2026-01-01T00:00:00.000Z");
    // The form drawn before the change is now stale: refused with the reason, nothing stored.
    let res = form(
        &w,
        &own,
        &url,
        Some(&csrf),
        &[("base", &base), ("name", "lost update")],
    )
    .await;
    assert_eq!(res.status(), 409);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("has a newer version since this form was drawn")
    );
    assert_eq!(versions(&w, &id).await.len(), 2);
    w.app.shutdown().await;
}

#[tokio::test]
async fn revoking_needs_its_tick_then_the_page_says_revoked() {
    let w = world().await;
    let [community, _] = two_collections(&w).await;
    let id = share(&w, &community, 1, Tlp::Green, "revoke-me.example").await;
    let own = session_of(&w, "an@own.example").await;
    let path = format!("/objects/{id}");
    let (_, html) = get(&w, &path, &own).await;
    let csrf = csrf_of(&html);
    let res = form(&w, &own, &format!("{path}/revoke"), Some(&csrf), &[]).await;
    assert_eq!(res.status(), 400);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("<span class=\"error\" id=\"revoke-confirm-error\">tick the box to confirm: a revoked object gets no further versions</span>"),
        "{page}"
    );
    assert_eq!(versions(&w, &id).await.len(), 1);
    let res = form(
        &w,
        &own,
        &format!("{path}/revoke"),
        Some(&csrf),
        &[("confirm", "on")],
    )
    .await;
    assert_eq!(res.status(), 303);
    let (_, html) = get(&w, &path, &with_flash(&own, &res)).await;
    assert!(
        html.contains("<span class=\"revoked\">revoked</span>"),
        "{html}"
    );
    assert!(html.contains("Revoked: the object now says so"));
    assert!(html.contains("A revoked object gets no further versions."));
    assert!(!html.contains(&format!("action=\"{path}/revoke\"")));
    assert_eq!(versions(&w, &id).await[0]["revoked"], true);
    // Revoking again (a stale page): a conflict, said on an error page, never a 5xx.
    let res = form(
        &w,
        &own,
        &format!("{path}/revoke"),
        Some(&csrf),
        &[("confirm", "on")],
    )
    .await;
    assert_eq!(res.status(), 409);
    w.app.shutdown().await;
}

#[tokio::test]
async fn the_marking_narrows_at_once_and_widens_only_when_ticked() {
    let w = world().await;
    let [community, _] = two_collections(&w).await;
    let id = share(&w, &community, 1, Tlp::Green, "mark-me.example").await;
    let own = session_of(&w, "an@own.example").await;
    let other = session_of(&w, "an@other.example").await;
    let path = format!("/objects/{id}");
    let url = format!("{path}/marking");
    let (_, html) = get(&w, &path, &own).await;
    let csrf = csrf_of(&html);
    assert!(html.contains("<option value=\"TLP:GREEN\" selected>TLP:GREEN</option>"));
    // Narrowing: at once. The community's other member still reads it, now AMBER+STRICT (for
    // its organisation only).
    let res = form(&w, &own, &url, Some(&csrf), &[("tlp", "TLP:AMBER+STRICT")]).await;
    assert_eq!(res.status(), 303);
    let (_, html) = get(&w, &path, &with_flash(&own, &res)).await;
    let badge = "<h1 id=\"top\">Phishing mark-me.example <span class=\"tlp tlp-amber-strict\">TLP:AMBER+STRICT</span>";
    assert!(html.contains(badge), "{html}");
    assert!(html.contains("Marking changed"));
    let (status, html) = get(&w, &path, &other).await;
    assert_eq!(status, 200);
    assert!(html.contains(badge));
    // Widening without the tick: the reason beside the box, nothing stored.
    let res = form(&w, &own, &url, Some(&csrf), &[("tlp", "green")]).await;
    assert_eq!(res.status(), 400);
    let page = res.text().await.unwrap();
    assert!(page.contains("<span class=\"error\" id=\"m-widen-error\">TLP:GREEN is wider than TLP:AMBER+STRICT: more readers will see it — tick the box to confirm</span>"), "{page}");
    assert!(
        page.contains("<option value=\"TLP:GREEN\" selected>"),
        "the choice stays"
    );
    // RED needs named recipients: the service's reason beside the picker. An unknown level too.
    let res = form(&w, &own, &url, Some(&csrf), &[("tlp", "TLP:RED")]).await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains(
        "<span class=\"error\" id=\"m-tlp-error\">a TLP:RED object needs named recipients"
    ));
    let res = form(&w, &own, &url, Some(&csrf), &[("tlp", "purple")]).await;
    assert_eq!(res.status(), 400);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("id=\"m-tlp-error\">unknown TLP level")
    );
    assert_eq!(versions(&w, &id).await.len(), 2);
    // Ticked: wider again, and MyCERT sees it.
    let res = form(
        &w,
        &own,
        &url,
        Some(&csrf),
        &[("tlp", "TLP:GREEN"), ("widen", "on")],
    )
    .await;
    assert_eq!(res.status(), 303);
    let (_, html) = get(&w, &path, &other).await;
    assert!(html.contains("<span class=\"tlp tlp-green\">TLP:GREEN</span>"));
    // The same marking again: nothing stored, and the page says so.
    let res = form(&w, &own, &url, Some(&csrf), &[("tlp", "TLP:GREEN")]).await;
    assert_eq!(res.status(), 303);
    let (_, html) = get(&w, &path, &with_flash(&own, &res)).await;
    assert!(html.contains("Nothing changed"));
    assert_eq!(versions(&w, &id).await.len(), 3);
    w.app.shutdown().await;
}

#[tokio::test]
async fn named_recipients_become_the_audience() {
    let w = world().await;
    let [community, _] = two_collections(&w).await;
    let id = share(&w, &community, 1, Tlp::Green, "name-them.example").await;
    let own = session_of(&w, "an@own.example").await;
    let other = session_of(&w, "an@other.example").await;
    let path = format!("/objects/{id}");
    let url = format!("{path}/recipients");
    let (_, html) = get(&w, &path, &own).await;
    let csrf = csrf_of(&html);
    let res = form(
        &w,
        &own,
        &url,
        Some(&csrf),
        &[("recipients", "an@own.example\nnobody@nowhere.example")],
    )
    .await;
    assert_eq!(res.status(), 400);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("<span class=\"error\" id=\"r-recipients-error\">nobody@nowhere.example: no such user</span>"),
        "{page}"
    );
    assert!(page.contains(">an@own.example\nnobody@nowhere.example</textarea>"));
    let res = form(
        &w,
        &own,
        &url,
        Some(&csrf),
        &[("recipients", "an@own.example")],
    )
    .await;
    assert_eq!(res.status(), 303);
    let (_, html) = get(&w, &path, &own).await;
    assert!(html.contains("Shared with 1 named recipient."), "{html}");
    assert_eq!(get(&w, &path, &other).await.0, 404);
    // None: back to the collection's audience.
    let res = form(&w, &own, &url, Some(&csrf), &[("recipients", "")]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(get(&w, &path, &other).await.0, 200);
    w.app.shutdown().await;
}

#[tokio::test]
async fn forged_posts_are_refused_and_change_nothing() {
    forged_posts(world().await).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set SIMPUL_TEST_POSTGRES (the PostgreSQL leg of .ci/run does)"]
async fn forged_posts_are_refused_and_change_nothing_postgres() {
    forged_posts(world_on(TestDb::postgres().await).await).await;
}

async fn forged_posts(w: World) {
    let [community, own_only] = two_collections(&w).await;
    let id = share(&w, &community, 1, Tlp::Green, "not-yours.example").await;
    let strict = share(&w, &own_only, 2, Tlp::AmberStrict, "unseen.example").await;
    let own = session_of(&w, "an@own.example").await;
    let path = format!("/objects/{id}");
    // Another organisation sees the object but no action form; the read-only user of the
    // producer neither, with the reason.
    let other = session_of(&w, "an@other.example").await;
    let (_, html) = get(&w, &path, &other).await;
    assert!(!html.contains("id=\"actions\""), "{html}");
    let other_csrf = csrf_of(&html);
    let ro = session_of(&w, "ro@own.example").await;
    let (_, html) = get(&w, &path, &ro).await;
    assert!(html.contains("Your role may read but not change objects."));
    assert!(!html.contains(&format!("action=\"{path}/revoke\"")));
    let ro_csrf = csrf_of(&html);
    let (_, html) = get(&w, &path, &own).await;
    let base = base_of(&html);
    let own_csrf = csrf_of(&html);
    let posts: [(&str, Vec<(&str, &str)>); 4] = [
        ("versions", vec![("base", &base), ("name", "forged")]),
        ("revoke", vec![("confirm", "on")]),
        ("marking", vec![("tlp", "TLP:CLEAR"), ("widen", "on")]),
        ("recipients", vec![("recipients", "an@other.example")]),
    ];
    for (action, fields) in &posts {
        let url = format!("{path}/{action}");
        let res = form(&w, &other, &url, Some(&other_csrf), fields).await;
        assert_eq!(res.status(), 403, "{action} by another organisation");
        assert!(
            res.text()
                .await
                .unwrap()
                .contains("only the organisation that produced")
        );
        let res = form(&w, &ro, &url, Some(&ro_csrf), fields).await;
        assert_eq!(res.status(), 403, "{action} by a read-only user");
        // Without the CSRF token, even the producer is refused.
        let res = form(&w, &own, &url, None, fields).await;
        assert_eq!(res.status(), 403, "{action} without the CSRF token");
        assert!(
            res.text()
                .await
                .unwrap()
                .contains("Missing or wrong CSRF token")
        );
        let res = form(&w, &own, &url, Some("not-the-token"), fields).await;
        assert_eq!(res.status(), 403, "{action} with a wrong CSRF token");
        // An object the poster may not see: not found, as if it did not exist.
        let res = form(
            &w,
            &other,
            &format!("/objects/{strict}/{action}"),
            Some(&other_csrf),
            fields,
        )
        .await;
        assert_eq!(res.status(), 404, "{action} of an unseen object");
    }
    // Without the producer's form fields (no `base`, no widening tick): the same refusal.
    for (action, fields) in [
        ("versions", [("name", "forged")]),
        ("marking", [("tlp", "TLP:CLEAR")]),
    ] {
        let res = form(
            &w,
            &other,
            &format!("{path}/{action}"),
            Some(&other_csrf),
            &fields,
        )
        .await;
        assert_eq!(res.status(), 403, "{action} by another organisation");
    }
    let all = versions(&w, &id).await;
    assert_eq!(all.len(), 1, "nothing changed: {all:?}");
    assert_eq!(all[0]["tlp"], "TLP:GREEN");
    assert_eq!(versions(&w, &strict).await.len(), 1);
    // The producer's own post with its token still works (the forms were not broken).
    let res = form(
        &w,
        &own,
        &format!("{path}/revoke"),
        Some(&own_csrf),
        &[("confirm", "on")],
    )
    .await;
    assert_eq!(res.status(), 303);
    w.app.shutdown().await;
}

#[tokio::test]
async fn a_large_graph_draws_25_and_counts_the_rest_it_may_see() {
    let w = world().await;
    let [community, own_only] = two_collections(&w).await;
    let mut refs = Vec::new();
    for n in 1..=30 {
        refs.push(share(&w, &community, n, Tlp::Green, &format!("many{n}.example")).await);
    }
    // Two more only SingCERT sees.
    refs.push(share(&w, &own_only, 31, Tlp::AmberStrict, "mine-alone.example").await);
    refs.push(share(&w, &own_only, 32, Tlp::Green, "mine-too.example").await);
    let report = json!({"type": "report", "id": REPORT, "name": "Thirty-two indicators",
                        "published": "2026-11-01T00:00:00.000Z", "object_refs": refs});
    post(&w, &w.tokens[2].1, &community, &marked(report, Tlp::Green)).await;
    let other = session_of(&w, "an@other.example").await;
    let (_, html) = get(&w, &format!("/objects/{REPORT}"), &other).await;
    let rel = section(&html, "<section class=\"panel\" id=\"relationships\"");
    assert!(
        rel.contains("25 related objects you may see, and 5 more."),
        "{rel}"
    );
    assert_eq!(
        rel.matches("<a href=\"/objects/indicator--").count(),
        50,
        "25 nodes, 25 rows"
    );
    assert!(!rel.contains("mine-alone") && !rel.contains("mine-too"));
    let own = session_of(&w, "an@own.example").await;
    let (_, html) = get(&w, &format!("/objects/{REPORT}"), &own).await;
    assert!(html.contains("25 related objects you may see, and 7 more."));
    w.app.shutdown().await;
}

/// Times at the ends of the calendar (a "never expires" `valid_until` of 9999-12-31T23:59:59Z,
/// a typed year of -9999 or 9999 with an offset) are shown or refused, never a panic: the object
/// page in a zone east of UTC, the version form, and Submit's preview (review finding).
#[tokio::test]
async fn the_ends_of_the_calendar_never_break_a_page() {
    let w = world().await;
    let [community, _] = two_collections(&w).await;
    let id = "indicator--da5b0000-0000-4000-8000-00000000e001";
    let mut obj = crate::world::indicator(
        id,
        Some(Tlp::Green),
        "forever.example",
        "2026-11-01T00:00:00.000Z",
    );
    obj["valid_until"] = json!("9999-12-31T23:59:59Z");
    post(&w, &w.tokens[2].1, &community, &obj).await;
    let own = session_of(&w, "an@own.example").await;
    let east = format!("{own}; simpul_tz=Asia/Jakarta");
    let path = format!("/objects/{id}");
    let (status, html) = get(&w, &path, &east).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("9999-12-31 23:59:59 UTC"), "{html}");
    // A typed valid_until of year -9999 at +07:00: refused beside its field.
    let (csrf, base) = (csrf_of(&html), base_of(&html));
    let res = form(
        &w,
        &east,
        &format!("{path}/versions"),
        Some(&csrf),
        &[("base", &base), ("valid_until", "-9999-01-01T00:00")],
    )
    .await;
    assert_eq!(res.status(), 400);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("id=\"v-valid-until-error\"")
    );
    assert_eq!(versions(&w, id).await.len(), 1);
    // Submit's preview of a valid_from past year 9999 in UTC: refused beside its field.
    let (_, html) = get(&w, "/submit", &own).await;
    let res = form(
        &w,
        &own,
        "/submit",
        Some(&csrf_of(&html)),
        &[
            ("kind", "domain"),
            ("value", "late.example"),
            ("name", ""),
            ("description", ""),
            ("tlp", "TLP:GREEN"),
            ("collection", community.as_str()),
            ("valid_from", "9999-12-31T23:59:59-01:00"),
            ("shape", "indicator"),
            ("action", "preview"),
        ],
    )
    .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("out of range"), "{page}");
}
