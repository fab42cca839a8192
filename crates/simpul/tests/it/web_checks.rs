//! The communication checks' pages: the list with the share acknowledged and the chart of median
//! response times per organisation, a check's page with its per-target rows and summary, what an
//! organisation may not see of another's targets, the refresh while pending, and the NAV entry.

use simpul_core::comm_checks::{Channel, CheckId, NewCheck, TargetContact, TargetSpec};
use simpul_core::contacts::ContactId;

use crate::web_pages::{get, redact, session_of};
use crate::world::{World, operator, world};

/// A check of one SingCERT and one MyCERT contact, 90 s deadline; its tokens in that order.
async fn started(w: &World, title: &str) -> (CheckId, Vec<String>) {
    let new = NewCheck {
        title: title.into(),
        message: "Please confirm this address reaches your team.".into(),
        channels: vec![Channel::Email],
        kinds: vec![],
        targets: TargetSpec::AllMembers,
        deadline: "90s".parse().unwrap(),
    };
    let contact = |org, name: &str, email: &str| TargetContact {
        contact_id: ContactId::new_random(),
        org_id: org,
        name: name.into(),
        email: email.into(),
    };
    let s = w
        .service
        .start_check(
            &operator(),
            new,
            vec![
                contact(w.own.id, "Siti Rahman", "duty@own.example"),
                contact(w.other.id, "Arif Hakim", "duty@other.example"),
            ],
        )
        .await
        .unwrap();
    (s.check.id, s.tokens.into_iter().map(|t| t.token).collect())
}

fn redact_id(html: &str, id: CheckId) -> String {
    redact(html).replace(&id.to_string(), "[check-id]")
}

#[tokio::test]
async fn the_list_the_chart_and_the_check_page_show_what_the_reader_may_read() {
    let w = world().await;
    let (first, tokens) = started(&w, "Quarterly POC check").await;
    w.clock.advance(time::Duration::seconds(42));
    w.service
        .acknowledge_by_link(&tokens[0], None)
        .await
        .unwrap();
    w.clock.advance(time::Duration::seconds(60));
    // The first check is over (MyCERT did not answer); the second is running.
    let (second, tokens2) = started(&w, "Monthly duty check").await;
    w.clock.advance(time::Duration::seconds(7));
    w.service
        .acknowledge_by_link(&tokens2[1], None)
        .await
        .unwrap();

    // The coordinator (the regional CERT's user) sees both, newest first, and every target.
    let sa = session_of(&w, "sa@regional.example").await;
    let (status, html) = get(&w, "/checks", &sa).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("<a href=\"/checks\" aria-current=\"page\">Checks</a>"));
    let newer = html.find("Monthly duty check").unwrap();
    let older = html.find("Quarterly POC check").unwrap();
    assert!(newer < older);
    assert!(html.contains("<td class=\"num\">50 %</td>"), "{html}");
    assert!(
        html.contains("aria-label=\"SingCERT: median response time in 1 of the 2 newest checks\""),
        "{html}"
    );
    assert!(
        html.contains("<title>Quarterly POC check: median 42 s</title>"),
        "{html}"
    );
    insta::assert_snapshot!(
        "web_checks_list",
        redact_id(&redact_id(&html, first), second)
    );

    let (status, html) = get(&w, &format!("/checks/{first}"), &sa).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Arif Hakim") && html.contains("Siti Rahman"));
    assert!(html.contains("<span class=\"status state-no-answer\">no-answer</span>"));
    assert!(html.contains("<span class=\"status state-acknowledged\">acknowledged</span>"));
    assert!(!html.contains("data-refresh") && !html.contains("http-equiv"));
    insta::assert_snapshot!("web_check_done", redact_id(&html, first));

    // While a target is pending the progress region refreshes (script, or meta without it).
    let (_, html) = get(&w, &format!("/checks/{second}"), &sa).await;
    assert!(
        html.contains("<div id=\"progress\" data-refresh=\"5\""),
        "{html}"
    );
    assert!(html.contains("<noscript><meta http-equiv=\"refresh\" content=\"5\"></noscript>"));
    assert!(html.contains("<span class=\"status state-pending\">pending</span>"));

    // An organisation sees its own targets only: SingCERT never sees MyCERT's contact.
    let an = session_of(&w, "an@own.example").await;
    let (status, html) = get(&w, &format!("/checks/{first}"), &an).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Siti Rahman"));
    assert!(
        !html.contains("Arif Hakim") && !html.contains("MyCERT"),
        "{html}"
    );
    assert!(html.contains("<strong>100 %</strong>"), "{html}");
    let (_, html) = get(&w, "/checks", &an).await;
    assert!(
        html.contains("Quarterly POC check") && !html.contains("MyCERT"),
        "{html}"
    );

    // Not a check, not an id: the HTML not-found page.
    let (status, html) = get(&w, &format!("/checks/{}", uuid::Uuid::new_v4()), &an).await;
    assert_eq!(status, 404, "{html}");
    let (status, _) = get(&w, "/checks/not-an-id", &an).await;
    assert_eq!(status, 404);
    // Signed out: to the sign-in page, like every page.
    let (status, _) = get(&w, "/checks", "").await;
    assert_eq!(status, 303);
}

#[tokio::test]
async fn a_contact_signed_in_acknowledges_in_the_app_with_one_click() {
    let w = world().await;
    // SingCERT's analyst is a contact of SingCERT (by e-mail, matched case-insensitively).
    let new = serde_json::from_value(serde_json::json!({
        "name": "An Analyst", "emails": ["An@Own.example"], "kinds": ["24x7-duty"]
    }))
    .unwrap();
    let c = w
        .service
        .add_contact(&operator(), w.own.id, new)
        .await
        .unwrap();
    let (id, _) = started(&w, "Duty check").await;
    let new = NewCheck {
        title: "Analyst check".into(),
        message: String::new(),
        channels: vec![Channel::InApp],
        kinds: vec![],
        targets: TargetSpec::AllMembers,
        deadline: "1h".parse().unwrap(),
    };
    let target = TargetContact {
        contact_id: c.id,
        org_id: w.own.id,
        name: c.name.clone(),
        email: "an@own.example".into(),
    };
    let mine = w
        .service
        .start_check(&operator(), new, vec![target])
        .await
        .unwrap()
        .check
        .id;
    assert_ne!(id, mine);

    let an = session_of(&w, "an@own.example").await;
    let action = format!("action=\"/checks/{mine}/acknowledge\"");
    for page in ["/", "/checks"] {
        let (status, html) = get(&w, page, &an).await;
        assert_eq!(status, 200, "{html}");
        assert!(
            html.contains("<h2 id=\"mine-h\">Checks asking you</h2>"),
            "{html}"
        );
        assert!(html.contains(&action), "{html}");
        // The other check asks someone else.
        assert!(!html.contains(&format!("/checks/{id}/acknowledge")));
    }
    // Someone who is no contact sees no panel.
    let other = session_of(&w, "an@other.example").await;
    let (_, html) = get(&w, "/", &other).await;
    assert!(!html.contains("mine-h"), "{html}");

    w.clock.advance(time::Duration::seconds(75));
    let (_, html) = get(&w, "/checks", &an).await;
    let csrf = crate::web_pages::csrf_of(&html);
    let post = |cookies: &str, csrf: &str| {
        crate::helpers::no_redirects()
            .post(w.app.url(&format!("/checks/{mine}/acknowledge")))
            .header("cookie", cookies.to_owned())
            .form(&[("csrf_token", csrf.to_owned())])
            .send()
    };
    // Without the session's CSRF token: refused, nothing recorded.
    let res = post(&an, "forged").await.unwrap();
    assert_eq!(res.status(), 403);
    // Not asked: not found.
    let (_, ohtml) = get(&w, "/checks", &other).await;
    let res = post(&other, &crate::web_pages::csrf_of(&ohtml))
        .await
        .unwrap();
    assert_eq!(res.status(), 404);

    let res = post(&an, &csrf).await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], format!("/checks/{mine}"));
    let (_, html) = get(&w, &format!("/checks/{mine}"), &an).await;
    assert!(
        html.contains("<span class=\"status state-acknowledged\">acknowledged</span>"),
        "{html}"
    );
    assert!(html.contains("<td class=\"num\">1 min 15 s</td>"), "{html}");
    let report = w.service.check_report(&operator(), mine).await.unwrap();
    assert_eq!(report.results[0].response_secs, Some(75.0));
    assert_eq!(
        report.results[0].via,
        Some(simpul_core::comm_checks::AckVia::InApp)
    );
    // The panel is gone.
    let (_, html) = get(&w, "/", &an).await;
    assert!(!html.contains(&action), "{html}");
}

/// Posts the start form as `cookies` with `fields` (and the CSRF token when given).
async fn post_start(
    w: &World,
    cookies: &str,
    csrf: Option<&str>,
    fields: &[(&str, &str)],
) -> (u16, Option<String>, String) {
    let mut form: Vec<(String, String)> = fields
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    if let Some(c) = csrf {
        form.push(("csrf_token".into(), c.to_owned()));
    }
    let res = crate::helpers::no_redirects()
        .post(w.app.url("/checks"))
        .header("cookie", cookies.to_owned())
        .form(&form)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let location = res
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned());
    (status, location, res.text().await.unwrap())
}

/// A good form: SingCERT's technical POCs, in the app, within 90 s.
const GOOD: &[(&str, &str)] = &[
    ("title", "Web-started check"),
    ("targets", "orgs"),
    ("org", "SingCERT"),
    ("kind", "technical-poc"),
    ("channel", "in-app"),
    ("deadline", "90s"),
    ("message", "Please confirm you read this."),
];

#[tokio::test]
async fn a_coordinator_starts_a_check_with_the_form_and_others_may_not() {
    let w = world().await;
    for (name, email, kinds) in [
        ("Tan Wei Ling", "poc@own.example", "technical-poc"),
        ("Duty desk", "duty@own.example", "24x7-duty"),
    ] {
        let new = serde_json::from_value(serde_json::json!({
            "name": name, "emails": [email], "kinds": [kinds]
        }))
        .unwrap();
        w.service
            .add_contact(&operator(), w.own.id, new)
            .await
            .unwrap();
    }
    let sa = session_of(&w, "sa@regional.example").await;
    let (status, html) = get(&w, "/checks", &sa).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("<h2 id=\"start-h\">Start a check</h2>"));
    assert!(html.contains("<form class=\"start-check\" method=\"post\" action=\"/checks\">"));
    assert!(
        html.contains("<input type=\"checkbox\" name=\"org\" value=\"SingCERT\"> SingCERT"),
        "{html}"
    );
    assert!(html.contains("aria-describedby=\"check-deadline-help\""));
    let csrf = crate::web_pages::csrf_of(&html);

    // An analyst of a national CERT sees no form, and a post is refused whatever it holds.
    let an = session_of(&w, "an@own.example").await;
    let (status, html) = get(&w, "/checks", &an).await;
    assert_eq!(status, 200);
    assert!(!html.contains("start-h") && !html.contains("action=\"/checks\""));
    let an_csrf = crate::web_pages::csrf_of(&html);
    let (status, _, html) = post_start(&w, &an, Some(&an_csrf), GOOD).await;
    assert_eq!(status, 403, "{html}");
    assert!(html.contains("run communication checks"), "{html}");

    // Without the session's CSRF token: refused, nothing started.
    let (status, _, html) = post_start(&w, &sa, None, GOOD).await;
    assert_eq!(status, 403, "{html}");
    assert!(html.contains("Missing or wrong CSRF token"));
    let (status, _, _) = post_start(&w, &sa, Some("forged"), GOOD).await;
    assert_eq!(status, 403);
    assert!(w.service.list_checks(&operator()).await.unwrap().is_empty());

    // A bad deadline (and no channel): the form again, each reason beside its field, what was
    // typed kept; nothing started.
    let mut bad: Vec<(&str, &str)> = GOOD
        .iter()
        .copied()
        .filter(|(k, _)| *k != "deadline" && *k != "channel")
        .collect();
    bad.push(("deadline", "soon"));
    let (status, _, html) = post_start(&w, &sa, Some(&csrf), &bad).await;
    assert_eq!(status, 400, "{html}");
    assert!(html.contains("The check was not started"), "{html}");
    assert!(
        html.contains(
            "aria-invalid=\"true\" aria-describedby=\"check-deadline-help check-deadline-error\""
        ),
        "{html}"
    );
    assert!(
        html.contains("<span class=\"error\" id=\"check-deadline-error\">`soon` is not a duration"),
        "{html}"
    );
    assert!(
        html.contains(
            "<span class=\"error\" id=\"check-channels-error\">tick at least one channel"
        )
    );
    assert!(html.contains("value=\"Web-started check\""));
    assert!(html.contains("<input type=\"checkbox\" name=\"org\" value=\"SingCERT\" checked>"));
    assert!(html.contains("<input type=\"radio\" name=\"targets\" value=\"orgs\" checked>"));
    assert!(html.contains(">Please confirm you read this.</textarea>"));
    insta::assert_snapshot!("web_checks_start_refused", crate::web_pages::redact(&html));
    // What core refuses after reading the form (no contact of these kinds) comes back the same way.
    let mut none: Vec<(&str, &str)> = GOOD.iter().copied().filter(|(k, _)| *k != "kind").collect();
    none.push(("kind", "escalation"));
    let (status, _, html) = post_start(&w, &sa, Some(&csrf), &none).await;
    assert_eq!(status, 400, "{html}");
    assert!(
        html.contains("<span class=\"error\" id=\"check-targets-error\">no contact matches these targets and kinds</span>"),
        "{html}"
    );
    assert!(w.service.list_checks(&operator()).await.unwrap().is_empty());

    // A good form starts the check and shows it.
    let (status, location, _) = post_start(&w, &sa, Some(&csrf), GOOD).await;
    assert_eq!(status, 303);
    let checks = w.service.list_checks(&operator()).await.unwrap();
    assert_eq!(checks.len(), 1);
    let id = checks[0].id;
    assert_eq!(location.as_deref(), Some(format!("/checks/{id}").as_str()));
    let report = w.service.check_report(&operator(), id).await.unwrap();
    assert_eq!(report.check.title, "Web-started check");
    assert_eq!(
        report.check.deadline_at - report.check.started_at,
        time::Duration::seconds(90)
    );
    assert_eq!(report.check.channels, vec![Channel::InApp]);
    let names: Vec<&str> = report
        .results
        .iter()
        .map(|t| t.contact.name.as_str())
        .collect();
    assert_eq!(names, ["Tan Wei Ling"], "technical POCs of SingCERT only");
    let (status, html) = get(&w, &format!("/checks/{id}"), &sa).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("<h1>Web-started check</h1>"));
    assert!(html.contains("<span class=\"status state-pending\">pending</span>"));
    assert!(html.contains("</time> by you;"), "{html}");
    // SingCERT's analyst reads its own targets' results, and who started it in general terms.
    let (status, html) = get(&w, &format!("/checks/{id}"), &an).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Tan Wei Ling") && html.contains("</time> by a coordinator;"));
}
