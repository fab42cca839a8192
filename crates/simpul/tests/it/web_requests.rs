//! The action requests' pages: raising a freeze request on an IBAN with the form (a refused form
//! keeps what was typed, each reason beside its field and line), the list and the request's page
//! for the two parties and the coordinator (people concerned only for the parties), the target's
//! steps up to the outcome, a step the reader may not take (409 on the page), comments, and the
//! statistics dashboard with its SVG chart and CSV.

use crate::web_pages::{csrf_of, get, session_of};
use crate::world::{World, world};

/// Posts `form` (with the page's CSRF token) to `path` as `cookie`.
async fn post(
    w: &World,
    path: &str,
    cookie: &str,
    csrf: &str,
    form: &[(&str, &str)],
) -> (u16, String, Option<String>) {
    let mut pairs: Vec<(&str, &str)> = vec![("csrf_token", csrf)];
    pairs.extend_from_slice(form);
    let res = crate::helpers::no_redirects()
        .post(w.app.url(path))
        .header("cookie", cookie)
        .form(&pairs)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let location = res
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned());
    (status, res.text().await.unwrap(), location)
}

const IBAN: &str = "GB82 WEST 1234 5698 7654 32";

#[tokio::test]
async fn raise_a_freeze_act_on_it_as_the_target_and_see_the_dashboard_change() {
    let w = world().await;
    let sg = session_of(&w, "an@own.example").await;
    let my = session_of(&w, "an@other.example").await;
    let coord = session_of(&w, "sa@regional.example").await;

    // The form offers the other organisations, never the reader's own.
    let (status, html) = get(&w, "/requests/new", &sg).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("<option value=\"org:MyCERT\">"), "{html}");
    assert!(!html.contains("value=\"org:SingCERT\""));
    let csrf = csrf_of(&html);

    // A refused form: every reason beside its field, what was typed kept.
    let (status, html, _) = post(
        &w,
        "/requests/new",
        &sg,
        &csrf,
        &[
            ("kind", "freeze"),
            ("to", "org:MyCERT"),
            ("observables", &format!("iban={IBAN}\nnot an observable")),
            ("summary", "Freeze the mule account"),
            ("urgency", "critical"),
            ("tlp", "amber"),
        ],
    )
    .await;
    assert_eq!(status, 400, "{html}");
    assert!(
        html.contains(
            "<span class=\"error\" id=\"request-observables-error\">line 2: write type=value"
        ),
        "{html}"
    );
    assert!(html.contains("not an observable</textarea>"));
    assert!(html.contains("value=\"Freeze the mule account\""));
    // What core refuses lands beside its field too: a summary too long.
    let long = "x".repeat(201);
    let (status, html, _) = post(
        &w,
        "/requests/new",
        &sg,
        &csrf,
        &[
            ("kind", "freeze"),
            ("to", "org:MyCERT"),
            ("observables", &format!("iban={IBAN}")),
            ("summary", &long),
            ("urgency", "critical"),
            ("tlp", "amber"),
        ],
    )
    .await;
    assert_eq!(status, 400, "{html}");
    assert!(
        html.contains("id=\"request-summary-error\">is longer than 200 characters"),
        "{html}"
    );

    let (status, _, location) = post(
        &w,
        "/requests/new",
        &sg,
        &csrf,
        &[
            ("kind", "freeze"),
            ("to", "org:MyCERT"),
            ("observables", &format!("iban={IBAN}")),
            ("people", "account-holder: Ahmad Mule; A1234567"),
            ("summary", "Freeze the mule account"),
            ("details", "Scam proceeds moved there on 3 December."),
            ("urgency", "critical"),
            ("tlp", "amber"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let page = location.unwrap();
    assert!(page.starts_with("/requests/"), "{page}");

    // The list: both parties and the coordinator see it.
    for who in [&sg, &my, &coord] {
        let (status, html) = get(&w, "/requests", who).await;
        assert_eq!(status, 200, "{html}");
        assert!(
            html.contains(&format!("<a href=\"{page}\">Freeze the mule account</a>")),
            "{html}"
        );
        assert!(html.contains("<a href=\"/requests\" aria-current=\"page\">Requests</a>"));
    }
    let (_, html) = get(&w, "/requests?direction=received", &sg).await;
    assert!(html.contains("No request matches the filters."), "{html}");
    let (status, _) = get(&w, "/requests?state=lost", &sg).await;
    assert_eq!(status, 400);

    // The requester's page: the canonical key, the people, and only "withdraw" as a step.
    let (status, html) = get(&w, &page, &sg).await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("<code>iban|GB82WEST12345698765432</code>"),
        "{html}"
    );
    assert!(html.contains("Ahmad Mule") && html.contains("A1234567"));
    assert!(html.contains("<option value=\"withdrawn\""), "{html}");
    assert!(!html.contains("<option value=\"acknowledged\""));
    // The coordinator reads the request but never the people concerned, and takes no step.
    let (status, html) = get(&w, &page, &coord).await;
    assert_eq!(status, 200, "{html}");
    assert!(!html.contains("Ahmad Mule") && !html.contains("people-h"));
    assert!(!html.contains("step-h") && !html.contains("comment-h"));

    // A step the requester may not take: refused on the page, nothing changed.
    let csrf_sg = csrf_of(&get(&w, &page, &sg).await.1);
    let (status, html, _) = post(
        &w,
        &format!("{page}/step"),
        &sg,
        &csrf_sg,
        &[("to", "acknowledged")],
    )
    .await;
    assert_eq!(status, 409, "{html}");
    assert!(html.contains("role=\"alert\""), "{html}");
    assert!(html.contains("id=\"request-state\">submitted</span>"));

    // The target acknowledges, starts, then reports the outcome with the amount frozen.
    let (_, html) = get(&w, &page, &my).await;
    assert!(html.contains("<option value=\"acknowledged\""), "{html}");
    let csrf_my = csrf_of(&html);
    for to in ["acknowledged", "in-progress"] {
        let (status, html, _) =
            post(&w, &format!("{page}/step"), &my, &csrf_my, &[("to", to)]).await;
        assert_eq!(status, 303, "{to}: {html}");
    }
    // Declining without a reason: refused beside the reason.
    let (status, html, _) = post(
        &w,
        &format!("{page}/step"),
        &my,
        &csrf_my,
        &[("to", "declined")],
    )
    .await;
    assert_eq!(status, 400, "{html}");
    assert!(
        html.contains("id=\"step-reason-error\">give the reason for declining"),
        "{html}"
    );
    let (status, html, _) = post(
        &w,
        &format!("{page}/step"),
        &my,
        &csrf_my,
        &[
            ("to", "actioned"),
            ("result", "done"),
            ("details", "Account frozen at 09:10."),
            ("reference", "MY-FRZ-0042"),
            ("amount", "15000.50"),
            ("currency", "MYR"),
        ],
    )
    .await;
    assert_eq!(status, 303, "{html}");
    let (status, _, _) = post(
        &w,
        &format!("{page}/comments"),
        &my,
        &csrf_my,
        &[("text", "The bank confirmed the freeze.")],
    )
    .await;
    assert_eq!(status, 303);

    let (_, html) = get(&w, &page, &sg).await;
    assert!(
        html.contains("id=\"request-state\">actioned</span>"),
        "{html}"
    );
    assert!(
        html.contains("<dt>Amount frozen</dt><dd>15000.5 MYR</dd>"),
        "{html}"
    );
    assert!(html.contains("MY-FRZ-0042") && html.contains("The bank confirmed the freeze."));
    assert!(html.contains("in-progress → actioned"), "{html}");
    assert!(!html.contains("step-h"), "no step after the outcome");

    // The dashboard: the coordinator sees the request counted, actioned, frozen.
    let (status, html) = get(&w, "/requests/stats", &coord).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("<dd id=\"total-opened\">1</dd>"), "{html}");
    assert!(html.contains("<dd id=\"total-actioned\">1</dd>"));
    assert!(html.contains("<dd id=\"total-frozen\">15000.5 MYR</dd>"));
    assert!(
        html.contains("<svg class=\"chart-bars\" role=\"img\""),
        "{html}"
    );
    assert!(
        html.contains("<title>no country: 1 actioned</title>"),
        "{html}"
    );
    let (status, _) = get(&w, "/requests/stats?from=tomorrow", &coord).await;
    assert_eq!(status, 400);
    let res = crate::helpers::no_redirects()
        .get(w.app.url("/requests/stats.csv"))
        .header("cookie", &coord)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = res.text().await.unwrap();
    assert!(csv.lines().count() >= 2, "{csv}");
    assert!(csv.contains("freeze"), "{csv}");
}

#[tokio::test]
async fn an_invisible_or_unknown_request_is_the_same_not_found_page() {
    let w = world().await;
    let sg = session_of(&w, "an@own.example").await;
    let ro = session_of(&w, "ro@own.example").await;
    // A read-only user sees the list but has no form.
    let (status, html) = get(&w, "/requests", &ro).await;
    assert_eq!(status, 200, "{html}");
    assert!(!html.contains("/requests/new"));
    let (status, _) = get(&w, "/requests/new", &ro).await;
    assert_eq!(status, 403);

    let unknown = uuid::Uuid::new_v4();
    let (s1, h1) = get(&w, &format!("/requests/{unknown}"), &sg).await;
    let (s2, h2) = get(&w, "/requests/not-an-id", &sg).await;
    assert_eq!((s1, s2), (404, 404));
    assert!(h1.contains("Not found") || h1.contains("not found"), "{h1}");
    assert!(
        !h2.contains("not-an-id</"),
        "no echo of the path beyond the id"
    );
}
